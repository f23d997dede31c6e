//! `POST /refresh`: the refresh-token grant with rotation, a grace interval
//! for retries, and reuse detection that revokes the session (README,
//! "Tokens"). Refresh tokens are opaque (`shared::refresh`): nothing here
//! verifies a signature; the store checks the token's secret against its hash.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::request::{Accepts, RequestBody, parse_form, parse_json, read_body, require_grant};
use shared::response::json_no_store;
use shared::services::Mail;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, RefreshToken, Services, Sessions};

/// Rotation reads the token and its family while the profile is read: three calls at once.
pub const NEEDS: Needs = Needs {
    keys: Keys::Sign,
    store: &[Op::RotateRefresh, Op::Profile],
    connections: 3,
    mail: Mail::None,
    other_actions: &[],
};

pub struct Refresh<S> {
    pub store: S,
    pub sessions: Sessions,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Refresh<S> {
    pub fn new(store: S, services: &Services) -> Self {
        Self { store, sessions: services.sessions(), clock: services.clock.clone() }
    }
}

#[derive(Deserialize)]
struct JsonRefresh {
    refresh_token: String,
}

/// RFC 6749 §6; other parameters (`client_id`, `scope`) are ignored.
#[derive(Deserialize)]
struct FormRefresh {
    grant_type: Option<String>,
    refresh_token: Option<String>,
}

pub async fn handle<S: Store>(req: Request, deps: &Refresh<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(refresh(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

/// The refresh token of a JSON or OAuth2 form body.
pub fn presented_token(req: &Request) -> Result<String, ApiError> {
    match read_body(req, Accepts::JsonOrForm)? {
        RequestBody::Json(bytes) => Ok(parse_json::<JsonRefresh>(bytes)?.refresh_token),
        RequestBody::Form(bytes) => {
            let form: FormRefresh = parse_form(bytes)?;
            require_grant(form.grant_type.as_deref(), "refresh_token")?;
            form.refresh_token.ok_or_else(|| ApiError::invalid_request("refresh_token is required"))
        }
    }
}

async fn refresh<S: Store>(req: &Request, deps: &Refresh<S>) -> Result<Response<Body>, ApiError> {
    let presented = RefreshToken::parse(&presented_token(req)?).map_err(|_| {
        tracing::info!("refresh refused: not a refresh token");
        Sessions::not_a_refresh_token()
    })?;
    let tokens = deps.sessions.rotate(&deps.store, &presented, deps.clock.now()).await?;
    Ok(json_no_store(StatusCode::OK, &tokens))
}

#[cfg(test)]
mod tests;

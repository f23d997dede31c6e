//! `POST /refresh`: the refresh-token grant with rotation, a grace interval
//! for retries, and reuse detection that revokes the session (README,
//! "Tokens"). Refresh tokens are opaque (`shared::refresh`): nothing here
//! verifies a signature; the store checks the token's secret against its hash.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Size;
use shared::delivery::{Delivery, Presented, clear_cookies, presented_refresh};
use shared::endpoint::Endpoint;
use shared::origins::AllowedOrigins;
use shared::request::{Accepts, RequestBody, parse_form, parse_json, read_body, require_grant};
use shared::routes::Function;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, RefreshToken, Services, Sessions, TokenPair};

/// What a refresh needs (also `/token`'s refresh_token grant). Rotation
/// reads the session's item while the profile is read: two calls at once.
pub const NEEDS: Needs = Needs {
    keys: Keys::Sign,
    store: &[Op::RotateRefresh, Op::Profile],
    connections: 2,
    size: Size::SIGNS,
    ..Needs::NOTHING
};

pub struct Refresh<S> {
    pub store: S,
    pub sessions: Sessions,
    pub clock: Arc<dyn Clock>,
    pub origins: AllowedOrigins,
}

impl<S: Store> Endpoint<S> for Refresh<S> {
    const FUNCTION: Function = Function::Refresh;
    const NEEDS: Needs = NEEDS;

    fn new(store: S, services: &Services) -> Self {
        Self { store, sessions: services.sessions(), clock: services.clock.clone(), origins: services.origins.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
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

/// The refresh token of a JSON or OAuth2 form body; none in an empty body,
/// when a browser sends its cookie instead.
pub fn presented_token(req: &Request) -> Result<Option<String>, ApiError> {
    if req.body().is_empty() {
        return Ok(None);
    }
    match read_body(req, Accepts::JsonOrForm)? {
        RequestBody::Json(bytes) => Ok(Some(parse_json::<JsonRefresh>(bytes)?.refresh_token)),
        RequestBody::Form(bytes) => {
            let form: FormRefresh = parse_form(bytes)?;
            require_grant(form.grant_type.as_deref(), "refresh_token")?;
            Ok(form.refresh_token)
        }
    }
}

async fn refresh<S: Store>(req: &Request, deps: &Refresh<S>) -> Result<Response<Body>, ApiError> {
    let requested = Delivery::requested(req)?;
    let presented = presented_refresh(req, presented_token(req)?, &deps.origins)?;
    let delivery = presented.delivery(requested);
    match rotate(&presented, deps).await {
        Ok(tokens) => Ok(delivery.respond(StatusCode::OK, tokens)),
        // A refused cookie is of no further use to the browser.
        Err(err) if matches!(presented, Presented::Cookie(_)) => {
            let mut response = err.into_response();
            clear_cookies(&mut response);
            Ok(response)
        }
        Err(err) => Err(err),
    }
}

async fn rotate<S: Store>(presented: &Presented, deps: &Refresh<S>) -> Result<TokenPair, ApiError> {
    let token = RefreshToken::parse(presented.token()).map_err(|_| {
        tracing::info!("refresh refused: not a refresh token");
        Sessions::not_a_refresh_token()
    })?;
    deps.sessions.rotate(&deps.store, &token, deps.clock.now()).await
}

#[cfg(test)]
mod tests;

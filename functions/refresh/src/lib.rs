//! `POST /refresh`: the refresh-token grant with rotation, a grace interval
//! for retries, and reuse detection that revokes the session (SPEC §4).

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::http::{Accepts, RequestBody, parse_form, parse_json, read_body};
use shared::responses::new_refresh;
use shared::store::{Rotation, Store, TokenRef};
use shared::{ApiError, Clock, TokenIssuer, TokenPair, TokenVerifier};

const INVALID: &str = "the refresh token is invalid, expired or revoked";
const REUSED: &str = "the refresh token was already used; the session has been revoked";

pub struct Refresh<S> {
    pub store: S,
    pub issuer: Arc<TokenIssuer>,
    pub verifier: Arc<TokenVerifier>,
    /// Seconds during which a retried refresh gets the same successor.
    pub grace: u64,
    pub clock: Arc<dyn Clock>,
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
            match form.grant_type.as_deref() {
                None => return Err(ApiError::invalid_request("grant_type is required")),
                Some("refresh_token") => {}
                Some(_) => return Err(ApiError::UnsupportedGrantType("refresh_token")),
            }
            form.refresh_token.ok_or_else(|| ApiError::invalid_request("refresh_token is required"))
        }
    }
}

async fn refresh<S: Store>(req: &Request, deps: &Refresh<S>) -> Result<Response<Body>, ApiError> {
    let token = presented_token(req)?;
    let now = deps.clock.now();
    let claims = deps.verifier.verify_refresh(&token, now).map_err(|err| {
        tracing::info!(reason = %err, "refresh refused: token rejected");
        ApiError::InvalidGrant(INVALID)
    })?;
    let presented = TokenRef { user_id: &claims.sub, family_id: &claims.fam, token_id: &claims.jti };
    let successor = new_refresh(&deps.issuer, &claims.sub, Some(&claims.fam), now);
    let (rotation, profile) = tokio::try_join!(
        deps.store.rotate_refresh(presented, &successor, now, deps.grace),
        deps.store.profile(&claims.sub),
    )?;
    let next = match rotation {
        Rotation::Rotated(next) | Rotation::Replayed(next) => next,
        Rotation::Reused => {
            tracing::warn!(user_id = %claims.sub, family_id = %claims.fam, "refresh token reused: session revoked");
            return Err(ApiError::InvalidGrant(REUSED));
        }
        Rotation::Refused(why) => {
            tracing::info!(reason = ?why, "refresh refused");
            return Err(ApiError::InvalidGrant(INVALID));
        }
    };
    let profile = profile.ok_or(ApiError::InvalidGrant(INVALID))?;
    Ok(TokenPair::issue(&deps.issuer, &profile.email, &next, now)?.into_response(StatusCode::OK))
}

#[cfg(test)]
mod tests;

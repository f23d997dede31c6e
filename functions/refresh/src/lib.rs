//! `POST /refresh`: the refresh-token grant with rotation, a grace interval
//! for retries, and reuse detection that revokes the session (SPEC §4).
//! Refresh tokens are opaque (`shared::refresh`): nothing here verifies a
//! signature; the store checks the token's secret against its hash.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::http::{Accepts, RequestBody, parse_form, parse_json, read_body};
use shared::store::{Rotation, Store};
use shared::{ApiError, Clock, RefreshToken, TokenIssuer, TokenPair};

const INVALID: &str = "the refresh token is invalid, expired or revoked";
const REUSED: &str = "the refresh token was already used; the session has been revoked";

pub struct Refresh<S> {
    pub store: S,
    pub issuer: Arc<TokenIssuer>,
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
    let presented = RefreshToken::parse(&presented_token(req)?).map_err(|_| {
        tracing::info!("refresh refused: not a refresh token");
        ApiError::InvalidGrant(INVALID)
    })?;
    let now = deps.clock.now();
    let hash = presented.secret_hash();
    let successor = presented.next();
    let record = successor.record(now, deps.issuer.refresh_ttl());
    let (rotation, profile) = tokio::try_join!(
        deps.store.rotate_refresh(presented.reference(&hash), &record, now, deps.grace),
        deps.store.profile(&presented.user_id),
    )?;
    let (next, next_record) = match rotation {
        Rotation::Rotated(stored) => (successor, stored),
        // The same successor as the first time: derived from this token and its stored id.
        Rotation::Replayed(stored) => (presented.successor(&stored.token_id), stored),
        Rotation::Reused => {
            let (user_id, family_id) = (&presented.user_id, &presented.family_id);
            tracing::warn!(%user_id, %family_id, "refresh token reused: session revoked");
            return Err(ApiError::InvalidGrant(REUSED));
        }
        Rotation::Refused(why) => {
            tracing::info!(reason = ?why, "refresh refused");
            return Err(ApiError::InvalidGrant(INVALID));
        }
    };
    let profile = profile.ok_or(ApiError::InvalidGrant(INVALID))?;
    let pair = TokenPair::issue(&deps.issuer, &profile.email, &next, next_record.expires_at, now)?;
    Ok(pair.into_response(StatusCode::OK))
}

#[cfg(test)]
mod tests;

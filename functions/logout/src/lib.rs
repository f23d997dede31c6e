//! `POST /logout`: revokes the presented refresh token's session, or every
//! session of its user. Idempotent (RFC 7009 §2.2): a token that is unknown,
//! expired or already revoked also gets 204; only a malformed body is 400.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::http::{Accepts, RequestBody, no_content, parse_json, read_body};
use shared::store::Store;
use shared::{ApiError, Clock, TokenVerifier};

pub struct Logout<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum Scope {
    #[default]
    Local,
    Global,
}

#[derive(Deserialize)]
struct LogoutRequest {
    refresh_token: String,
    #[serde(default)]
    scope: Scope,
}

pub async fn handle<S: Store>(req: Request, deps: &Logout<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(logout(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn logout<S: Store>(req: &Request, deps: &Logout<S>) -> Result<Response<Body>, ApiError> {
    let RequestBody::Json(bytes) = read_body(req, Accepts::Json)? else { unreachable!("JSON only") };
    let body: LogoutRequest = parse_json(bytes)?;
    let now = deps.clock.now();
    // An expired but genuine token still names the session it belonged to.
    let Ok(claims) = deps.verifier.verify_refresh_ignoring_expiry(&body.refresh_token, now) else {
        tracing::info!("logout with an unusable token: nothing to revoke");
        return Ok(no_content());
    };
    match body.scope {
        Scope::Local => deps.store.revoke_family(&claims.sub, &claims.fam, now).await?,
        Scope::Global => {
            let revoked = deps.store.revoke_all(&claims.sub, now).await?;
            tracing::info!(user_id = %claims.sub, sessions = revoked, "logged out everywhere");
        }
    }
    Ok(no_content())
}

#[cfg(test)]
mod tests;

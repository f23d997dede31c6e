//! `POST /logout`: revokes the presented refresh token's session, or every
//! session of its user. Idempotent (RFC 7009 §2.2): a token that is unknown,
//! expired or already revoked also gets 204; only a malformed body is 400.
//! The refresh token is the credential: the store checks its secret, so this
//! function holds no key at all.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::request::json_body;
use shared::response::no_content;
use shared::services::Mail;
use shared::store::{Op, Store, presents};
use shared::{ApiError, Clock, Keys, Needs, RefreshToken, Services};

/// The token and its family are read at once.
pub const NEEDS: Needs = Needs {
    keys: Keys::None,
    store: &[Op::RefreshState, Op::RevokeFamily, Op::RevokeAll],
    connections: 2,
    mail: Mail::None,
    other_actions: &[],
};

pub struct Logout<S> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Logout<S> {
    pub fn new(store: S, services: &Services) -> Self {
        Self { store, clock: services.clock.clone() }
    }
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
    let body: LogoutRequest = json_body(req)?;
    let now = deps.clock.now();
    let Ok(presented) = RefreshToken::parse(&body.refresh_token) else {
        tracing::info!("logout with something that is not a refresh token: nothing to revoke");
        return Ok(no_content());
    };
    let hash = presented.secret_hash();
    let token = presented.reference(&hash);
    // An expired but genuine token still names the session it belonged to.
    let genuine = deps.store.refresh_state(token).await?.is_some_and(|state| presents(token, &state));
    if !genuine {
        tracing::info!("logout with an unknown refresh token: nothing to revoke");
        return Ok(no_content());
    }
    match body.scope {
        Scope::Local => deps.store.revoke_family(&presented.user_id, &presented.family_id, now).await?,
        Scope::Global => {
            let revoked = deps.store.revoke_all(&presented.user_id, now).await?;
            tracing::info!(user_id = %presented.user_id, sessions = revoked, "logged out everywhere");
        }
    }
    Ok(no_content())
}

#[cfg(test)]
mod tests;

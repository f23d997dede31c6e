//! `POST /logout`: revokes the presented refresh token's session, or every
//! session of its user. Idempotent (RFC 7009 §2.2): a token that is unknown,
//! expired or already revoked also gets 204; only a malformed body is 400.
//! The refresh token is the credential: the store checks its secret, so this
//! function holds no key at all.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::delivery::{Delivery, clear_cookies, presented_refresh};
use shared::endpoint::Endpoint;
use shared::origins::AllowedOrigins;
use shared::request::json_body;
use shared::response::no_content;
use shared::routes::Function;
use shared::store::{Op, Store, presents};
use shared::{ApiError, Clock, Needs, RefreshToken, Services};

/// The token and its family are read at once.
pub struct Logout<S> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
    pub origins: AllowedOrigins,
}

impl<S: Store> Endpoint<S> for Logout<S> {
    const FUNCTION: Function = Function::Logout;
    const NEEDS: Needs =
        Needs { store: &[Op::RefreshState, Op::RevokeFamily, Op::RevokeAll], connections: 2, ..Needs::NOTHING };

    fn new(store: S, services: &Services) -> Self {
        Self { store, clock: services.clock.clone(), origins: services.origins.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum Scope {
    #[default]
    Local,
    Global,
}

/// Without `refresh_token`, the browser's refresh cookie is the one meant.
#[derive(Deserialize, Default)]
struct LogoutRequest {
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Scope,
}

pub async fn handle<S: Store>(req: Request, deps: &Logout<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(logout(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn logout<S: Store>(req: &Request, deps: &Logout<S>) -> Result<Response<Body>, ApiError> {
    let requested = Delivery::requested(req)?;
    let body: LogoutRequest = if req.body().is_empty() { LogoutRequest::default() } else { json_body(req)? };
    let presented = presented_refresh(req, body.refresh_token, &deps.origins)?;
    revoke(presented.token(), body.scope, deps).await?;
    let mut response = no_content();
    if presented.delivery(requested) == Delivery::Cookies {
        clear_cookies(&mut response);
    }
    Ok(response)
}

async fn revoke<S: Store>(token: &str, scope: Scope, deps: &Logout<S>) -> Result<(), ApiError> {
    let now = deps.clock.now();
    let Ok(presented) = RefreshToken::parse(token) else {
        tracing::info!("logout with something that is not a refresh token: nothing to revoke");
        return Ok(());
    };
    let hash = presented.secret_hash();
    let token = presented.reference(&hash);
    // An expired but genuine token still names the session it belonged to.
    let genuine = deps.store.refresh_state(token).await?.is_some_and(|state| presents(token, &state));
    if !genuine {
        tracing::info!("logout with an unknown refresh token: nothing to revoke");
        return Ok(());
    }
    match scope {
        Scope::Local => deps.store.revoke_family(&presented.user_id, &presented.family_id, now).await?,
        Scope::Global => {
            let revoked = deps.store.revoke_all(&presented.user_id, now).await?;
            tracing::info!(user_id = %presented.user_id, sessions = revoked, "logged out everywhere");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

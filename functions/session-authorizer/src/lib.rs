//! The authorizer with the session check (`SESSION_CHECK=on`). The token is
//! verified exactly as `authorizer` verifies it; an allow then also needs its
//! session (the token's `sid`) to be live, which one strongly consistent read
//! of the session item answers, kept for `SESSION_CACHE_SECONDS`. A logout,
//! a reset, a deleted account or a reused refresh token thus denies within
//! that time (plus the gateway's own cache), not when the token expires.
//!
//! It fails closed: when the store cannot answer, the request is denied and
//! the log says why. Tokens issued before sessions were named carry no `sid`
//! and are allowed until they expire, so turning the check on logs nobody out.

mod cache;

use std::sync::{Arc, Mutex};

use authorizer::{AuthContext, Authorizer, Unauthorized};
use aws_lambda_events::apigw::{ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request};
use lambda_runtime::LambdaEvent;
use serde_json::value::RawValue;
use shared::store::Store;
use shared::store::ops::Op;
use shared::{AccessClaims, Clock, Keys, Needs, Services};

pub use cache::{MAX_ENTRIES, SessionCache};

/// Public keys and one read: no key that signs, no write.
pub const NEEDS: Needs = Needs { keys: Keys::Verify, store: &[Op::ReadSession], connections: 1, ..Needs::NOTHING };

/// Confirms that a verified token's session is still live.
pub struct SessionCheck<S> {
    store: S,
    clock: Arc<dyn Clock>,
    cache: Mutex<SessionCache>,
}

impl<S: Store> SessionCheck<S> {
    pub fn new(store: S, clock: Arc<dyn Clock>, cache_seconds: u64) -> Self {
        Self { store, clock, cache: Mutex::new(SessionCache::new(cache_seconds)) }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, SessionCache> {
        // The cache holds plain data: a panic elsewhere cannot leave it half-written.
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub async fn live(&self, claims: &AccessClaims) -> bool {
        let Some(session) = claims.sid.as_deref() else { return true };
        let now = self.clock.now();
        if let Some(live) = self.cache().lookup(&claims.sub, session, claims.exp, now) {
            return live;
        }
        match self.store.session_live(&claims.sub, session, now).await {
            Ok(live_until) => {
                self.cache().insert(&claims.sub, session, live_until, now);
                if live_until.is_none() {
                    tracing::debug!(reason = "the session has ended", "denied");
                }
                live_until.is_some()
            }
            Err(err) => {
                tracing::error!(error = %err, "denied: the session could not be checked");
                false
            }
        }
    }
}

/// The token checks, and the session check when it is on (always in the
/// Lambda binary; by `SESSION_CHECK` in local-api).
pub struct SessionAuthorizer<S> {
    pub tokens: Authorizer,
    pub sessions: Option<SessionCheck<S>>,
}

impl<S: Store> SessionAuthorizer<S> {
    /// As `services.session_check` says.
    pub fn new(store: S, services: &Services) -> Self {
        let settings = services.session_check;
        let sessions =
            settings.enabled.then(|| SessionCheck::new(store, services.clock.clone(), settings.cache_seconds));
        Self { tokens: Authorizer::new(services), sessions }
    }

    /// With the check on, whatever `SESSION_CHECK` says: this binary exists for it.
    pub fn checked(store: S, services: &Services) -> Self {
        let seconds = services.session_check.cache_seconds;
        Self {
            tokens: Authorizer::new(services),
            sessions: Some(SessionCheck::new(store, services.clock.clone(), seconds)),
        }
    }

    async fn confirm(&self, claims: Option<AccessClaims>) -> Option<AccessClaims> {
        match (claims, &self.sessions) {
            (Some(claims), Some(check)) => check.live(&claims).await.then_some(claims),
            (claims, _) => claims,
        }
    }
}

pub async fn handle<S: Store>(
    event: LambdaEvent<Box<RawValue>>,
    deps: &SessionAuthorizer<S>,
) -> Result<Box<RawValue>, Unauthorized> {
    authorize(event.payload.get(), deps).await.map(authorizer::raw)
}

/// Event JSON in, decision JSON out, for every event shape `authorizer` takes.
pub async fn authorize<S: Store>(event: &str, deps: &SessionAuthorizer<S>) -> Result<String, Unauthorized> {
    let mut verdict = authorizer::verdict(event, &deps.tokens)?;
    if let (Some(claims), Some(check)) = (verdict.claims(), &deps.sessions)
        && !check.live(claims).await
    {
        verdict.deny();
    }
    Ok(verdict.render())
}

/// The decision for an HTTP API payload 2.0 event, as a simple response.
pub async fn http_v2<S: Store>(
    event: &ApiGatewayV2CustomAuthorizerV2Request,
    deps: &SessionAuthorizer<S>,
) -> ApiGatewayV2CustomAuthorizerSimpleResponse<AuthContext> {
    let claims = deps.confirm(authorizer::http_v2_claims(event, &deps.tokens)).await;
    authorizer::simple_response(claims)
}

#[cfg(test)]
mod tests;

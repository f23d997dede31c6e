//! `DELETE /sessions/{id}` (behind the authorizer): revokes one of the
//! caller's sessions ("log out this device"). Sessions live in their user's
//! partition, so an id that is not one of the caller's live sessions, another
//! user's included, is `404 not_found` and nothing is written.

use std::sync::Arc;

use lambda_http::{Body, Request, RequestExt, Response};
use shared::endpoint::Endpoint;
use shared::response::no_content;
use shared::routes::Function;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller};

pub const NO_SUCH_SESSION: &str = "no live session of this account has this id";

pub struct EndSession<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for EndSession<S> {
    const FUNCTION: Function = Function::EndSession;
    const NEEDS: Needs =
        Needs { keys: Keys::Verify, store: &[Op::ReadSession, Op::RevokeFamily], connections: 1, ..Needs::NOTHING };

    fn new(store: S, services: &Services) -> Self {
        Self { store, verifier: services.verifier(), clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

pub async fn handle<S: Store>(req: Request, deps: &EndSession<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(end(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn end<S: Store>(req: &Request, deps: &EndSession<S>) -> Result<Response<Body>, ApiError> {
    let now = deps.clock.now();
    let caller = caller::identify(req, &deps.verifier, now)?;
    let parameters = req.path_parameters();
    let id = parameters.first("id").ok_or(ApiError::NotFound(NO_SUCH_SESSION))?;
    // One read of that session, in the caller's own partition: another
    // user's session id is simply not found there.
    if deps.store.session_live(&caller.user_id, id, now).await?.is_none() {
        return Err(ApiError::NotFound(NO_SUCH_SESSION));
    }
    deps.store.revoke_family(&caller.user_id, id, now).await?;
    tracing::info!(user_id = %caller.user_id, session = %id, "session ended");
    Ok(no_content())
}

#[cfg(test)]
mod tests;

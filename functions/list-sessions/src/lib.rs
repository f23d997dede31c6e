//! `GET /sessions` (behind the authorizer): the caller's live sessions,
//! the one used last first, each with when it began and was last refreshed,
//! and which one the caller's own token belongs to (`current`, by its `sid`).

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::bodies::SessionBody;
use shared::endpoint::Endpoint;
use shared::response::json_no_store;
use shared::routes::Function;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller};

pub struct ListSessions<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for ListSessions<S> {
    const FUNCTION: Function = Function::ListSessions;
    const NEEDS: Needs = Needs { keys: Keys::Verify, store: &[Op::ListSessions], connections: 1, ..Needs::NOTHING };

    fn new(store: S, services: &Services) -> Self {
        Self { store, verifier: services.verifier(), clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

pub async fn handle<S: Store>(req: Request, deps: &ListSessions<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(list(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn list<S: Store>(req: &Request, deps: &ListSessions<S>) -> Result<Response<Body>, ApiError> {
    let now = deps.clock.now();
    let caller = caller::identify(req, &deps.verifier, now)?;
    let sessions = deps.store.sessions(&caller.user_id, now).await?;
    let body: Vec<SessionBody> = sessions.iter().map(|s| SessionBody::new(s, caller.sid.as_deref())).collect();
    Ok(json_no_store(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests;

//! `GET /passkeys` (behind the authorizer): the caller's passkeys, oldest
//! first, with when each was added and last used. Never their keys.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::bodies::PasskeyBody;
use shared::endpoint::Endpoint;
use shared::response::json_no_store;
use shared::routes::Function;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller};

pub struct ListPasskeys<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for ListPasskeys<S> {
    const FUNCTION: Function = Function::ListPasskeys;
    const NEEDS: Needs = Needs { keys: Keys::Verify, store: &[Op::ListPasskeys], connections: 1, ..Needs::NOTHING };

    fn new(store: S, services: &Services) -> Self {
        Self { store, verifier: services.verifier(), clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

pub async fn handle<S: Store>(req: Request, deps: &ListPasskeys<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(list(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn list<S: Store>(req: &Request, deps: &ListPasskeys<S>) -> Result<Response<Body>, ApiError> {
    let user_id = caller::subject(req, &deps.verifier, deps.clock.now())?;
    let keys = deps.store.passkeys(&user_id).await?;
    let body: Vec<PasskeyBody> = keys.iter().map(PasskeyBody::from).collect();
    Ok(json_no_store(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests;

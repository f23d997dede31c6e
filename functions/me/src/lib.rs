//! `GET /me`: the caller's user. Behind the authorizer it reads the user id
//! from `requestContext.authorizer.lambda.sub`; invoked without one (e.g.
//! under `cargo lambda watch`) it verifies the bearer token itself with the
//! same `shared` code and answers RFC 6750 401s.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::endpoint::Endpoint;
use shared::response::json_no_store;
use shared::routes::Function;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, UserBody};

pub struct Me<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for Me<S> {
    const FUNCTION: Function = Function::Me;
    const NEEDS: Needs = Needs { keys: Keys::Verify, store: &[Op::Profile], connections: 1, ..Needs::NOTHING };

    fn new(store: S, services: &Services) -> Self {
        Self { store, verifier: services.verifier(), clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

pub async fn handle<S: Store>(req: Request, deps: &Me<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(me(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

pub use shared::caller::{authorizer_subject, subject};

async fn me<S: Store>(req: &Request, deps: &Me<S>) -> Result<Response<Body>, ApiError> {
    let user_id = subject(req, &deps.verifier, deps.clock.now())?;
    let profile = deps.store.profile(&user_id).await?.ok_or(ApiError::InvalidToken(shared::caller::GONE))?;
    Ok(json_no_store(StatusCode::OK, &UserBody::from(&profile)))
}

#[cfg(test)]
mod tests;

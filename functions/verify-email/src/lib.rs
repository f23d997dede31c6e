//! `POST /email/verify`: spends a verification token from a mailed link and
//! marks the address verified, in one conditional write.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::endpoint::Endpoint;
use shared::onetime::{INVALID, OneTimeToken};
use shared::request::json_body;
use shared::response::json_no_store;
use shared::routes::Function;
use shared::store::{Op, Purpose, Store};
use shared::{ApiError, Clock, Needs, Services, UserBody};

pub struct VerifyEmail<S> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for VerifyEmail<S> {
    const FUNCTION: Function = Function::VerifyEmail;
    const NEEDS: Needs = Needs { store: &[Op::VerifyEmail], connections: 1, ..Needs::NOTHING };

    fn new(store: S, services: &Services) -> Self {
        Self { store, clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

#[derive(Deserialize)]
struct TokenRequest {
    token: String,
}

pub async fn handle<S: Store>(req: Request, deps: &VerifyEmail<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(verify(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn verify<S: Store>(req: &Request, deps: &VerifyEmail<S>) -> Result<Response<Body>, ApiError> {
    let body: TokenRequest = json_body(req)?;
    let token = OneTimeToken::presented(&body.token, Purpose::VerifyEmail)?;
    let hash = token.secret_hash();
    let profile = deps.store.verify_email(token.proof(&hash, deps.clock.now())).await?;
    let profile = profile.ok_or(ApiError::InvalidGrant(INVALID))?;
    tracing::info!(user_id = %profile.id, "email verified");
    Ok(json_no_store(StatusCode::OK, &UserBody::from(&profile)))
}

#[cfg(test)]
mod tests;

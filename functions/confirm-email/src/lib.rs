//! `POST /email/change/confirm`: spends an email-change token from the link
//! mailed to the new address and moves the account there, in one
//! transaction: the old claim out, the new one in on condition the address
//! is still free (else `409 email_taken` and nothing changes), the profile
//! updated. The old address can sign up again afterwards.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::endpoint::Endpoint;
use shared::onetime::{INVALID, OneTimeToken};
use shared::request::json_body;
use shared::response::json_no_store;
use shared::routes::Function;
use shared::store::{EmailChange, Op, Purpose, Store};
use shared::{ApiError, Clock, Needs, Services, UserBody};

pub struct ConfirmEmail<S> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for ConfirmEmail<S> {
    const FUNCTION: Function = Function::ConfirmEmail;
    const NEEDS: Needs = Needs { store: &[Op::ChangeEmail], connections: 3, ..Needs::NOTHING };

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

pub async fn handle<S: Store>(req: Request, deps: &ConfirmEmail<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(confirm(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn confirm<S: Store>(req: &Request, deps: &ConfirmEmail<S>) -> Result<Response<Body>, ApiError> {
    let body: TokenRequest = json_body(req)?;
    let token = OneTimeToken::presented(&body.token, Purpose::ChangeEmail)?;
    let hash = token.secret_hash();
    match deps.store.change_email(token.proof(&hash, deps.clock.now())).await? {
        EmailChange::Changed { profile, .. } => {
            tracing::info!(user_id = %profile.id, "email changed");
            Ok(json_no_store(StatusCode::OK, &UserBody::from(&profile)))
        }
        EmailChange::Invalid => Err(ApiError::InvalidGrant(INVALID)),
        EmailChange::Taken => Err(ApiError::EmailTaken),
    }
}

#[cfg(test)]
mod tests;

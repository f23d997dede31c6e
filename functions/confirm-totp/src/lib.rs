//! `POST /mfa/totp/confirm` (behind the authorizer): a code from the
//! pending secret turns TOTP on, spends that code's time step, and returns
//! ten recovery codes, this once (the store keeps their hashes). A notice
//! goes to the account's address.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::Uses;
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::request::json_body;
use shared::response::json_no_store;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{Op, Store};
use shared::totp::{Authenticator, TotpSecret};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller, recovery};

pub const NOTHING_PENDING: &str = "no TOTP enrolment is pending; start one with POST /mfa/totp/enroll";
pub const WRONG_CODE: &str = "the code is not the authenticator's current one";

pub struct ConfirmTotp<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for ConfirmTotp<S> {
    const FUNCTION: Function = Function::ConfirmTotp;
    const NEEDS: Needs = Needs {
        keys: Keys::Verify,
        store: &[Op::ReadTotp, Op::ConfirmTotp, Op::Profile],
        connections: 1,
        mail: Mail::HandsOff,
        uses: &[Uses::Totp],
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self { store, verifier: services.verifier(), handoff: services.handoff(), clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: String,
}

#[derive(Serialize)]
struct Confirmed {
    recovery_codes: Vec<String>,
}

pub async fn handle<S: Store>(req: Request, deps: &ConfirmTotp<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(confirm(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn confirm<S: Store>(req: &Request, deps: &ConfirmTotp<S>) -> Result<Response<Body>, ApiError> {
    let now = deps.clock.now();
    let user_id = caller::subject(req, &deps.verifier, now)?;
    let body: CodeBody = json_body(req)?;
    let pending = deps.store.totp_factor(&user_id).await?.filter(|f| !f.confirmed);
    let pending = pending.ok_or_else(|| ApiError::invalid_request(NOTHING_PENDING))?;
    let secret = TotpSecret::from_base32(&pending.secret).ok_or(ApiError::Internal)?;
    let Some(step) = Authenticator::new(&secret, "", "").matching_step(&body.code, now) else {
        tracing::info!(%user_id, "TOTP confirmation refused: wrong code");
        return Err(ApiError::InvalidGrant(WRONG_CODE));
    };
    let codes = recovery::generate();
    let hashes: Vec<String> = codes.iter().filter_map(|code| recovery::hash(&user_id, code)).collect();
    // Refused when another enrolment replaced this secret, or a racing confirmation won.
    if !deps.store.confirm_totp(&user_id, &pending.secret, step, &hashes).await? {
        return Err(ApiError::invalid_request(NOTHING_PENDING));
    }
    tracing::info!(%user_id, "TOTP turned on");
    if let Some(profile) = deps.store.profile(&user_id).await? {
        deps.handoff.hand_off(MailJob::Notice { email: profile.email, notice: Notice::TotpEnabled }).await;
    }
    Ok(json_no_store(StatusCode::OK, &Confirmed { recovery_codes: codes }))
}

#[cfg(test)]
mod tests;

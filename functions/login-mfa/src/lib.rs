//! `POST /login/mfa`: the second step of a login whose password was right.
//! It trades the `mfa_token` of the `403 mfa_required` answer and a code
//! from the authenticator (or a recovery code) for TOKENS whose `amr` says
//! which (`["pwd","otp"]` or `["pwd","mfa"]`).
//!
//! Every code is counted against the pending login before it is checked,
//! so however many race, at most five are tried per `mfa_token`, and the
//! fifth wrong one ends it. Wrong codes also count in the email's
//! login-failure window, so fresh `mfa_token`s buy no extra guesses. A TOTP
//! code is spent with its time step and the `mfa_token` by a conditional
//! delete: two racing calls with one code, or with two, log in once.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Size;
use shared::Uses;
use shared::delivery::Delivery;
use shared::device::{self, DeviceKeys};
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::mfa::{self, Code, Spent};
use shared::onetime::OneTimeToken;
use shared::request::json_body;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{Attempt, Counter, Op, Purpose, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, Sessions, ThrottleSettings};

pub const ENDED: &str = "the mfa_token is invalid, expired or used up; log in again";
pub const WRONG_CODE: &str = "the code is incorrect or was used already";

pub struct LoginMfa<S> {
    pub store: S,
    pub sessions: Sessions,
    pub throttle: ThrottleSettings,
    pub devices: Arc<DeviceKeys>,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for LoginMfa<S> {
    const FUNCTION: Function = Function::LoginMfa;
    const NEEDS: Needs = Needs {
        keys: Keys::Sign,
        store: &[
            Op::ReadToken,
            Op::Reserve,
            Op::Profile,
            Op::ReadTotp,
            Op::SpendTotpStep,
            Op::SpendRecoveryCode,
            Op::RedeemToken,
            Op::ClearCounter,
            Op::CreateSession,
        ],
        connections: 1,
        mail: Mail::HandsOff,
        uses: &[Uses::Totp],
        size: Size::SIGNS,
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            sessions: services.sessions(),
            throttle: services.throttle,
            devices: services.devices(),
            handoff: services.handoff(),
            clock: services.clock.clone(),
        }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecondStep {
    mfa_token: String,
    code: Option<String>,
    recovery_code: Option<String>,
}

pub async fn handle<S: Store>(req: Request, deps: &LoginMfa<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(second_step(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn second_step<S: Store>(req: &Request, deps: &LoginMfa<S>) -> Result<Response<Body>, ApiError> {
    let delivery = Delivery::requested(req)?;
    let body: SecondStep = json_body(req)?;
    let code = match (body.code, body.recovery_code) {
        (Some(code), None) => Code::either(&code),
        (None, Some(code)) => Code::Recovery(code),
        _ => return Err(ApiError::invalid_request("send either code or recovery_code")),
    };
    let token = OneTimeToken::parse(&body.mfa_token, Purpose::Mfa).ok_or(ApiError::InvalidGrant(ENDED))?;
    let (now, hash) = (deps.clock.now(), token.secret_hash());
    let proof = token.proof(&hash, now);
    let user_id = token.user_id.as_str();
    if !deps.store.token_live(proof).await? {
        return Err(ApiError::InvalidGrant(ENDED));
    }
    let tried = match deps.store.reserve(Counter::MfaCodes(user_id), now, mfa::codes_limit()).await? {
        Attempt::Granted(count) => count.count,
        Attempt::Refused { .. } => {
            deps.store.redeem_token(proof).await?;
            return Err(ApiError::InvalidGrant(ENDED));
        }
    };
    let profile = deps.store.profile(user_id).await?.ok_or(ApiError::InvalidGrant(ENDED))?;

    let Some(spent) = mfa::spend(&deps.store, user_id, &code, now).await? else {
        tracing::info!(%user_id, tried, "second step refused: wrong code");
        // Counted like a wrong password; a full window refuses the next password, not this answer.
        deps.store.reserve(Counter::Email(&profile.email), now, deps.throttle.logins()).await?;
        if tried >= mfa::MAX_WRONG_CODES {
            deps.store.redeem_token(proof).await?;
        }
        return Err(ApiError::InvalidGrant(WRONG_CODE));
    };
    // The commit point: of racing calls, only the one that spends the token logs in.
    if !deps.store.redeem_token(proof).await? {
        return Err(ApiError::InvalidGrant(ENDED));
    }
    deps.store.clear(Counter::MfaCodes(user_id)).await?;
    if let Spent::Recovery { left } = spent {
        tracing::warn!(%user_id, left, "logged in with a recovery code");
        let notice = Notice::RecoveryCodeUsed { left };
        deps.handoff.hand_off(MailJob::Notice { email: profile.email.clone(), notice }).await;
    }
    let tokens = deps.sessions.open(&deps.store, profile.subject(), spent.amr(), now).await?;
    tracing::info!(%user_id, "login succeeded with a second factor");
    let mut response = delivery.respond(StatusCode::OK, tokens);
    device::remember(&mut response, &deps.devices.issue(&profile.email));
    Ok(response)
}

#[cfg(test)]
mod tests;

//! `DELETE /mfa/totp` (behind the authorizer): a current code, from the
//! authenticator or a recovery code, turns TOTP off and removes its secret
//! and recovery codes. An access token alone is not enough, so a stolen one
//! cannot strip the second factor; each code tried counts in the account's
//! login-failure window, like a password, and is spent when it passes.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Uses;
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::mfa::{self, Code, Spent};
use shared::request::json_body;
use shared::response::no_content;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{Attempt, Counter, Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, ThrottleSettings, TokenVerifier, caller};

pub const NOT_ON: &str = "TOTP is not on for this account";
pub const WRONG_CODE: &str = "the code is incorrect or was used already";

pub struct RemoveTotp<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub throttle: ThrottleSettings,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for RemoveTotp<S> {
    const FUNCTION: Function = Function::RemoveTotp;
    const NEEDS: Needs = Needs {
        keys: Keys::Verify,
        store: &[
            Op::Profile,
            Op::Reserve,
            Op::Release,
            Op::ReadTotp,
            Op::SpendTotpStep,
            Op::SpendRecoveryCode,
            Op::RemoveTotp,
        ],
        connections: 1,
        mail: Mail::HandsOff,
        uses: &[Uses::Totp],
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            verifier: services.verifier(),
            throttle: services.throttle,
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
struct CodeBody {
    /// A TOTP code or a recovery code.
    code: String,
}

pub async fn handle<S: Store>(req: Request, deps: &RemoveTotp<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(remove(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn remove<S: Store>(req: &Request, deps: &RemoveTotp<S>) -> Result<Response<Body>, ApiError> {
    let now = deps.clock.now();
    let user_id = caller::subject(req, &deps.verifier, now)?;
    let body: CodeBody = json_body(req)?;
    let profile = deps.store.profile(&user_id).await?.ok_or(ApiError::InvalidToken(caller::GONE))?;
    if !profile.totp {
        return Err(ApiError::invalid_request(NOT_ON));
    }
    let counter = Counter::Email(&profile.email);
    if let Attempt::Refused { retry_at, .. } = deps.store.reserve(counter, now, deps.throttle.logins()).await? {
        tracing::warn!(%user_id, "TOTP removal refused: throttled");
        return Err(ApiError::TooManyAttempts { retry_after: u64::try_from(retry_at - now).unwrap_or(1) });
    }
    let Some(spent) = mfa::spend(&deps.store, &user_id, &Code::either(&body.code), now).await? else {
        tracing::info!(%user_id, "TOTP removal refused: wrong code");
        return Err(ApiError::InvalidGrant(WRONG_CODE));
    };
    deps.store.release(counter).await?;
    // A racing removal may have won; either way TOTP is off now.
    deps.store.remove_totp(&user_id).await?;
    tracing::info!(%user_id, "TOTP turned off");
    if let Spent::Recovery { left } = spent {
        let notice = Notice::RecoveryCodeUsed { left };
        deps.handoff.hand_off(MailJob::Notice { email: profile.email.clone(), notice }).await;
    }
    deps.handoff.hand_off(MailJob::Notice { email: profile.email, notice: Notice::TotpRemoved }).await;
    Ok(no_content())
}

#[cfg(test)]
mod tests;

//! `POST /password/reset`: a new password with the token from a mailed reset
//! link. The token is checked (a read) and the policy applied first, so a
//! refused password leaves the token live. Every session of the user is
//! revoked before the token is spent: one transaction then spends it, stores
//! the new hash and marks the address verified (the link proved it). A
//! failure anywhere leaves either nothing changed but a logout, or the whole
//! reset done. The login-failure window clears, a notice goes out, and the
//! user is not logged in: they log in with the new password.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Size;
use shared::Uses;
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::onetime::{INVALID, OneTimeToken};
use shared::request::json_body;
use shared::response::no_content;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{Counter, Op, Purpose, Store};
use shared::{ApiError, Clock, Needs, Passwords, Services, new_password};

pub struct ResetPassword<S> {
    pub store: S,
    pub passwords: Passwords,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for ResetPassword<S> {
    const FUNCTION: Function = Function::ResetPassword;
    const NEEDS: Needs = Needs {
        store: &[Op::ReadToken, Op::Profile, Op::RevokeAll, Op::ResetPassword, Op::ClearCounter],
        connections: 2,
        mail: Mail::HandsOff,
        uses: &[Uses::PasswordPolicy],
        size: Size::HASHES,
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            passwords: services.passwords.clone(),
            handoff: services.handoff(),
            clock: services.clock.clone(),
        }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

#[derive(Deserialize)]
struct ResetRequest {
    token: String,
    password: String,
}

pub async fn handle<S: Store>(req: Request, deps: &ResetPassword<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(reset(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn reset<S: Store>(req: &Request, deps: &ResetPassword<S>) -> Result<Response<Body>, ApiError> {
    let body: ResetRequest = json_body(req)?;
    let token = OneTimeToken::presented(&body.token, Purpose::ResetPassword)?;
    let secret_hash = token.secret_hash();
    let now = deps.clock.now();
    // The account's own words for the strength check; no account, no reset.
    let (live, profile) =
        tokio::try_join!(deps.store.token_live(token.proof(&secret_hash, now)), deps.store.profile(&token.user_id))?;
    let Some(profile) = profile.filter(|_| live) else { return Err(ApiError::InvalidGrant(INVALID)) };
    new_password::accept(&deps.passwords, "password", &body.password, &profile.email, profile.name.as_deref()).await?;
    let hash = deps.passwords.hash(&body.password).await?;
    let revoked = deps.store.revoke_all(&profile.id, now).await?;
    let profile = deps.store.reset_password(token.proof(&secret_hash, now), &hash).await?;
    let profile = profile.ok_or(ApiError::InvalidGrant(INVALID))?;
    // The reset is done: a counter that stays is no reason to answer otherwise.
    if let Err(err) = deps.store.clear(Counter::Email(&profile.email)).await {
        tracing::warn!(error = %err, "login-failure window not cleared after a reset");
    }
    tracing::info!(user_id = %profile.id, sessions_revoked = revoked, "password reset");
    deps.handoff.hand_off(MailJob::Notice { email: profile.email, notice: Notice::PasswordReset }).await;
    Ok(no_content())
}

#[cfg(test)]
mod tests;

//! `POST /password/change` (behind the authorizer): the current password,
//! checked like a login (its failures count in the login window), then the
//! new one under the policy. Every session is revoked and a new one
//! returned, so this device stays logged in and every other is logged out;
//! a notice goes out.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Size;
use shared::Uses;
use shared::delivery::Delivery;
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::reauth::{self, Reauth};
use shared::request::json_body;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, Sessions, TokenVerifier, caller, new_password};

pub struct ChangePassword<S> {
    pub store: S,
    pub reauth: Reauth,
    pub sessions: Sessions,
    pub verifier: Arc<TokenVerifier>,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for ChangePassword<S> {
    const FUNCTION: Function = Function::ChangePassword;
    const NEEDS: Needs = Needs {
        keys: Keys::Sign,
        store: &[
            reauth::OPS[0],
            reauth::OPS[1],
            reauth::OPS[2],
            reauth::OPS[3],
            Op::SetPasswordHash,
            Op::RevokeAll,
            Op::CreateSession,
        ],
        connections: 1,
        mail: Mail::HandsOff,
        uses: &[Uses::PasswordPolicy],
        size: Size::HASHES,
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            reauth: Reauth::new(services),
            sessions: services.sessions(),
            verifier: services.verifier(),
            handoff: services.handoff(),
            clock: services.clock.clone(),
        }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

#[derive(Deserialize)]
struct ChangeRequest {
    current_password: String,
    new_password: String,
}

pub async fn handle<S: Store>(req: Request, deps: &ChangePassword<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(change(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn change<S: Store>(req: &Request, deps: &ChangePassword<S>) -> Result<Response<Body>, ApiError> {
    let user_id = caller::subject(req, &deps.verifier, deps.clock.now())?;
    let delivery = Delivery::requested(req)?;
    let body: ChangeRequest = json_body(req)?;
    let account = deps.reauth.confirm(&deps.store, &user_id, &body.current_password).await?;
    new_password::accept(&deps.reauth.passwords, "new_password", &body.new_password, &account.email, None).await?;
    let hash = deps.reauth.passwords.hash(&body.new_password).await?;
    // The new hash is the commit point, so it is written last: a failure
    // before it leaves the old password and, at worst, a logout, or a new
    // session nobody received.
    let now = deps.clock.now();
    let revoked = deps.store.revoke_all(&user_id, now).await?;
    let tokens = deps.sessions.open(&deps.store, account.subject(), shared::amr::PASSWORD, now).await?;
    deps.store.set_password_hash(&account.email, &hash).await?;
    tracing::info!(%user_id, sessions_revoked = revoked, "password changed");
    deps.handoff.hand_off(MailJob::Notice { email: account.email.clone(), notice: Notice::PasswordChanged }).await;
    Ok(delivery.respond(StatusCode::OK, tokens))
}

#[cfg(test)]
mod tests;

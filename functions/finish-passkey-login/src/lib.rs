//! `POST /login/passkey/finish`: takes the login ceremony by `challenge_id`
//! (once: a replayed or expired id is `400 invalid_grant`), finds the
//! passkey the credential names in the partition of the user its handle
//! names (so a credential only ever logs in its own user), has
//! `webauthn-rs` verify the assertion (challenge, origin, signature, user
//! verification, counter), stores the new counter conditionally and opens
//! a session whose `amr` is `["hwk"]` or `["swk"]`.
//!
//! A passkey with user verification is two factors in one (the device and
//! its PIN or biometric), so a login with one does not ask for TOTP too.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::Size;
use shared::Uses;
use shared::delivery::Delivery;
use shared::device::{self, DeviceKeys};
use shared::endpoint::Endpoint;
use shared::passkey::{Answer, RelyingParty};
use shared::request::json_body;
use shared::routes::Function;
use shared::store::{CeremonyKind, CeremonyRef, Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, Sessions};

pub const ENDED: &str = "the challenge_id is unknown, expired or used; start the login again";
pub const REFUSED: &str = "the passkey was not accepted; start the login again";

pub struct FinishPasskeyLogin<S> {
    pub store: S,
    pub party: Arc<RelyingParty>,
    pub sessions: Sessions,
    pub devices: Arc<DeviceKeys>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for FinishPasskeyLogin<S> {
    const FUNCTION: Function = Function::FinishPasskeyLogin;
    const NEEDS: Needs = Needs {
        keys: Keys::Sign,
        store: &[Op::TakeCeremony, Op::ReadPasskey, Op::PasskeyUsed, Op::Profile, Op::CreateSession],
        connections: 1,
        uses: &[Uses::Passkeys],
        size: Size::SIGNS,
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            party: services.relying_party(),
            sessions: services.sessions(),
            devices: services.devices(),
            clock: services.clock.clone(),
        }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

pub async fn handle<S: Store>(
    req: Request,
    deps: &FinishPasskeyLogin<S>,
) -> Result<Response<Body>, lambda_http::Error> {
    Ok(finish(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

fn refused(reason: &str) -> ApiError {
    tracing::info!(reason, "passkey login refused");
    ApiError::InvalidGrant(REFUSED)
}

async fn finish<S: Store>(req: &Request, deps: &FinishPasskeyLogin<S>) -> Result<Response<Body>, ApiError> {
    let delivery = Delivery::requested(req)?;
    let body: Answer = json_body(req)?;
    let now = deps.clock.now();
    // Taken before anything else is looked at: each challenge gets one try.
    let which = CeremonyRef { id: &body.challenge_id, kind: CeremonyKind::Login, user_id: None, now };
    let ceremony = deps.store.take_ceremony(which).await?.ok_or(ApiError::InvalidGrant(ENDED))?;
    let (claimed, credential) = deps.party.claimed(&body.credential).map_err(|err| refused(&err.to_string()))?;
    let user_id = claimed.user_id.as_str();
    let stored =
        deps.store.passkey(user_id, &claimed.credential_id).await?.ok_or_else(|| refused("unknown credential"))?;
    let verified = deps
        .party
        .finish_login(&ceremony.state, &credential, &stored.credential)
        .map_err(|err| refused(&err.to_string()))?;
    if !deps.store.passkey_used(&stored, verified.updated.as_deref(), now).await? {
        return Err(refused("the passkey was removed or used by a racing login"));
    }
    let profile = deps.store.profile(user_id).await?.ok_or_else(|| refused("the account is gone"))?;
    let tokens = deps.sessions.open(&deps.store, profile.subject(), verified.amr, now).await?;
    tracing::info!(%user_id, amr = ?verified.amr, "login succeeded with a passkey");
    let mut response = delivery.respond(StatusCode::OK, tokens);
    device::remember(&mut response, &deps.devices.issue(&profile.email));
    Ok(response)
}

#[cfg(test)]
mod tests;

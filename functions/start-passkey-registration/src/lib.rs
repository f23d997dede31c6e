//! `POST /passkeys/register/start` (behind the authorizer): the options for
//! `navigator.credentials.create()` (WebAuthn Level 3 JSON, under
//! `publicKey`) to make a discoverable passkey for the caller, and the
//! `challenge_id` that `/passkeys/register/finish` must bring back. The
//! ceremony's state waits in the store for five minutes, for this user only.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Uses;
use shared::endpoint::Endpoint;
use shared::passkey::{self, MAX_PASSKEYS, RelyingParty};
use shared::request::{body_bytes, json_body};
use shared::routes::Function;
use shared::store::{CeremonyKind, Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller};

pub const TOO_MANY: &str = "this account has the most passkeys it may hold; remove one first";

pub struct StartPasskeyRegistration<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub party: Arc<RelyingParty>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for StartPasskeyRegistration<S> {
    const FUNCTION: Function = Function::StartPasskeyRegistration;
    const NEEDS: Needs = Needs {
        keys: Keys::Verify,
        store: &[Op::Profile, Op::ListPasskeys, Op::BeginCeremony],
        connections: 1,
        uses: &[Uses::Passkeys],
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self { store, verifier: services.verifier(), party: services.relying_party(), clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

#[derive(Deserialize, Default)]
struct Start {
    name: Option<String>,
}

pub async fn handle<S: Store>(
    req: Request,
    deps: &StartPasskeyRegistration<S>,
) -> Result<Response<Body>, lambda_http::Error> {
    Ok(start(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn start<S: Store>(req: &Request, deps: &StartPasskeyRegistration<S>) -> Result<Response<Body>, ApiError> {
    let now = deps.clock.now();
    let user_id = caller::subject(req, &deps.verifier, now)?;
    // The name is optional, and so is a body that would only carry it.
    let body: Start =
        if body_bytes(req).iter().all(u8::is_ascii_whitespace) { Start::default() } else { json_body(req)? };
    let name = passkey::passkey_name(body.name.as_deref()).map_err(ApiError::invalid_request)?;
    let profile = deps.store.profile(&user_id).await?.ok_or(ApiError::InvalidToken(caller::GONE))?;
    let existing = deps.store.passkeys(&user_id).await?;
    if existing.len() >= MAX_PASSKEYS {
        return Err(ApiError::invalid_request(TOO_MANY));
    }
    let credentials: Vec<String> = existing.into_iter().map(|key| key.credential).collect();
    let display = profile.name.as_deref().unwrap_or(&profile.email);
    let started = deps.party.start_registration(&user_id, &profile.email, display, &credentials).map_err(|err| {
        tracing::error!(%user_id, error = %err, "passkey registration could not start");
        ApiError::Internal
    })?;
    tracing::info!(%user_id, "passkey registration started");
    passkey::begin(&deps.store, CeremonyKind::Registration, Some(user_id), Some(name), started, now).await
}

#[cfg(test)]
mod tests;

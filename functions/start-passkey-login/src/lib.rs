//! `POST /login/passkey/start`: the options for `navigator.credentials.get()`
//! (WebAuthn Level 3 JSON, under `publicKey`) for a login with any of this
//! service's passkeys: no email is asked, the authenticator offers the
//! user's own (discoverable credentials, user verification required). The
//! ceremony's state waits in the store for five minutes.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use shared::Uses;
use shared::endpoint::Endpoint;
use shared::passkey::{self, RelyingParty};
use shared::routes::Function;
use shared::store::{CeremonyKind, Op, Store};
use shared::{ApiError, Clock, Needs, Services};

pub struct StartPasskeyLogin<S> {
    pub store: S,
    pub party: Arc<RelyingParty>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for StartPasskeyLogin<S> {
    const FUNCTION: Function = Function::StartPasskeyLogin;
    const NEEDS: Needs =
        Needs { store: &[Op::BeginCeremony], connections: 1, uses: &[Uses::Passkeys], ..Needs::NOTHING };

    fn new(store: S, services: &Services) -> Self {
        Self { store, party: services.relying_party(), clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

pub async fn handle<S: Store>(req: Request, deps: &StartPasskeyLogin<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(start(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn start<S: Store>(_req: &Request, deps: &StartPasskeyLogin<S>) -> Result<Response<Body>, ApiError> {
    let started = deps.party.start_login().map_err(|err| {
        tracing::error!(error = %err, "passkey login could not start");
        ApiError::Internal
    })?;
    passkey::begin(&deps.store, CeremonyKind::Login, None, None, started, deps.clock.now()).await
}

#[cfg(test)]
mod tests;

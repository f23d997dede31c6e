//! `POST /login/passkey/start`: the options for `navigator.credentials.get()`
//! (WebAuthn Level 3 JSON, under `publicKey`) for a login with any of this
//! service's passkeys: no email is asked, the authenticator offers the
//! user's own (discoverable credentials, user verification required). The
//! ceremony's state waits in the store for five minutes.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;
use shared::passkey::{self, CEREMONY_SECONDS, RelyingParty};
use shared::response::json_no_store;
use shared::services::Mail;
use shared::store::{Ceremony, CeremonyKind, Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services};

pub const NEEDS: Needs =
    Needs { keys: Keys::None, store: &[Op::BeginCeremony], connections: 1, mail: Mail::None, other_actions: &[] };

pub struct StartPasskeyLogin<S> {
    pub store: S,
    pub party: Arc<RelyingParty>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> StartPasskeyLogin<S> {
    pub fn new(store: S, services: &Services) -> Self {
        Self { store, party: services.relying_party(), clock: services.clock.clone() }
    }
}

#[derive(Serialize)]
struct Started {
    challenge_id: String,
    #[serde(rename = "publicKey")]
    public_key: Value,
}

pub async fn handle<S: Store>(req: Request, deps: &StartPasskeyLogin<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(start(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn start<S: Store>(_req: &Request, deps: &StartPasskeyLogin<S>) -> Result<Response<Body>, ApiError> {
    let started = deps.party.start_login().map_err(|err| {
        tracing::error!(error = %err, "passkey login could not start");
        ApiError::Internal
    })?;
    let ceremony = Ceremony {
        id: passkey::new_ceremony_id(),
        kind: CeremonyKind::Login,
        user_id: None,
        name: None,
        state: started.state,
        expires_at: deps.clock.now() + CEREMONY_SECONDS,
    };
    deps.store.begin_ceremony(&ceremony).await?;
    Ok(json_no_store(StatusCode::OK, &Started { challenge_id: ceremony.id, public_key: started.options }))
}

#[cfg(test)]
mod tests;

//! `POST /passkeys/register/finish` (behind the authorizer): takes the
//! caller's ceremony by `challenge_id` (once: a replayed, expired or
//! another user's id is `400 invalid_grant`), has `webauthn-rs` verify the
//! new credential against it, stores the passkey and mails a notice.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::Uses;
use shared::bodies::PasskeyBody;
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::passkey::{Answer, RelyingParty};
use shared::request::json_body;
use shared::response::json_no_store;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{CeremonyKind, CeremonyRef, Op, PasskeyRecord, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller};

pub const ENDED: &str = "the challenge_id is unknown, expired or used; start the registration again";
pub const REFUSED: &str = "the authenticator's credential was not accepted; start the registration again";

pub struct FinishPasskeyRegistration<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub party: Arc<RelyingParty>,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for FinishPasskeyRegistration<S> {
    const FUNCTION: Function = Function::FinishPasskeyRegistration;
    const NEEDS: Needs = Needs {
        keys: Keys::Verify,
        store: &[Op::TakeCeremony, Op::Profile, Op::AddPasskey],
        connections: 1,
        mail: Mail::HandsOff,
        uses: &[Uses::Passkeys],
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            verifier: services.verifier(),
            party: services.relying_party(),
            handoff: services.handoff(),
            clock: services.clock.clone(),
        }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

pub async fn handle<S: Store>(
    req: Request,
    deps: &FinishPasskeyRegistration<S>,
) -> Result<Response<Body>, lambda_http::Error> {
    Ok(finish(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn finish<S: Store>(req: &Request, deps: &FinishPasskeyRegistration<S>) -> Result<Response<Body>, ApiError> {
    let now = deps.clock.now();
    let user_id = caller::subject(req, &deps.verifier, now)?;
    let body: Answer = json_body(req)?;
    let which = CeremonyRef { id: &body.challenge_id, kind: CeremonyKind::Registration, user_id: Some(&user_id), now };
    let ceremony = deps.store.take_ceremony(which).await?.ok_or(ApiError::InvalidGrant(ENDED))?;
    let registered = deps.party.finish_registration(&ceremony.state, &body.credential).map_err(|err| {
        tracing::info!(%user_id, reason = %err, "passkey registration refused");
        ApiError::InvalidGrant(REFUSED)
    })?;
    let profile = deps.store.profile(&user_id).await?.ok_or(ApiError::InvalidToken(caller::GONE))?;
    let record = PasskeyRecord {
        id: registered.id,
        user_id: user_id.clone(),
        name: ceremony.name.unwrap_or_else(|| "Passkey".into()),
        created_at: now,
        last_used_at: None,
        credential: registered.credential,
    };
    // The authenticator was told which credentials to exclude; one that
    // registers a credential again is refused here.
    if !deps.store.add_passkey(&record).await? {
        return Err(ApiError::InvalidGrant(REFUSED));
    }
    tracing::info!(%user_id, "passkey added");
    let notice = Notice::PasskeyAdded { name: record.name.clone() };
    deps.handoff.hand_off(MailJob::Notice { email: profile.email, notice }).await;
    Ok(json_no_store(StatusCode::CREATED, &PasskeyBody::from(&record)))
}

#[cfg(test)]
mod tests;

//! `DELETE /passkeys/{id}` (behind the authorizer): removes one of the
//! caller's passkeys, which then logs in no more, and mails a notice.
//! Passkeys live in their user's partition, so another user's id is simply
//! `404 not_found`.

use std::sync::Arc;

use lambda_http::{Body, Request, RequestExt, Response};
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::response::no_content;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller};

pub const NO_SUCH_PASSKEY: &str = "this account has no passkey with this id";

pub struct DeletePasskey<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for DeletePasskey<S> {
    const FUNCTION: Function = Function::DeletePasskey;
    const NEEDS: Needs = Needs {
        keys: Keys::Verify,
        store: &[Op::Profile, Op::ReadPasskey, Op::RemovePasskey],
        connections: 1,
        mail: Mail::HandsOff,
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self { store, verifier: services.verifier(), handoff: services.handoff(), clock: services.clock.clone() }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

pub async fn handle<S: Store>(req: Request, deps: &DeletePasskey<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(delete(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn delete<S: Store>(req: &Request, deps: &DeletePasskey<S>) -> Result<Response<Body>, ApiError> {
    let user_id = caller::subject(req, &deps.verifier, deps.clock.now())?;
    let parameters = req.path_parameters();
    let id = parameters.first("id").ok_or(ApiError::NotFound(NO_SUCH_PASSKEY))?;
    let key = deps.store.passkey(&user_id, id).await?.ok_or(ApiError::NotFound(NO_SUCH_PASSKEY))?;
    let profile = deps.store.profile(&user_id).await?.ok_or(ApiError::InvalidToken(caller::GONE))?;
    // A racing delete of the same key removed it first: its notice is sent there.
    if !deps.store.remove_passkey(&user_id, id).await? {
        return Err(ApiError::NotFound(NO_SUCH_PASSKEY));
    }
    tracing::info!(%user_id, "passkey removed");
    deps.handoff
        .hand_off(MailJob::Notice { email: profile.email, notice: Notice::PasskeyRemoved { name: key.name } })
        .await;
    Ok(no_content())
}

#[cfg(test)]
mod tests;

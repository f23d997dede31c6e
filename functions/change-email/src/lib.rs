//! `POST /email/change` (behind the authorizer): the current password
//! (checked like a login) and a new address. The mailer sends the new
//! address a confirmation link and the old one a notice; nothing changes
//! until the link's page confirms (`POST /email/change/confirm`). The answer
//! is `202 {}`, whether or not the new address is free by then.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Size;
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::reauth::{self, Reauth};
use shared::request::json_body;
use shared::response::accepted;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::Store;
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller, normalize_email};

pub struct ChangeEmail<S> {
    pub store: S,
    pub reauth: Reauth,
    pub verifier: Arc<TokenVerifier>,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for ChangeEmail<S> {
    const FUNCTION: Function = Function::ChangeEmail;
    const NEEDS: Needs = Needs {
        keys: Keys::Verify,
        store: &reauth::OPS,
        connections: 1,
        mail: Mail::HandsOff,
        size: Size::HASHES,
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            reauth: Reauth::new(services),
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
    password: String,
    new_email: String,
}

pub async fn handle<S: Store>(req: Request, deps: &ChangeEmail<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(change(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn change<S: Store>(req: &Request, deps: &ChangeEmail<S>) -> Result<Response<Body>, ApiError> {
    let user_id = caller::subject(req, &deps.verifier, deps.clock.now())?;
    let body: ChangeRequest = json_body(req)?;
    let new_email =
        normalize_email(&body.new_email).map_err(|_| ApiError::invalid_request("new_email: not a valid address"))?;
    let account = deps.reauth.confirm(&deps.store, &user_id, &body.password).await?;
    if new_email == account.email {
        return Err(ApiError::invalid_request("new_email: is already the address of this account"));
    }
    tracing::info!(%user_id, "email change requested");
    deps.handoff.hand_off(MailJob::ChangeEmail { user_id, new_email: new_email.clone() }).await;
    let notice = Notice::EmailChangeRequested { new_email };
    deps.handoff.hand_off(MailJob::Notice { email: account.email, notice }).await;
    Ok(accepted())
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use shared::store::MemoryStore;
    use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, as_authorized, error_code, json_post};

    use super::*;

    async fn fixture() -> (ChangeEmail<MemoryStore>, testing::Jobs, String) {
        let clock = testing::clock();
        let mut services = testing::services(&clock);
        let (handoff, jobs) = testing::recording_handoff();
        services.handoff = Some(handoff);
        let store = MemoryStore::new();
        let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
        (ChangeEmail::new(store, &services), jobs, ada.id)
    }

    fn request(user_id: &str, password: &str, new_email: &str) -> Request {
        as_authorized(json_post("/email/change", &json!({ "password": password, "new_email": new_email })), user_id)
    }

    #[tokio::test]
    async fn a_request_mails_the_new_address_a_link_and_the_old_one_a_notice() {
        let (deps, jobs, id) = fixture().await;
        let response = handle(request(&id, ADA_PASSWORD, " Ada@New.Example "), &deps).await.unwrap();
        assert_eq!(response.status(), 202);
        let new_email = "ada@new.example".to_string();
        assert_eq!(
            jobs.taken(),
            [
                MailJob::ChangeEmail { user_id: id, new_email: new_email.clone() },
                MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::EmailChangeRequested { new_email } },
            ]
        );
        assert_eq!(deps.store.credentials(ADA_EMAIL).await.unwrap().unwrap().email, ADA_EMAIL, "nothing moved yet");
    }

    #[tokio::test]
    async fn a_wrong_password_a_bad_or_the_same_address_are_refused_without_mail() {
        let (deps, jobs, id) = fixture().await;
        let cases = [
            ("wrong password", "ada@new.example", "invalid_grant"),
            (ADA_PASSWORD, "nope", "invalid_request"),
            (ADA_PASSWORD, ADA_EMAIL, "invalid_request"),
        ];
        for (password, new_email, code) in cases {
            let response = handle(request(&id, password, new_email), &deps).await.unwrap();
            assert_eq!(error_code(&response), code, "{password} {new_email}");
        }
        assert!(jobs.taken().is_empty());
    }
}

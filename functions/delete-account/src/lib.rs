//! `DELETE /me` (behind the authorizer): the current password (checked like
//! a login), then every item of the account goes (profile, email claim,
//! sessions, one-time tokens, the counters of its address), and a notice
//! goes out. The address can sign up again at once.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Size;
use shared::delivery;
use shared::endpoint::Endpoint;
use shared::mail::{Handoff, MailJob, Notice};
use shared::reauth::{self, Reauth};
use shared::request::json_body;
use shared::response::no_content;
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller};

pub struct DeleteAccount<S> {
    pub store: S,
    pub reauth: Reauth,
    pub verifier: Arc<TokenVerifier>,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for DeleteAccount<S> {
    const FUNCTION: Function = Function::DeleteAccount;
    const NEEDS: Needs = Needs {
        keys: Keys::Verify,
        store: &[reauth::OPS[0], reauth::OPS[1], reauth::OPS[2], reauth::OPS[3], Op::DeleteUser],
        connections: 2,
        mail: Mail::HandsOff,
        size: Size { memory_mb: 1024, timeout_seconds: 15 },
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
struct DeleteRequest {
    password: String,
}

pub async fn handle<S: Store>(req: Request, deps: &DeleteAccount<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(delete(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn delete<S: Store>(req: &Request, deps: &DeleteAccount<S>) -> Result<Response<Body>, ApiError> {
    let user_id = caller::subject(req, &deps.verifier, deps.clock.now())?;
    let body: DeleteRequest = json_body(req)?;
    let account = deps.reauth.confirm(&deps.store, &user_id, &body.password).await?;
    deps.store.delete_user(&user_id).await?;
    tracing::info!(%user_id, "account deleted");
    deps.handoff.hand_off(MailJob::Notice { email: account.email, notice: Notice::AccountDeleted }).await;
    let mut response = no_content();
    // A browser's cookies name a session that no longer exists.
    if shared::request::cookie(req, delivery::ACCESS_COOKIE).is_some() {
        delivery::clear_cookies(&mut response);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use lambda_http::http::Method;
    use serde_json::json;
    use shared::store::{MemoryStore, User};
    use shared::test_with_both_stores;
    use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, as_authorized, error_code};

    use super::*;

    async fn fixture<S: Store>(store: S) -> (DeleteAccount<S>, testing::Jobs, User) {
        let clock = testing::clock();
        let mut services = testing::services(&clock);
        let (handoff, jobs) = testing::recording_handoff();
        services.handoff = Some(handoff);
        let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
        (DeleteAccount::new(store, &services), jobs, ada)
    }

    fn request(user_id: &str, password: &str) -> Request {
        let body = json!({ "password": password }).to_string();
        as_authorized(testing::request(Method::DELETE, "/me", Some("application/json"), body), user_id)
    }

    async fn the_right_password_deletes_everything_and_sends_a_notice<S: Store>(store: S) {
        let (deps, jobs, ada) = fixture(store).await;
        assert_eq!(handle(request(&ada.id, ADA_PASSWORD), &deps).await.unwrap().status(), 204);
        assert!(deps.store.profile(&ada.id).await.unwrap().is_none());
        assert!(deps.store.credentials(ADA_EMAIL).await.unwrap().is_none());
        assert_eq!(jobs.taken(), [MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::AccountDeleted }]);
        let again = handle(request(&ada.id, ADA_PASSWORD), &deps).await.unwrap();
        assert_eq!(again.status(), 401, "the token names nobody now");
    }

    async fn a_wrong_password_deletes_nothing<S: Store>(store: S) {
        let (deps, jobs, ada) = fixture(store).await;
        assert_eq!(error_code(&handle(request(&ada.id, "wrong"), &deps).await.unwrap()), "invalid_grant");
        assert!(deps.store.profile(&ada.id).await.unwrap().is_some());
        assert!(jobs.taken().is_empty());
    }

    test_with_both_stores!(the_right_password_deletes_everything_and_sends_a_notice, a_wrong_password_deletes_nothing);

    #[tokio::test]
    async fn a_store_outage_is_503() {
        let store = MemoryStore::new();
        let (deps, _, ada) = fixture(store.clone()).await;
        store.set_unavailable(true);
        assert_eq!(handle(request(&ada.id, ADA_PASSWORD), &deps).await.unwrap().status(), 503);
    }
}

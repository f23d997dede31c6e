use serde_json::{Value, json};
use shared::mail::{MailJob, Notice};
use shared::store::{Ceremony, MemoryStore, Store};
use shared::testing::passkey::{ORIGIN, SoftAuthenticator};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code};
use shared::{ManualClock, test_with_both_stores};

use super::*;

struct Fixture<S> {
    deps: FinishPasskeyRegistration<S>,
    clock: ManualClock,
    jobs: testing::Jobs,
    user_id: String,
}

async fn fixture<S: Store>(store: S) -> Fixture<S> {
    let clock = testing::clock();
    let (handoff, jobs) = testing::recording_handoff();
    let services = shared::Services { handoff: Some(handoff), ..testing::services(&clock) };
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    Fixture { deps: FinishPasskeyRegistration::new(store, &services), clock, jobs, user_id: ada.id }
}

impl<S: Store> Fixture<S> {
    /// What `/passkeys/register/start` leaves: a ceremony, and its options.
    async fn start(&self, user_id: &str) -> (String, Value) {
        let started = self.deps.party.start_registration(user_id, ADA_EMAIL, "Ada", &[]).unwrap();
        let ceremony = Ceremony {
            id: shared::passkey::new_ceremony_id(),
            kind: CeremonyKind::Registration,
            user_id: Some(user_id.to_string()),
            name: Some("Laptop".into()),
            state: started.state,
            expires_at: self.clock.now() + 300,
        };
        self.deps.store.begin_ceremony(&ceremony).await.unwrap();
        (ceremony.id, started.options)
    }

    async fn finish(&self, user_id: &str, challenge_id: &str, credential: &Value) -> Response<Body> {
        let body = json!({"challenge_id": challenge_id, "credential": credential});
        let req = testing::as_authorized(testing::json_post("/passkeys/register/finish", &body), user_id);
        handle(req, &self.deps).await.unwrap()
    }
}

fn refused(response: &Response<Body>) -> (u16, String) {
    (response.status().as_u16(), error_code(response))
}

async fn a_new_passkey_is_stored_counted_and_noticed<S: Store>(store: S) {
    let f = fixture(store).await;
    let (id, options) = f.start(&f.user_id).await;
    let credential = SoftAuthenticator::new(ORIGIN).register(&options);
    let response = f.finish(&f.user_id, &id, &credential).await;
    assert_eq!(response.status(), 201, "{}", body_json(&response));
    let body = body_json(&response);
    assert_eq!(body["id"], credential["id"], "named by its credential id");
    assert_eq!((body["name"].as_str(), body["last_used_at"].is_null()), (Some("Laptop"), true));
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));

    let stored = f.deps.store.passkeys(&f.user_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].credential.contains("private"), "a public key and a counter only");
    assert_eq!(f.deps.store.profile(&f.user_id).await.unwrap().unwrap().passkeys, 1);
    let notice = Notice::PasskeyAdded { name: "Laptop".into() };
    assert_eq!(f.jobs.taken(), [MailJob::Notice { email: ADA_EMAIL.into(), notice }]);
}

async fn a_replayed_expired_or_foreign_challenge_id_is_invalid_grant<S: Store>(store: S) {
    let f = fixture(store).await;
    let mut key = SoftAuthenticator::new(ORIGIN);
    let (id, options) = f.start(&f.user_id).await;
    let credential = key.register(&options);
    assert_eq!(refused(&f.finish("eve-the-other-user", &id, &credential).await), (400, "invalid_grant".into()));
    assert_eq!(f.finish(&f.user_id, &id, &credential).await.status(), 201, "a foreign try took nothing");
    assert_eq!(refused(&f.finish(&f.user_id, &id, &credential).await), (400, "invalid_grant".into()), "replayed");

    let (late, options) = f.start(&f.user_id).await;
    let credential = key.register(&options);
    f.clock.advance(300);
    assert_eq!(refused(&f.finish(&f.user_id, &late, &credential).await), (400, "invalid_grant".into()), "expired");
    assert_eq!(refused(&f.finish(&f.user_id, "no-such-id", &credential).await), (400, "invalid_grant".into()));
    assert_eq!(f.deps.store.passkeys(&f.user_id).await.unwrap().len(), 1);
}

async fn a_credential_made_for_another_challenge_or_origin_is_refused_and_spends_the_ceremony<S: Store>(store: S) {
    let f = fixture(store).await;
    let (first, options) = f.start(&f.user_id).await;
    let (second, _) = f.start(&f.user_id).await;
    let credential = SoftAuthenticator::new(ORIGIN).register(&options);
    assert_eq!(refused(&f.finish(&f.user_id, &second, &credential).await), (400, "invalid_grant".into()));
    let (third, options) = f.start(&f.user_id).await;
    let phished = SoftAuthenticator::new("https://pages.app.test").register(&options);
    assert_eq!(refused(&f.finish(&f.user_id, &third, &phished).await), (400, "invalid_grant".into()));
    assert_eq!(refused(&f.finish(&f.user_id, &third, &credential).await), (400, "invalid_grant".into()), "spent");
    assert_eq!(refused(&f.finish(&f.user_id, &first, &json!({"id": "x"})).await), (400, "invalid_grant".into()));
    assert!(f.deps.store.passkeys(&f.user_id).await.unwrap().is_empty());
    assert!(f.jobs.taken().is_empty());
}

test_with_both_stores!(
    a_new_passkey_is_stored_counted_and_noticed,
    a_replayed_expired_or_foreign_challenge_id_is_invalid_grant,
    a_credential_made_for_another_challenge_or_origin_is_refused_and_spends_the_ceremony
);

#[tokio::test]
async fn a_body_without_its_fields_is_invalid_request_and_an_outage_is_503() {
    let f = fixture(MemoryStore::new()).await;
    let req = testing::as_authorized(testing::json_post("/passkeys/register/finish", &json!({})), &f.user_id);
    assert_eq!(refused(&handle(req, &f.deps).await.unwrap()), (400, "invalid_request".into()));
    let (id, _) = f.start(&f.user_id).await;
    f.deps.store.set_unavailable(true);
    assert_eq!(f.finish(&f.user_id, &id, &json!({})).await.status(), 503);
}

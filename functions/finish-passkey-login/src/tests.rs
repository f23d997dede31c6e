use serde_json::{Value, json};
use shared::store::{Ceremony, MemoryStore, PasskeyRecord, Store};
use shared::testing::passkey::{ORIGIN, SoftAuthenticator, add_passkey};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code};
use shared::{ManualClock, test_with_both_stores};

use super::*;

struct Fixture<S> {
    deps: FinishPasskeyLogin<S>,
    clock: ManualClock,
    user_id: String,
    key: SoftAuthenticator,
    passkey: PasskeyRecord,
    verifier: Arc<shared::TokenVerifier>,
    /// The sessions the user had before: signup's.
    before: usize,
}

async fn fixture<S: Store>(store: S) -> Fixture<S> {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let mut key = SoftAuthenticator::new(ORIGIN);
    let passkey = add_passkey(&store, &services, &mut key, &ada.id, clock.now()).await;
    let verifier = services.verifier();
    let before = store.sessions(&ada.id, clock.now()).await.unwrap().len();
    let deps = FinishPasskeyLogin::new(store, &services);
    Fixture { deps, clock, user_id: ada.id, key, passkey, verifier, before }
}

impl<S: Store> Fixture<S> {
    /// What `/login/passkey/start` leaves: a ceremony, and its options.
    async fn start(&self) -> (String, Value) {
        let started = self.deps.party.start_login().unwrap();
        let id = shared::passkey::new_ceremony_id();
        let ceremony = Ceremony {
            id: id.clone(),
            kind: CeremonyKind::Login,
            user_id: None,
            name: None,
            state: started.state,
            expires_at: self.clock.now() + 300,
        };
        self.deps.store.begin_ceremony(&ceremony).await.unwrap();
        (id, started.options)
    }

    /// A fresh ceremony and this fixture's passkey's assertion for it.
    async fn assertion(&mut self) -> (String, Value) {
        let (id, options) = self.start().await;
        let credential = self.key.login(&options, &self.passkey.id, &self.user_id);
        (id, credential)
    }

    async fn finish(&self, challenge_id: &str, credential: &Value) -> Response<Body> {
        let body = json!({"challenge_id": challenge_id, "credential": credential});
        handle(testing::json_post("/login/passkey/finish", &body), &self.deps).await.unwrap()
    }

    async fn opened(&self) -> usize {
        self.deps.store.sessions(&self.user_id, self.clock.now()).await.unwrap().len() - self.before
    }

    fn amr(&self, response: &Response<Body>) -> Vec<String> {
        let token = body_json(response)["access_token"].as_str().unwrap().to_string();
        self.verifier.verify_access(&token, self.clock.now()).unwrap().amr.unwrap_or_default()
    }
}

fn refused(response: &Response<Body>) -> (u16, String) {
    (response.status().as_u16(), error_code(response))
}

async fn a_passkey_logs_in_without_an_email_and_its_counter_moves<S: Store>(store: S) {
    let mut f = fixture(store).await;
    let (id, credential) = f.assertion().await;
    let response = f.finish(&id, &credential).await;
    assert_eq!(response.status(), 200, "{}", body_json(&response));
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(f.amr(&response), ["hwk"], "the soft passkey cannot be backed up");
    assert!(body_json(&response)["refresh_token"].is_string());
    assert!(response.headers().contains_key(shared::device::HEADER), "the device is remembered");
    let stored = f.deps.store.passkey(&f.user_id, &f.passkey.id).await.unwrap().unwrap();
    assert_eq!(stored.last_used_at, Some(f.clock.now()));
    assert_ne!(stored.credential, f.passkey.credential, "the new counter is stored");
    assert_eq!(f.opened().await, 1);
}

async fn a_replayed_or_expired_challenge_and_a_replayed_assertion_are_invalid_grant<S: Store>(store: S) {
    let mut f = fixture(store).await;
    let (id, credential) = f.assertion().await;
    assert_eq!(f.finish(&id, &credential).await.status(), 200);
    assert_eq!(refused(&f.finish(&id, &credential).await), (400, "invalid_grant".into()), "the same challenge");
    let (other, _) = f.start().await;
    assert_eq!(refused(&f.finish(&other, &credential).await), (400, "invalid_grant".into()), "its signed challenge");
    let (late, credential) = f.assertion().await;
    f.clock.advance(300);
    assert_eq!(refused(&f.finish(&late, &credential).await), (400, "invalid_grant".into()), "expired");
    assert_eq!(f.opened().await, 1);
}

async fn a_credential_logs_in_only_its_own_user<S: Store>(store: S) {
    let mut f = fixture(store).await;
    let eve =
        testing::seed_user(&f.deps.store, &testing::cheap_passwords(), "eve@example.com", ADA_PASSWORD, f.clock.now())
            .await;
    let (id, options) = f.start().await;
    let claims_eve = f.key.login(&options, &f.passkey.id, &eve.id);
    assert_eq!(refused(&f.finish(&id, &claims_eve).await), (400, "invalid_grant".into()));
    assert_eq!(f.deps.store.sessions(&eve.id, f.clock.now()).await.unwrap().len(), 1, "only eve's own signup");
    let (id, mut no_handle) = f.assertion().await;
    no_handle["response"]["userHandle"] = Value::Null;
    assert_eq!(refused(&f.finish(&id, &no_handle).await), (400, "invalid_grant".into()));
}

async fn a_removed_passkey_or_a_counter_that_goes_back_logs_in_no_more<S: Store>(store: S) {
    let mut f = fixture(store).await;
    let (first, older) = f.assertion().await;
    let (second, newer) = f.assertion().await;
    assert_eq!(f.finish(&second, &newer).await.status(), 200);
    assert_eq!(refused(&f.finish(&first, &older).await), (400, "invalid_grant".into()), "a cloned key's counter");

    assert!(f.deps.store.remove_passkey(&f.user_id, &f.passkey.id).await.unwrap());
    let (id, credential) = f.assertion().await;
    assert_eq!(refused(&f.finish(&id, &credential).await), (400, "invalid_grant".into()), "removed");
    assert_eq!(f.opened().await, 1);
}

test_with_both_stores!(
    a_passkey_logs_in_without_an_email_and_its_counter_moves,
    a_replayed_or_expired_challenge_and_a_replayed_assertion_are_invalid_grant,
    a_credential_logs_in_only_its_own_user,
    a_removed_passkey_or_a_counter_that_goes_back_logs_in_no_more
);

#[tokio::test]
async fn a_body_without_its_fields_is_invalid_request_and_an_outage_is_503() {
    let mut f = fixture(MemoryStore::new()).await;
    let response = handle(testing::json_post("/login/passkey/finish", &json!({"challenge_id": 1})), &f.deps).await;
    assert_eq!(refused(&response.unwrap()), (400, "invalid_request".into()));
    let (id, credential) = f.assertion().await;
    f.deps.store.set_unavailable(true);
    assert_eq!(f.finish(&id, &credential).await.status(), 503);
}

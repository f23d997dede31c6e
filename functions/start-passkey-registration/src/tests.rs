use lambda_http::http::Method;
use shared::passkey::MAX_PASSKEYS;
use shared::store::{CeremonyRef, MemoryStore, PasskeyRecord, Store};
use shared::test_with_both_stores;
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code};

use super::*;

fn start_as(user_id: &str, body: &str) -> Request {
    let req = testing::request(Method::POST, "/passkeys/register/start", Some("application/json"), body.to_string());
    testing::as_authorized(req, user_id)
}

async fn the_options_ask_for_a_discoverable_passkey_and_the_ceremony_is_this_users<S: Store>(store: S) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let deps = StartPasskeyRegistration::new(store, &services);

    let response = handle(start_as(&ada.id, r#"{"name": " Work laptop "}"#), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = body_json(&response);
    let options = &body["publicKey"];
    assert_eq!(options["rp"]["id"], "app.test");
    assert_eq!(options["user"]["name"], ADA_EMAIL);
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(options["timeout"], 300_000);
    let id = body["challenge_id"].as_str().unwrap();
    let which =
        |user_id| CeremonyRef { id, kind: CeremonyKind::Registration, user_id: Some(user_id), now: clock.now() };
    assert_eq!(deps.store.take_ceremony(which("someone-else")).await.unwrap(), None);
    let ceremony = deps.store.take_ceremony(which(&ada.id)).await.unwrap().unwrap();
    assert_eq!((ceremony.name.as_deref(), ceremony.expires_at), (Some("Work laptop"), clock.now() + 300));

    let unnamed = handle(start_as(&ada.id, ""), &deps).await.unwrap();
    assert_eq!(unnamed.status(), 200, "the body is optional");
}

async fn a_bad_name_or_a_full_account_is_refused_before_anything_is_stored<S: Store>(store: S) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    for i in 0..MAX_PASSKEYS {
        let key = PasskeyRecord {
            id: format!("key-{i}"),
            user_id: ada.id.clone(),
            name: "k".into(),
            created_at: clock.now(),
            last_used_at: None,
            credential: "{}".into(),
        };
        store.add_passkey(&key).await.unwrap();
    }
    let deps = StartPasskeyRegistration::new(store, &services);
    let long = format!(r#"{{"name": "{}"}}"#, "x".repeat(65));
    for body in [long.as_str(), r#"{"name": 5}"#, "{", r#"{"name": "Laptop"}"#] {
        let response = handle(start_as(&ada.id, body), &deps).await.unwrap();
        assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".into()), "{body}");
    }
}

test_with_both_stores!(
    the_options_ask_for_a_discoverable_passkey_and_the_ceremony_is_this_users,
    a_bad_name_or_a_full_account_is_refused_before_anything_is_stored
);

#[tokio::test]
async fn without_a_token_it_is_401_and_a_store_outage_is_503() {
    let clock = testing::clock();
    let store = MemoryStore::new();
    let deps = StartPasskeyRegistration::new(store.clone(), &testing::services(&clock));
    let anonymous = testing::request(Method::POST, "/passkeys/register/start", None, "");
    assert_eq!(handle(anonymous, &deps).await.unwrap().status(), 401);
    store.set_unavailable(true);
    assert_eq!(handle(start_as("someone", ""), &deps).await.unwrap().status(), 503);
}

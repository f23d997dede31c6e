use lambda_http::http::Method;
use shared::store::{CeremonyRef, MemoryStore, Store};
use shared::test_with_both_stores;
use shared::testing::{self, body_json};

use super::*;

fn start_request() -> Request {
    testing::request(Method::POST, "/login/passkey/start", None, "")
}

async fn the_options_name_no_user_and_the_ceremony_is_anyones_for_five_minutes<S: Store>(store: S) {
    let clock = testing::clock();
    let deps = StartPasskeyLogin::new(store, &testing::services(&clock));
    let response = handle(start_request(), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = body_json(&response);
    let options = &body["publicKey"];
    assert_eq!((options["rpId"].as_str(), options["userVerification"].as_str()), (Some("app.test"), Some("required")));
    assert!(options["allowCredentials"].as_array().is_none_or(Vec::is_empty), "discoverable: {options}");
    assert!(body.get("mediation").is_none());
    let id = body["challenge_id"].as_str().unwrap();
    let other = handle(start_request(), &deps).await.unwrap();
    assert_ne!(body_json(&other)["challenge_id"], id, "a new ceremony each time");
    let which = |now| CeremonyRef { id, kind: CeremonyKind::Login, user_id: None, now };
    assert_eq!(deps.store.take_ceremony(which(clock.now() + 300)).await.unwrap(), None, "five minutes at most");
    assert!(deps.store.take_ceremony(which(clock.now() + 299)).await.unwrap().is_some());
}

test_with_both_stores!(the_options_name_no_user_and_the_ceremony_is_anyones_for_five_minutes);

#[tokio::test]
async fn a_store_outage_is_503() {
    let clock = testing::clock();
    let store = MemoryStore::new();
    let deps = StartPasskeyLogin::new(store.clone(), &testing::services(&clock));
    store.set_unavailable(true);
    assert_eq!(handle(start_request(), &deps).await.unwrap().status(), 503);
}

use lambda_http::http::Method;
use shared::store::{MemoryStore, Store};
use shared::test_with_both_stores;
use shared::testing::passkey::{ORIGIN, SoftAuthenticator, add_passkey};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json};

use super::*;

fn list_as(user_id: &str) -> Request {
    testing::as_authorized(testing::request(Method::GET, "/passkeys", None, ""), user_id)
}

async fn the_callers_passkeys_are_listed_oldest_first_without_their_keys<S: Store>(store: S) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let eve = testing::seed_user(&store, &services.passwords, "eve@example.com", ADA_PASSWORD, clock.now()).await;
    let mut key = SoftAuthenticator::new(ORIGIN);
    let first = add_passkey(&store, &services, &mut key, &ada.id, clock.now()).await;
    let second = add_passkey(&store, &services, &mut key, &ada.id, clock.now() + 60).await;
    store.passkey_used(&second, None, clock.now() + 120).await.unwrap();
    let deps = ListPasskeys::new(store, &services);

    let response = handle(list_as(&ada.id), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = body_json(&response);
    let listed = body.as_array().unwrap();
    assert_eq!(listed.iter().map(|k| k["id"].as_str().unwrap()).collect::<Vec<_>>(), [&first.id, &second.id]);
    assert!(listed[0]["last_used_at"].is_null() && listed[1]["last_used_at"].is_string());
    assert_eq!(listed[0].as_object().unwrap().len(), 4, "id, name, created_at, last_used_at: {}", listed[0]);

    let theirs = body_json(&handle(list_as(&eve.id), &deps).await.unwrap());
    assert_eq!(theirs, serde_json::json!([]), "another user sees none of them");
}

test_with_both_stores!(the_callers_passkeys_are_listed_oldest_first_without_their_keys);

#[tokio::test]
async fn without_a_token_it_is_401_and_a_store_outage_is_503() {
    let clock = testing::clock();
    let store = MemoryStore::new();
    let deps = ListPasskeys::new(store.clone(), &testing::services(&clock));
    assert_eq!(handle(testing::request(Method::GET, "/passkeys", None, ""), &deps).await.unwrap().status(), 401);
    store.set_unavailable(true);
    assert_eq!(handle(list_as("someone"), &deps).await.unwrap().status(), 503);
}

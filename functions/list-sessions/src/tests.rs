use lambda_http::http::Method;
use shared::store::{MemoryStore, Store};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json};
use shared::{RefreshToken, test_with_both_stores};

use super::*;

fn get(access_token: &str) -> Request {
    let req = testing::request(Method::GET, "/sessions", None, "");
    let (mut parts, body) = req.into_parts();
    parts.headers.insert("authorization", format!("Bearer {access_token}").parse().unwrap());
    Request::from_parts(parts, body)
}

async fn every_live_session_is_listed_and_the_callers_is_marked_current<S: Store>(store: S) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let phone = testing::login(&store, &services.sessions(), &ada, clock.now()).await;
    let laptop = testing::login(&store, &services.sessions(), &ada, clock.now()).await;
    let deps = ListSessions::new(store, &services);

    let response = handle(get(&laptop.access_token), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    let listed = body_json(&response);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3, "the seeded session and two logins: {listed:?}");
    let laptop_sid = RefreshToken::parse(&laptop.refresh_token).unwrap().family_id;
    let current: Vec<_> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], laptop_sid.as_str());
    assert!(current[0]["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(current[0].as_object().unwrap().len(), 4, "id, created_at, last_used_at, current");

    let phone_family = RefreshToken::parse(&phone.refresh_token).unwrap().family_id;
    deps.store.revoke_family(&ada.id, &phone_family, clock.now()).await.unwrap();
    let after = body_json(&handle(get(&laptop.access_token), &deps).await.unwrap());
    assert_eq!(after.as_array().unwrap().len(), 2, "a revoked session is not listed");
}

test_with_both_stores!(every_live_session_is_listed_and_the_callers_is_marked_current);

#[tokio::test]
async fn without_a_token_it_is_401() {
    let deps = ListSessions::new(MemoryStore::new(), &testing::services(&testing::clock()));
    let response = handle(testing::request(Method::GET, "/sessions", None, ""), &deps).await.unwrap();
    assert_eq!(response.status(), 401);
}

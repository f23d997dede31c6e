use lambda_http::http::Method;
use serde_json::json;
use shared::store::{MemoryStore, OneTimeRecord};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code, json_post, json_request};
use shared::{ManualClock, test_with_both_stores};

use super::*;

async fn fixture<S: Store>(store: S) -> (VerifyEmail<S>, ManualClock, String, String) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let token = OneTimeToken::new(Purpose::VerifyEmail, &ada.id);
    let record: OneTimeRecord = token.record(clock.now() + 86_400, None);
    store.issue_token(&record).await.unwrap();
    (VerifyEmail::new(store, &services), clock, token.encode(), ada.id)
}

async fn a_mailed_token_verifies_the_address_once<S: Store>(store: S) {
    let (deps, _, token, id) = fixture(store).await;
    let response = handle(json_post("/email/verify", &json!({ "token": token })), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    let user = body_json(&response);
    assert_eq!((user["id"].as_str(), user["email_verified"].as_bool()), (Some(id.as_str()), Some(true)));
    let again = handle(json_post("/email/verify", &json!({ "token": token })), &deps).await.unwrap();
    assert_eq!((again.status().as_u16(), error_code(&again)), (400, "invalid_grant".into()));
}

async fn an_expired_token_is_refused<S: Store>(store: S) {
    let (deps, clock, token, _) = fixture(store).await;
    clock.advance(86_400);
    let response = handle(json_post("/email/verify", &json!({ "token": token })), &deps).await.unwrap();
    assert_eq!(error_code(&response), "invalid_grant");
}

test_with_both_stores!(a_mailed_token_verifies_the_address_once, an_expired_token_is_refused);

#[tokio::test]
async fn a_token_of_another_purpose_or_garbage_is_invalid_grant_and_a_bad_body_invalid_request() {
    let (deps, _, token, _) = fixture(MemoryStore::new()).await;
    let reset = token.replace("ot1.verify.", "ot1.reset.");
    for body in [json!({ "token": reset }), json!({ "token": "x" }), json!({ "token": "" })] {
        let response = handle(json_post("/email/verify", &body), &deps).await.unwrap();
        assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_grant".into()), "{body}");
    }
    let response = handle(json_request(Method::POST, "/email/verify", "{}"), &deps).await.unwrap();
    assert_eq!(error_code(&response), "invalid_request");
}

#[tokio::test]
async fn a_store_outage_is_503() {
    let store = MemoryStore::new();
    let (deps, _, token, _) = fixture(store.clone()).await;
    store.set_unavailable(true);
    let response = handle(json_post("/email/verify", &json!({ "token": token })), &deps).await.unwrap();
    assert_eq!(response.status(), 503);
}

use serde_json::json;
use shared::store::{MemoryStore, User};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code, json_post};
use shared::{ManualClock, test_with_both_stores};

use super::*;

const NEW: &str = "ada@new.example";

async fn fixture<S: Store>(store: S) -> (ConfirmEmail<S>, ManualClock, String, User) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let token = OneTimeToken::new(Purpose::ChangeEmail, &ada.id);
    store.issue_token(&token.record(clock.now() + 3_600, Some(NEW.into()))).await.unwrap();
    (ConfirmEmail::new(store, &services), clock, token.encode(), ada)
}

async fn confirming_moves_the_account_to_the_new_address<S: Store>(store: S) {
    let (deps, _, token, ada) = fixture(store).await;
    let response = handle(json_post("/email/change/confirm", &json!({ "token": token })), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(body_json(&response)["email"], NEW);
    assert_eq!(deps.store.credentials(NEW).await.unwrap().unwrap().user_id, ada.id);
    assert!(deps.store.credentials(ADA_EMAIL).await.unwrap().is_none());
    let again = handle(json_post("/email/change/confirm", &json!({ "token": token })), &deps).await.unwrap();
    assert_eq!(error_code(&again), "invalid_grant");
}

async fn an_address_taken_since_is_409_and_nothing_changes<S: Store>(store: S) {
    let (deps, clock, token, ada) = fixture(store).await;
    let passwords = testing::cheap_passwords();
    testing::seed_user(&deps.store, &passwords, NEW, ADA_PASSWORD, clock.now()).await;
    let response = handle(json_post("/email/change/confirm", &json!({ "token": token })), &deps).await.unwrap();
    assert_eq!((response.status().as_u16(), error_code(&response)), (409, "email_taken".into()));
    assert_eq!(deps.store.profile(&ada.id).await.unwrap().unwrap().email, ADA_EMAIL);
    assert_eq!(deps.store.credentials(ADA_EMAIL).await.unwrap().unwrap().user_id, ada.id);
}

test_with_both_stores!(
    confirming_moves_the_account_to_the_new_address,
    an_address_taken_since_is_409_and_nothing_changes
);

#[tokio::test]
async fn an_expired_or_foreign_token_is_invalid_grant() {
    let (deps, clock, token, _) = fixture(MemoryStore::new()).await;
    let verify = token.replace("ot1.email.", "ot1.verify.");
    let response = handle(json_post("/email/change/confirm", &json!({ "token": verify })), &deps).await.unwrap();
    assert_eq!(error_code(&response), "invalid_grant");
    clock.advance(3_600);
    let response = handle(json_post("/email/change/confirm", &json!({ "token": token })), &deps).await.unwrap();
    assert_eq!(error_code(&response), "invalid_grant");
}

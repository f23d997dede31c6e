use serde_json::json;
use shared::store::{MemoryStore, TokenRef, User};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, Jobs, as_authorized, body_json, error_code, json_post};
use shared::{Clock, RefreshToken, test_with_both_stores};

use super::*;

const NEW_PASSWORD: &str = "a brand new passphrase for ada";

async fn fixture<S: Store>(store: S) -> (ChangePassword<S>, Jobs, User) {
    let clock = testing::clock();
    let mut services = testing::services(&clock);
    let (handoff, jobs) = testing::recording_handoff();
    services.handoff = Some(handoff);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    (ChangePassword::new(store, &services), jobs, ada)
}

fn change(user_id: &str, current: &str, new: &str) -> Request {
    as_authorized(json_post("/password/change", &json!({ "current_password": current, "new_password": new })), user_id)
}

async fn a_change_returns_a_new_session_and_revokes_the_others<S: Store>(store: S) {
    let (deps, jobs, ada) = fixture(store).await;
    let other = RefreshToken::first(&ada.id).record(deps.clock.now(), 86_400);
    deps.store.create_session(&other).await.unwrap();
    let response = handle(change(&ada.id, ADA_PASSWORD, NEW_PASSWORD), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    let tokens = body_json(&response);
    assert!(tokens["access_token"].is_string() && tokens["refresh_token"].is_string());
    let presented = RefreshToken::parse(tokens["refresh_token"].as_str().unwrap()).unwrap();
    let hash = presented.secret_hash();
    let mine = deps.store.refresh_state(presented.reference(&hash)).await.unwrap().unwrap();
    assert!(!mine.family_revoked, "the new session is live");
    let theirs = TokenRef {
        user_id: &other.user_id,
        family_id: &other.family_id,
        token_id: &other.token_id,
        secret_hash: &other.secret_hash,
    };
    assert!(deps.store.refresh_state(theirs).await.unwrap().unwrap().family_revoked);
    let hash = deps.store.credentials(ADA_EMAIL).await.unwrap().unwrap().password_hash;
    assert!(deps.reauth.passwords.verify(NEW_PASSWORD, Some(&hash)).await.unwrap().matches);
    assert_eq!(jobs.taken(), [MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::PasswordChanged }]);
}

async fn a_wrong_current_password_is_invalid_grant_and_changes_nothing<S: Store>(store: S) {
    let (deps, jobs, ada) = fixture(store).await;
    let response = handle(change(&ada.id, "not the password", NEW_PASSWORD), &deps).await.unwrap();
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_grant".into()));
    assert_eq!(deps.store.credentials(ADA_EMAIL).await.unwrap().unwrap().password_hash, ada.password_hash);
    assert!(jobs.taken().is_empty());
}

test_with_both_stores!(
    a_change_returns_a_new_session_and_revokes_the_others,
    a_wrong_current_password_is_invalid_grant_and_changes_nothing
);

#[tokio::test]
async fn a_weak_new_password_is_invalid_request() {
    let (deps, _, ada) = fixture(MemoryStore::new()).await;
    let response = handle(change(&ada.id, ADA_PASSWORD, "password"), &deps).await.unwrap();
    assert_eq!(error_code(&response), "invalid_request");
    assert!(body_json(&response)["error_description"].as_str().unwrap().starts_with("new_password"));
}

#[tokio::test]
async fn without_an_authorizer_or_a_token_it_is_401() {
    let (deps, _, _) = fixture(MemoryStore::new()).await;
    let bare =
        json_post("/password/change", &json!({ "current_password": ADA_PASSWORD, "new_password": NEW_PASSWORD }));
    let response = handle(bare, &deps).await.unwrap();
    assert_eq!(response.status(), 401);
}

use serde_json::json;
use shared::store::{MemoryStore, Store};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code, form_post, json_post};
use shared::{Clock, Endpoint, Keys, ManualClock, Size};

use super::*;

async fn token<S: Store + Clone>(store: S) -> Token<S> {
    with_clock(store).await.0
}

async fn with_clock<S: Store + Clone>(store: S) -> (Token<S>, ManualClock) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    (Token::new(store, &services), clock)
}

async fn post<S: Store>(deps: &Token<S>, form: &str) -> Response<Body> {
    handle(form_post("/token", form), deps).await.unwrap()
}

fn password_grant() -> String {
    format!("grant_type=password&username=ada%40example.com&password={}", ADA_PASSWORD.replace(' ', "+"))
}

async fn a_password_grant_then_a_refresh_token_grant_at_the_one_endpoint<S: Store + Clone>(store: S) {
    let deps = token(store).await;
    let login = post(&deps, &password_grant()).await;
    assert_eq!(login.status(), 200, "{:?}", body_json(&login));
    let first = body_json(&login);
    let refreshed =
        post(&deps, &format!("grant_type=refresh_token&refresh_token={}", first["refresh_token"].as_str().unwrap()))
            .await;
    assert_eq!(refreshed.status(), 200, "{:?}", body_json(&refreshed));
    let second = body_json(&refreshed);
    assert_ne!(second["refresh_token"], first["refresh_token"], "rotated");
    assert_eq!(second["token_type"], "Bearer");
}

async fn a_reused_refresh_token_ends_the_session_as_at_refresh<S: Store + Clone>(store: S) {
    let (deps, clock) = with_clock(store).await;
    let first = body_json(&post(&deps, &password_grant()).await);
    let old = format!("grant_type=refresh_token&refresh_token={}", first["refresh_token"].as_str().unwrap());
    let next = body_json(&post(&deps, &old).await);
    // Past the grace interval the old token is a reuse: the whole family ends.
    clock.advance(60);
    assert_eq!(error_code(&post(&deps, &old).await), "invalid_grant");
    let successor = format!("grant_type=refresh_token&refresh_token={}", next["refresh_token"].as_str().unwrap());
    assert_eq!(error_code(&post(&deps, &successor).await), "invalid_grant", "the family was revoked");
}

async fn a_wrong_password_is_invalid_grant_and_counted_as_at_login<S: Store + Clone>(store: S) {
    let deps = token(store).await;
    for _ in 0..10 {
        let wrong = post(&deps, "grant_type=password&username=ada%40example.com&password=not+it+at+all").await;
        assert_eq!(error_code(&wrong), "invalid_grant");
    }
    assert_eq!(post(&deps, &password_grant()).await.status(), 429, "the email's throttle is /login's");
}

shared::test_with_both_stores!(
    a_password_grant_then_a_refresh_token_grant_at_the_one_endpoint,
    a_reused_refresh_token_ends_the_session_as_at_refresh,
    a_wrong_password_is_invalid_grant_and_counted_as_at_login,
);

#[tokio::test]
async fn a_form_without_a_grant_type_is_invalid_request_and_another_grant_unsupported() {
    let deps = token(MemoryStore::new()).await;
    let missing = post(&deps, "username=ada%40example.com&password=x").await;
    assert_eq!((missing.status().as_u16(), error_code(&missing)), (400, "invalid_request".into()));
    let other = post(&deps, "grant_type=client_credentials").await;
    assert_eq!(
        body_json(&other),
        json!({"error": "unsupported_grant_type", "error_description": "grant_type must be password or refresh_token"})
    );
    let twice = post(&deps, "grant_type=password&grant_type=refresh_token").await;
    assert_eq!(error_code(&twice), "invalid_request", "a repeated parameter is refused (RFC 6749 §3.2)");
}

#[tokio::test]
async fn only_a_form_is_taken() {
    let deps = token(MemoryStore::new()).await;
    let json = handle(json_post("/token", &json!({"grant_type": "password"})), &deps).await.unwrap();
    assert_eq!(json.status(), 415);
}

#[test]
fn its_needs_are_what_login_and_refresh_need_together() {
    type Memory = MemoryStore;
    let (mine, login, refresh) = (Token::<Memory>::NEEDS, Login::<Memory>::NEEDS, Refresh::<Memory>::NEEDS);
    for op in login.store.iter().chain(refresh.store) {
        assert!(mine.store.contains(op), "{op:?} is missing");
    }
    assert!(mine.store.iter().all(|op| login.store.contains(op) || refresh.store.contains(op)), "no more");
    assert_eq!(mine.keys, Keys::Sign);
    assert_eq!(mine.uses, login.uses);
    assert_eq!(mine.size, Size::HASHES);
    assert_eq!(mine.connections, login.connections.max(refresh.connections));
}

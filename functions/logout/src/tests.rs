use lambda_http::http::Method;
use serde_json::json;
use shared::store::{MemoryStore, Store, User};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code, json_post};
use shared::{Clock, ManualClock, RefreshToken, TokenPair};

use super::*;

struct Fixture<S> {
    logout: Logout<S>,
    sessions: shared::Sessions,
    clock: ManualClock,
    user: User,
}

async fn fixture<S: Store>(store: S) -> Fixture<S> {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let user = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    Fixture { logout: Logout::new(store, &services), sessions: services.sessions(), clock, user }
}

impl<S: Store> Fixture<S> {
    async fn login(&self) -> TokenPair {
        testing::login(&self.logout.store, &self.sessions, &self.user, self.clock.now()).await
    }

    async fn post(&self, body: serde_json::Value) -> Response<Body> {
        handle(json_post("/logout", &body), &self.logout).await.unwrap()
    }

    async fn revoked(&self, pair: &TokenPair) -> bool {
        let token = RefreshToken::parse(&pair.refresh_token).unwrap();
        let hash = token.secret_hash();
        self.logout.store.refresh_state(token.reference(&hash)).await.unwrap().unwrap().family_revoked
    }
}

async fn local_logout_revokes_only_the_presented_session<S: Store>(store: S) {
    let f = fixture(store).await;
    let (phone, laptop) = (f.login().await, f.login().await);
    let response = f.post(json!({"refresh_token": phone.refresh_token})).await;
    assert_eq!(response.status(), 204);
    assert!(response.body().is_empty());
    assert!(f.revoked(&phone).await);
    assert!(!f.revoked(&laptop).await);
}

async fn global_logout_revokes_every_session_of_the_user<S: Store>(store: S) {
    let f = fixture(store).await;
    let (phone, laptop) = (f.login().await, f.login().await);
    let response = f.post(json!({"refresh_token": phone.refresh_token, "scope": "global"})).await;
    assert_eq!(response.status(), 204);
    assert!(f.revoked(&phone).await && f.revoked(&laptop).await);
}

async fn logout_is_idempotent<S: Store>(store: S) {
    let f = fixture(store).await;
    let pair = f.login().await;
    for _ in 0..2 {
        assert_eq!(f.post(json!({"refresh_token": pair.refresh_token})).await.status(), 204);
    }
}

async fn unknown_forged_and_access_tokens_get_204_and_revoke_nothing<S: Store>(store: S) {
    let f = fixture(store).await;
    let pair = f.login().await;
    let made_up = RefreshToken::first(&f.user.id).encode();
    let wrong_secret =
        format!("{}.QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE", pair.refresh_token.rsplit_once('.').unwrap().0);
    for token in ["garbage", made_up.as_str(), wrong_secret.as_str(), pair.access_token.as_str()] {
        assert_eq!(f.post(json!({"refresh_token": token, "scope": "global"})).await.status(), 204);
    }
    assert!(!f.revoked(&pair).await);
}

async fn an_expired_refresh_token_still_logs_its_session_out<S: Store>(store: S) {
    let f = fixture(store).await;
    let pair = f.login().await;
    f.clock.advance(31 * 86_400);
    assert_eq!(f.post(json!({"refresh_token": pair.refresh_token})).await.status(), 204);
    assert!(f.revoked(&pair).await);
}

shared::test_with_both_stores!(
    local_logout_revokes_only_the_presented_session,
    global_logout_revokes_every_session_of_the_user,
    logout_is_idempotent,
    unknown_forged_and_access_tokens_get_204_and_revoke_nothing,
    an_expired_refresh_token_still_logs_its_session_out,
);

#[tokio::test]
async fn malformed_bodies_are_400() {
    let f = fixture(MemoryStore::new()).await;
    for body in [json!({}), json!({"refresh_token": 1}), json!({"refresh_token": "x", "scope": "everywhere"})] {
        let response = f.post(body.clone()).await;
        assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".into()), "{body}");
    }
    let scope = f.post(json!({"refresh_token": "x", "scope": "everywhere"})).await;
    assert!(body_json(&scope)["error_description"].as_str().unwrap().starts_with("scope:"));
}

#[tokio::test]
async fn size_media_type_and_encoding_rules_apply() {
    let f = fixture(MemoryStore::new()).await;
    let send = |req| handle(req, &f.logout);
    assert_eq!(send(json_post("/logout", &json!({"refresh_token": "x".repeat(17_000)}))).await.unwrap().status(), 413);
    assert_eq!(send(testing::form_post("/logout", "token=x")).await.unwrap().status(), 415);
    assert_eq!(
        send(testing::request(Method::POST, "/logout", Some("application/json"), "")).await.unwrap().status(),
        400
    );
    let bad = testing::request(
        Method::POST,
        "/logout",
        Some("application/json"),
        Body::Binary(b"{\"refresh_token\":\"\xff\"}".to_vec()),
    );
    assert_eq!(send(bad).await.unwrap().status(), 400);
}

#[tokio::test]
async fn a_failing_store_is_503() {
    let f = fixture(MemoryStore::new()).await;
    let pair = f.login().await;
    f.logout.store.set_unavailable(true);
    let response = f.post(json!({"refresh_token": pair.refresh_token})).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
}

use std::sync::Arc;

use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::store::{MemoryStore, Store, User};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code, form_post, json_post};
use shared::{Clock, ManualClock, TokenPair};

use super::*;
use shared::session::{INVALID, REUSED};

struct Fixture<S> {
    refresh: Refresh<S>,
    verifier: Arc<shared::TokenVerifier>,
    clock: ManualClock,
    user: User,
}

async fn fixture<S: Store>(store: S) -> Fixture<S> {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let user = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let refresh = Refresh::new(store, &services);
    Fixture { refresh, verifier: services.verifier(), clock, user }
}

impl<S: Store> Fixture<S> {
    async fn login(&self) -> TokenPair {
        testing::login(&self.refresh.store, &self.refresh.sessions, &self.user, self.clock.now()).await
    }

    async fn post(&self, refresh_token: &str) -> Response<Body> {
        handle(json_post("/refresh", &json!({ "refresh_token": refresh_token })), &self.refresh).await.unwrap()
    }

    async fn rotate(&self, refresh_token: &str) -> Value {
        let response = self.post(refresh_token).await;
        assert_eq!(response.status(), 200, "{:?}", body_json(&response));
        assert_eq!(response.headers()["cache-control"], "no-store");
        body_json(&response)
    }
}

fn assert_invalid_grant(response: &Response<Body>) -> String {
    assert_eq!((response.status().as_u16(), error_code(response)), (400, "invalid_grant".into()));
    body_json(response)["error_description"].as_str().unwrap().to_string()
}

async fn a_refresh_rotates_the_token_and_issues_a_new_access_token<S: Store>(store: S) {
    let f = fixture(store).await;
    let first = f.login().await;
    f.clock.advance(60);
    let next = f.rotate(&first.refresh_token).await;
    assert_ne!(next["refresh_token"], first.refresh_token.as_str());
    assert_ne!(next["access_token"], first.access_token.as_str());
    let access = f.verifier.verify_access(next["access_token"].as_str().unwrap(), f.clock.now()).unwrap();
    assert_eq!((access.sub.as_str(), access.email.as_str()), (f.user.id.as_str(), ADA_EMAIL));
    assert_eq!(next["refresh_expires_in"], 30 * 86_400);
    let again = f.rotate(next["refresh_token"].as_str().unwrap()).await;
    assert_ne!(again["refresh_token"], next["refresh_token"]);
}

async fn an_oauth2_form_refresh_works<S: Store>(store: S) {
    let f = fixture(store).await;
    let first = f.login().await;
    let body = format!("grant_type=refresh_token&refresh_token={}&client_id=web", first.refresh_token);
    let response = handle(form_post("/refresh", &body), &f.refresh).await.unwrap();
    assert_eq!(response.status(), 200);
}

async fn a_retry_within_the_grace_interval_returns_the_same_refresh_token<S: Store>(store: S) {
    let f = fixture(store).await;
    let first = f.login().await;
    let a = f.rotate(&first.refresh_token).await;
    f.clock.advance(10);
    let b = f.rotate(&first.refresh_token).await;
    assert_eq!(a["refresh_token"], b["refresh_token"], "the same successor, byte for byte");
    assert_eq!(b["refresh_expires_in"], 30 * 86_400 - 10);
    f.rotate(a["refresh_token"].as_str().unwrap()).await;
}

async fn reuse_after_the_grace_interval_revokes_the_session<S: Store>(store: S) {
    let f = fixture(store).await;
    let a = f.login().await;
    let b = f.rotate(&a.refresh_token).await;
    f.clock.advance(11);
    let reuse = f.post(&a.refresh_token).await;
    assert_eq!(assert_invalid_grant(&reuse), REUSED);
    assert_eq!(assert_invalid_grant(&f.post(b["refresh_token"].as_str().unwrap()).await), INVALID);
    let other_session = f.login().await;
    f.rotate(&other_session.refresh_token).await;
}

async fn concurrent_refreshes_of_one_token_all_get_the_one_successor<S: Store + Clone>(store: S) {
    let f = Arc::new(fixture(store).await);
    let first = f.login().await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (f, token) = (f.clone(), first.refresh_token.clone());
        tasks.spawn(async move { f.rotate(&token).await["refresh_token"].clone() });
    }
    let tokens = tasks.join_all().await;
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
}

async fn an_access_token_sent_as_a_refresh_token_is_invalid_grant<S: Store>(store: S) {
    let f = fixture(store).await;
    let pair = f.login().await;
    assert_eq!(assert_invalid_grant(&f.post(&pair.access_token).await), INVALID);
}

async fn an_expired_refresh_token_is_invalid_grant<S: Store>(store: S) {
    let f = fixture(store).await;
    let pair = f.login().await;
    f.clock.advance(30 * 86_400 + 31);
    assert_invalid_grant(&f.post(&pair.refresh_token).await);
}

async fn a_forged_secret_or_a_made_up_token_is_invalid_grant<S: Store>(store: S) {
    let f = fixture(store).await;
    let pair = f.login().await;
    let genuine = shared::RefreshToken::parse(&pair.refresh_token).unwrap();
    // The real user, family and token ids with another secret.
    let mut forged = pair.refresh_token.rsplit_once('.').unwrap().0.to_string();
    forged.push_str(".QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE");
    assert_eq!(assert_invalid_grant(&f.post(&forged).await), INVALID);
    let stranger = shared::RefreshToken::first(&genuine.user_id).encode();
    assert_eq!(assert_invalid_grant(&f.post(&stranger).await), INVALID);
    assert_invalid_grant(&f.post("not.a.token").await);
    f.rotate(&pair.refresh_token).await;
}

shared::test_with_both_stores!(
    a_refresh_rotates_the_token_and_issues_a_new_access_token,
    an_oauth2_form_refresh_works,
    a_retry_within_the_grace_interval_returns_the_same_refresh_token,
    reuse_after_the_grace_interval_revokes_the_session,
    concurrent_refreshes_of_one_token_all_get_the_one_successor,
    an_access_token_sent_as_a_refresh_token_is_invalid_grant,
    an_expired_refresh_token_is_invalid_grant,
    a_forged_secret_or_a_made_up_token_is_invalid_grant,
);

async fn memory() -> Fixture<MemoryStore> {
    fixture(MemoryStore::new()).await
}

async fn send(f: &Fixture<MemoryStore>, req: Request) -> (u16, String) {
    let response = handle(req, &f.refresh).await.unwrap();
    (response.status().as_u16(), error_code(&response))
}

#[tokio::test]
async fn form_grant_type_rules_follow_rfc_6749() {
    let f = memory().await;
    assert_eq!(send(&f, form_post("/refresh", "refresh_token=x")).await, (400, "invalid_request".into()));
    assert_eq!(
        send(&f, form_post("/refresh", "grant_type=password&refresh_token=x")).await,
        (400, "unsupported_grant_type".into())
    );
    assert_eq!(send(&f, form_post("/refresh", "grant_type=refresh_token")).await, (400, "invalid_request".into()));
}

#[tokio::test]
async fn bad_json_bodies_are_invalid_request() {
    let f = memory().await;
    for body in [json!({}), json!({"refresh_token": 7}), json!(null)] {
        assert_eq!(send(&f, json_post("/refresh", &body)).await, (400, "invalid_request".into()), "{body}");
    }
    let empty = testing::request(Method::POST, "/refresh", Some("application/json"), "");
    assert_eq!(send(&f, empty).await.0, 400);
    let bad_utf8 = testing::request(
        Method::POST,
        "/refresh",
        Some("application/json"),
        Body::Binary(b"{\"refresh_token\":\"\xff\"}".to_vec()),
    );
    assert_eq!(send(&f, bad_utf8).await, (400, "invalid_request".into()));
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let f = memory().await;
    let pair = f.login().await;
    let body = json!({"refresh_token": pair.refresh_token, "device": "phone"});
    assert_eq!(send(&f, json_post("/refresh", &body)).await.0, 200);
}

#[tokio::test]
async fn size_and_media_type_limits_apply() {
    let f = memory().await;
    assert_eq!(send(&f, json_post("/refresh", &json!({"refresh_token": "x".repeat(17_000)}))).await.0, 413);
    assert_eq!(send(&f, testing::request(Method::POST, "/refresh", Some("text/plain"), "x")).await.0, 415);
}

#[tokio::test]
async fn a_failing_store_is_503() {
    let f = memory().await;
    let pair = f.login().await;
    f.refresh.store.set_unavailable(true);
    let response = f.post(&pair.refresh_token).await;
    assert_eq!((response.status().as_u16(), error_code(&response)), (503, "temporarily_unavailable".into()));
    assert!(response.headers().contains_key("retry-after"));
}

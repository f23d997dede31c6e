use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::store::{Counter, MemoryStore, Store};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code, form_post, json_post};
use shared::{Clock, ManualClock, PasswordSettings, Passwords};

use super::*;

struct Fixture<S> {
    login: Login<S>,
    clock: ManualClock,
}

async fn fixture<S: Store>(store: S) -> Fixture<S> {
    let clock = testing::clock();
    let services = testing::services(&clock);
    testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let login = Login::new(store, &services);
    Fixture { login, clock }
}

async fn post<S: Store>(f: &Fixture<S>, body: Value) -> Response<Body> {
    handle(json_post("/login", &body), &f.login).await.unwrap()
}

async fn form<S: Store>(f: &Fixture<S>, body: &str) -> Response<Body> {
    handle(form_post("/login", body), &f.login).await.unwrap()
}

fn right() -> Value {
    json!({"email": "Ada@Example.com", "password": ADA_PASSWORD})
}

fn wrong() -> Value {
    json!({"email": ADA_EMAIL, "password": "not the right passphrase"})
}

fn assert_tokens(response: &Response<Body>) {
    assert_eq!(response.status(), 200, "{:?}", body_json(response));
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body = body_json(response);
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
}

async fn a_json_login_returns_tokens<S: Store>(store: S) {
    let f = fixture(store).await;
    assert_tokens(&post(&f, right()).await);
}

async fn an_oauth2_form_login_returns_tokens_and_ignores_extra_fields<S: Store>(store: S) {
    let f = fixture(store).await;
    let body = "grant_type=password&username=ada%40example.com&password=correct+horse+battery+staple&client_id=web&scope=profile";
    assert_tokens(&form(&f, body).await);
}

async fn an_unknown_email_and_a_wrong_password_get_the_same_answer<S: Store>(store: S) {
    let f = fixture(store).await;
    let unknown = post(&f, json!({"email": "nobody@example.com", "password": "not the right passphrase"})).await;
    let wrong = post(&f, wrong()).await;
    assert_eq!(unknown.status(), 400);
    assert_eq!(body_json(&unknown), json!({"error": "invalid_grant", "error_description": WRONG_CREDENTIALS}));
    assert_eq!(unknown.status(), wrong.status());
    assert_eq!(unknown.body(), wrong.body());
    assert_eq!(unknown.headers(), wrong.headers());
}

fn assert_throttled(response: &Response<Body>, retry_after: u64) {
    assert_eq!((response.status().as_u16(), error_code(response)), (429, "too_many_attempts".into()));
    assert_eq!(response.headers()["retry-after"], retry_after.to_string().as_str());
}

async fn after_ten_failures_each_next_check_waits_twice_as_long_up_to_a_bound<S: Store>(store: S) {
    let f = fixture(store).await;
    for attempt in 1..=10 {
        let response = post(&f, wrong()).await;
        assert_eq!(error_code(&response), "invalid_grant", "attempt {attempt}");
    }
    assert_throttled(&post(&f, right()).await, 2);
    f.clock.advance(2);
    assert_eq!(error_code(&post(&f, wrong()).await), "invalid_grant");
    assert_throttled(&post(&f, right()).await, 4);
    for wait in [4, 8, 16, 32, 64, 128, 256, 512] {
        f.clock.advance(wait);
        assert_eq!(error_code(&post(&f, wrong()).await), "invalid_grant", "after waiting {wait} s");
    }
    assert_throttled(&post(&f, right()).await, 900);
    f.clock.advance(900);
    assert_tokens(&post(&f, right()).await);
}

async fn a_device_that_logged_in_before_is_not_slowed_by_anyone_elses_failures<S: Store>(store: S) {
    let f = fixture(store).await;
    let first = post(&f, right()).await;
    assert_tokens(&first);
    let token = first.headers()["x-device-token"].to_str().unwrap().to_string();
    let cookie = first.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with(&format!("__Host-device={token}; Path=/;")), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"));
    for _ in 0..25 {
        post(&f, wrong()).await;
    }
    assert_eq!(post(&f, right()).await.status(), 429, "a new device waits");
    let mut known = json_post("/login", &right());
    known.headers_mut().insert("x-device-token", token.parse().unwrap());
    assert_tokens(&handle(known, &f.login).await.unwrap());
    let mut by_cookie = json_post("/login", &right());
    by_cookie.headers_mut().insert("cookie", format!("__Host-device={token}").parse().unwrap());
    assert_tokens(&handle(by_cookie, &f.login).await.unwrap());
    let mut other_email = json_post("/login", &json!({"email": "eve@example.com", "password": "x"}));
    other_email.headers_mut().insert("x-device-token", token.parse().unwrap());
    assert_eq!(error_code(&handle(other_email, &f.login).await.unwrap()), "invalid_grant");
}

async fn behind_a_noisy_address_a_known_device_logs_in_at_once_and_a_new_one_after_a_short_wait<S: Store>(store: S) {
    let f = fixture(store).await;
    let first = post(&f, right()).await;
    let token = first.headers()["x-device-token"].to_str().unwrap().to_string();
    // Every fixture request comes from one address: a sprayer across many emails.
    for i in 0..35 {
        post(&f, json!({"email": format!("target{i}@example.com"), "password": "a sprayed guess"})).await;
    }
    let sprayed = post(&f, json!({"email": "target99@example.com", "password": "a sprayed guess"})).await;
    assert_throttled(&sprayed, 2);
    let mut known = json_post("/login", &right());
    known.headers_mut().insert("x-device-token", token.parse().unwrap());
    assert_tokens(&handle(known, &f.login).await.unwrap());
    assert_throttled(&post(&f, right()).await, 2);
    f.clock.advance(2);
    assert_tokens(&post(&f, right()).await);
}

async fn unknown_emails_are_throttled_too<S: Store>(store: S) {
    let f = fixture(store).await;
    let nobody = json!({"email": "nobody@example.com", "password": "not the right passphrase"});
    for _ in 0..10 {
        post(&f, nobody.clone()).await;
    }
    assert_eq!(post(&f, nobody).await.status(), 429);
}

async fn a_hundred_concurrent_guesses_check_at_most_the_limit_and_the_right_password_then_waits<S: Store>(store: S) {
    let f = std::sync::Arc::new(fixture(store).await);
    let mut guesses = tokio::task::JoinSet::new();
    for _ in 0..99 {
        let f = f.clone();
        guesses.spawn(async move { post(&f, wrong()).await.status().as_u16() });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|&&s| s == 400).count();
    assert_eq!(checked, 10, "exactly the limit of passwords is checked: {statuses:?}");
    assert!(statuses.iter().all(|&s| s == 400 || s == 429), "{statuses:?}");
    let right = post(&f, right()).await;
    assert_eq!((right.status().as_u16(), error_code(&right)), (429, "too_many_attempts".into()));
}

async fn a_successful_login_clears_the_failures<S: Store>(store: S) {
    let f = fixture(store).await;
    for _ in 0..9 {
        post(&f, wrong()).await;
    }
    assert_tokens(&post(&f, right()).await);
    let now = f.clock.now();
    let counted = f.login.store.counted(Counter::Email(ADA_EMAIL), now, f.login.throttle.logins()).await.unwrap();
    assert_eq!(counted, None);
}

async fn changed_argon2_parameters_rehash_on_login<S: Store>(store: S) {
    let mut f = fixture(store).await;
    let stronger = PasswordSettings { memory_kib: 8 * 1024, iterations: 2, ..PasswordSettings::default() };
    f.login.passwords = Passwords::new(stronger).unwrap();
    assert_tokens(&post(&f, right()).await);
    let stored = f.login.store.credentials(ADA_EMAIL).await.unwrap().unwrap().password_hash;
    assert!(stored.starts_with("$argon2id$v=19$m=8192,t=2,p=1$"), "{stored}");
    assert_tokens(&post(&f, right()).await);
}

async fn every_login_opens_its_own_session<S: Store>(store: S) {
    let f = fixture(store).await;
    let a = body_json(&post(&f, right()).await);
    let b = body_json(&post(&f, right()).await);
    assert_ne!(a["refresh_token"], b["refresh_token"]);
}

async fn with_totp_on_a_right_password_answers_mfa_required_and_no_tokens<S: Store>(store: S) {
    let f = fixture(store).await;
    let ada = f.login.store.credentials(ADA_EMAIL).await.unwrap().unwrap();
    testing::enable_totp(&f.login.store, &ada.user_id, f.clock.now()).await;
    let response = post(&f, right()).await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = body_json(&response);
    assert_eq!((body["error"].as_str(), body["expires_in"].as_u64()), (Some("mfa_required"), Some(300)));
    assert!(body["mfa_token"].as_str().unwrap().starts_with("ot1.mfa."));
    assert!(body.get("access_token").is_none() && body.get("refresh_token").is_none());
    assert!(!response.headers().contains_key("set-cookie"), "no session, no device cookie yet");
    let sessions = f.login.store.sessions(&ada.user_id, f.clock.now()).await.unwrap();
    assert_eq!(sessions.len(), 1, "only the seeded session: the password step opened none");
    let wrong = post(&f, wrong()).await;
    assert_eq!(error_code(&wrong), "invalid_grant", "a wrong password is still just wrong");
}

shared::test_with_both_stores!(
    with_totp_on_a_right_password_answers_mfa_required_and_no_tokens,
    a_json_login_returns_tokens,
    an_oauth2_form_login_returns_tokens_and_ignores_extra_fields,
    an_unknown_email_and_a_wrong_password_get_the_same_answer,
    after_ten_failures_each_next_check_waits_twice_as_long_up_to_a_bound,
    a_device_that_logged_in_before_is_not_slowed_by_anyone_elses_failures,
    behind_a_noisy_address_a_known_device_logs_in_at_once_and_a_new_one_after_a_short_wait,
    unknown_emails_are_throttled_too,
    a_hundred_concurrent_guesses_check_at_most_the_limit_and_the_right_password_then_waits,
    a_successful_login_clears_the_failures,
    changed_argon2_parameters_rehash_on_login,
    every_login_opens_its_own_session,
);

// Bad input and dependency failures.

async fn memory() -> Fixture<MemoryStore> {
    fixture(MemoryStore::new()).await
}

#[tokio::test]
async fn a_form_without_grant_type_is_invalid_request() {
    let response = form(&memory().await, "username=ada%40example.com&password=x").await;
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".into()));
}

#[tokio::test]
async fn another_grant_type_is_unsupported() {
    let response = form(&memory().await, "grant_type=client_credentials&client_id=x").await;
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "unsupported_grant_type".into()));
}

#[tokio::test]
async fn a_form_without_username_names_it() {
    let response = form(&memory().await, "grant_type=password&password=x").await;
    assert_eq!(body_json(&response)["error_description"], "username is required");
}

#[tokio::test]
async fn a_repeated_form_parameter_is_invalid_request() {
    let response = form(&memory().await, "grant_type=password&username=a%40b.co&password=x&password=y").await;
    assert_eq!(error_code(&response), "invalid_request");
}

#[tokio::test]
async fn a_malformed_email_is_invalid_request() {
    let response = post(&memory().await, json!({"email": "not-an-email", "password": ADA_PASSWORD})).await;
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".into()));
}

#[tokio::test]
async fn wrong_types_missing_fields_and_empty_bodies_are_invalid_request() {
    let f = memory().await;
    for body in [json!({"email": ADA_EMAIL, "password": 123}), json!({"email": ADA_EMAIL}), json!([]), json!("x")] {
        let response = post(&f, body.clone()).await;
        assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".into()), "{body}");
    }
    let empty = handle(testing::request(Method::POST, "/login", Some("application/json"), ""), &f.login).await.unwrap();
    assert_eq!(error_code(&empty), "invalid_request");
}

#[tokio::test]
async fn unknown_json_fields_are_ignored() {
    let mut body = right();
    body["remember_me"] = json!(true);
    assert_tokens(&post(&memory().await, body).await);
}

#[tokio::test]
async fn invalid_utf8_is_invalid_request() {
    let body = Body::Binary(b"{\"email\":\"ada@example.com\",\"password\":\"\xc3\x28\"}".to_vec());
    let req = testing::request(Method::POST, "/login", Some("application/json"), body);
    assert_eq!(error_code(&handle(req, &memory().await.login).await.unwrap()), "invalid_request");
}

#[tokio::test]
async fn a_huge_body_is_413_and_another_content_type_is_415() {
    let f = memory().await;
    let huge = json!({"email": ADA_EMAIL, "password": "p".repeat(20_000)});
    assert_eq!(post(&f, huge).await.status(), 413);
    let text = testing::request(Method::POST, "/login", Some("text/plain"), "email=a");
    assert_eq!(handle(text, &f.login).await.unwrap().status(), 415);
}

#[tokio::test]
async fn a_failing_store_is_503_with_retry_after() {
    let f = memory().await;
    f.login.store.set_unavailable(true);
    let response = post(&f, right()).await;
    assert_eq!((response.status().as_u16(), error_code(&response)), (503, "temporarily_unavailable".into()));
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn an_unreachable_dynamodb_is_503() {
    let login = Login::new(testing::unreachable_store().await, &testing::services(&testing::clock()));
    let response = handle(json_post("/login", &right()), &login).await.unwrap();
    assert_eq!(response.status(), 503);
}

#[tokio::test]
async fn with_verification_required_an_unverified_account_gets_403_after_a_right_password_only() {
    let clock = testing::clock();
    let mut services = testing::services(&clock);
    services.accounts.verification = EmailVerification::Required;
    let store = MemoryStore::new();
    testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let f = Fixture { login: Login::new(store, &services), clock };
    let response = post(&f, right()).await;
    assert_eq!((response.status().as_u16(), error_code(&response)), (403, "email_not_verified".into()));
    assert!(body_json(&response).get("access_token").is_none());
    assert_eq!(error_code(&post(&f, wrong()).await), "invalid_grant", "a wrong password learns nothing more");
}

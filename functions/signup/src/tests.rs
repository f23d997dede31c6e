use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::store::{MemoryStore, Store};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code, json_post};
use shared::{Algorithm, Clock};

use super::*;

fn deps<S: Store>(store: S) -> Signup<S> {
    Signup::new(store, &testing::services(&testing::clock()))
}

async fn post<S: Store>(deps: &Signup<S>, body: Value) -> Response<Body> {
    handle(json_post("/signup", &body), deps).await.unwrap()
}

fn ada() -> Value {
    json!({"email": "  Ada@Example.COM ", "password": ADA_PASSWORD, "name": "Ada Lovelace"})
}

async fn creates_the_account_and_its_first_session<S: Store>(store: S) {
    let d = deps(store);
    let response = post(&d, ada()).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body = body_json(&response);
    let user = &body["user"];
    assert_eq!(user["email"], ADA_EMAIL);
    assert_eq!(user["name"], "Ada Lovelace");
    assert!(uuid::Uuid::parse_str(user["id"].as_str().unwrap()).is_ok());
    assert!(
        time::OffsetDateTime::parse(
            user["created_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );
    assert_eq!(
        user.as_object().unwrap().len(),
        6,
        "USER has exactly id, email, email_verified, name, created_at, mfa: {user}"
    );
    assert_eq!(user["mfa"], json!({"totp": false, "passkeys": 0}));
    assert_eq!(user["email_verified"], false);
    assert_eq!((body["token_type"].clone(), body["expires_in"].clone()), (json!("Bearer"), json!(900)));
    assert_eq!(body["refresh_expires_in"], 30 * 86_400);
    assert!(!body.to_string().contains("argon2"), "no hash in the response");
    let stored = d.store.credentials(ADA_EMAIL).await.unwrap().unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$") && !stored.password_hash.contains(ADA_PASSWORD));
}

async fn the_access_token_names_the_new_user<S: Store>(store: S) {
    let d = deps(store);
    let (_, verifier) = testing::tokens(
        Algorithm::RS256,
        Some(&serde_json::to_string(&json!({"keys": [d.sessions.issuer().signing_key().verification_jwk()]})).unwrap()),
    );
    let body = body_json(&post(&d, ada()).await);
    let claims = verifier.verify_access(body["access_token"].as_str().unwrap(), d.clock.now()).unwrap();
    assert_eq!(claims.sub, body["user"]["id"].as_str().unwrap());
    assert_eq!(claims.email, ADA_EMAIL);
    let refresh = shared::RefreshToken::parse(body["refresh_token"].as_str().unwrap()).unwrap();
    assert_eq!(refresh.user_id, claims.sub);
    let hash = refresh.secret_hash();
    assert!(d.store.refresh_state(refresh.reference(&hash)).await.unwrap().is_some(), "the session is stored");
}

async fn an_email_already_registered_in_another_case_is_409<S: Store>(store: S) {
    let d = deps(store);
    assert_eq!(post(&d, ada()).await.status(), 201);
    let again = post(&d, json!({"email": "ADA@example.com", "password": "another long passphrase here"})).await;
    assert_eq!((again.status().as_u16(), error_code(&again)), (409, "email_taken".into()));
}

fn assert_unavailable(response: &Response<Body>) {
    assert_eq!((response.status().as_u16(), error_code(response)), (503, "temporarily_unavailable".into()));
    assert_eq!(response.headers()["retry-after"], "2");
}

#[tokio::test]
async fn a_failing_store_is_503_and_nothing_is_written() {
    let store = MemoryStore::new();
    let d = deps(store.clone());
    store.set_unavailable(true);
    assert_unavailable(&post(&d, ada()).await);
    store.set_unavailable(false);
    assert_eq!(store.record_counts(), (0, 0, 0));
}

#[tokio::test]
async fn an_unreachable_dynamodb_is_503() {
    assert_unavailable(&post(&deps(testing::unreachable_store().await), ada()).await);
}

shared::test_with_both_stores!(
    creates_the_account_and_its_first_session,
    the_access_token_names_the_new_user,
    an_email_already_registered_in_another_case_is_409,
);

// Input validation never reaches the store, so the in-memory one suffices.

async fn invalid(body: Value) -> (u16, String, String) {
    let response = post(&deps(MemoryStore::new()), body).await;
    let json = body_json(&response);
    (response.status().as_u16(), error_code(&response), json["error_description"].as_str().unwrap_or_default().into())
}

#[tokio::test]
async fn a_malformed_email_is_invalid_request_naming_email() {
    let (status, code, description) = invalid(json!({"email": "ada@", "password": ADA_PASSWORD})).await;
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert!(description.starts_with("email"), "{description}");
}

#[tokio::test]
async fn a_password_under_15_characters_is_refused() {
    let (status, _, description) = invalid(json!({"email": ADA_EMAIL, "password": "fourteen chars"})).await;
    assert_eq!(status, 400);
    assert_eq!(description, "password: password must be at least 15 characters long");
}

#[tokio::test]
async fn a_common_password_of_any_length_is_refused_saying_why() {
    let (status, code, description) = invalid(json!({"email": ADA_EMAIL, "password": "passwordpassword123"})).await;
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert!(description.starts_with("password: password is too easy to guess ("), "{description}");
}

#[tokio::test]
async fn a_password_built_on_the_email_is_refused() {
    let body = json!({"email": "grace.hopper@example.com", "password": "grace.hopper.2024"});
    let (status, _, description) = invalid(body).await;
    assert_eq!(status, 400);
    assert!(description.contains("too easy to guess"), "{description}");
}

#[tokio::test]
async fn a_password_over_128_characters_is_refused_not_truncated() {
    let (status, _, description) = invalid(json!({"email": ADA_EMAIL, "password": "p".repeat(129)})).await;
    assert_eq!(status, 400);
    assert!(description.contains("at most 128"), "{description}");
}

#[tokio::test]
async fn a_missing_password_is_named() {
    let (status, code, description) = invalid(json!({"email": ADA_EMAIL})).await;
    assert_eq!((status, code.as_str()), (400, "invalid_request"));
    assert!(description.contains("password"), "{description}");
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_named() {
    let (status, _, description) = invalid(json!({"email": 42, "password": ADA_PASSWORD})).await;
    assert_eq!(status, 400);
    assert!(description.starts_with("email:"), "{description}");
}

#[tokio::test]
async fn a_name_that_is_too_long_is_refused() {
    let (status, _, description) =
        invalid(json!({"email": ADA_EMAIL, "password": ADA_PASSWORD, "name": "n".repeat(101)})).await;
    assert_eq!(status, 400);
    assert!(description.starts_with("name:"), "{description}");
}

#[tokio::test]
async fn unknown_fields_are_ignored_and_a_missing_name_is_null() {
    let response =
        post(&deps(MemoryStore::new()), json!({"email": ADA_EMAIL, "password": ADA_PASSWORD, "plan": "pro"})).await;
    assert_eq!(response.status(), 201);
    assert_eq!(body_json(&response)["user"]["name"], Value::Null);
}

#[tokio::test]
async fn an_empty_body_is_invalid_request() {
    let req = testing::request(Method::POST, "/signup", Some("application/json"), "");
    let response = handle(req, &deps(MemoryStore::new())).await.unwrap();
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".into()));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_invalid_request() {
    let req = testing::request(Method::POST, "/signup", Some("application/json"), "{\"email\":");
    let response = handle(req, &deps(MemoryStore::new())).await.unwrap();
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".into()));
}

#[tokio::test]
async fn invalid_utf8_is_invalid_request() {
    let body = Body::Binary(b"{\"email\":\"\xff\xfe\",\"password\":\"correct horse battery staple\"}".to_vec());
    let req = testing::request(Method::POST, "/signup", Some("application/json"), body);
    let response = handle(req, &deps(MemoryStore::new())).await.unwrap();
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".into()));
}

#[tokio::test]
async fn a_body_over_16_kib_is_413() {
    let body = json!({"email": ADA_EMAIL, "password": ADA_PASSWORD, "name": "x".repeat(17 * 1024)});
    let response = post(&deps(MemoryStore::new()), body).await;
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn a_form_body_is_415() {
    let req = testing::form_post("/signup", "email=ada%40example.com&password=correct+horse+battery+staple");
    let response = handle(req, &deps(MemoryStore::new())).await.unwrap();
    assert_eq!(response.status(), 415);
}

fn required<S: Store>(store: S) -> (Signup<S>, testing::Jobs) {
    let mut services = testing::services(&testing::clock());
    services.accounts.verification = EmailVerification::Required;
    let (handoff, jobs) = testing::recording_handoff();
    services.handoff = Some(handoff);
    (Signup::new(store, &services), jobs)
}

#[tokio::test]
async fn a_signup_hands_off_a_verification_mail() {
    let mut services = testing::services(&testing::clock());
    let (handoff, jobs) = testing::recording_handoff();
    services.handoff = Some(handoff);
    let d = Signup::new(MemoryStore::new(), &services);
    assert_eq!(post(&d, ada()).await.status(), 201);
    assert_eq!(jobs.taken(), [MailJob::VerifyEmail { email: ADA_EMAIL.into() }]);
}

#[tokio::test]
async fn with_verification_required_a_new_and_a_taken_address_get_the_same_202_and_different_mail() {
    let (d, jobs) = required(MemoryStore::new());
    let new = post(&d, ada()).await;
    let taken = post(&d, ada()).await;
    for response in [&new, &taken] {
        assert_eq!(response.status(), 202);
        assert_eq!(body_json(response), json!({}));
    }
    assert_eq!(
        jobs.taken(),
        [MailJob::VerifyEmail { email: ADA_EMAIL.into() }, MailJob::AlreadyRegistered { email: ADA_EMAIL.into() },]
    );
    let (users, _, families) = d.store.record_counts();
    assert_eq!((users, families), (1, 0), "one account, and no session until it is verified");
    let weak = post(&d, json!({"email": "bob@example.com", "password": "passwordpassword"})).await;
    assert_eq!(error_code(&weak), "invalid_request", "the policy still answers");
}

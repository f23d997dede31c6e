//! The HTTP contract (`openapi.yaml`) over real HTTP against `local-api` on 127.0.0.1,
//! once with the in-memory store and once against DynamoDB Local.

mod support;

use std::time::Duration;

use hyper::Method;
use serde_json::{Value, json};
use support::{Reply, Server};

const PASSWORD: &str = "correct horse battery staple";
/// Short, so reuse after the grace interval is testable without a long wait.
const GRACE_SECONDS: &str = "1";

fn email() -> String {
    format!("user-{}@example.com", uuid::Uuid::new_v4().simple())
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{:?}", reply.json());
    assert_eq!(reply.code(), code, "{:?}", reply.json());
    assert!(reply.json()["error_description"].as_str().is_some_and(|d| !d.is_empty()));
}

fn assert_gateway(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status.as_u16(), status);
    assert_eq!(reply.json(), json!({ "message": message }));
}

fn assert_tokens(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status.as_u16(), status, "{:?}", reply.json());
    assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("pragma"), Some("no-cache"));
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().is_some() && body["refresh_expires_in"].as_u64().is_some());
    body
}

async fn signup(api: &Server, email: &str) -> Value {
    assert_tokens(&api.post("/signup", json!({"email": email, "password": PASSWORD, "name": "Ada"})).await, 201)
}

async fn login(api: &Server, email: &str) -> Value {
    assert_tokens(&api.post("/login", json!({"email": email, "password": PASSWORD})).await, 200)
}

fn bearer(tokens: &Value) -> String {
    format!("Bearer {}", tokens["access_token"].as_str().unwrap())
}

async fn refresh(api: &Server, token: &Value) -> Reply {
    api.post("/refresh", json!({ "refresh_token": token })).await
}

// --- the contract --------------------------------------------------------------

async fn signup_creates_an_account_and_refuses_bad_input(api: &Server) {
    let address = email();
    let created = signup(api, &format!("  {}  ", address.to_uppercase())).await;
    assert_eq!(created["user"]["email"], address.as_str());
    assert_eq!(created["user"].as_object().unwrap().len(), 6);
    assert_eq!(created["user"]["mfa"], json!({"totp": false, "passkeys": 0}));
    assert_eq!(created["user"]["email_verified"], false);
    assert_error(&api.post("/signup", json!({"email": address, "password": PASSWORD})).await, 409, "email_taken");
    assert_error(&api.post("/signup", json!({"email": "nope", "password": PASSWORD})).await, 400, "invalid_request");
    assert_error(
        &api.post("/signup", json!({"email": email(), "password": "too short"})).await,
        400,
        "invalid_request",
    );
    assert_error(&api.post("/signup", json!({"email": email()})).await, 400, "invalid_request");
    let huge = json!({"email": email(), "password": PASSWORD, "name": "x".repeat(17 * 1024)});
    assert_error(&api.post("/signup", huge).await, 413, "payload_too_large");
    let text = api.send(Method::POST, "/signup", &[("content-type", "text/plain")], "hello").await;
    assert_error(&text, 415, "unsupported_media_type");
    let broken = api.send(Method::POST, "/signup", &[("content-type", "application/json")], "{\"email\":").await;
    assert_error(&broken, 400, "invalid_request");
}

async fn login_takes_json_and_oauth2_forms_and_answers_one_way_for_bad_credentials(api: &Server) {
    let address = email();
    signup(api, &address).await;
    login(api, &address).await;
    let form = format!(
        "grant_type=password&username={}&password=correct+horse+battery+staple&client_id=web",
        address.replace('@', "%40")
    );
    assert_tokens(&api.form("/login", &form).await, 200);
    let wrong = api.post("/login", json!({"email": address, "password": "the wrong passphrase"})).await;
    let unknown = api.post("/login", json!({"email": email(), "password": "the wrong passphrase"})).await;
    assert_error(&wrong, 400, "invalid_grant");
    assert_eq!((wrong.status, wrong.json()), (unknown.status, unknown.json()));
    assert_error(&api.form("/login", "grant_type=client_credentials").await, 400, "unsupported_grant_type");
}

async fn the_eleventh_login_in_the_window_is_throttled(api: &Server) {
    let address = email();
    signup(api, &address).await;
    for _ in 0..10 {
        assert_error(
            &api.post("/login", json!({"email": address, "password": "the wrong passphrase"})).await,
            400,
            "invalid_grant",
        );
    }
    let throttled = api.post("/login", json!({"email": address, "password": PASSWORD})).await;
    assert_error(&throttled, 429, "too_many_attempts");
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
}

async fn refresh_rotates_replays_within_grace_and_revokes_on_reuse(api: &Server) {
    let address = email();
    let first = signup(api, &address).await;
    let second = assert_tokens(&refresh(api, &first["refresh_token"]).await, 200);
    let retried = assert_tokens(&refresh(api, &first["refresh_token"]).await, 200);
    assert_eq!(
        second["refresh_token"], retried["refresh_token"],
        "a retry within the grace interval gets the same successor"
    );
    let form = format!("grant_type=refresh_token&refresh_token={}", second["refresh_token"].as_str().unwrap());
    let third = assert_tokens(&api.form("/refresh", &form).await, 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_error(&refresh(api, &first["refresh_token"]).await, 400, "invalid_grant");
    assert_error(&refresh(api, &third["refresh_token"]).await, 400, "invalid_grant");
    assert_error(&refresh(api, &first["access_token"]).await, 400, "invalid_grant");
    assert_error(&refresh(api, &json!("garbage")).await, 400, "invalid_grant");
    assert_error(&api.form("/refresh", "refresh_token=x").await, 400, "invalid_request");
}

async fn logout_revokes_one_session_or_all_and_is_idempotent(api: &Server) {
    let address = email();
    let phone = signup(api, &address).await;
    let laptop = login(api, &address).await;
    let tablet = login(api, &address).await;
    assert_eq!(api.post("/logout", json!({"refresh_token": phone["refresh_token"]})).await.status, 204);
    assert_eq!(api.post("/logout", json!({"refresh_token": phone["refresh_token"]})).await.status, 204);
    assert_error(&refresh(api, &phone["refresh_token"]).await, 400, "invalid_grant");
    let rotated = assert_tokens(&refresh(api, &laptop["refresh_token"]).await, 200);
    let everywhere = api.post("/logout", json!({"refresh_token": rotated["refresh_token"], "scope": "global"})).await;
    assert_eq!(everywhere.status, 204);
    assert_error(&refresh(api, &tablet["refresh_token"]).await, 400, "invalid_grant");
    assert_eq!(api.post("/logout", json!({"refresh_token": "unknown"})).await.status, 204);
    assert_error(&api.post("/logout", json!({"token": "x"})).await, 400, "invalid_request");
}

async fn me_is_behind_the_authorizer_with_the_gateways_401_and_403(api: &Server) {
    let address = email();
    let tokens = signup(api, &address).await;
    let me = api.get("/me", Some(&bearer(&tokens))).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["email"], address.as_str());
    assert_eq!(me.json()["id"], tokens["user"]["id"]);
    assert_gateway(&api.get("/me", None).await, 401, "Unauthorized");
    assert_gateway(&api.get("/me", Some("Bearer not-a-token")).await, 403, "Forbidden");
    let refresh_as_access = format!("Bearer {}", tokens["refresh_token"].as_str().unwrap());
    assert_gateway(&api.get("/me", Some(&refresh_as_access)).await, 403, "Forbidden");
    assert_gateway(
        &api.get("/me", Some(&format!("Basic {}", tokens["access_token"].as_str().unwrap()))).await,
        403,
        "Forbidden",
    );
}

async fn jwks_publishes_the_key_that_signed_the_tokens(api: &Server) {
    let tokens = signup(api, &email()).await;
    let jwks = api.get("/.well-known/jwks.json", None).await;
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.header("cache-control"), Some("public, max-age=600"));
    let header = tokens["access_token"].as_str().unwrap().split('.').next().unwrap();
    use base64::Engine;
    let header: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert!(jwks.json()["keys"].as_array().unwrap().iter().any(|k| k["kid"] == header["kid"]));
}

async fn unknown_routes_get_the_gateways_404(api: &Server) {
    assert_gateway(&api.get("/nowhere", None).await, 404, "Not Found");
    assert_gateway(&api.get("/login", None).await, 404, "Not Found");
}

async fn sessions_are_listed_and_one_can_be_logged_out(api: &Server) {
    let address = email();
    let phone = signup(api, &address).await;
    let laptop = login(api, &address).await;
    let listed = api.get("/sessions", Some(&bearer(&laptop))).await;
    assert_eq!(listed.status, 200);
    let sessions = listed.json();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let (current, other): (Vec<&Value>, Vec<&Value>) = sessions.iter().partition(|s| s["current"] == true);
    assert_eq!((current.len(), other.len()), (1, 1));
    let other_id = other[0]["id"].as_str().unwrap();
    let path = format!("/sessions/{other_id}");
    let ended = api.send(Method::DELETE, &path, &[("authorization", &bearer(&laptop))], "").await;
    assert_eq!(ended.status, 204);
    assert_error(&refresh(api, &phone["refresh_token"]).await, 400, "invalid_grant");
    assert_tokens(&refresh(api, &laptop["refresh_token"]).await, 200);
    let stranger = signup(api, &email()).await;
    let theirs = api
        .send(
            Method::DELETE,
            &format!("/sessions/{}", current[0]["id"].as_str().unwrap()),
            &[("authorization", &bearer(&stranger))],
            "",
        )
        .await;
    assert_error(&theirs, 404, "not_found");
    assert_gateway(&api.get("/sessions", None).await, 401, "Unauthorized");
}

async fn the_discovery_documents_token_endpoint_logs_in_and_refreshes(api: &Server) {
    let address = email();
    signup(api, &address).await;
    let discovery = api.get("/.well-known/openid-configuration", None).await.json();
    let grants = discovery["grant_types_supported"].as_array().unwrap();
    assert!(grants.contains(&json!("password")) && grants.contains(&json!("refresh_token")), "{grants:?}");
    let endpoint = discovery["token_endpoint"].as_str().unwrap();
    let path = endpoint.strip_prefix(api.url.as_str()).expect("the token endpoint is on this API");
    let form =
        format!("grant_type=password&username={}&password={}", address.replace('@', "%40"), PASSWORD.replace(' ', "+"));
    let tokens = assert_tokens(&api.form(path, &form).await, 200);
    let refresh = format!("grant_type=refresh_token&refresh_token={}", tokens["refresh_token"].as_str().unwrap());
    let refreshed = assert_tokens(&api.form(path, &refresh).await, 200);
    assert_ne!(refreshed["refresh_token"], tokens["refresh_token"]);
    assert_eq!(api.get("/me", Some(&bearer(&refreshed))).await.status, 200);
    assert_error(&api.form(path, "grant_type=client_credentials").await, 400, "unsupported_grant_type");
}

async fn contract(api: Server) {
    signup_creates_an_account_and_refuses_bad_input(&api).await;
    login_takes_json_and_oauth2_forms_and_answers_one_way_for_bad_credentials(&api).await;
    the_eleventh_login_in_the_window_is_throttled(&api).await;
    refresh_rotates_replays_within_grace_and_revokes_on_reuse(&api).await;
    logout_revokes_one_session_or_all_and_is_idempotent(&api).await;
    me_is_behind_the_authorizer_with_the_gateways_401_and_403(&api).await;
    jwks_publishes_the_key_that_signed_the_tokens(&api).await;
    unknown_routes_get_the_gateways_404(&api).await;
    sessions_are_listed_and_one_can_be_logged_out(&api).await;
    the_discovery_documents_token_endpoint_logs_in_and_refreshes(&api).await;
}

#[tokio::test]
async fn the_contract_holds_over_http_with_the_in_memory_store() {
    contract(Server::start(&[], &[("REFRESH_GRACE_SECONDS", GRACE_SECONDS)])).await;
}

#[tokio::test]
async fn the_contract_holds_over_http_against_dynamodb_local() {
    let Some(endpoint) = shared::store::dynamo::local_endpoint() else { return };
    let table = format!("e2e-{}", uuid::Uuid::new_v4().simple());
    contract(Server::start(
        &["--dynamodb-endpoint", &endpoint, "--table", &table],
        &[("REFRESH_GRACE_SECONDS", GRACE_SECONDS)],
    ))
    .await;
}

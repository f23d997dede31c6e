//! `SESSION_CHECK=on` over real HTTP against `local-api`, with the in-memory
//! store and against DynamoDB Local: every way a session ends denies its
//! access tokens at the authorizer within the cache time, while the user's
//! other sessions keep working.

mod support;

use std::time::{Duration, Instant};

use hyper::Method;
use serde_json::{Value, json};
use support::{Reply, Server};

const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a brand new passphrase for the account";
const CACHE_SECONDS: u64 = 1;

fn email() -> String {
    format!("check-{}@example.com", uuid::Uuid::new_v4().simple())
}

fn bearer(tokens: &Value) -> String {
    format!("Bearer {}", tokens["access_token"].as_str().unwrap())
}

async fn tokens(reply: Reply, status: u16) -> Value {
    assert_eq!(reply.status.as_u16(), status, "{:?}", reply.json());
    reply.json()
}

async fn signup(api: &Server, email: &str) -> Value {
    tokens(api.post("/signup", json!({"email": email, "password": PASSWORD})).await, 201).await
}

async fn login(api: &Server, email: &str, password: &str) -> Value {
    tokens(api.post("/login", json!({"email": email, "password": password})).await, 200).await
}

async fn me(api: &Server, tokens: &Value) -> u16 {
    api.get("/me", Some(&bearer(tokens))).await.status.as_u16()
}

async fn authorized(api: &Server, method: Method, path: &str, tokens: &Value, body: Value) -> Reply {
    let bearer = bearer(tokens);
    let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    api.send(method, path, &headers, body.to_string()).await
}

/// `/me` with this token is refused by the gateway (the authorizer's deny)
/// within the cache time, allowing a second for the clock's granularity.
async fn denied_soon(api: &Server, tokens: &Value, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(CACHE_SECONDS + 2);
    loop {
        let reply = api.get("/me", Some(&bearer(tokens))).await;
        match reply.status.as_u16() {
            403 => {
                assert_eq!(reply.json(), json!({"message": "Forbidden"}), "{what}");
                return;
            }
            // `/me` itself refuses a deleted user (401) while the allow is cached.
            200 | 401 if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            status => panic!("{what}: /me still answers {status} after the cache time"),
        }
    }
}

/// The token of the newest mail to `address` linking to `page`, from local-api's outbox.
async fn mailed_token(api: &Server, address: &str, page: &str) -> String {
    let marker = format!("{page}#token=");
    for _ in 0..100 {
        let outbox = api.get("/_outbox.json", None).await.json();
        // Any mail to the address, not just the newest: the signup's
        // verification mail may land after the reset mail.
        let texts: Vec<String> =
            outbox.as_array().unwrap().iter().filter(|m| m["to"] == address).map(|m| m["text"].to_string()).collect();
        if let Some(token) = texts.iter().find_map(|t| t.split(&marker).nth(1)) {
            return token.split(|c: char| c.is_whitespace() || c == '"' || c == '\\').next().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {address} linking to {page}");
}

async fn a_local_logout_denies_that_session_and_leaves_the_other(api: &Server) {
    let address = email();
    let phone = signup(api, &address).await;
    let laptop = login(api, &address, PASSWORD).await;
    assert_eq!((me(api, &phone).await, me(api, &laptop).await), (200, 200));
    let out = api.post("/logout", json!({"refresh_token": phone["refresh_token"]})).await;
    assert_eq!(out.status, 204);
    denied_soon(api, &phone, "the logged-out session").await;
    assert_eq!(me(api, &laptop).await, 200, "the other session still works");
}

async fn a_global_logout_denies_every_session(api: &Server) {
    let address = email();
    let (phone, laptop) = (signup(api, &address).await, login(api, &address, PASSWORD).await);
    assert_eq!(me(api, &phone).await, 200);
    let out = api.post("/logout", json!({"refresh_token": laptop["refresh_token"], "scope": "global"})).await;
    assert_eq!(out.status, 204);
    denied_soon(api, &phone, "global logout, another session").await;
    denied_soon(api, &laptop, "global logout, its own session").await;
}

async fn ending_one_session_by_id_denies_it_and_another_users_is_refused(api: &Server) {
    let address = email();
    let (phone, laptop) = (signup(api, &address).await, login(api, &address, PASSWORD).await);
    let sessions = api.get("/sessions", Some(&bearer(&laptop))).await.json();
    let phone_id = sessions.as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"].clone();
    let path = format!("/sessions/{}", phone_id.as_str().unwrap());
    let stranger = signup(api, &email()).await;
    assert_eq!(authorized(api, Method::DELETE, &path, &stranger, json!({})).await.status, 404);
    assert_eq!(me(api, &phone).await, 200, "another user cannot end it");
    assert_eq!(authorized(api, Method::DELETE, &path, &laptop, json!({})).await.status, 204);
    denied_soon(api, &phone, "DELETE /sessions/{id}").await;
    assert_eq!(me(api, &laptop).await, 200);
}

async fn a_password_reset_change_or_deletion_denies_the_old_sessions(api: &Server) {
    let address = email();
    let before = signup(api, &address).await;
    assert_eq!(api.post("/password/forgot", json!({"email": address})).await.status, 202);
    let token = mailed_token(api, &address, "/reset-password").await;
    let reset = api.post("/password/reset", json!({"token": token, "password": NEW_PASSWORD})).await;
    assert_eq!(reset.status, 204, "{:?}", reset.json());
    denied_soon(api, &before, "password reset").await;

    let (other, here) = (login(api, &address, NEW_PASSWORD).await, login(api, &address, NEW_PASSWORD).await);
    let change = json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD});
    let changed = tokens(authorized(api, Method::POST, "/password/change", &here, change).await, 200).await;
    denied_soon(api, &other, "password change, another session").await;
    assert_eq!(me(api, &changed).await, 200, "the session the change opened works");

    let deleted = authorized(api, Method::DELETE, "/me", &changed, json!({"password": PASSWORD})).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.json());
    denied_soon(api, &changed, "account deletion").await;
}

async fn refresh_token_reuse_denies_the_family(api: &Server) {
    let first = signup(api, &email()).await;
    let second = tokens(api.post("/refresh", json!({"refresh_token": first["refresh_token"]})).await, 200).await;
    assert_eq!(me(api, &second).await, 200);
    // Past the grace interval (1 s here), presenting the retired token again is reuse.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(api.post("/refresh", json!({"refresh_token": first["refresh_token"]})).await.status, 400);
    denied_soon(api, &second, "reuse detection").await;
}

async fn every_way_a_session_ends(api: Server) {
    a_local_logout_denies_that_session_and_leaves_the_other(&api).await;
    a_global_logout_denies_every_session(&api).await;
    ending_one_session_by_id_denies_it_and_another_users_is_refused(&api).await;
    a_password_reset_change_or_deletion_denies_the_old_sessions(&api).await;
    refresh_token_reuse_denies_the_family(&api).await;
}

const ENV: [(&str, &str); 3] =
    [("SESSION_CHECK", "on"), ("SESSION_CACHE_SECONDS", "1"), ("REFRESH_GRACE_SECONDS", "1")];

#[tokio::test]
async fn with_the_session_check_every_ended_session_is_denied_in_memory() {
    every_way_a_session_ends(Server::start(&[], &ENV)).await;
}

#[tokio::test]
async fn with_the_session_check_every_ended_session_is_denied_against_dynamodb_local() {
    let Some(endpoint) = shared::store::dynamo::local_endpoint() else { return };
    let table = format!("check-{}", uuid::Uuid::new_v4().simple());
    every_way_a_session_ends(Server::start(&["--dynamodb-endpoint", &endpoint, "--table", &table], &ENV)).await;
}

#[tokio::test]
async fn with_the_check_off_a_logged_out_token_works_until_it_expires() {
    let api = Server::start(&[], &[("SESSION_CACHE_SECONDS", "1")]);
    let tokens = signup(&api, &email()).await;
    assert_eq!(api.post("/logout", json!({"refresh_token": tokens["refresh_token"]})).await.status, 204);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(me(&api, &tokens).await, 200, "stateless: the token alone decides");
}

//! Passkeys over real HTTP against `local-api`, in memory and on DynamoDB
//! Local, with a software authenticator standing in for the browser and the
//! notices read back from the real mail catcher: registration, the list,
//! a login with no email and its `amr`, replays and a race of one
//! assertion, another user's ceremony, and removal, after which the passkey
//! logs in no more.

mod support;

use std::sync::Arc;

use base64::Engine;
use hyper::Method;
use serde_json::{Value, json};
use shared::testing::passkey::SoftAuthenticator;
use support::maildev::MailCatcher;
use support::{Reply, Server};

const PASSWORD: &str = "correct horse battery staple";

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!((reply.status.as_u16(), reply.code()), (status, code.to_string()), "{:?}", reply.json());
}

fn claims(reply: &Reply) -> Value {
    let token = reply.json()["access_token"].as_str().expect("an access token").to_string();
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn authorized(api: &Server, method: Method, path: &str, tokens: &Value, body: Option<Value>) -> Reply {
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let mut headers = vec![("authorization", bearer.as_str())];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    api.send(method, path, &headers, body.map(|b| b.to_string()).unwrap_or_default()).await
}

async fn signup(api: &Server, email: &str) -> Value {
    let created = api.post("/signup", json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(created.status, 201, "{:?}", created.json());
    created.json()
}

/// Registers a passkey of `key` for the holder of `tokens`: its id.
async fn register(api: &Server, tokens: &Value, key: &mut SoftAuthenticator, name: &str) -> String {
    let started = authorized(api, Method::POST, "/passkeys/register/start", tokens, Some(json!({"name": name}))).await;
    assert_eq!(started.status, 200, "{:?}", started.json());
    let credential = key.register(&started.json()["publicKey"]);
    let body = json!({"challenge_id": started.json()["challenge_id"], "credential": credential});
    let finished = authorized(api, Method::POST, "/passkeys/register/finish", tokens, Some(body)).await;
    assert_eq!(finished.status, 201, "{:?}", finished.json());
    assert_eq!(finished.json()["name"], name);
    finished.json()["id"].as_str().unwrap().to_string()
}

/// A fresh login ceremony and `key`'s assertion for it, as the body of `/login/passkey/finish`.
async fn assertion(api: &Server, key: &mut SoftAuthenticator, passkey_id: &str, user_id: &str) -> Value {
    let started = api.post("/login/passkey/start", json!({})).await;
    assert_eq!(started.status, 200, "{:?}", started.json());
    let credential = key.login(&started.json()["publicKey"], passkey_id, user_id);
    json!({"challenge_id": started.json()["challenge_id"], "credential": credential})
}

async fn passkeys_from_registration_to_removal(api: Arc<Server>, mail: MailCatcher) {
    let origin = api.url.replace("127.0.0.1", "localhost");
    let email = format!("passkey-{}@example.com", uuid::Uuid::new_v4().simple());
    let created = signup(&api, &email).await;
    let user_id = created["user"]["id"].as_str().unwrap().to_string();
    let mut key = SoftAuthenticator::new(&origin);

    let id = register(&api, &created, &mut key, "Work laptop").await;
    // Signup's verification mail, then the notice.
    let added = mail.wait_for(&email, 2).await;
    assert!(added.iter().any(|m| m.subject == "A passkey was added" && m.text.contains("Work laptop")), "{added:?}");
    let listed = authorized(&api, Method::GET, "/passkeys", &created, None).await.json();
    assert_eq!((listed[0]["id"].as_str(), listed[0]["last_used_at"].is_null()), (Some(id.as_str()), true));
    let me = authorized(&api, Method::GET, "/me", &created, None).await.json();
    assert_eq!(me["mfa"]["passkeys"], 1);

    // A login that names no email, and its amr.
    let body = assertion(&api, &mut key, &id, &user_id).await;
    let login = api.post("/login/passkey/finish", body.clone()).await;
    assert_eq!(login.status, 200, "{:?}", login.json());
    assert_eq!(
        (claims(&login)["sub"].as_str(), claims(&login)["amr"].clone()),
        (Some(user_id.as_str()), json!(["hwk"]))
    );
    let me = authorized(&api, Method::GET, "/me", &login.json(), None).await;
    assert_eq!(me.status, 200, "the passkey's session opens protected routes");
    let listed = authorized(&api, Method::GET, "/passkeys", &created, None).await.json();
    assert!(listed[0]["last_used_at"].is_string(), "{listed}");
    assert_error(&api.post("/login/passkey/finish", body).await, 400, "invalid_grant");

    // One assertion, two racing requests: one session.
    let body = assertion(&api, &mut key, &id, &user_id).await;
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let (api, body) = (api.clone(), body.clone());
            tokio::spawn(async move { api.post("/login/passkey/finish", body).await.status.as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for racer in racers {
        statuses.push(racer.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "one of two racing uses of one assertion logs in");

    // Another user cannot finish this user's registration.
    let other = signup(&api, &format!("other-{}@example.com", uuid::Uuid::new_v4().simple())).await;
    let started = authorized(&api, Method::POST, "/passkeys/register/start", &created, None).await.json();
    let credential = SoftAuthenticator::new(&origin).register(&started["publicKey"]);
    let body = json!({"challenge_id": started["challenge_id"], "credential": credential});
    assert_error(
        &authorized(&api, Method::POST, "/passkeys/register/finish", &other, Some(body)).await,
        400,
        "invalid_grant",
    );
    let foreign = authorized(&api, Method::DELETE, &format!("/passkeys/{id}"), &other, None).await;
    assert_error(&foreign, 404, "not_found");

    // Removed, it logs in no more.
    let removed = authorized(&api, Method::DELETE, &format!("/passkeys/{id}"), &created, None).await;
    assert_eq!(removed.status, 204);
    let mails = mail.wait_for(&email, 3).await;
    assert!(mails.iter().any(|m| m.subject == "A passkey was removed"), "{mails:?}");
    let body = assertion(&api, &mut key, &id, &user_id).await;
    assert_error(&api.post("/login/passkey/finish", body).await, 400, "invalid_grant");
    let me = authorized(&api, Method::GET, "/me", &created, None).await.json();
    assert_eq!(me["mfa"]["passkeys"], 0);

    let refresh = login.json()["refresh_token"].as_str().unwrap().to_string();
    for line in api.logs() {
        assert!(!line.contains(&refresh), "a log line holds a refresh token: {line}");
    }
}

fn start(args: &[&str], mail: &MailCatcher) -> Arc<Server> {
    let env = [("MAIL_TRANSPORT", "smtp"), ("SMTP_URL", mail.smtp_url.as_str()), ("MAIL_LIMIT_PER_MINUTE", "20")];
    Arc::new(Server::start(args, &env))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_work_over_http_with_the_in_memory_store() {
    let Some(mail) = MailCatcher::from_env() else { return };
    passkeys_from_registration_to_removal(start(&[], &mail), mail).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_work_over_http_against_dynamodb_local() {
    let Some(mail) = MailCatcher::from_env() else { return };
    let Some(endpoint) = shared::store::dynamo::local_endpoint() else { return };
    let table = format!("passkeys-{}", uuid::Uuid::new_v4().simple());
    passkeys_from_registration_to_removal(start(&["--dynamodb-endpoint", &endpoint, "--table", &table], &mail), mail)
        .await;
}

//! The logs of a whole session never contain a password, a hash, a token or a key.

use std::io::Write;
use std::sync::{Arc, Mutex};

use local_api::App;
use serde_json::json;
use shared::routes::Function;
use shared::store::{MemoryStore, Store};
use shared::testing::{self, body_json, json_post};
use shared::{Algorithm, Clock, SigningKey};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_full_session_logs_no_secret() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(shared::runtime::json_logs(capture.clone()));

    let (key, material) = SigningKey::generate(Algorithm::RS256).unwrap();
    let settings = testing::token_settings(Algorithm::RS256);
    let keys = shared::VerificationKeys::from_settings(Algorithm::RS256, &Default::default(), Some(&key)).unwrap();
    let verifier = shared::TokenVerifier::new(&settings, keys);
    let issuer = shared::TokenIssuer::new(&settings, key);
    let store = MemoryStore::new();
    let manual = testing::clock();
    let mut services = testing::services(&manual).with_keys(Some(issuer), Some(verifier)).unwrap();
    services.sessions.grace = 0;
    let password = "a secret passphrase that must never be logged";
    let wrong = "a wrong passphrase that must never be logged";
    let app = App::new(store.clone(), &services);

    let mut secrets = vec![password.to_string(), wrong.to_string()];
    let created = body_json(
        &app.invoke(Function::Signup, json_post("/signup", &json!({"email": "ada@example.com", "password": password})))
            .await,
    );
    let rejected =
        app.invoke(Function::Login, json_post("/login", &json!({"email": "ada@example.com", "password": wrong}))).await;
    assert_eq!(rejected.status(), 400);
    let good_login = app
        .invoke(Function::Login, json_post("/login", &json!({"email": "ada@example.com", "password": password})))
        .await;
    secrets.push(good_login.headers()["x-device-token"].to_str().unwrap().to_string());
    let logged_in = body_json(&good_login);
    let refresh_body = json!({"refresh_token": logged_in["refresh_token"]});
    let rotated = body_json(&app.invoke(Function::Refresh, json_post("/refresh", &refresh_body)).await);
    manual.advance(1);
    let reused = app.invoke(Function::Refresh, json_post("/refresh", &refresh_body)).await;
    assert_eq!(reused.status(), 400, "reuse is detected and logged");
    let bearer = format!("Bearer {}", created["access_token"].as_str().unwrap());
    let mut get_me = testing::request(lambda_http::http::Method::GET, "/me", None, "");
    get_me.headers_mut().insert("authorization", bearer.parse().unwrap());
    assert_eq!(app.invoke(Function::Me, get_me).await.status(), 200);
    let logout = json!({"refresh_token": created["refresh_token"], "scope": "global"});
    let out = app.invoke(Function::Logout, json_post("/logout", &logout)).await;
    assert_eq!(out.status(), 204);

    for body in [&created, &logged_in, &rotated] {
        secrets.push(body["access_token"].as_str().unwrap().to_string());
        secrets.push(body["refresh_token"].as_str().unwrap().to_string());
    }
    secrets.push(store.credentials("ada@example.com").await.unwrap().unwrap().password_hash);
    // Security events name the email only by a keyed tag.
    secrets.push("ada@example.com".into());
    // Any 40-character run of the private key's PEM body.
    secrets.extend(
        material.expose().lines().filter(|l| !l.starts_with("-----")).map(|l| l[..l.len().min(40)].to_string()),
    );

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.lines().count() >= 5, "the session was logged at all:\n{logs}");
    assert!(logs.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "one JSON object per line");
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret leaked into the logs: {secret:.12}…");
    }
    let failed: serde_json::Value = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|l: &serde_json::Value| l["fields"]["message"] == "login refused: wrong credentials")
        .expect("the failed login is logged");
    let tag = failed["fields"]["email_tag"].as_str().expect("a keyed tag of the email");
    assert_eq!(tag.len(), 16);
    assert_eq!(failed["fields"]["source"], "127.0.0.1", "and the client's address");
}

/// Whether `logs` hold `code` as a number of its own (not inside a longer
/// run of digits, nor as a timestamp's fraction of a second).
fn holds_code(logs: &str, code: &str) -> bool {
    logs.match_indices(code).any(|(at, _)| {
        let before = logs[..at].chars().next_back();
        let after = logs[at + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.') && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[tokio::test(flavor = "current_thread")]
async fn the_second_factor_logs_no_secret_code_or_mfa_token() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(shared::runtime::json_logs(capture.clone()));
    let store = MemoryStore::new();
    let clock = testing::clock();
    let services = testing::services(&clock);
    let app = App::new(store.clone(), &services);
    let password = "a secret passphrase that must never be logged";
    let ada = testing::seed_user(&store, &services.passwords, "ada@example.com", password, clock.now()).await;
    let as_ada = |path: &str, body: serde_json::Value| testing::as_authorized(json_post(path, &body), &ada.id);

    let enrolment = body_json(&app.invoke(Function::EnrollTotp, as_ada("/mfa/totp/enroll", json!({}))).await);
    let secret = enrolment["secret"].as_str().unwrap().to_string();
    let authenticator =
        shared::totp::Authenticator::new(&shared::totp::TotpSecret::from_base32(&secret).unwrap(), "", "");
    let first = testing::totp_code(&authenticator, clock.now());
    let confirmed = app.invoke(Function::ConfirmTotp, as_ada("/mfa/totp/confirm", json!({"code": first})));
    let confirmed = body_json(&confirmed.await);
    let recovery: Vec<String> =
        confirmed["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();

    let login =
        || app.invoke(Function::Login, json_post("/login", &json!({"email": "ada@example.com", "password": password})));
    let challenge = body_json(&login().await);
    let mfa_token = challenge["mfa_token"].as_str().unwrap().to_string();
    let wrong = testing::wrong_totp_code(&authenticator, clock.now());
    let refused =
        app.invoke(Function::LoginMfa, json_post("/login/mfa", &json!({"mfa_token": mfa_token, "code": wrong})));
    assert_eq!(refused.await.status(), 400);
    clock.advance(30);
    let second = testing::totp_code(&authenticator, clock.now());
    let passed =
        app.invoke(Function::LoginMfa, json_post("/login/mfa", &json!({"mfa_token": mfa_token, "code": second})));
    assert_eq!(passed.await.status(), 200);
    let other_token = body_json(&login().await)["mfa_token"].as_str().unwrap().to_string();
    let by_recovery = json!({"mfa_token": other_token, "recovery_code": recovery[0]});
    assert_eq!(app.invoke(Function::LoginMfa, json_post("/login/mfa", &by_recovery)).await.status(), 200);
    let remove = testing::json_request(
        lambda_http::http::Method::DELETE,
        "/mfa/totp",
        &json!({"code": recovery[1]}).to_string(),
    );
    let removed = app.invoke(Function::RemoveTotp, testing::as_authorized(remove, &ada.id)).await;
    assert_eq!(removed.status(), 204);

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("TOTP turned on") && logs.contains("logged in with a recovery code"), "{logs}");
    let mut secrets = vec![secret.clone(), mfa_token, other_token, password.to_string()];
    secrets.extend(recovery.iter().cloned());
    secrets.extend(recovery.iter().map(|c| c.replace('-', "")));
    for text in &secrets {
        assert!(!logs.contains(text.as_str()), "a secret leaked into the logs: {text:.8}…");
    }
    for code in [first, wrong, second] {
        assert!(!holds_code(&logs, &code), "a one-time code leaked into the logs");
    }
    assert!(holds_code("took 123456 µs", "123456") && !holds_code("t=18:13:34.123456Z", "123456"));
}

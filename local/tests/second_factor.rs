//! TOTP over real HTTP against `local-api`, in memory and on DynamoDB Local,
//! with the notices read back from the real mail catcher: enrolment and
//! confirmation by a code made from the returned secret, the password step
//! answering `mfa_required`, the code step and its `amr`, replays and races,
//! five wrong codes, recovery codes, a password reset (TOTP stays on) and
//! removal. The run's logs hold none of the secrets it handled.

mod support;

use std::sync::Arc;

use base64::Engine;
use hyper::Method;
use serde_json::{Value, json};
use shared::totp::{Authenticator, TotpSecret, step_at};
use support::maildev::MailCatcher;
use support::{Reply, Server};

const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a brand new passphrase for the account";

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!((reply.status.as_u16(), reply.code()), (status, code.to_string()), "{:?}", reply.json());
}

/// The `amr` claim of the TOKENS in `reply`, read from the JWT's payload.
fn amr(reply: &Reply) -> Value {
    let token = reply.json()["access_token"].as_str().expect("an access token").to_string();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["amr"].clone()
}

/// A mail to `email` with `subject`, once `email` has `count` mails: the
/// mailer sends off the request's path, so mails need not arrive in order.
async fn mail_with(mail: &MailCatcher, email: &str, count: usize, subject: &str) -> support::maildev::Mail {
    let mails = mail.wait_for(email, count).await;
    let subjects: Vec<String> = mails.iter().map(|m| m.subject.clone()).collect();
    mails.into_iter().find(|m| m.subject == subject).unwrap_or_else(|| panic!("no {subject:?} in {subjects:?}"))
}

async fn authorized(api: &Server, method: Method, path: &str, tokens: &Value, body: Value) -> Reply {
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    api.send(method, path, &headers, body.to_string()).await
}

async fn password_step(api: &Server, email: &str, password: &str) -> String {
    let reply = api.post("/login", json!({"email": email, "password": password})).await;
    assert_eq!(reply.status, 403, "{:?}", reply.json());
    assert_eq!((reply.code(), reply.json()["expires_in"].as_u64()), ("mfa_required".to_string(), Some(300)));
    assert!(reply.json().get("access_token").is_none());
    reply.json()["mfa_token"].as_str().unwrap().to_string()
}

async fn totp_from_enrolment_to_removal(api: Arc<Server>, mail: MailCatcher) {
    let email = format!("mfa-{}@example.com", uuid::Uuid::new_v4().simple());
    let created = api.post("/signup", json!({"email": email, "password": PASSWORD})).await.json();
    let mut secrets = vec![PASSWORD.to_string(), NEW_PASSWORD.to_string()];

    // Enrol, and confirm with a code made from the secret as an app would.
    let enrolment = authorized(&api, Method::POST, "/mfa/totp/enroll", &created, json!({})).await;
    assert_eq!(enrolment.status, 200, "{:?}", enrolment.json());
    let secret = enrolment.json()["secret"].as_str().unwrap().to_string();
    assert!(enrolment.json()["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/"));
    secrets.push(secret.clone());
    let app = Authenticator::new(&TotpSecret::from_base32(&secret).unwrap(), "", "");
    let step = step_at(now());
    let confirm = |code: String| json!({ "code": code });
    let confirmed =
        authorized(&api, Method::POST, "/mfa/totp/confirm", &created, confirm(app.code_at_step(step))).await;
    assert_eq!(confirmed.status, 200, "{:?}", confirmed.json());
    let recovery: Vec<String> =
        confirmed.json()["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().into()).collect();
    assert_eq!(recovery.len(), 10);
    secrets.extend(recovery.iter().cloned());
    mail_with(&mail, &email, 2, "Two-step login is on").await;
    let me = api.get("/me", Some(&format!("Bearer {}", created["access_token"].as_str().unwrap()))).await;
    assert_eq!(me.json()["mfa"], json!({"totp": true, "passkeys": 0}));

    // The password step opens no session; the code confirming spent is spent.
    let token = password_step(&api, &email, PASSWORD).await;
    secrets.push(token.clone());
    let spent = api.post("/login/mfa", json!({"mfa_token": token, "code": app.code_at_step(step)})).await;
    assert_error(&spent, 400, "invalid_grant");

    // Two racing calls with one fresh code: exactly one logs in.
    let next = app.code_at_step(step + 1);
    let body = json!({"mfa_token": token, "code": next});
    let (a, b) = tokio::join!(api.post("/login/mfa", body.clone()), api.post("/login/mfa", body.clone()));
    let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
    assert_eq!((won.status.as_u16(), lost.status.as_u16()), (200, 400), "{:?} {:?}", won.json(), lost.json());
    assert_eq!(amr(&won), json!(["pwd", "otp"]));
    secrets.push(won.json()["refresh_token"].as_str().unwrap().to_string());
    let again = password_step(&api, &email, PASSWORD).await;
    let replayed = api.post("/login/mfa", json!({"mfa_token": again, "code": next})).await;
    assert_error(&replayed, 400, "invalid_grant");

    // Five wrong codes end an mfa_token, whatever comes after.
    let doomed = password_step(&api, &email, PASSWORD).await;
    let wrong = shared::testing::wrong_totp_code(&app, now());
    for _ in 0..5 {
        assert_error(&api.post("/login/mfa", json!({"mfa_token": doomed, "code": wrong})).await, 400, "invalid_grant");
    }
    let late = api.post("/login/mfa", json!({"mfa_token": doomed, "recovery_code": recovery[0]})).await;
    assert_error(&late, 400, "invalid_grant");

    // A recovery code works once, says so in amr, and mails a notice.
    let token = password_step(&api, &email, PASSWORD).await;
    let by_code = api.post("/login/mfa", json!({"mfa_token": token, "recovery_code": recovery[0]})).await;
    assert_eq!(by_code.status, 200, "{:?}", by_code.json());
    assert_eq!(amr(&by_code), json!(["pwd", "mfa"]));
    mail_with(&mail, &email, 3, "A recovery code was used").await;
    let token = password_step(&api, &email, PASSWORD).await;
    let twice = api.post("/login/mfa", json!({"mfa_token": token, "recovery_code": recovery[0]})).await;
    assert_error(&twice, 400, "invalid_grant");

    // A password reset leaves TOTP on.
    assert_eq!(api.post("/password/forgot", json!({ "email": email })).await.status, 202);
    let reset = mail_with(&mail, &email, 4, "Reset your password").await.token("/reset-password");
    secrets.push(reset.clone());
    assert_eq!(api.post("/password/reset", json!({"token": reset, "password": NEW_PASSWORD})).await.status, 204);
    let token = password_step(&api, &email, NEW_PASSWORD).await;
    let tokens = api.post("/login/mfa", json!({"mfa_token": token, "recovery_code": recovery[1]})).await.json();

    // Removal needs a code; then the password alone logs in.
    let removal = |code: &str| json!({ "code": code });
    let refused = authorized(&api, Method::DELETE, "/mfa/totp", &tokens, removal(&wrong)).await;
    assert_error(&refused, 400, "invalid_grant");
    let removed = authorized(&api, Method::DELETE, "/mfa/totp", &tokens, removal(&recovery[2])).await;
    assert_eq!(removed.status, 204, "{:?}", removed.json());
    // Verification, on, recovery, reset link, reset notice, recovery twice more, off.
    let subjects: Vec<String> = mail.wait_for(&email, 8).await.into_iter().map(|m| m.subject).collect();
    assert!(subjects.contains(&"Two-step login is off".to_string()), "{subjects:?}");
    assert_eq!(subjects.iter().filter(|s| *s == "A recovery code was used").count(), 3, "{subjects:?}");
    let plain = api.post("/login", json!({"email": email, "password": NEW_PASSWORD})).await;
    assert_eq!(plain.status, 200, "{:?}", plain.json());
    assert_eq!(amr(&plain), json!(["pwd"]));

    for line in api.logs() {
        for secret in &secrets {
            assert!(!line.contains(secret.as_str()), "a log line holds a secret: {line}");
        }
    }
}

fn env(mail: &MailCatcher) -> Vec<(&'static str, String)> {
    vec![
        ("MAIL_TRANSPORT", "smtp".into()),
        ("SMTP_URL", mail.smtp_url.clone()),
        ("MAIL_LIMIT_PER_MINUTE", "20".into()),
        ("MAIL_LIMIT_PER_HOUR", "50".into()),
    ]
}

fn start(args: &[&str], mail: &MailCatcher) -> Arc<Server> {
    let env = env(mail);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Arc::new(Server::start(args, &env))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_works_over_http_with_the_in_memory_store() {
    let Some(mail) = MailCatcher::from_env() else { return };
    totp_from_enrolment_to_removal(start(&[], &mail), mail).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_works_over_http_against_dynamodb_local() {
    let Some(mail) = MailCatcher::from_env() else { return };
    let Some(endpoint) = shared::store::dynamo::local_endpoint() else { return };
    let table = format!("mfa-{}", uuid::Uuid::new_v4().simple());
    totp_from_enrolment_to_removal(start(&["--dynamodb-endpoint", &endpoint, "--table", &table], &mail), mail).await;
}

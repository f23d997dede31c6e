//! The account lifecycle over real HTTP against `local-api`, with every mail
//! sent by SMTP to the real mail catcher (MailDev) and read back from its
//! HTTP API: verification, forgot and reset, password change, email change,
//! deletion, the sending limits and the `required` verification mode. The
//! logs of each run are checked for tokens, links and passwords at the end.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use hyper::Method;
use serde_json::{Value, json};
use support::maildev::MailCatcher;
use support::{Reply, Server};

const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a brand new passphrase for the account";

fn address() -> String {
    format!("life-{}@example.com", uuid::Uuid::new_v4().simple())
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!((reply.status.as_u16(), reply.code()), (status, code.to_string()), "{:?}", reply.json());
}

/// What a run must never log: the secrets it handled.
#[derive(Default)]
struct Secrets(BTreeSet<String>);

impl Secrets {
    fn keep(&mut self, secret: impl Into<String>) -> String {
        let secret = secret.into();
        self.0.insert(secret.clone());
        secret
    }

    fn assert_absent_from(&self, api: &Server) {
        let logs = api.logs();
        assert!(!logs.is_empty());
        for line in &logs {
            for secret in &self.0 {
                assert!(!line.contains(secret.as_str()), "a log line holds a secret: {line}");
            }
            assert!(!line.contains("#token=") && !line.contains("$argon2"), "a log line holds a link or hash: {line}");
        }
    }
}

struct Run {
    api: Arc<Server>,
    mail: MailCatcher,
    secrets: Secrets,
}

impl Run {
    fn start(extra: &[(&str, &str)]) -> Option<Self> {
        let mail = MailCatcher::from_env()?;
        let mut env = vec![
            ("MAIL_TRANSPORT", "smtp"),
            ("SMTP_URL", mail.smtp_url.as_str()),
            ("MAIL_LIMIT_PER_MINUTE", "5"),
            ("MAIL_LIMIT_PER_HOUR", "20"),
        ];
        env.extend_from_slice(extra);
        let mut secrets = Secrets::default();
        secrets.keep(PASSWORD);
        secrets.keep(NEW_PASSWORD);
        Some(Self { api: Arc::new(Server::start(&[], &env)), mail, secrets })
    }

    async fn signup(&mut self, email: &str) -> Value {
        let reply = self.api.post("/signup", json!({"email": email, "password": PASSWORD})).await;
        assert_eq!(reply.status, 201, "{:?}", reply.json());
        let body = reply.json();
        self.secrets.keep(body["refresh_token"].as_str().unwrap());
        self.secrets.keep(body["access_token"].as_str().unwrap());
        body
    }

    async fn login(&mut self, email: &str, password: &str) -> Reply {
        let reply = self.api.post("/login", json!({"email": email, "password": password})).await;
        if reply.status == 200 {
            self.secrets.keep(reply.json()["refresh_token"].as_str().unwrap());
        }
        reply
    }

    /// The token of the `count`-th mail to `email`, linking to `page`.
    async fn token(&mut self, email: &str, count: usize, page: &str) -> String {
        let token = self.mail.nth(email, count).await.token(page);
        self.secrets.keep(token)
    }

    async fn authorized(&self, method: Method, path: &str, tokens: &Value, body: Value) -> Reply {
        let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
        let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
        self.api.send(method, path, &headers, body.to_string()).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_mails_a_verification_link_that_verifies_once() {
    let Some(mut run) = Run::start(&[]) else { return };
    let email = address();
    let tokens = run.signup(&email).await;
    let mail = run.mail.nth(&email, 1).await;
    assert_eq!(mail.subject, "Confirm your email address");
    assert!(mail.html.contains("/verify-email#token="), "an HTML part with the link: {}", mail.html);
    assert!(mail.text.starts_with("Confirm that"), "{}", mail.text);
    let token = run.secrets.keep(mail.token("/verify-email"));
    assert!(mail.text.contains(&format!("{}/verify-email#token=", run.api.url)), "links go to APP_URL");
    let verified = run.api.post("/email/verify", json!({ "token": token })).await;
    assert_eq!(verified.status, 200);
    assert_eq!(verified.json()["email_verified"], true);
    let me = run.api.get("/me", Some(&format!("Bearer {}", tokens["access_token"].as_str().unwrap()))).await;
    assert_eq!(me.json()["email_verified"], true);
    assert_error(&run.api.post("/email/verify", json!({ "token": token })).await, 400, "invalid_grant");
    // A verified address gets no further link.
    assert_eq!(run.api.post("/email/verify/send", json!({ "email": email })).await.status, 202);
    assert_eq!(run.mail.settled_count(&email).await, 1);
    run.secrets.assert_absent_from(&run.api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_answers_alike_for_known_and_unknown_and_only_the_known_gets_mail() {
    let Some(mut run) = Run::start(&[]) else { return };
    let (known, unknown) = (address(), address());
    run.signup(&known).await;
    run.mail.wait_for(&known, 1).await;
    let a = run.api.post("/password/forgot", json!({ "email": known })).await;
    let b = run.api.post("/password/forgot", json!({ "email": unknown })).await;
    assert_eq!((a.status, a.json()), (b.status, b.json()));
    assert_eq!((a.status.as_u16(), a.json()), (202, json!({})));
    let reset = run.mail.nth(&known, 2).await;
    assert_eq!(reset.subject, "Reset your password");
    assert_eq!(run.mail.settled_count(&unknown).await, 0);
    run.secrets.assert_absent_from(&run.api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_replaces_the_password_ends_every_session_and_its_token_works_once() {
    let Some(mut run) = Run::start(&[]) else { return };
    let email = address();
    let first = run.signup(&email).await;
    run.mail.wait_for(&email, 1).await;
    assert_eq!(run.api.post("/password/forgot", json!({ "email": email })).await.status, 202);
    let killed = run.token(&email, 2, "/reset-password").await;
    assert_eq!(run.api.post("/password/forgot", json!({ "email": email })).await.status, 202);
    let token = run.token(&email, 3, "/reset-password").await;
    let old = run.api.post("/password/reset", json!({ "token": killed, "password": NEW_PASSWORD })).await;
    assert_error(&old, 400, "invalid_grant");
    let weak = run.api.post("/password/reset", json!({ "token": token, "password": "password" })).await;
    assert_error(&weak, 400, "invalid_request");

    assert_eq!(run.api.post("/password/reset", json!({ "token": token, "password": NEW_PASSWORD })).await.status, 204);
    let notice = run.mail.nth(&email, 4).await;
    assert_eq!(notice.subject, "Your password was reset");
    assert!(!notice.text.contains("#token="), "a notice carries no link token");
    assert_error(
        &run.api.post("/refresh", json!({ "refresh_token": first["refresh_token"] })).await,
        400,
        "invalid_grant",
    );
    assert_error(&run.login(&email, PASSWORD).await, 400, "invalid_grant");
    assert_eq!(run.login(&email, NEW_PASSWORD).await.status, 200);
    let again =
        run.api.post("/password/reset", json!({ "token": token, "password": "yet another long passphrase" })).await;
    assert_error(&again, 400, "invalid_grant");
    run.secrets.assert_absent_from(&run.api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_racing_resets_with_one_token_give_exactly_one_204() {
    let Some(mut run) = Run::start(&[]) else { return };
    let email = address();
    run.signup(&email).await;
    run.mail.wait_for(&email, 1).await;
    run.api.post("/password/forgot", json!({ "email": email })).await;
    let token = run.token(&email, 2, "/reset-password").await;
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..10 {
        let (api, token, password) = (run.api.clone(), token.clone(), format!("{NEW_PASSWORD} number {i}"));
        racers.spawn(async move {
            api.post("/password/reset", json!({ "token": token, "password": password })).await.status
        });
    }
    let statuses = racers.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == 204).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 204 || *s == 400), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_needs_the_current_one_and_logs_out_the_other_sessions() {
    let Some(mut run) = Run::start(&[]) else { return };
    let email = address();
    let other = run.signup(&email).await;
    let here = run.login(&email, PASSWORD).await.json();
    let body = |current: &str| json!({ "current_password": current, "new_password": NEW_PASSWORD });
    let wrong = run.authorized(Method::POST, "/password/change", &here, body("not the password at all")).await;
    assert_error(&wrong, 400, "invalid_grant");
    let changed = run.authorized(Method::POST, "/password/change", &here, body(PASSWORD)).await;
    assert_eq!(changed.status, 200, "{:?}", changed.json());
    let fresh = changed.json();
    run.secrets.keep(fresh["refresh_token"].as_str().unwrap());
    assert_error(
        &run.api.post("/refresh", json!({ "refresh_token": other["refresh_token"] })).await,
        400,
        "invalid_grant",
    );
    assert_eq!(run.api.post("/refresh", json!({ "refresh_token": fresh["refresh_token"] })).await.status, 200);
    assert_eq!(run.mail.nth(&email, 2).await.subject, "Your password was changed");
    assert_eq!(run.login(&email, NEW_PASSWORD).await.status, 200);
    run.secrets.assert_absent_from(&run.api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_change_mails_both_addresses_and_frees_the_old_one_once_confirmed() {
    let Some(mut run) = Run::start(&[]) else { return };
    let (old, new) = (address(), address());
    let tokens = run.signup(&old).await;
    run.mail.wait_for(&old, 1).await;
    let asked =
        run.authorized(Method::POST, "/email/change", &tokens, json!({ "password": PASSWORD, "new_email": new })).await;
    assert_eq!((asked.status.as_u16(), asked.json()), (202, json!({})));
    let token = run.token(&new, 1, "/confirm-email").await;
    let notice = run.mail.nth(&old, 2).await;
    assert_eq!(notice.subject, "A new email address was requested for your account");
    assert!(notice.text.contains(&new));
    assert_eq!(run.login(&new, PASSWORD).await.status, 400, "nothing moved before the confirmation");

    let confirmed = run.api.post("/email/change/confirm", json!({ "token": token })).await;
    assert_eq!(confirmed.status, 200);
    assert_eq!(
        (confirmed.json()["email"].as_str(), confirmed.json()["email_verified"].as_bool()),
        (Some(new.as_str()), Some(true))
    );
    assert_eq!(run.login(&new, PASSWORD).await.status, 200);
    assert_error(&run.login(&old, PASSWORD).await, 400, "invalid_grant");
    run.signup(&old).await;
    run.secrets.assert_absent_from(&run.api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_racing_for_one_new_address_one_wins_and_the_other_gets_409() {
    let Some(mut run) = Run::start(&[]) else { return };
    let (ada, bob, wanted) = (address(), address(), address());
    let ada_tokens = run.signup(&ada).await;
    let bob_tokens = run.signup(&bob).await;
    for tokens in [&ada_tokens, &bob_tokens] {
        let asked = run
            .authorized(Method::POST, "/email/change", tokens, json!({ "password": PASSWORD, "new_email": wanted }))
            .await;
        assert_eq!(asked.status, 202);
    }
    let mails = run.mail.wait_for(&wanted, 2).await;
    let tokens: Vec<String> = mails.iter().map(|m| run.secrets.keep(m.token("/confirm-email"))).collect();
    let api = &run.api;
    let confirm = |token: String| async move { api.post("/email/change/confirm", json!({ "token": token })).await };
    let (a, b) = tokio::join!(confirm(tokens[0].clone()), confirm(tokens[1].clone()));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{:?} {:?}", a.json(), b.json());
    let winner = if a.status == 200 { a.json() } else { b.json() };
    let loser = if winner["id"] == ada_tokens["user"]["id"] { &bob } else { &ada };
    assert_eq!(run.login(loser, PASSWORD).await.status, 200, "the loser keeps its address");
    assert_eq!(run.login(&wanted, PASSWORD).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_forgot_requests_all_get_202_and_at_most_the_limit_in_mail() {
    // The default limits: one mail a minute.
    let Some(mail) = MailCatcher::from_env() else { return };
    let env = [("MAIL_TRANSPORT", "smtp"), ("SMTP_URL", mail.smtp_url.as_str())];
    let api = Server::start(&[], &env);
    let email = address();
    assert_eq!(api.post("/signup", json!({"email": email, "password": PASSWORD})).await.status, 201);
    mail.wait_for(&email, 1).await;
    for _ in 0..10 {
        let reply = api.post("/password/forgot", json!({ "email": email })).await;
        assert_eq!((reply.status.as_u16(), reply.json()), (202, json!({})));
    }
    assert_eq!(mail.settled_count(&email).await, 2, "the verification mail and one reset mail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_verification_required_signup_hides_taken_addresses_and_login_waits_for_the_link() {
    let Some(mut run) = Run::start(&[("EMAIL_VERIFICATION", "required")]) else { return };
    let email = address();
    let new = run.api.post("/signup", json!({"email": email, "password": PASSWORD})).await;
    let taken = run.api.post("/signup", json!({"email": email, "password": NEW_PASSWORD})).await;
    for reply in [&new, &taken] {
        assert_eq!((reply.status.as_u16(), reply.json()), (202, json!({})));
    }
    let mails = run.mail.wait_for(&email, 2).await;
    let subjects: BTreeSet<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects, BTreeSet::from(["Confirm your email address", "You already have an account"]));
    assert_error(&run.login(&email, PASSWORD).await, 403, "email_not_verified");
    assert_error(&run.login(&email, NEW_PASSWORD).await, 400, "invalid_grant");
    let verify = mails.iter().find(|m| m.subject == "Confirm your email address").unwrap();
    let token = run.secrets.keep(verify.token("/verify-email"));
    assert_eq!(run.api.post("/email/verify", json!({ "token": token })).await.status, 200);
    assert_eq!(run.login(&email, PASSWORD).await.status, 200);
    run.secrets.assert_absent_from(&run.api);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_account_leaves_no_item_in_dynamodb_and_frees_the_address() {
    let Some(endpoint) = shared::store::dynamo::local_endpoint() else { return };
    let Some(mail) = MailCatcher::from_env() else { return };
    let table = format!("lifecycle-{}", uuid::Uuid::new_v4().simple());
    let args = ["--dynamodb-endpoint", endpoint.as_str(), "--table", table.as_str()];
    let env = [("MAIL_TRANSPORT", "smtp"), ("SMTP_URL", mail.smtp_url.as_str())];
    let api = Server::start(&args, &env);
    let email = address();
    let created = api.post("/signup", json!({"email": email, "password": PASSWORD})).await.json();
    let user_id = created["user"]["id"].as_str().unwrap().to_string();
    let tokens = api.post("/login", json!({"email": email, "password": PASSWORD})).await.json();
    api.post("/refresh", json!({ "refresh_token": tokens["refresh_token"] })).await;
    api.post("/login", json!({"email": email, "password": "a wrong password here"})).await;
    mail.wait_for(&email, 1).await;
    api.post("/password/forgot", json!({ "email": email })).await;
    mail.wait_for(&email, 2).await;

    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    let wrong = api.send(Method::DELETE, "/me", &headers, json!({ "password": "not it at all" }).to_string()).await;
    assert_error(&wrong, 400, "invalid_grant");
    let deleted = api.send(Method::DELETE, "/me", &headers, json!({ "password": PASSWORD }).to_string()).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.json());
    assert_eq!(mail.nth(&email, 3).await.subject, "Your account was deleted");

    let settings = shared::StoreSettings { table_name: table.clone(), endpoint: Some(endpoint.clone()) };
    let store = shared::store::dynamo::DynamoStore::connect(&settings).await;
    let items = store.client().scan().table_name(&table).send().await.unwrap().items.unwrap_or_default();
    let left: Vec<_> = items
        .iter()
        .filter(|item| item.values().any(|v| v.as_s().is_ok_and(|s| s.contains(&user_id) || s.contains(&email))))
        .collect();
    assert!(left.is_empty(), "items of the deleted account remain: {left:?}");
    assert_error(&api.post("/login", json!({"email": email, "password": PASSWORD})).await, 400, "invalid_grant");
    assert_eq!(api.post("/signup", json!({"email": email, "password": PASSWORD})).await.status, 201);
}

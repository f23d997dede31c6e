//! Every endpoint under every DynamoDB failure: the answer is 503 with
//! Retry-After, within the SDK's timeout (never a 500, never a hang), and
//! afterwards no half-written user or session exists.

mod support;

use std::time::{Duration, Instant};

use lambda_http::http::Method;
use lambda_http::{Request, RequestExt};
use local_api::App;
use serde_json::json;
use shared::onetime::OneTimeToken;
use shared::routes::{Function, ROUTES, Route};
use shared::store::dynamo::{DynamoStore, fresh_table, local_endpoint};
use shared::store::{Ceremony, CeremonyKind, Purpose, RefreshStatus, Store, User};
use shared::testing::passkey::{ORIGIN, SoftAuthenticator, add_passkey};
use shared::testing::{self, ADA_PASSWORD, form_post, json_post};
use shared::{Clock, ManualClock, RefreshToken, Services, StoreSettings, TokenPair};
use support::fault_proxy::{ALL, Fault, FaultProxy};

const NEW_PASSWORD: &str = "a brand new passphrase for the account";

struct Bench {
    proxy: FaultProxy,
    /// Every function on the store through the proxy.
    app: App<DynamoStore>,
    /// Straight to DynamoDB Local: for setting up and inspecting.
    direct: DynamoStore,
    services: Services,
    clock: ManualClock,
}

async fn bench() -> Option<Bench> {
    let endpoint = local_endpoint()?;
    let direct = fresh_table(&endpoint, "faults").await;
    let proxy = FaultProxy::start(&endpoint).await;
    let settings = StoreSettings { table_name: direct.table().to_string(), endpoint: Some(proxy.endpoint.clone()) };
    let faulty = DynamoStore::connect(&settings).await;
    let clock = testing::clock();
    let services = testing::services(&clock);
    Some(Bench { proxy, app: App::new(faulty, &services), direct, services, clock })
}

impl Bench {
    async fn user(&self) -> (User, TokenPair) {
        let email = format!("fault-{}@example.com", uuid::Uuid::new_v4().simple());
        let now = self.clock.now();
        let user = testing::seed_user(&self.direct, &self.services.passwords, &email, ADA_PASSWORD, now).await;
        let tokens = testing::login(&self.direct, &self.services.sessions(), &user, now).await;
        (user, tokens)
    }

    /// Items of one kind (by sort-key prefix) in the user's partition.
    async fn count(&self, user_id: &str, prefix: &str) -> usize {
        let out = self
            .direct
            .client()
            .query()
            .table_name(self.direct.table())
            .consistent_read(true)
            .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
            .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{user_id}")))
            .expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::S(prefix.into()))
            .send()
            .await
            .unwrap();
        out.items().len()
    }

    async fn issue(&self, user: &User, purpose: Purpose, new_email: Option<String>) -> OneTimeToken {
        let token = OneTimeToken::new(purpose, &user.id);
        self.direct.issue_token(&token.record(self.clock.now() + 600, new_email)).await.unwrap();
        token
    }

    async fn token_live(&self, token: &OneTimeToken) -> bool {
        let hash = token.secret_hash();
        self.direct.token_live(token.proof(&hash, self.clock.now())).await.unwrap()
    }

    async fn password_hash(&self, user: &User) -> String {
        self.direct.credentials(&user.email).await.unwrap().unwrap().password_hash
    }

    async fn refresh_token_is_untouched(&self, tokens: &TokenPair) -> bool {
        let token = RefreshToken::parse(&tokens.refresh_token).unwrap();
        let hash = token.secret_hash();
        let state = self.direct.refresh_state(token.reference(&hash)).await.unwrap().unwrap();
        state.status == RefreshStatus::Active && !state.family_revoked
    }

    async fn refresh_token_was_rotated(&self, tokens: &TokenPair) -> bool {
        let token = RefreshToken::parse(&tokens.refresh_token).unwrap();
        let hash = token.secret_hash();
        let state = self.direct.refresh_state(token.reference(&hash)).await.unwrap().unwrap();
        matches!(state.status, RefreshStatus::Rotated { .. }) && !state.family_revoked
    }

    /// The successor of `tokens`, rotated without a fault.
    async fn rotated(&self, tokens: &TokenPair) -> TokenPair {
        let token = RefreshToken::parse(&tokens.refresh_token).unwrap();
        self.services.sessions().rotate(&self.direct, &token, self.clock.now()).await.unwrap()
    }

    /// Calls `route` with `fault` injected (on every operation, or on
    /// `operation`) and checks the answer.
    async fn under_fault(&self, fault: Fault, operation: Option<&'static str>, route: &Route, request: Request) {
        self.proxy.inject(fault, operation);
        let started = Instant::now();
        let response = self.app.invoke(route.function, request).await;
        let took = started.elapsed();
        self.proxy.heal();
        let label = format!("{} {} under {fault:?}", route.method, route.path);
        let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap_or_default();
        assert_eq!(response.status(), 503, "{label}: {body}");
        assert_eq!(body["error"], "temporarily_unavailable", "{label}");
        assert!(response.headers().contains_key("retry-after"), "{label}");
        assert!(took < Duration::from_secs(5), "{label} took {took:?}");
    }
}

/// A ceremony in the store, as the start of a registration (for `user_id`)
/// or a login leaves it, and the options its start answered.
async fn passkey_ceremony(b: &Bench, user_id: Option<&str>) -> (String, serde_json::Value) {
    let party = b.services.relying_party();
    let (kind, started) = match user_id {
        Some(id) => (CeremonyKind::Registration, party.start_registration(id, "a@example.com", "A", &[]).unwrap()),
        None => (CeremonyKind::Login, party.start_login().unwrap()),
    };
    let id = shared::passkey::new_ceremony_id();
    let ceremony = Ceremony {
        id: id.clone(),
        kind,
        user_id: user_id.map(String::from),
        name: None,
        state: started.state,
        expires_at: b.clock.now() + 300,
    };
    b.direct.begin_ceremony(&ceremony).await.unwrap();
    (id, started.options)
}

fn bearer(req: Request, tokens: &TokenPair) -> Request {
    let (mut parts, body) = req.into_parts();
    parts.headers.insert("authorization", format!("Bearer {}", tokens.access_token).parse().unwrap());
    Request::from_parts(parts, body)
}

/// Runs every route of the table under `fault` and checks what is left in
/// the table afterwards. A function without a case here does not compile.
async fn every_endpoint_under(fault: Fault, operation: Option<&'static str>) {
    let Some(b) = bench().await else { return };
    for route in ROUTES {
        // Boxed: one state machine for every route's case would outgrow the test thread's stack.
        Box::pin(one_endpoint_under(&b, fault, operation, route)).await;
    }
}

async fn one_endpoint_under(b: &Bench, fault: Fault, operation: Option<&'static str>, route: &Route) {
    let transactions_only = fault == Fault::CancelTransactions || operation == Some("TransactWriteItems");
    {
        match route.function {
            Function::Signup => {
                // Nothing of the account exists afterwards.
                let email = format!("new-{}@example.com", uuid::Uuid::new_v4().simple());
                let req = json_post(route.path, &json!({"email": email, "password": ADA_PASSWORD}));
                b.under_fault(fault, operation, route, req).await;
                assert_eq!(b.direct.credentials(&email).await.unwrap(), None, "no email claim left behind");
                let scan = b.direct.client().scan().table_name(b.direct.table()).send().await.unwrap();
                assert!(
                    !scan.items().iter().any(|i| i.get("email").and_then(|e| e.as_s().ok()) == Some(&email)),
                    "no profile left behind"
                );
            }
            // Opening a session is one put, rotating one a put and an update: no transaction
            // for these five, so the transaction faults below do not reach them.
            Function::Login if !transactions_only => {
                // No session is opened.
                let (user, _) = b.user().await;
                let families = b.count(&user.id, "FAMILY#").await;
                let req = json_post(route.path, &json!({"email": user.email, "password": ADA_PASSWORD}));
                b.under_fault(fault, operation, route, req).await;
                assert_eq!(b.count(&user.id, "FAMILY#").await, families, "login opened no session");
            }
            Function::Refresh if !transactions_only => {
                // A session rotated once, so the next rotation also gives its first token an item of its own.
                let (user, first) = b.user().await;
                let presented = b.rotated(&first).await;
                let tokens_before = b.count(&user.id, "TOKEN#").await;
                let req = json_post(route.path, &json!({"refresh_token": presented.refresh_token}));
                b.under_fault(fault, operation, route, req).await;
                assert!(b.refresh_token_is_untouched(&presented).await, "the token was neither rotated nor revoked");
                assert!(b.refresh_token_was_rotated(&first).await, "its predecessor is still known as retired");
                assert!(b.count(&user.id, "TOKEN#").await <= tokens_before + 1, "at most that one item was written");
            }
            // Login's and refresh's grants: neither makes a transaction.
            Function::Token if !transactions_only => {
                let (user, first) = b.user().await;
                let families = b.count(&user.id, "FAMILY#").await;
                let email = user.email.replace('@', "%40");
                let password = ADA_PASSWORD.replace(' ', "+");
                let login = form_post(route.path, &format!("grant_type=password&username={email}&password={password}"));
                b.under_fault(fault, operation, route, login).await;
                assert_eq!(b.count(&user.id, "FAMILY#").await, families, "the password grant opened no session");
                let presented = b.rotated(&first).await;
                let refresh = format!("grant_type=refresh_token&refresh_token={}", presented.refresh_token);
                b.under_fault(fault, operation, route, form_post(route.path, &refresh)).await;
                assert!(b.refresh_token_is_untouched(&presented).await, "the token was neither rotated nor revoked");
            }
            // Makes no transaction.
            Function::Logout if !transactions_only => {
                // The session is either revoked or untouched, never half so.
                let (_, tokens) = b.user().await;
                let req = json_post(route.path, &json!({"refresh_token": tokens.refresh_token, "scope": "global"}));
                b.under_fault(fault, operation, route, req).await;
                assert!(b.refresh_token_is_untouched(&tokens).await);
            }
            // Read only, no transaction.
            Function::Me if !transactions_only => {
                let (_, tokens) = b.user().await;
                let req = bearer(testing::request(Method::GET, route.path, None, ""), &tokens);
                b.under_fault(fault, operation, route, req).await;
            }
            Function::VerifyEmail | Function::ConfirmEmail => {
                // The token stays live and the address where it was.
                let (user, _) = b.user().await;
                let (purpose, new_email) = match route.function {
                    Function::VerifyEmail => (Purpose::VerifyEmail, None),
                    _ => (Purpose::ChangeEmail, Some(format!("moved-{}", user.email))),
                };
                let token = b.issue(&user, purpose, new_email).await;
                b.under_fault(fault, operation, route, json_post(route.path, &json!({"token": token.encode()}))).await;
                assert!(b.token_live(&token).await, "the token was not spent");
                let profile = b.direct.profile(&user.id).await.unwrap().unwrap();
                assert_eq!((profile.email, profile.email_verified), (user.email, false), "nothing changed");
            }
            Function::ResetPassword => {
                // The password and the token are as they were.
                let (user, _) = b.user().await;
                let token = b.issue(&user, Purpose::ResetPassword, None).await;
                let req = json_post(route.path, &json!({"token": token.encode(), "password": NEW_PASSWORD}));
                b.under_fault(fault, operation, route, req).await;
                assert!(b.token_live(&token).await, "the token was not spent");
                assert_eq!(b.password_hash(&user).await, user.password_hash, "the password is unchanged");
            }
            Function::ChangePassword if !transactions_only => {
                let (user, tokens) = b.user().await;
                let body = json!({"current_password": ADA_PASSWORD, "new_password": NEW_PASSWORD});
                b.under_fault(fault, operation, route, bearer(json_post(route.path, &body), &tokens)).await;
                assert_eq!(b.password_hash(&user).await, user.password_hash, "the password is unchanged");
            }
            // Reads and counts only, no transaction.
            Function::ChangeEmail if !transactions_only => {
                let (user, tokens) = b.user().await;
                let body = json!({"password": ADA_PASSWORD, "new_email": format!("new-{}", user.email)});
                b.under_fault(fault, operation, route, bearer(json_post(route.path, &body), &tokens)).await;
            }
            Function::DeleteAccount => {
                // The account is still there (its sessions may be gone).
                let (user, tokens) = b.user().await;
                let req = testing::request(
                    Method::DELETE,
                    route.path,
                    Some("application/json"),
                    json!({"password": ADA_PASSWORD}).to_string(),
                );
                b.under_fault(fault, operation, route, bearer(req, &tokens)).await;
                assert!(b.direct.profile(&user.id).await.unwrap().is_some(), "the profile is still there");
                assert!(b.direct.credentials(&user.email).await.unwrap().is_some(), "the email claim is still there");
            }
            // Read only, no transaction.
            Function::ListSessions if !transactions_only => {
                let (_, tokens) = b.user().await;
                let req = bearer(testing::request(Method::GET, route.path, None, ""), &tokens);
                b.under_fault(fault, operation, route, req).await;
            }
            // A query and one update, no transaction.
            Function::EndSession if !transactions_only => {
                let (_, tokens) = b.user().await;
                let sid = RefreshToken::parse(&tokens.refresh_token).unwrap().family_id;
                let req = bearer(testing::request(Method::DELETE, route.path, None, ""), &tokens)
                    .with_path_parameters(std::collections::HashMap::from([("id".to_string(), sid)]));
                b.under_fault(fault, operation, route, req).await;
                assert!(b.refresh_token_is_untouched(&tokens).await, "the session is still live");
            }
            // A read and a put, no transaction.
            Function::EnrollTotp if !transactions_only => {
                let (user, tokens) = b.user().await;
                b.under_fault(fault, operation, route, bearer(json_post(route.path, &json!({})), &tokens)).await;
                assert_eq!(b.direct.totp_factor(&user.id).await.unwrap(), None, "nothing enrolled");
            }
            Function::ConfirmTotp => {
                // The factor stays pending and the profile says TOTP is off.
                let (user, tokens) = b.user().await;
                let secret = shared::totp::TotpSecret::generate();
                b.direct.begin_totp(&user.id, &secret.base32(), b.clock.now()).await.unwrap();
                let app = shared::totp::Authenticator::new(&secret, "", "");
                let body = json!({"code": testing::totp_code(&app, b.clock.now())});
                b.under_fault(fault, operation, route, bearer(json_post(route.path, &body), &tokens)).await;
                assert!(!b.direct.totp_factor(&user.id).await.unwrap().unwrap().confirmed, "still pending");
                assert!(!b.direct.profile(&user.id).await.unwrap().unwrap().totp, "still off");
            }
            Function::RemoveTotp => {
                // TOTP stays on, secret and profile alike.
                let (user, tokens) = b.user().await;
                let (app, _) = testing::enable_totp(&b.direct, &user.id, b.clock.now()).await;
                let body = json!({"code": testing::totp_code(&app, b.clock.now())}).to_string();
                let req = testing::request(Method::DELETE, route.path, Some("application/json"), body);
                b.under_fault(fault, operation, route, bearer(req, &tokens)).await;
                assert!(b.direct.totp_factor(&user.id).await.unwrap().unwrap().confirmed, "the factor is still there");
                assert!(b.direct.profile(&user.id).await.unwrap().unwrap().totp, "the profile says on");
            }
            Function::LoginMfa if !transactions_only => {
                // No session is opened.
                let (user, _) = b.user().await;
                let (app, _) = testing::enable_totp(&b.direct, &user.id, b.clock.now()).await;
                let challenge = shared::mfa::challenge(&b.direct, &user.id, b.clock.now()).await.unwrap();
                let mfa_token = testing::body_json(&challenge)["mfa_token"].clone();
                let families = b.count(&user.id, "FAMILY#").await;
                let body = json!({"mfa_token": mfa_token, "code": testing::totp_code(&app, b.clock.now())});
                b.under_fault(fault, operation, route, json_post(route.path, &body)).await;
                assert_eq!(b.count(&user.id, "FAMILY#").await, families, "the second step opened no session");
            }
            // Reads and a put: no transaction.
            Function::StartPasskeyRegistration | Function::ListPasskeys if !transactions_only => {
                let (user, tokens) = b.user().await;
                let req = match route.method {
                    "GET" => testing::request(Method::GET, route.path, None, ""),
                    _ => json_post(route.path, &json!({"name": "Laptop"})),
                };
                b.under_fault(fault, operation, route, bearer(req, &tokens)).await;
                assert_eq!(b.count(&user.id, "PASSKEY#").await, 0);
            }
            Function::StartPasskeyLogin if !transactions_only => {
                b.under_fault(fault, operation, route, json_post(route.path, &json!({}))).await;
            }
            Function::FinishPasskeyRegistration => {
                // No passkey is stored, and the profile counts none.
                let (user, tokens) = b.user().await;
                let (challenge_id, options) = passkey_ceremony(b, Some(&user.id)).await;
                let credential = SoftAuthenticator::new(ORIGIN).register(&options);
                let body = json!({"challenge_id": challenge_id, "credential": credential});
                b.under_fault(fault, operation, route, bearer(json_post(route.path, &body), &tokens)).await;
                assert_eq!(b.count(&user.id, "PASSKEY#").await, 0, "no passkey stored");
                assert_eq!(b.direct.profile(&user.id).await.unwrap().unwrap().passkeys, 0);
            }
            Function::DeletePasskey => {
                // The passkey stays, and stays counted.
                let (user, tokens) = b.user().await;
                let mut key = SoftAuthenticator::new(ORIGIN);
                let passkey = add_passkey(&b.direct, &b.services, &mut key, &user.id, b.clock.now()).await;
                let req = bearer(testing::request(Method::DELETE, route.path, None, ""), &tokens)
                    .with_path_parameters(std::collections::HashMap::from([("id".to_string(), passkey.id)]));
                b.under_fault(fault, operation, route, req).await;
                assert_eq!(b.count(&user.id, "PASSKEY#").await, 1, "the passkey is still there");
                assert_eq!(b.direct.profile(&user.id).await.unwrap().unwrap().passkeys, 1);
            }
            Function::FinishPasskeyLogin if !transactions_only => {
                // No session is opened.
                let (user, _) = b.user().await;
                let mut key = SoftAuthenticator::new(ORIGIN);
                let passkey = add_passkey(&b.direct, &b.services, &mut key, &user.id, b.clock.now()).await;
                let (challenge_id, options) = passkey_ceremony(b, None).await;
                let credential = key.login(&options, &passkey.id, &user.id);
                let families = b.count(&user.id, "FAMILY#").await;
                let body = json!({"challenge_id": challenge_id, "credential": credential});
                b.under_fault(fault, operation, route, json_post(route.path, &body)).await;
                assert_eq!(b.count(&user.id, "FAMILY#").await, families, "the passkey opened no session");
            }
            Function::Login
            | Function::LoginMfa
            | Function::FinishPasskeyLogin
            | Function::ChangePassword
            | Function::Logout
            | Function::Refresh
            | Function::Token
            | Function::Me
            | Function::ChangeEmail
            | Function::ListSessions
            | Function::EndSession
            | Function::EnrollTotp
            | Function::StartPasskeyRegistration
            | Function::ListPasskeys
            | Function::StartPasskeyLogin => {}
            // Serve from memory, or only hand a job to the mailer: no store, no fault to meet.
            Function::Jwks | Function::Discovery | Function::SendVerification | Function::ForgotPassword => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_503_when_dynamodb_throttles() {
    every_endpoint_under(Fault::Throttle, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_503_when_dynamodb_fails() {
    every_endpoint_under(Fault::ServerError, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_503_when_connections_drop() {
    every_endpoint_under(Fault::Drop, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_503_within_the_timeout_when_dynamodb_hangs() {
    every_endpoint_under(Fault::Delay, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_answer_503_when_transactions_keep_being_cancelled() {
    every_endpoint_under(Fault::CancelTransactions, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_after_successful_reads_leaves_nothing_half_done() {
    every_endpoint_under(Fault::Throttle, Some("TransactWriteItems")).await;
}

/// The put that gives a displaced token its own item succeeds, the update
/// of the session's item fails: the session is as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_whose_session_update_fails_after_its_put_changes_no_session() {
    let Some(b) = bench().await else { return };
    let route = ROUTES.iter().find(|r| r.function == Function::Refresh).unwrap();
    one_endpoint_under(&b, Fault::Throttle, Some("UpdateItem"), route).await;
}

#[test]
fn every_fault_is_exercised() {
    assert_eq!(ALL.len(), 5);
}

/// The authorizer with the session check fails closed: under every fault
/// a valid token is denied (never an error the gateway would turn into a
/// 500), and allowed again once the store answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_check_denies_while_dynamodb_fails_and_allows_once_it_answers() {
    let Some(b) = bench().await else { return };
    let settings = StoreSettings { table_name: b.direct.table().to_string(), endpoint: Some(b.proxy.endpoint.clone()) };
    let mut services = b.services.clone();
    services.session_check = shared::SessionCheckSettings { enabled: true, cache_seconds: 0 };
    let check = session_authorizer::SessionAuthorizer::new(DynamoStore::connect(&settings).await, &services);
    let (_, tokens) = b.user().await;
    let authorization = format!("Bearer {}", tokens.access_token);
    let event = |shape: &str| testing::authorizer_event(shape, &authorization);
    let (v2, rest) = (event("http-v2.allow.json"), event("rest-token.allow.json"));
    assert!(session_authorizer::authorize(&v2, &check).await.unwrap().contains("\"isAuthorized\":true"));
    // A read is in no transaction, so cancelled transactions do not touch it.
    for fault in ALL.into_iter().filter(|f| *f != Fault::CancelTransactions) {
        b.proxy.inject(fault, None);
        let simple = session_authorizer::authorize(&v2, &check).await.expect("a decision, not an error");
        assert!(simple.contains("\"isAuthorized\":false"), "{fault:?}: {simple}");
        let policy = session_authorizer::authorize(&rest, &check).await.expect("a policy, not an error");
        assert!(policy.contains("\"Effect\":\"Deny\""), "{fault:?}: {policy}");
        b.proxy.heal();
    }
    assert!(session_authorizer::authorize(&v2, &check).await.unwrap().contains("\"isAuthorized\":true"));
}

//! Every endpoint under every DynamoDB failure: the answer is 503 with
//! Retry-After, within the SDK's timeout (never a 500, never a hang), and
//! afterwards no half-written user or session exists.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::store::dynamo::{DynamoStore, ensure_table};
use shared::store::{RefreshStatus, Store, User};
use shared::testing::{self, ADA_PASSWORD, json_post};
use shared::{Algorithm, Clock, ManualClock, RefreshToken, StoreSettings, TokenIssuer, TokenPair, TokenVerifier};
use support::fault_proxy::{ALL, Fault, FaultProxy};

struct Bench {
    proxy: FaultProxy,
    /// Through the proxy: what the functions use.
    faulty: DynamoStore,
    /// Straight to DynamoDB Local: for setting up and inspecting.
    direct: DynamoStore,
    issuer: Arc<TokenIssuer>,
    verifier: Arc<TokenVerifier>,
    clock: ManualClock,
}

async fn bench() -> Option<Bench> {
    let Some(endpoint) = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|e| !e.is_empty()) else {
        assert!(std::env::var_os("REQUIRE_DYNAMODB").is_none(), "REQUIRE_DYNAMODB is set but DYNAMODB_ENDPOINT is not");
        eprintln!("skipped: DYNAMODB_ENDPOINT is not set");
        return None;
    };
    let table = format!("faults-{}", uuid::Uuid::new_v4().simple());
    let direct =
        DynamoStore::connect(&StoreSettings { table_name: table.clone(), endpoint: Some(endpoint.clone()) }).await;
    ensure_table(direct.client(), &table).await.unwrap();
    let proxy = FaultProxy::start(&endpoint).await;
    let faulty =
        DynamoStore::connect(&StoreSettings { table_name: table, endpoint: Some(proxy.endpoint.clone()) }).await;
    let (issuer, verifier) = testing::tokens(Algorithm::RS256, None);
    Some(Bench { proxy, faulty, direct, issuer, verifier, clock: testing::clock() })
}

impl Bench {
    async fn user(&self) -> (User, TokenPair) {
        let email = format!("fault-{}@example.com", uuid::Uuid::new_v4().simple());
        let user =
            testing::seed_user(&self.direct, &testing::cheap_passwords(), &email, ADA_PASSWORD, self.clock.now()).await;
        let tokens = testing::login(&self.direct, &self.issuer, &user, self.clock.now()).await;
        (user, tokens)
    }

    fn clock(&self) -> Arc<dyn Clock> {
        Arc::new(self.clock.clone())
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

    async fn refresh_token_is_untouched(&self, tokens: &TokenPair) -> bool {
        let token = RefreshToken::parse(&tokens.refresh_token).unwrap();
        let hash = token.secret_hash();
        let state = self.direct.refresh_state(token.reference(&hash)).await.unwrap().unwrap();
        state.status == RefreshStatus::Active && !state.family_revoked
    }
}

fn bearer(req: Request, tokens: &TokenPair) -> Request {
    let (mut parts, body) = req.into_parts();
    parts.headers.insert("authorization", format!("Bearer {}", tokens.access_token).parse().unwrap());
    Request::from_parts(parts, body)
}

/// Calls `call` with `fault` injected (on every operation, or on `operation`)
/// and checks the answer.
async fn under_fault<F: std::future::Future<Output = Response<Body>>>(
    b: &Bench,
    fault: Fault,
    operation: Option<&'static str>,
    label: &str,
    call: F,
) {
    b.proxy.inject(fault, operation);
    let started = Instant::now();
    let response = call.await;
    let took = started.elapsed();
    b.proxy.heal();
    let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap_or_default();
    assert_eq!(response.status(), 503, "{label} under {fault:?}: {body}");
    assert_eq!(body["error"], "temporarily_unavailable", "{label} under {fault:?}");
    assert!(response.headers().contains_key("retry-after"), "{label} under {fault:?}");
    assert!(took < Duration::from_secs(5), "{label} under {fault:?} took {took:?}");
}

/// Runs every endpoint under `fault` and checks what is left in the table.
async fn every_endpoint_under(fault: Fault, operation: Option<&'static str>) {
    let Some(b) = bench().await else { return };
    let transactions_only = fault == Fault::CancelTransactions || operation == Some("TransactWriteItems");

    // signup: nothing of the account exists afterwards.
    let signup = signup::Signup {
        store: b.faulty.clone(),
        issuer: b.issuer.clone(),
        passwords: testing::cheap_passwords(),
        clock: b.clock(),
    };
    let email = format!("new-{}@example.com", uuid::Uuid::new_v4().simple());
    let req = json_post("/signup", &json!({"email": email, "password": ADA_PASSWORD}));
    under_fault(&b, fault, operation, "signup", async { signup::handle(req, &signup).await.unwrap() }).await;
    assert_eq!(b.direct.credentials(&email).await.unwrap(), None, "no email claim left behind");
    let scan = b.direct.client().scan().table_name(b.direct.table()).send().await.unwrap();
    assert!(
        !scan.items().iter().any(|i| i.get("email").and_then(|e| e.as_s().ok()) == Some(&email)),
        "no profile left behind"
    );

    // login: no session is opened.
    let (user, _) = b.user().await;
    let families = b.count(&user.id, "FAMILY#").await;
    let login = login::Login {
        store: b.faulty.clone(),
        issuer: b.issuer.clone(),
        passwords: testing::cheap_passwords(),
        throttle: shared::ThrottleSettings::default(),
        clock: b.clock(),
    };
    let req = json_post("/login", &json!({"email": user.email, "password": ADA_PASSWORD}));
    under_fault(&b, fault, operation, "login", async { login::handle(req, &login).await.unwrap() }).await;
    assert_eq!(b.count(&user.id, "FAMILY#").await, families, "login opened no session");

    // refresh: the presented token stays current; no successor exists.
    let (user, tokens) = b.user().await;
    let tokens_before = b.count(&user.id, "TOKEN#").await;
    let refresh = refresh::Refresh { store: b.faulty.clone(), issuer: b.issuer.clone(), grace: 10, clock: b.clock() };
    let req = json_post("/refresh", &json!({"refresh_token": tokens.refresh_token}));
    under_fault(&b, fault, operation, "refresh", async { refresh::handle(req, &refresh).await.unwrap() }).await;
    assert!(b.refresh_token_is_untouched(&tokens).await, "the token was neither rotated nor revoked");
    assert_eq!(b.count(&user.id, "TOKEN#").await, tokens_before, "no successor was written");

    if transactions_only {
        return; // logout and me make no transaction.
    }

    // logout: the session is either revoked or untouched, never half so.
    let (_, tokens) = b.user().await;
    let logout = logout::Logout { store: b.faulty.clone(), clock: b.clock() };
    let req = json_post("/logout", &json!({"refresh_token": tokens.refresh_token, "scope": "global"}));
    under_fault(&b, fault, operation, "logout", async { logout::handle(req, &logout).await.unwrap() }).await;
    assert!(b.refresh_token_is_untouched(&tokens).await);

    // me: read only.
    let (_, tokens) = b.user().await;
    let me = me::Me { store: b.faulty.clone(), verifier: b.verifier.clone(), clock: b.clock() };
    let req = bearer(testing::request(Method::GET, "/me", None, ""), &tokens);
    under_fault(&b, fault, operation, "me", async { me::handle(req, &me).await.unwrap() }).await;
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

#[test]
fn every_fault_is_exercised() {
    assert_eq!(ALL.len(), 5);
}

//! Fixtures for the functions' tests: keys, cheap argon2 parameters, API
//! Gateway-shaped requests. Compiled only with the `testing` feature.

pub mod forge;
pub mod passkey;

use std::sync::Arc;

use lambda_http::http::{Method, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;

use crate::session::SessionSettings;
use crate::store::{Store, User};
use crate::{
    Algorithm, Clock, KeySettings, ManualClock, PasswordSettings, Passwords, Services, Sessions, SigningKey,
    SystemClock, ThrottleSettings, TokenIssuer, TokenSettings, TokenVerifier, VerificationKeys,
};

pub use crate::samples::{ADA_EMAIL, ADA_ID, ADA_PASSWORD, AUDIENCE, ISSUER};

pub fn token_settings(algorithm: Algorithm) -> TokenSettings {
    TokenSettings { issuer: ISSUER.into(), audience: AUDIENCE.into(), algorithm, access_ttl: 900, leeway: 30 }
}

/// A token issuer and a verifier that trusts it (plus `extra_jwks`, if any).
pub fn tokens(algorithm: Algorithm, extra_jwks: Option<&str>) -> (Arc<TokenIssuer>, Arc<TokenVerifier>) {
    let (key, _) = SigningKey::generate(algorithm).expect("key generation");
    let settings = token_settings(algorithm);
    let key_settings = KeySettings { verify_keys: extra_jwks.map(str::to_string), ..KeySettings::default() };
    let keys = VerificationKeys::from_settings(algorithm, &key_settings, Some(&key)).expect("verification keys");
    (Arc::new(TokenIssuer::new(&settings, key)), Arc::new(TokenVerifier::new(&settings, keys)))
}

/// Every service with test settings: keys for `algorithm` (the verifier also
/// trusts `extra_jwks`), cheap argon2id, the default throttle and session
/// settings, and `clock`. Tests change a field before building a function.
pub fn services_with(algorithm: Algorithm, extra_jwks: Option<&str>, clock: Arc<dyn Clock>) -> Services {
    let (issuer, verifier) = tokens(algorithm, extra_jwks);
    Services {
        clock,
        passwords: cheap_passwords(),
        throttle: ThrottleSettings::default(),
        sessions: SessionSettings::default(),
        signer: Some(crate::services::Signer {
            devices: Arc::new(crate::device::DeviceKeys::derive(issuer.signing_key()).expect("derived keys")),
            issuer,
        }),
        verifier: Some(verifier),
        accounts: crate::mail::AccountSettings::default(),
        session_check: crate::SessionCheckSettings::default(),
        origins: crate::origins::AllowedOrigins::default(),
        handoff: Some(crate::mail::Handoff::task(|_| {})),
        mailing: Some(crate::services::Mailing {
            settings: crate::mail::MailSettings::new(APP_URL, MAIL_FROM),
            transport: crate::mail::Transport::Outbox(crate::mail::Outbox::new()),
        }),
        totp_issuer: "Example".into(),
        passkeys: crate::PasskeySettings { rp_id: "app.test".into(), origins: vec![passkey::ORIGIN.into()] },
    }
}

pub const APP_URL: &str = "http://app.test";
pub const MAIL_FROM: &str = "Accounts <no-reply@example.com>";

/// The jobs a handoff was given, in order.
#[derive(Clone, Default)]
pub struct Jobs(Arc<std::sync::Mutex<Vec<crate::mail::MailJob>>>);

impl Jobs {
    pub fn taken(&self) -> Vec<crate::mail::MailJob> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A handoff that keeps its jobs for the test to read.
pub fn recording_handoff() -> (crate::mail::Handoff, Jobs) {
    let jobs = Jobs::default();
    let kept = jobs.clone();
    (crate::mail::Handoff::task(move |job| kept.0.lock().unwrap_or_else(|e| e.into_inner()).push(job)), jobs)
}

/// RS256 services on a manual clock.
pub fn services(clock: &ManualClock) -> Services {
    services_with(Algorithm::RS256, None, Arc::new(clock.clone()))
}

/// Services that also verify the sample tokens in `events/`, on the real clock.
pub fn sample_services() -> Services {
    services_with(Algorithm::RS256, Some(&sample_jwks()), Arc::new(SystemClock))
}

/// argon2id with the smallest cost the settings allow: tests check behaviour, benches cost.
pub fn cheap_passwords() -> Passwords {
    Passwords::new(PasswordSettings { memory_kib: 8 * 1024, iterations: 1, ..PasswordSettings::default() })
        .expect("argon2 parameters")
}

/// A clock at the real current time, so DynamoDB Local's TTL sweeper never
/// deletes what a test just wrote.
pub fn clock() -> ManualClock {
    ManualClock::at(time::OffsetDateTime::now_utc().unix_timestamp())
}

/// Creates a user with a live session, as signup would.
pub async fn seed_user<S: Store>(store: &S, passwords: &Passwords, email: &str, password: &str, now: i64) -> User {
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.into(),
        name: Some("Ada Lovelace".into()),
        password_hash: passwords.hash(password).await.expect("hash"),
        created_at: now,
        email_verified: false,
    };
    let first = crate::RefreshToken::first(&user.id).record(now, 86_400);
    store.create_user(&user, Some(&first)).await.expect("seed user");
    user
}

fn api_gateway_context(method: &Method, path: &str) -> RequestContext {
    let mut http = lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = method.clone();
    http.path = Some(path.into());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some("127.0.0.1".into());
    let mut ctx = lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
    ctx.route_key = Some(format!("{method} {path}"));
    ctx.stage = Some("$default".into());
    ctx.request_id = Some("test-request".into());
    ctx.http = http;
    RequestContext::ApiGatewayV2(ctx)
}

/// A request as API Gateway (HTTP API, payload 2.0) hands it to the function.
pub fn request(method: Method, path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request {
    let mut builder = lambda_http::http::Request::builder().method(method.clone()).uri(path);
    if let Some(ct) = content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    builder.body(body.into()).expect("request").with_request_context(api_gateway_context(&method, path))
}

pub fn json_post(path: &str, body: &Value) -> Request {
    request(Method::POST, path, Some("application/json"), body.to_string())
}

/// A JSON request whose body is `text` as given (also malformed JSON).
pub fn json_request(method: Method, path: &str, text: &str) -> Request {
    request(method, path, Some("application/json"), text.to_string())
}

/// `req` as API Gateway forwards it once the authorizer allowed `sub`.
pub fn as_authorized(req: Request, sub: &str) -> Request {
    let Some(RequestContext::ApiGatewayV2(mut ctx)) = req.request_context_ref().cloned() else {
        unreachable!("test requests carry an HTTP API context")
    };
    let mut authorizer = lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer::default();
    authorizer.fields = std::collections::HashMap::from([("sub".to_string(), Value::from(sub))]);
    ctx.authorizer = Some(authorizer);
    req.with_request_context(RequestContext::ApiGatewayV2(ctx))
}

pub fn form_post(path: &str, body: &str) -> Request {
    request(Method::POST, path, Some("application/x-www-form-urlencoded"), body.to_string())
}

pub fn body_json(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null)
}

/// The error code of an error response, for terse assertions.
pub fn error_code(response: &Response<Body>) -> String {
    body_json(response)["error"].as_str().unwrap_or_default().to_string()
}

/// Runs each named `async fn(store)` test once with the in-memory store and
/// once against DynamoDB Local (skipped with a reason when it is not running,
/// a failure under `./scripts/test`).
#[macro_export]
macro_rules! test_with_both_stores {
    ($($name:ident),+ $(,)?) => {
        mod memory_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::store::MemoryStore::new()).await;
                }
            )+
        }
        mod dynamodb_store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(store) = $crate::store::dynamo::test_store().await else { return };
                    super::$name(store).await;
                }
            )+
        }
    };
}

/// A DynamoDB store whose endpoint refuses connections.
#[cfg(feature = "dynamodb")]
pub async fn unreachable_store() -> crate::store::dynamo::DynamoStore {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(9);
    let settings =
        crate::StoreSettings { table_name: "unreachable".into(), endpoint: Some(format!("http://127.0.0.1:{port}")) };
    crate::store::dynamo::DynamoStore::connect(&settings).await
}

/// Opens a session for `user`, as login would, and returns its tokens.
pub async fn login<S: Store>(store: &S, sessions: &Sessions, user: &User, now: i64) -> crate::TokenPair {
    sessions
        .open(store, crate::store::Subject::new(&user.id, &user.email), crate::amr::PASSWORD, now)
        .await
        .expect("open a session")
}

/// One file of `events/<function>/`, named `<description>.<expected>.json`.
pub struct SampleEvent {
    pub path: std::path::PathBuf,
    /// The status (or authorizer decision) the file name declares.
    pub expected: String,
    pub json: String,
}

fn events_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The committed authorizer event `name` (e.g. `http-v2.allow.json`), sending
/// `authorization` where its shape carries the token.
pub fn authorizer_event(name: &str, authorization: &str) -> String {
    let template = sample_events("authorizer").into_iter().find(|e| e.path.ends_with(name)).expect(name);
    let mut event: Value = serde_json::from_str(&template.json).expect("a JSON event");
    if event.get("authorizationToken").is_some() {
        event["authorizationToken"] = serde_json::json!(authorization);
    } else {
        event["headers"]["authorization"] = serde_json::json!(authorization);
        event["identitySource"] = serde_json::json!([authorization]);
    }
    event.to_string()
}

/// Every sample event of `function`; panics when there is none, so a renamed
/// folder cannot silently test nothing.
pub fn sample_events(function: &str) -> Vec<SampleEvent> {
    let dir = events_dir().join(function);
    let mut events: Vec<SampleEvent> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path.file_stem().and_then(|s| s.to_str()).expect("file name");
            let expected = name.rsplit_once('.').map(|(_, e)| e.to_string()).expect("name.<expected>.json");
            let json = std::fs::read_to_string(&path).expect("readable event");
            SampleEvent { path, expected, json }
        })
        .collect();
    events.sort_by(|a, b| a.path.cmp(&b.path));
    assert!(!events.is_empty(), "no sample events in {}", dir.display());
    events
}

/// The public keys of the sample tokens in `events/`.
pub fn sample_jwks() -> String {
    std::fs::read_to_string(events_dir().join("jwks.json")).expect("events/jwks.json")
}

/// A store holding the sample user and session the events refer to.
pub async fn sample_store() -> crate::store::MemoryStore {
    let store = crate::store::MemoryStore::new();
    crate::samples::seed(&store, &cheap_passwords()).await.expect("seed samples");
    store
}

/// Turns TOTP on for `user_id` as enrolment and confirmation would, its
/// last step spent well before `now`: the authenticator (to make codes) and
/// the ten recovery codes.
pub async fn enable_totp<S: Store>(store: &S, user_id: &str, now: i64) -> (crate::totp::Authenticator, Vec<String>) {
    let secret = crate::totp::TotpSecret::generate();
    assert!(store.begin_totp(user_id, &secret.base32(), now).await.expect("begin"), "TOTP already on");
    let codes = crate::recovery::generate();
    let hashes: Vec<String> = codes.iter().filter_map(|c| crate::recovery::hash(user_id, c)).collect();
    let step = crate::totp::step_at(now) - 10;
    assert!(store.confirm_totp(user_id, &secret.base32(), step, &hashes).await.expect("confirm"));
    (crate::totp::Authenticator::new(&secret, "Example", "user"), codes)
}

/// The current TOTP code of `app` at `now`.
pub fn totp_code(app: &crate::totp::Authenticator, now: i64) -> String {
    app.code_at_step(crate::totp::step_at(now))
}

/// A six-digit code that matches none of `app`'s steps around `now`.
pub fn wrong_totp_code(app: &crate::totp::Authenticator, now: i64) -> String {
    (0..1000)
        .map(|n| format!("{:06}", n * 999))
        .find(|code| app.matching_step(code, now).is_none())
        .expect("a code the window does not hold")
}

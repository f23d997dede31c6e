//! `POST /signup`: creates an account and its first session (`openapi.yaml`, `/signup`).

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::password::{NewPasswordError, PolicyViolation};
use shared::request::{json_body, source_ip};
use shared::response::json_no_store;
use shared::store::{Attempt, Counter, Op, Store, User};
use shared::{
    ApiError, Clock, Keys, Needs, Passwords, Services, Sessions, ThrottleSettings, TokenPair, UserBody, normalize_email,
};

/// Longest display name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

pub const NEEDS: Needs = Needs {
    keys: Keys::Sign,
    store: &[Op::Reserve, Op::Credentials, Op::CreateUser, Op::ClearCounter],
    connections: 1,
    other_actions: &[],
};

pub struct Signup<S> {
    pub store: S,
    pub sessions: Sessions,
    pub passwords: Passwords,
    pub throttle: ThrottleSettings,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Signup<S> {
    pub fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            sessions: services.sessions(),
            passwords: services.passwords.clone(),
            throttle: services.throttle,
            clock: services.clock.clone(),
        }
    }
}

#[derive(Deserialize)]
struct SignupRequest {
    email: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Serialize)]
struct SignupResponse {
    user: UserBody,
    #[serde(flatten)]
    tokens: TokenPair,
}

pub async fn handle<S: Store>(req: Request, deps: &Signup<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(signup(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn signup<S: Store>(req: &Request, deps: &Signup<S>) -> Result<Response<Body>, ApiError> {
    let body: SignupRequest = json_body(req)?;
    let email = normalize_email(&body.email).map_err(|_| ApiError::invalid_request("email: not a valid address"))?;
    let name = clean_name(body.name)?;
    let weak = |v: PolicyViolation| ApiError::invalid_request(format!("password: {v}"));
    deps.passwords.check_length(&body.password).map_err(weak)?;
    let now = deps.clock.now();
    if let Some(ip) = source_ip(req) {
        let limit = deps.throttle.signups_from_source();
        if let Attempt::Refused { retry_at, .. } = deps.store.reserve(Counter::SignupsFrom(ip), now, limit).await? {
            tracing::warn!(source = ip, "signup refused: too many signups from this address");
            return Err(ApiError::TooManyAttempts { retry_after: u64::try_from(retry_at - now).unwrap_or(1) });
        }
    }
    // The cheap refusals first: a taken email costs one read, the strength
    // estimate a few milliseconds of CPU, the hash tens.
    if deps.store.credentials(&email).await?.is_some() {
        return Err(ApiError::EmailTaken);
    }
    match deps.passwords.check_new(&body.password, personal_words(&email, name.as_deref())).await {
        Ok(()) => {}
        Err(NewPasswordError::Policy(violation)) => return Err(weak(violation)),
        Err(NewPasswordError::Task) => return Err(ApiError::Internal),
    }

    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email,
        name,
        password_hash: deps.passwords.hash(&body.password).await?,
        created_at: now,
        email_verified: false,
    };
    let session = deps.sessions.start(shared::store::Subject::new(&user.id, &user.email), now)?;
    deps.store.create_user(&user, &session.record).await?;
    tracing::info!(user_id = %user.id, "account created");
    // Failures someone made against this email before it was registered are
    // not the new owner's: best effort, the account exists either way.
    if let Err(err) = deps.store.clear(Counter::Email(&user.email)).await {
        tracing::warn!(error = %err, "login counter of a new account not cleared");
    }
    let body = SignupResponse { user: UserBody::from(&user.profile()), tokens: session.tokens };
    Ok(json_no_store(StatusCode::CREATED, &body))
}

/// What a password must not be built on: the email, its local part and the
/// words in it, and the words of the name (zxcvbn matches whole entries).
fn personal_words(email: &str, name: Option<&str>) -> Vec<String> {
    let local = email.split('@').next().unwrap_or_default();
    let mut words = vec![email.to_string(), local.to_string()];
    let pieces = local.split(|c: char| !c.is_alphanumeric()).chain(name.unwrap_or_default().split_whitespace());
    words.extend(pieces.filter(|w| w.chars().count() >= 3).map(str::to_lowercase));
    words
}

fn clean_name(name: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(name) = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) else { return Ok(None) };
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_request(format!(
            "name: at most {MAX_NAME_CHARS} characters, without control characters"
        )));
    }
    Ok(Some(name))
}

#[cfg(test)]
mod tests;

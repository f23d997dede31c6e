//! `POST /signup`: creates an account and its first session (`openapi.yaml`,
//! `/signup`), and has the mailer send a verification link. With
//! `EMAIL_VERIFICATION=required` it creates no session and answers `202 {}`
//! for a new and a taken address alike.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use shared::Size;
use shared::Uses;
use shared::delivery::{Delivery, TokensBody};
use shared::endpoint::Endpoint;
use shared::mail::{AccountSettings, EmailVerification, Handoff, MailJob};
use shared::request::{json_body, source_ip};
use shared::response::{accepted, json_no_store};
use shared::routes::Function;
use shared::services::Mail;
use shared::store::{Attempt, Counter, Op, Store, User};
use shared::{
    ApiError, Clock, Keys, Needs, Passwords, Services, Sessions, StoreError, ThrottleSettings, UserBody, new_password,
    normalize_email,
};

/// Longest display name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

pub struct Signup<S> {
    pub store: S,
    pub sessions: Sessions,
    pub passwords: Passwords,
    pub throttle: ThrottleSettings,
    pub accounts: AccountSettings,
    pub handoff: Handoff,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for Signup<S> {
    const FUNCTION: Function = Function::Signup;
    const NEEDS: Needs = Needs {
        keys: Keys::Sign,
        store: &[Op::Reserve, Op::Credentials, Op::CreateUser, Op::ClearCounter],
        connections: 1,
        mail: Mail::HandsOff,
        uses: &[Uses::PasswordPolicy],
        size: Size::HASHES,
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            sessions: services.sessions(),
            passwords: services.passwords.clone(),
            throttle: services.throttle,
            accounts: services.accounts,
            handoff: services.handoff(),
            clock: services.clock.clone(),
        }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
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
    tokens: TokensBody,
}

pub async fn handle<S: Store>(req: Request, deps: &Signup<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(signup(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn signup<S: Store>(req: &Request, deps: &Signup<S>) -> Result<Response<Body>, ApiError> {
    let delivery = Delivery::requested(req)?;
    let body: SignupRequest = json_body(req)?;
    let email = normalize_email(&body.email).map_err(|_| ApiError::invalid_request("email: not a valid address"))?;
    let name = clean_name(body.name)?;
    deps.passwords.check_length(&body.password).map_err(|v| new_password::refusal("password", v))?;
    let now = deps.clock.now();
    if let Some(ip) = source_ip(req) {
        let limit = deps.throttle.signups_from_source();
        if let Attempt::Refused { retry_at, .. } = deps.store.reserve(Counter::SignupsFrom(ip), now, limit).await? {
            tracing::warn!(source = ip, "signup refused: too many signups from this address");
            return Err(ApiError::TooManyAttempts { retry_after: u64::try_from(retry_at - now).unwrap_or(1) });
        }
    }
    let required = deps.accounts.verification == EmailVerification::Required;
    // The cheap refusal first: a taken email costs one read, the strength
    // estimate a few milliseconds of CPU, the hash tens. Not when verification
    // is required: then a taken address must cost what a new one does, and
    // only the create itself finds it.
    if !required && deps.store.credentials(&email).await?.is_some() {
        return Err(ApiError::EmailTaken);
    }
    new_password::accept(&deps.passwords, "password", &body.password, &email, name.as_deref()).await?;
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email,
        name,
        password_hash: deps.passwords.hash(&body.password).await?,
        created_at: now,
        email_verified: false,
    };
    if required {
        return signup_unverified(deps, user).await;
    }
    let session = deps.sessions.start(user.profile().subject(), shared::amr::PASSWORD, now)?;
    deps.store.create_user(&user, Some(&session.record)).await?;
    tracing::info!(user_id = %user.id, "account created");
    // Failures someone made against this email before it was registered are
    // not the new owner's: best effort, the account exists either way.
    if let Err(err) = deps.store.clear(Counter::Email(&user.email)).await {
        tracing::warn!(error = %err, "login counter of a new account not cleared");
    }
    deps.handoff.hand_off(MailJob::VerifyEmail { email: user.email.clone() }).await;
    let body = SignupResponse { user: UserBody::from(&user.profile()), tokens: delivery.body(session.tokens.clone()) };
    let mut response = json_no_store(StatusCode::CREATED, &body);
    delivery.set_cookies(&mut response, &session.tokens);
    Ok(response)
}

/// With verification required: no session, and the same `202 {}` for a new
/// and a taken address; the owner of a taken one is told by mail instead.
async fn signup_unverified<S: Store>(deps: &Signup<S>, user: User) -> Result<Response<Body>, ApiError> {
    let job = match deps.store.create_user(&user, None).await {
        Ok(()) => {
            tracing::info!(user_id = %user.id, "account created, waiting for its address to be verified");
            MailJob::VerifyEmail { email: user.email }
        }
        Err(StoreError::EmailTaken) => MailJob::AlreadyRegistered { email: user.email },
        Err(err) => return Err(err.into()),
    };
    deps.handoff.hand_off(job).await;
    Ok(accepted())
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

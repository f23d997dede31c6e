//! `POST /login`: the password grant, as JSON or as an OAuth2 form
//! (`openapi.yaml`, `/login`).
//!
//! Every attempt is counted before its password is checked (one conditional
//! write that refuses once the window holds its maximum), so concurrent
//! guesses cannot outrun the limit. An unknown email and a wrong password take
//! the same path: one reservation, one credentials read, one argon2id
//! verification (against a decoy hash when there is no user), one identical answer.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::request::{Accepts, RequestBody, parse_form, parse_json, read_body, require_grant};
use shared::response::json_no_store;
use shared::store::{Attempt, Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Passwords, Services, Sessions, ThrottleSettings, normalize_email};

const WRONG_CREDENTIALS: &str = "the email or password is incorrect";

pub const NEEDS: Needs = Needs {
    keys: Keys::Sign,
    store: &[Op::ReserveLoginAttempt, Op::Credentials, Op::ClearLoginFailures, Op::SetPasswordHash, Op::CreateSession],
    connections: 1,
    other_actions: &[],
};

pub struct Login<S> {
    pub store: S,
    pub sessions: Sessions,
    pub passwords: Passwords,
    pub throttle: ThrottleSettings,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Login<S> {
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
struct JsonLogin {
    email: String,
    password: String,
}

/// RFC 6749 §4.3; other parameters (`client_id`, `scope`) are ignored.
#[derive(Deserialize)]
struct FormLogin {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

pub async fn handle<S: Store>(req: Request, deps: &Login<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(login(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

/// The email and password of a JSON or OAuth2 form body.
pub fn credentials(req: &Request) -> Result<(String, String), ApiError> {
    match read_body(req, Accepts::JsonOrForm)? {
        RequestBody::Json(bytes) => {
            let body: JsonLogin = parse_json(bytes)?;
            Ok((body.email, body.password))
        }
        RequestBody::Form(bytes) => {
            let form: FormLogin = parse_form(bytes)?;
            require_grant(form.grant_type.as_deref(), "password")?;
            let username = form.username.ok_or_else(|| ApiError::invalid_request("username is required"))?;
            let password = form.password.ok_or_else(|| ApiError::invalid_request("password is required"))?;
            Ok((username, password))
        }
    }
}

async fn login<S: Store>(req: &Request, deps: &Login<S>) -> Result<Response<Body>, ApiError> {
    let (email, password) = credentials(req)?;
    let email = normalize_email(&email).map_err(|_| ApiError::invalid_request("email: not a valid address"))?;
    if password.is_empty() {
        return Err(ApiError::invalid_request("password: must not be empty"));
    }

    let now = deps.clock.now();
    let (window, max) = (deps.throttle.window, deps.throttle.max_failures);
    if let Attempt::Refused(current) = deps.store.reserve_login_attempt(&email, now, window, max).await? {
        tracing::info!("login refused: too many attempts for this email");
        return Err(ApiError::TooManyAttempts { retry_after: u64::try_from(current.resets_at - now).unwrap_or(1) });
    }

    let stored = deps.store.credentials(&email).await?;
    let check = deps.passwords.verify(&password, stored.as_ref().map(|c| c.password_hash.as_str())).await?;
    let Some(user) = stored.filter(|_| check.matches) else {
        tracing::info!("login refused: wrong credentials");
        return Err(ApiError::InvalidGrant(WRONG_CREDENTIALS));
    };

    deps.store.clear_login_failures(&email).await?;
    if check.needs_rehash {
        // Best effort: a failure here must not fail a correct login.
        match deps.passwords.hash(&password).await {
            Ok(hash) => {
                if let Err(err) = deps.store.set_password_hash(&email, &hash).await {
                    tracing::warn!(error = %err, "password rehash not stored");
                }
            }
            Err(err) => tracing::warn!(error = %err, "password rehash failed"),
        }
    }
    let tokens = deps.sessions.open(&deps.store, &user.user_id, &user.email, now).await?;
    tracing::info!(user_id = %user.user_id, "login succeeded");
    Ok(json_no_store(StatusCode::OK, &tokens))
}

#[cfg(test)]
mod tests;

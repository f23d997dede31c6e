//! `POST /login`: the password grant, as JSON or as an OAuth2 form
//! (`openapi.yaml`, `/login`).
//!
//! Every attempt is counted before its password is checked (a conditional
//! write that refuses when the limit says wait), so concurrent guesses cannot
//! outrun it: per email, or per device for a client that logged in to this
//! email before (its device token), so an attacker's failures never slow the
//! owner's known devices and slow a new device by one bounded wait at most;
//! and, for a device the email does not know, per client address across all
//! emails, whose waits are short: many honest users can share one address. An unknown email and a wrong
//! password take the same path: the same reservations, one credentials read,
//! one argon2id verification (against a decoy hash when there is no user),
//! one identical answer. A right password for an account with TOTP on opens
//! no session: it answers `403 mfa_required` and `/login/mfa` takes over.

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::Size;
use shared::Uses;
use shared::delivery::Delivery;
use shared::device::{self, DeviceKeys};
use shared::endpoint::Endpoint;
use shared::mail::{AccountSettings, EmailVerification};
use shared::mfa;
use shared::request::{
    Accepts, RequestBody, cookie, header_text, parse_form, parse_json, read_body, require_grant, source_ip,
};
use shared::routes::Function;
use shared::store::{Attempt, Counter, Limit, Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Passwords, Services, Sessions, ThrottleSettings, normalize_email};

const WRONG_CREDENTIALS: &str = "the email or password is incorrect";

/// What a password login needs (also `/token`'s password grant).
pub const NEEDS: Needs = Needs {
    keys: Keys::Sign,
    store: &[
        Op::Reserve,
        Op::Release,
        Op::Credentials,
        Op::ClearCounter,
        Op::SetPasswordHash,
        Op::ReadTotp,
        Op::IssueToken,
        Op::CreateSession,
    ],
    connections: 1,
    uses: &[Uses::Totp],
    size: Size::HASHES,
    ..Needs::NOTHING
};

pub struct Login<S> {
    pub store: S,
    pub sessions: Sessions,
    pub passwords: Passwords,
    pub throttle: ThrottleSettings,
    pub devices: Arc<DeviceKeys>,
    pub accounts: AccountSettings,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Endpoint<S> for Login<S> {
    const FUNCTION: Function = Function::Login;
    const NEEDS: Needs = NEEDS;

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            sessions: services.sessions(),
            passwords: services.passwords.clone(),
            throttle: services.throttle,
            devices: services.devices(),
            accounts: services.accounts,
            clock: services.clock.clone(),
        }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
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
    let delivery = Delivery::requested(req)?;
    let (email, password) = credentials(req)?;
    let email = normalize_email(&email).map_err(|_| ApiError::invalid_request("email: not a valid address"))?;
    if password.is_empty() {
        return Err(ApiError::invalid_request("password: must not be empty"));
    }
    let now = deps.clock.now();
    let tag = deps.devices.tag(&email);
    let source = source_ip(req);
    let presented = header_text(req, device::HEADER).or_else(|| cookie(req, device::COOKIE));
    let known = presented.and_then(|token| deps.devices.device(token, &email));
    let counter = known.map_or(Counter::Email(&email), |device| Counter::Device { email: &email, device });

    // A device the email knows skips its address's counter: failures made
    // by others behind the same address never delay it. Others are counted
    // across all emails from their address first, then per email.
    let counted_source = source.filter(|_| known.is_none());
    if let Some(ip) = counted_source {
        reserve(deps, Counter::LoginsFrom(ip), deps.throttle.logins_from_source(), now).await.inspect_err(|_| {
            tracing::warn!(source = ip, "login refused: too many failed logins from this address");
        })?;
    }
    if let Err(refused) = reserve(deps, counter, deps.throttle.logins(), now).await {
        tracing::warn!(email_tag = %tag, source, known_device = known.is_some(), "login refused: throttled");
        if let Some(ip) = counted_source {
            // No password was checked: this one was no failure of the address.
            deps.store.release(Counter::LoginsFrom(ip)).await?;
        }
        return Err(refused);
    }

    let stored = deps.store.credentials(&email).await?;
    let check = deps.passwords.verify(&password, stored.as_ref().map(|c| c.password_hash.as_str())).await?;
    let Some(user) = stored.filter(|_| check.matches) else {
        tracing::info!(email_tag = %tag, source, known_device = known.is_some(), "login refused: wrong credentials");
        return Err(ApiError::InvalidGrant(WRONG_CREDENTIALS));
    };

    // Only the counter this check went through: a known device's success
    // leaves the wait an attacker earned on the email where it is.
    deps.store.clear(counter).await?;
    if let Some(ip) = counted_source {
        deps.store.release(Counter::LoginsFrom(ip)).await?;
    }
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
    if deps.accounts.verification == EmailVerification::Required && !user.email_verified {
        tracing::info!(user_id = %user.user_id, "login refused: email not verified");
        return Err(ApiError::EmailNotVerified);
    }
    if mfa::required(&deps.store, &user.user_id).await? {
        tracing::info!(user_id = %user.user_id, "login needs a second factor");
        return mfa::challenge(&deps.store, &user.user_id, now).await;
    }
    let tokens = deps.sessions.open(&deps.store, user.subject(), shared::amr::PASSWORD, now).await?;
    tracing::info!(user_id = %user.user_id, "login succeeded");
    let mut response = delivery.respond(StatusCode::OK, tokens);
    device::remember(&mut response, &deps.devices.issue(&email));
    Ok(response)
}

async fn reserve<S: Store>(deps: &Login<S>, counter: Counter<'_>, limit: Limit, now: i64) -> Result<(), ApiError> {
    match deps.store.reserve(counter, now, limit).await? {
        Attempt::Granted(_) => Ok(()),
        Attempt::Refused { retry_at, .. } => {
            Err(ApiError::TooManyAttempts { retry_after: u64::try_from(retry_at - now).unwrap_or(1) })
        }
    }
}

#[cfg(test)]
mod tests;

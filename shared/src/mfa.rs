//! The second factor at login, and spending its codes.
//!
//! A correct password for an account with TOTP on opens no session: it
//! answers `403 mfa_required` with an `mfa_token`, a one-time token of its
//! own purpose (5 minutes, one per user, the hash stored), and
//! `POST /login/mfa` trades it and a code for TOKENS. Every code is counted
//! before it is checked (at most `MAX_WRONG_CODES` per pending login), and a
//! code is spent by a conditional write, so neither guessing nor racing gets
//! further than the rules allow.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::onetime::OneTimeToken;
use crate::store::{Counter, Limit, Purpose, RecoveryCodeUse, Store};
use crate::totp::{Authenticator, TotpSecret};

pub const TOKEN_TTL_SECONDS: u64 = 300;
/// Wrong codes after which a pending login is over.
pub const MAX_WRONG_CODES: u32 = 5;
pub const REQUIRED: &str = "the password was right; now send a code from the authenticator app to /login/mfa";

/// How many codes one pending login may try.
pub fn codes_limit() -> Limit {
    Limit { max: MAX_WRONG_CODES, window: TOKEN_TTL_SECONDS, backoff: None }
}

#[derive(Serialize)]
struct Challenge<'a> {
    error: &'a str,
    error_description: &'a str,
    mfa_token: String,
    expires_in: u64,
}

/// Whether a login of this user needs a second step.
pub async fn required<S: Store>(store: &S, user_id: &str) -> Result<bool, ApiError> {
    Ok(store.totp_factor(user_id).await?.is_some_and(|factor| factor.confirmed))
}

/// Starts the second step: a new `mfa_token` (which replaces an earlier
/// one) with a fresh count of codes, as the `403 mfa_required` answer.
pub async fn challenge<S: Store>(store: &S, user_id: &str, now: i64) -> Result<Response<Body>, ApiError> {
    let token = OneTimeToken::new(Purpose::Mfa, user_id);
    store.clear(Counter::MfaCodes(user_id)).await?;
    let expires_at = now.saturating_add(i64::try_from(TOKEN_TTL_SECONDS).unwrap_or(i64::MAX));
    store.issue_token(&token.record(expires_at, None)).await?;
    let body = Challenge {
        error: "mfa_required",
        error_description: REQUIRED,
        mfa_token: token.encode(),
        expires_in: TOKEN_TTL_SECONDS,
    };
    Ok(crate::response::json_no_store(StatusCode::FORBIDDEN, &body))
}

/// A code the user typed.
#[derive(Clone, PartialEq, Eq)]
pub enum Code {
    Totp(String),
    Recovery(String),
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Totp(_) => "Code::Totp(..)",
            Self::Recovery(_) => "Code::Recovery(..)",
        })
    }
}

impl Code {
    /// A field that may hold either: six digits are a TOTP code, anything else a recovery code.
    pub fn either(text: &str) -> Self {
        let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == crate::totp::DIGITS && digits.bytes().all(|b| b.is_ascii_digit()) {
            Self::Totp(text.to_string())
        } else {
            Self::Recovery(text.to_string())
        }
    }
}

/// A code that passed, and was spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    Totp,
    Recovery { left: u32 },
}

impl Spent {
    /// The methods of a login whose password was followed by this code.
    pub fn amr(self) -> &'static [&'static str] {
        match self {
            Self::Totp => crate::amr::PASSWORD_AND_OTP,
            Self::Recovery { .. } => crate::amr::PASSWORD_AND_RECOVERY_CODE,
        }
    }
}

/// Spends `code` of the user's confirmed factor: `None` when it is wrong,
/// was used already (its time step or an earlier one), or TOTP is off.
pub async fn spend<S: Store>(store: &S, user_id: &str, code: &Code, now: i64) -> Result<Option<Spent>, ApiError> {
    match code {
        Code::Totp(code) => {
            let Some(factor) = store.totp_factor(user_id).await?.filter(|f| f.confirmed) else { return Ok(None) };
            let secret = TotpSecret::from_base32(&factor.secret).ok_or(ApiError::Internal)?;
            let Some(step) = Authenticator::new(&secret, "", "").matching_step(code, now) else { return Ok(None) };
            if factor.last_step.is_some_and(|last| last >= step) {
                return Ok(None);
            }
            Ok(store.spend_totp_step(user_id, step).await?.then_some(Spent::Totp))
        }
        Code::Recovery(code) => {
            let Some(hash) = crate::recovery::hash(user_id, code) else { return Ok(None) };
            Ok(match store.spend_recovery_code(user_id, &hash).await? {
                RecoveryCodeUse::Spent { left } => Some(Spent::Recovery { left }),
                RecoveryCodeUse::Refused => None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use crate::totp::step_at;

    const NOW: i64 = 1_800_000_000;
    const USER: &str = "5b0a2f5e-2b1c-4d25-9a51-6f3c0e0b7d11";

    async fn with_user() -> MemoryStore {
        let store = MemoryStore::new();
        let user = crate::store::User {
            id: USER.into(),
            email: "a@b.co".into(),
            name: None,
            password_hash: "not-used".into(),
            created_at: NOW,
            email_verified: true,
        };
        store.create_user(&user, None).await.unwrap();
        store
    }

    async fn enrolled(store: &MemoryStore) -> (Authenticator, Vec<String>) {
        let secret = TotpSecret::generate();
        assert!(store.begin_totp(USER, &secret.base32(), NOW).await.unwrap());
        let codes = crate::recovery::generate();
        let hashes: Vec<String> = codes.iter().filter_map(|c| crate::recovery::hash(USER, c)).collect();
        assert!(store.confirm_totp(USER, &secret.base32(), step_at(NOW) - 5, &hashes).await.unwrap());
        (Authenticator::new(&secret, "", ""), codes)
    }

    #[tokio::test]
    async fn a_totp_code_passes_once_and_no_earlier_step_after_it() {
        let store = with_user().await;
        let (app, _) = enrolled(&store).await;
        let code = Code::Totp(app.code_at_step(step_at(NOW)));
        assert_eq!(spend(&store, USER, &code, NOW).await.unwrap(), Some(Spent::Totp));
        assert_eq!(spend(&store, USER, &code, NOW).await.unwrap(), None, "the same code again");
        let earlier = Code::Totp(app.code_at_step(step_at(NOW) - 1));
        assert_eq!(spend(&store, USER, &earlier, NOW).await.unwrap(), None, "a step before the spent one");
        let next = Code::Totp(app.code_at_step(step_at(NOW) + 1));
        assert_eq!(spend(&store, USER, &next, NOW + 30).await.unwrap(), Some(Spent::Totp));
    }

    #[tokio::test]
    async fn a_recovery_code_passes_once_and_says_how_many_are_left() {
        let store = with_user().await;
        let (_, codes) = enrolled(&store).await;
        let code = Code::either(&codes[3].to_uppercase());
        assert_eq!(spend(&store, USER, &code, NOW).await.unwrap(), Some(Spent::Recovery { left: 9 }));
        assert_eq!(spend(&store, USER, &code, NOW).await.unwrap(), None);
        assert_eq!(Spent::Recovery { left: 9 }.amr(), ["pwd", "mfa"]);
        assert_eq!(Spent::Totp.amr(), ["pwd", "otp"]);
    }

    #[tokio::test]
    async fn nothing_passes_for_a_user_without_a_confirmed_factor() {
        let store = with_user().await;
        let secret = TotpSecret::generate();
        store.begin_totp(USER, &secret.base32(), NOW).await.unwrap();
        let code = Code::Totp(Authenticator::new(&secret, "", "").code_at_step(step_at(NOW)));
        assert_eq!(spend(&store, USER, &code, NOW).await.unwrap(), None, "pending, not confirmed");
        assert!(!required(&store, USER).await.unwrap());
    }

    #[test]
    fn six_digits_are_a_totp_code_and_anything_else_a_recovery_code() {
        assert_eq!(Code::either("123 456"), Code::Totp("123 456".into()));
        assert_eq!(Code::either("abcd-efgh-jkmn-pqrs"), Code::Recovery("abcd-efgh-jkmn-pqrs".into()));
        assert_eq!(format!("{:?}", Code::either("123456")), "Code::Totp(..)", "Debug hides the code");
    }

    #[tokio::test]
    async fn a_challenge_is_a_403_with_a_five_minute_mfa_token() {
        let store = MemoryStore::new();
        let response = challenge(&store, USER, NOW).await.unwrap();
        assert_eq!(response.status(), 403);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!((body["error"].as_str(), body["expires_in"].as_u64()), (Some("mfa_required"), Some(300)));
        let token = OneTimeToken::parse(body["mfa_token"].as_str().unwrap(), Purpose::Mfa).unwrap();
        let hash = token.secret_hash();
        assert!(store.token_live(token.proof(&hash, NOW + 299)).await.unwrap());
        assert!(!store.token_live(token.proof(&hash, NOW + 300)).await.unwrap());
    }
}

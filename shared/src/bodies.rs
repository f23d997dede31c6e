//! The success bodies every client sees: TOKENS and USER (`openapi.yaml`,
//! schemas `Tokens` and `User`). Plain data; `session` makes TOKENS.

use serde::Serialize;

use crate::store::Profile;

/// RFC 6749 §5.1 token response.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
}

/// USER: never the password hash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UserBody {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub created_at: String,
    pub mfa: MfaBody,
}

/// Which second factors guard the account.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct MfaBody {
    pub totp: bool,
    pub passkeys: u32,
}

impl From<&Profile> for UserBody {
    fn from(profile: &Profile) -> Self {
        let created_at = rfc3339(profile.created_at);
        Self {
            id: profile.id.clone(),
            email: profile.email.clone(),
            email_verified: profile.email_verified,
            name: profile.name.clone(),
            created_at,
            mfa: MfaBody { totp: profile.totp, passkeys: profile.passkeys },
        }
    }
}

/// Unix seconds as RFC 3339 UTC, as every time in a body is written.
pub fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// One entry of `GET /sessions`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SessionBody {
    /// The session's `sid`.
    pub id: String,
    pub created_at: String,
    pub last_used_at: String,
    /// Whether the caller's own token belongs to it.
    pub current: bool,
}

impl SessionBody {
    pub fn new(session: &crate::store::SessionInfo, current_sid: Option<&str>) -> Self {
        Self {
            id: session.id.clone(),
            created_at: rfc3339(session.created_at),
            last_used_at: rfc3339(session.last_used_at),
            current: current_sid == Some(session.id.as_str()),
        }
    }
}

/// One passkey, as the API shows it (`openapi.yaml`, schema `Passkey`).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct PasskeyBody {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

impl From<&crate::store::PasskeyRecord> for PasskeyBody {
    fn from(key: &crate::store::PasskeyRecord) -> Self {
        Self {
            id: key.id.clone(),
            name: key.name.clone(),
            created_at: rfc3339(key.created_at),
            last_used_at: key.last_used_at.map(rfc3339),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_at_is_rfc_3339_utc() {
        let profile = Profile {
            id: "u".into(),
            email: "a@b.co".into(),
            email_verified: false,
            name: None,
            created_at: 1_700_000_000,
            totp: true,
            passkeys: 2,
        };
        assert_eq!(UserBody::from(&profile).created_at, "2023-11-14T22:13:20Z");
        assert_eq!(UserBody::from(&profile).mfa, MfaBody { totp: true, passkeys: 2 });
    }
}

//! The success bodies of SPEC §3: TOKENS and USER.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::refresh::RefreshToken;
use crate::store::Profile;
use crate::tokens::TokenIssuer;

/// RFC 6749 §5.1 token response.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
}

impl TokenPair {
    /// A fresh access token for the user, and `refresh`, which expires at `refresh_expires_at`.
    pub fn issue(
        issuer: &TokenIssuer,
        email: &str,
        refresh: &RefreshToken,
        refresh_expires_at: i64,
        now: i64,
    ) -> Result<Self, ApiError> {
        let access = issuer.issue_access(&refresh.user_id, email, "", now)?;
        Ok(Self {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: issuer.access_ttl(),
            refresh_token: refresh.encode(),
            refresh_expires_in: u64::try_from(refresh_expires_at - now).unwrap_or(0),
        })
    }

    pub fn into_response(self, status: StatusCode) -> Response<Body> {
        let mut response = crate::http::json_response(status, &self);
        crate::http::no_store(&mut response);
        response
    }
}

/// SPEC §3 USER: never the password hash.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UserBody {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub created_at: String,
}

impl From<&Profile> for UserBody {
    fn from(profile: &Profile) -> Self {
        let created_at = time::OffsetDateTime::from_unix_timestamp(profile.created_at)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        Self { id: profile.id.clone(), email: profile.email.clone(), name: profile.name.clone(), created_at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_at_is_rfc_3339_utc() {
        let profile = Profile { id: "u".into(), email: "a@b.co".into(), name: None, created_at: 1_700_000_000 };
        assert_eq!(UserBody::from(&profile).created_at, "2023-11-14T22:13:20Z");
    }
}

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
}

impl From<&Profile> for UserBody {
    fn from(profile: &Profile) -> Self {
        let created_at = time::OffsetDateTime::from_unix_timestamp(profile.created_at)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        Self {
            id: profile.id.clone(),
            email: profile.email.clone(),
            email_verified: profile.email_verified,
            name: profile.name.clone(),
            created_at,
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
        };
        assert_eq!(UserBody::from(&profile).created_at, "2023-11-14T22:13:20Z");
    }
}

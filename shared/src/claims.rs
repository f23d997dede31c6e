//! The access token's claims. A closed set (`deny_unknown_fields`) of exactly
//! what this service issues; refresh tokens are opaque (`refresh`) and never
//! parse as JWTs at all.

use serde::{Deserialize, Serialize};

/// RFC 9068 media type for JWT access tokens.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    pub email: String,
    /// Absent from tokens issued before addresses were verified; read as false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    pub scope: String,
    /// Accepted ahead of the releases that issue them (the session and the
    /// authentication methods), so that deploying those logs nobody out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

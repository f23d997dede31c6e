//! The two token kinds. Each has its own `typ` header and its own closed set of
//! claims (`deny_unknown_fields`), so one can never be parsed as the other.

use serde::{Deserialize, Serialize};

/// RFC 9068 media type for JWT access tokens.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// Private media type for refresh tokens: never accepted where `at+jwt` is expected.
pub const REFRESH_TOKEN_TYP: &str = "rt+jwt";

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
    pub scope: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    /// Id of this token; only this id is stored server-side.
    pub jti: String,
    /// Id of the token family (session) this token belongs to.
    pub fam: String,
}

/// What verification needs to know about a claims type.
pub trait TokenClaims: serde::de::DeserializeOwned {
    const TYP: &'static str;
    /// Refresh tokens are for the authorization server itself: their `aud` is
    /// the issuer, so a verifier that checks the API's audience but not `typ`
    /// (API Gateway's JWT authorizer, most libraries) still refuses them.
    const AUDIENCE_IS_ISSUER: bool;
    fn iss(&self) -> &str;
    fn aud(&self) -> &str;
    fn iat(&self) -> u64;
    fn nbf(&self) -> u64;
    fn exp(&self) -> u64;
}

impl TokenClaims for AccessClaims {
    const AUDIENCE_IS_ISSUER: bool = false;
    fn iss(&self) -> &str {
        &self.iss
    }
    fn aud(&self) -> &str {
        &self.aud
    }
    const TYP: &'static str = ACCESS_TOKEN_TYP;
    fn iat(&self) -> u64 {
        self.iat
    }
    fn nbf(&self) -> u64 {
        self.nbf
    }
    fn exp(&self) -> u64 {
        self.exp
    }
}

impl TokenClaims for RefreshClaims {
    const AUDIENCE_IS_ISSUER: bool = true;
    fn iss(&self) -> &str {
        &self.iss
    }
    fn aud(&self) -> &str {
        &self.aud
    }
    const TYP: &'static str = REFRESH_TOKEN_TYP;
    fn iat(&self) -> u64 {
        self.iat
    }
    fn nbf(&self) -> u64 {
        self.nbf
    }
    fn exp(&self) -> u64 {
        self.exp
    }
}

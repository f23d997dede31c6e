//! Issuing and verifying access and refresh tokens with `jsonwebtoken`.
//!
//! The signature is checked by `jsonwebtoken`'s crypto; header and claims are
//! each parsed exactly once, into closed typed structs, so that a missing or
//! mistyped registered claim cannot parse at all. On top of that this module
//! enforces the size cap, the exact `alg`, `typ`, `kid` selection, refuses
//! key-reference headers, and checks `iss`, `aud` and the times against an
//! injected `now` with an explicit leeway.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Header;

use crate::algorithm::Algorithm;
use crate::claims::{ACCESS_TOKEN_TYP, AccessClaims};
use crate::config::TokenSettings;
use crate::keys::{SigningKey, VerificationKeys};
use crate::store::Subject;

/// Tokens longer than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is longer than 8 KiB")]
    TooLarge,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm is not accepted")]
    Algorithm,
    #[error("the token is not of the expected type")]
    WrongType,
    #[error("the token's header refers to keys elsewhere")]
    ForbiddenHeader,
    #[error("the token has no key id")]
    MissingKeyId,
    #[error("the token's key id is unknown")]
    UnknownKey,
    #[error("the token's signature is invalid")]
    Signature,
    #[error("the token's claims are missing or malformed")]
    Claims,
    #[error("the token's issuer is not accepted")]
    Issuer,
    #[error("the token's audience is not accepted")]
    Audience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token could not be signed")]
    Signing,
}

/// The JOSE header fields this module decides on. `alg` is compared as an
/// exact string, so `none`, `None` and `NONE` are all simply "not the
/// configured algorithm".
#[derive(serde::Deserialize)]
struct JoseHeader {
    alg: String,
    typ: Option<String>,
    kid: Option<String>,
    jku: Option<serde::de::IgnoredAny>,
    jwk: Option<serde::de::IgnoredAny>,
    x5u: Option<serde::de::IgnoredAny>,
    x5c: Option<serde::de::IgnoredAny>,
    crit: Option<serde::de::IgnoredAny>,
}

fn decode_part<T: serde::de::DeserializeOwned>(encoded: &str, invalid: TokenError) -> Result<T, TokenError> {
    let json = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| invalid)
}

/// Verifies tokens with exactly one algorithm and the configured keys.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: VerificationKeys,
    alg_name: &'static str,
    issuer: String,
    audience: String,
    leeway: u64,
}

impl TokenVerifier {
    pub fn new(settings: &TokenSettings, keys: VerificationKeys) -> Self {
        crate::crypto::install_provider();
        Self {
            alg_name: keys.algorithm().name(),
            keys,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            leeway: settings.leeway,
        }
    }

    pub fn keys(&self) -> &VerificationKeys {
        &self.keys
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The one algorithm it accepts, as JWS names it (`RS256`, `EdDSA`, `HS256`).
    pub fn algorithm_name(&self) -> &'static str {
        self.alg_name
    }

    pub fn verify_access(&self, token: &str, now: i64) -> Result<AccessClaims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: JoseHeader = decode_part(header, TokenError::Malformed)?;
        if header.alg != self.alg_name {
            return Err(TokenError::Algorithm);
        }
        if header.jku.is_some() || header.jwk.is_some() || header.x5u.is_some() || header.x5c.is_some() {
            return Err(TokenError::ForbiddenHeader);
        }
        if header.crit.is_some() {
            return Err(TokenError::Malformed);
        }
        if header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
            return Err(TokenError::WrongType);
        }
        let kid = header.kid.as_deref().ok_or(TokenError::MissingKeyId)?;
        let key = self.keys.get(kid).ok_or(TokenError::UnknownKey)?;
        let signed = &token[..token.len() - signature.len() - 1];
        match jsonwebtoken::crypto::verify(signature, signed.as_bytes(), key, self.keys.algorithm().jwt()) {
            Ok(true) => {}
            Ok(false) => return Err(TokenError::Signature),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::Base64(_)) => {
                return Err(TokenError::Malformed);
            }
            Err(_) => return Err(TokenError::Signature),
        }
        let claims: AccessClaims = decode_part(payload, TokenError::Claims)?;
        if claims.iss != self.issuer {
            return Err(TokenError::Issuer);
        }
        if claims.aud != self.audience {
            return Err(TokenError::Audience);
        }
        let now = u64::try_from(now).unwrap_or(0);
        if now >= claims.exp.saturating_add(self.leeway) {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now.saturating_add(self.leeway) || claims.iat > now.saturating_add(self.leeway) {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

/// An access token and the claims it carries.
#[derive(Debug, Clone)]
pub struct IssuedAccess {
    pub token: String,
    pub claims: AccessClaims,
}

/// Signs new access tokens with the one current signing key.
pub struct TokenIssuer {
    key: SigningKey,
    issuer: String,
    audience: String,
    access_ttl: u64,
    header: Header,
}

impl TokenIssuer {
    pub fn new(settings: &TokenSettings, key: SigningKey) -> Self {
        crate::crypto::install_provider();
        let mut header = Header::new(key.algorithm().jwt());
        header.typ = Some(ACCESS_TOKEN_TYP.to_string());
        header.kid = Some(key.kid().to_string());
        Self {
            header,
            key,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: settings.access_ttl,
        }
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }
    pub fn access_ttl(&self) -> u64 {
        self.access_ttl
    }

    pub fn issue_access(
        &self,
        subject: Subject<'_>,
        session: Option<&str>,
        scope: &str,
        now: i64,
    ) -> Result<IssuedAccess, TokenError> {
        self.issue(subject, session, &[], scope, now)
    }

    /// An access token of session `session`, whose login used the methods `amr`.
    pub fn issue_for_session(
        &self,
        subject: Subject<'_>,
        session: &str,
        amr: &[String],
        now: i64,
    ) -> Result<IssuedAccess, TokenError> {
        self.issue(subject, Some(session), amr, "", now)
    }

    fn issue(
        &self,
        subject: Subject<'_>,
        session: Option<&str>,
        amr: &[String],
        scope: &str,
        now: i64,
    ) -> Result<IssuedAccess, TokenError> {
        let iat = u64::try_from(now).unwrap_or(0);
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.user_id.to_string(),
            iat,
            nbf: iat,
            exp: iat + self.access_ttl,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            email: subject.email.to_string(),
            email_verified: Some(subject.email_verified),
            scope: scope.to_string(),
            sid: session.map(str::to_string),
            amr: (!amr.is_empty()).then(|| amr.to_vec()),
        };
        let token =
            jsonwebtoken::encode(&self.header, &claims, self.key.encoding_key()).map_err(|_| TokenError::Signing)?;
        Ok(IssuedAccess { token, claims })
    }
}

#[cfg(test)]
mod tests;

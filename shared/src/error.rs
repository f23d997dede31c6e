//! The one error type of the HTTP layer, mapped once to a status, headers and
//! the `{"error", "error_description"}` body (RFC 6749 §5.2, RFC 6750 §3).

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::password::{PasswordError, PolicyViolation};
use crate::store::StoreError;
use crate::tokens::TokenError;

/// Seconds a client should wait after a dependency failure.
pub const UNAVAILABLE_RETRY_AFTER: u64 = 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidGrant(&'static str),
    #[error("grant_type must be {0}")]
    UnsupportedGrantType(&'static str),
    #[error("Content-Type must be {0}")]
    UnsupportedMediaType(&'static str),
    #[error("the request body is larger than 16 KiB")]
    PayloadTooLarge,
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("the email address is not verified yet: open the link we mailed, or ask for a new one")]
    EmailNotVerified,
    #[error("too many attempts; try again after the time Retry-After gives")]
    TooManyAttempts { retry_after: u64 },
    #[error("a dependency is unavailable; try again shortly")]
    Unavailable,
    /// RFC 6750: no credentials at all; the challenge carries no error code.
    #[error("an access token is required")]
    MissingToken,
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    /// A cookie-authenticated request that fails the CSRF rule (`csrf`).
    #[error("refused as a possible cross-site request: {0}")]
    CsrfCheckFailed(&'static str),
    #[error("the server could not complete the request")]
    Internal,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: String,
}

impl ApiError {
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::InvalidRequest(description.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_) | Self::InvalidGrant(_) | Self::UnsupportedGrantType(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::EmailTaken => StatusCode::CONFLICT,
            Self::EmailNotVerified | Self::CsrfCheckFailed(_) => StatusCode::FORBIDDEN,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::MissingToken | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::EmailTaken => "email_taken",
            Self::EmailNotVerified => "email_not_verified",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::Unavailable => "temporarily_unavailable",
            Self::MissingToken => "unauthorized",
            Self::InvalidToken(_) => "invalid_token",
            Self::NotFound(_) => "not_found",
            Self::CsrfCheckFailed(_) => "csrf_check_failed",
            Self::Internal => "server_error",
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyAttempts { retry_after } => Some((*retry_after).max(1)),
            Self::Unavailable => Some(UNAVAILABLE_RETRY_AFTER),
            _ => None,
        }
    }

    fn challenge(&self) -> Option<String> {
        match self {
            Self::MissingToken => Some("Bearer".into()),
            Self::InvalidToken(description) => {
                Some(format!("Bearer error=\"invalid_token\", error_description=\"{description}\""))
            }
            _ => None,
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let body = ErrorBody { error: self.code(), error_description: self.to_string() };
        let mut response = crate::response::json_response(self.status(), &body);
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(challenge) = self.challenge().and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        // Errors on token endpoints must not be cached either (RFC 6749 §5.2).
        crate::response::no_store(&mut response);
        response
    }
}

impl From<crate::csrf::Refusal> for ApiError {
    fn from(refusal: crate::csrf::Refusal) -> Self {
        Self::CsrfCheckFailed(refusal.reason())
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::EmailTaken => Self::EmailTaken,
            StoreError::Unavailable(_) => Self::Unavailable,
            StoreError::Corrupt(_) => Self::Internal,
        }
    }
}

impl From<PasswordError> for ApiError {
    fn from(_: PasswordError) -> Self {
        Self::Internal
    }
}

impl From<PolicyViolation> for ApiError {
    fn from(violation: PolicyViolation) -> Self {
        Self::InvalidRequest(violation.to_string())
    }
}

impl From<TokenError> for ApiError {
    /// A token this service cannot sign is a server fault; every other token
    /// error is a client's bad token, described without revealing which check failed.
    fn from(err: TokenError) -> Self {
        match err {
            TokenError::Signing => Self::Internal,
            TokenError::Expired => Self::InvalidToken("the access token has expired"),
            _ => Self::InvalidToken("the access token is invalid"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(r.body().as_ref()).unwrap()
    }

    #[test]
    fn every_error_has_the_spec_body_and_no_store() {
        let r = ApiError::invalid_request("email is required").into_response();
        assert_eq!(r.status(), 400);
        assert_eq!(body(&r), serde_json::json!({"error": "invalid_request", "error_description": "email is required"}));
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(r.headers()["content-type"], "application/json; charset=utf-8");
    }

    #[test]
    fn unavailable_is_503_with_retry_after() {
        let r = ApiError::from(StoreError::Unavailable("throttled".into())).into_response();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "2");
        assert_eq!(body(&r)["error"], "temporarily_unavailable");
        assert!(!body(&r)["error_description"].as_str().unwrap().contains("throttled"));
    }

    #[test]
    fn throttled_logins_say_when_to_retry() {
        let r = ApiError::TooManyAttempts { retry_after: 120 }.into_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "120");
    }

    #[test]
    fn bearer_challenges_follow_rfc_6750() {
        let missing = ApiError::MissingToken.into_response();
        assert_eq!(missing.status(), 401);
        assert_eq!(missing.headers()["www-authenticate"], "Bearer");
        let bad = ApiError::from(TokenError::Signature).into_response();
        assert!(bad.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer error=\"invalid_token\""));
    }
}

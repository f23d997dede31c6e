//! Who calls a protected route. Behind the authorizer the user id is in
//! `requestContext.authorizer.lambda.sub`; invoked without one (e.g. under
//! `cargo lambda watch`) the function verifies the bearer token itself, with
//! the same code, and answers RFC 6750 401s.

use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use crate::error::ApiError;
use crate::request::bearer_token;
use crate::tokens::TokenVerifier;

/// The `sub` an authorizer in front of this function put in the context.
pub fn authorizer_subject(req: &Request) -> Option<&str> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.authorizer.as_ref()?.fields.get("sub")?.as_str(),
        _ => None,
    }
}

/// The user id: from the authorizer's context, or from the bearer token.
pub fn subject(req: &Request, verifier: &TokenVerifier, now: i64) -> Result<String, ApiError> {
    if let Some(sub) = authorizer_subject(req) {
        return Ok(sub.to_string());
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Err(ApiError::MissingToken) };
    let token = value
        .to_str()
        .ok()
        .and_then(bearer_token)
        .ok_or(ApiError::InvalidToken("the Authorization header is not a Bearer token"))?;
    Ok(verifier.verify_access(token, now)?.sub)
}

/// What a caller whose account is gone gets: its token no longer names anyone.
pub const GONE: &str = "the user no longer exists";

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

/// A signed-in caller: the user, and the session its token was issued in
/// (absent for tokens from before sessions were named).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: String,
    pub sid: Option<String>,
}

/// A field an authorizer in front of this function put in the context.
fn context_field<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.authorizer.as_ref()?.fields.get(name)?.as_str(),
        _ => None,
    }
}

/// The `sub` an authorizer in front of this function put in the context.
pub fn authorizer_subject(req: &Request) -> Option<&str> {
    context_field(req, "sub")
}

/// The caller: from the authorizer's context, or from the bearer token.
pub fn identify(req: &Request, verifier: &TokenVerifier, now: i64) -> Result<Caller, ApiError> {
    if let Some(sub) = authorizer_subject(req) {
        return Ok(Caller { user_id: sub.to_string(), sid: context_field(req, "sid").map(str::to_string) });
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Err(ApiError::MissingToken) };
    let token = value
        .to_str()
        .ok()
        .and_then(bearer_token)
        .ok_or(ApiError::InvalidToken("the Authorization header is not a Bearer token"))?;
    let claims = verifier.verify_access(token, now)?;
    Ok(Caller { user_id: claims.sub, sid: claims.sid })
}

/// The caller's user id.
pub fn subject(req: &Request, verifier: &TokenVerifier, now: i64) -> Result<String, ApiError> {
    identify(req, verifier, now).map(|caller| caller.user_id)
}

/// What a caller whose account is gone gets: its token no longer names anyone.
pub const GONE: &str = "the user no longer exists";

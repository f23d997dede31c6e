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
    /// How the session's login authenticated (`pwd`, `otp`, `mfa`, …); empty
    /// for tokens from before methods were stated.
    pub amr: Vec<String>,
}

impl Caller {
    /// Whether the session's login passed a second factor: what a route
    /// that demands one checks.
    pub fn has_second_factor(&self) -> bool {
        self.amr.iter().any(|m| matches!(m.as_str(), "otp" | "mfa" | "hwk" | "swk"))
    }
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
        let amr = context_field(req, "amr").map(|m| m.split_whitespace().map(str::to_string).collect());
        return Ok(Caller {
            user_id: sub.to_string(),
            sid: context_field(req, "sid").map(str::to_string),
            amr: amr.unwrap_or_default(),
        });
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else { return Err(ApiError::MissingToken) };
    let token = value
        .to_str()
        .ok()
        .and_then(bearer_token)
        .ok_or(ApiError::InvalidToken("the Authorization header is not a Bearer token"))?;
    let claims = verifier.verify_access(token, now)?;
    Ok(Caller { user_id: claims.sub, sid: claims.sid, amr: claims.amr.unwrap_or_default() })
}

/// The caller's user id.
pub fn subject(req: &Request, verifier: &TokenVerifier, now: i64) -> Result<String, ApiError> {
    identify(req, verifier, now).map(|caller| caller.user_id)
}

/// What a caller whose account is gone gets: its token no longer names anyone.
pub const GONE: &str = "the user no longer exists";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_factor_is_any_method_beyond_the_password() {
        let caller =
            |amr: &[&str]| Caller { user_id: "u".into(), sid: None, amr: amr.iter().map(|m| m.to_string()).collect() };
        assert!(!caller(&[]).has_second_factor());
        assert!(!caller(&["pwd"]).has_second_factor());
        assert!(caller(&["pwd", "otp"]).has_second_factor());
        assert!(caller(&["pwd", "mfa"]).has_second_factor());
        assert!(caller(&["hwk"]).has_second_factor());
    }

    #[test]
    fn behind_the_authorizer_the_methods_come_from_its_context() {
        let mut req = crate::testing::as_authorized(crate::testing::json_post("/x", &serde_json::json!({})), "u1");
        if let Some(RequestContext::ApiGatewayV2(ctx)) = req.extensions_mut().get_mut::<RequestContext>() {
            let authorizer = ctx.authorizer.as_mut().unwrap();
            authorizer.fields.insert("amr".into(), serde_json::json!("pwd otp"));
        }
        let (_, verifier) = crate::testing::tokens(crate::Algorithm::EdDSA, None);
        let found = identify(&req, &verifier, 0).unwrap();
        assert_eq!((found.user_id.as_str(), found.amr), ("u1", vec!["pwd".to_string(), "otp".to_string()]));
    }
}

//! `GET /me`: the caller's user. Behind the authorizer it reads the user id
//! from `requestContext.authorizer.lambda.sub`; invoked without one (e.g.
//! under `cargo lambda watch`) it verifies the bearer token itself with the
//! same `shared` code and answers RFC 6750 401s.

use std::sync::Arc;

use lambda_http::http::{StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use shared::request::bearer_token;
use shared::response::json_no_store;
use shared::store::{Op, Store};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, UserBody};

pub const NEEDS: Needs = Needs { keys: Keys::Verify, store: &[Op::Profile], connections: 1, other_actions: &[] };

pub struct Me<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store> Me<S> {
    pub fn new(store: S, services: &Services) -> Self {
        Self { store, verifier: services.verifier(), clock: services.clock.clone() }
    }
}

pub async fn handle<S: Store>(req: Request, deps: &Me<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(me(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

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

async fn me<S: Store>(req: &Request, deps: &Me<S>) -> Result<Response<Body>, ApiError> {
    let user_id = subject(req, &deps.verifier, deps.clock.now())?;
    let profile = deps.store.profile(&user_id).await?.ok_or(ApiError::InvalidToken("the user no longer exists"))?;
    Ok(json_no_store(StatusCode::OK, &UserBody::from(&profile)))
}

#[cfg(test)]
mod tests;

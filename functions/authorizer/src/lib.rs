//! The Lambda authorizer. One binary for every API Gateway shape, recognised
//! by the event itself:
//!
//! | event                                   | answer                                   |
//! |-----------------------------------------|------------------------------------------|
//! | HTTP API, payload 2.0 (`version: 2.0`)  | simple response `{isAuthorized, context}` |
//! | HTTP API, payload 1.0 (`version: 1.0`)  | IAM policy                               |
//! | REST API TOKEN (`type: TOKEN`)          | IAM policy, or `Unauthorized` (401)      |
//! | REST API REQUEST (`type: REQUEST`)      | IAM policy, or `Unauthorized` (401)      |
//!
//! An allowed policy covers the whole API (`<api>/<stage>/*/*`), so a cached
//! decision is valid on every route. Verification is `shared`'s; every deny
//! returns normally.

use std::borrow::Cow;
use std::sync::Arc;

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayCustomAuthorizerResponse, ApiGatewayV2CustomAuthorizerSimpleResponse,
    ApiGatewayV2CustomAuthorizerV1Request, ApiGatewayV2CustomAuthorizerV2Request,
};
use aws_lambda_events::http::HeaderMap;
use aws_lambda_events::http::Method;
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use shared::delivery::ACCESS_COOKIE;
use shared::origins::AllowedOrigins;
use shared::request::bearer_token;
use shared::{AccessClaims, Clock, Keys, Needs, Services, TokenVerifier, csrf};

mod cache;
pub use cache::DecisionCache;

/// Public keys only, no store, no AWS call.
pub const NEEDS: Needs = Needs { keys: Keys::Verify, ..Needs::NOTHING };

pub struct Authorizer {
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
    /// Whose cookie requests the CSRF rule lets through, besides the API's own origin.
    pub origins: AllowedOrigins,
    pub cache: DecisionCache,
}

impl Authorizer {
    pub fn new(services: &Services) -> Self {
        let mut authorizer = Self::with(services.verifier(), services.clock.clone());
        authorizer.origins = services.origins.clone();
        authorizer
    }

    /// No allowed origin but the API's own, and the decision cache.
    pub fn with(verifier: Arc<TokenVerifier>, clock: Arc<dyn Clock>) -> Self {
        Self { verifier, clock, origins: AllowedOrigins::default(), cache: DecisionCache::new(cache::CAPACITY) }
    }
}

/// REST APIs turn this error message into their own `401 Unauthorized`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unauthorized;

impl From<Unauthorized> for Diagnostic {
    fn from(_: Unauthorized) -> Self {
        Diagnostic { error_type: "Unauthorized".into(), error_message: "Unauthorized".into() }
    }
}

/// What the protected routes receive in `requestContext.authorizer`: strings
/// and numbers only, as API Gateway requires. Empty for a deny.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthContext {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    /// The session (token family); absent for tokens issued before sessions were named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// How the session's login authenticated, space-separated (`pwd otp`):
    /// gateway contexts hold strings, numbers and booleans, not lists. A
    /// route that demands a second factor checks for `otp` or `mfa`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amr: Option<String>,
}

impl From<AccessClaims> for AuthContext {
    fn from(c: AccessClaims) -> Self {
        Self {
            sub: Some(c.sub),
            email: Some(c.email),
            scope: Some(c.scope),
            jti: Some(c.jti),
            exp: Some(c.exp),
            sid: c.sid,
            amr: c.amr.map(|methods| methods.join(" ")),
        }
    }
}

/// Just enough of any event to tell the shapes apart.
#[derive(Deserialize)]
struct Shape<'a> {
    #[serde(borrow, default)]
    version: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
}

pub async fn handle(event: LambdaEvent<Box<RawValue>>, deps: &Authorizer) -> Result<Box<RawValue>, Unauthorized> {
    let decision = authorize(event.payload.get(), deps)?;
    Ok(raw(decision))
}

/// Our own serialisation is always valid JSON.
pub fn raw(decision: String) -> Box<RawValue> {
    RawValue::from_string(decision).unwrap_or_else(|_| deny_simple_raw())
}

fn deny_simple_raw() -> Box<RawValue> {
    RawValue::from_string(r#"{"isAuthorized":false,"context":{}}"#.into()).expect("valid JSON")
}

/// Event JSON in, decision JSON out.
pub fn authorize(event: &str, deps: &Authorizer) -> Result<String, Unauthorized> {
    verdict(event, deps).map(Verdict::render)
}

/// How the answer is shaped: by the event's kind.
#[derive(Debug)]
enum Answer {
    Simple,
    Policy { method_arn: Option<String> },
}

/// The event's kind and what its token proved, before the answer is written:
/// a check beyond the token's own (the session check) may still deny it.
#[derive(Debug)]
pub struct Verdict {
    answer: Answer,
    claims: Option<AccessClaims>,
}

impl Verdict {
    pub fn claims(&self) -> Option<&AccessClaims> {
        self.claims.as_ref()
    }

    pub fn deny(&mut self) {
        self.claims = None;
    }

    pub fn render(self) -> String {
        match self.answer {
            Answer::Simple => simple(self.claims),
            Answer::Policy { method_arn } => policy(self.claims, method_arn.as_deref()),
        }
    }
}

/// Recognises the event and verifies its token. `Unauthorized` is a REST
/// event without a token, which API Gateway answers with 401.
pub fn verdict(event: &str, deps: &Authorizer) -> Result<Verdict, Unauthorized> {
    let simple_deny = Verdict { answer: Answer::Simple, claims: None };
    let policy_deny = Verdict { answer: Answer::Policy { method_arn: None }, claims: None };
    let Ok(shape) = serde_json::from_str::<Shape>(event) else { return Ok(simple_deny) };
    let (claims, method_arn) = match (shape.version.as_deref(), shape.kind.as_deref()) {
        (Some("2.0"), _) => {
            let Ok(e) = serde_json::from_str::<ApiGatewayV2CustomAuthorizerV2Request>(event) else {
                return Ok(simple_deny);
            };
            return Ok(Verdict { answer: Answer::Simple, claims: http_v2_claims(&e, deps) });
        }
        (Some("1.0"), _) => {
            let Ok(mut e) = serde_json::from_str::<ApiGatewayV2CustomAuthorizerV1Request>(event) else {
                return Ok(policy_deny);
            };
            let found = presented(&e.headers, e.authorization_token.as_deref(), &[]);
            (decide(found, &e.http_method, &e.headers, deps), e.method_arn.take())
        }
        (_, Some("TOKEN")) => {
            let Ok(mut e) = serde_json::from_str::<ApiGatewayCustomAuthorizerRequest>(event) else {
                return Ok(policy_deny);
            };
            // A TOKEN authorizer sees one header, never a cookie.
            let token = e.authorization_token.as_deref().and_then(bearer_token).ok_or(Unauthorized)?;
            (verify(token, deps), e.method_arn.take())
        }
        (_, Some("REQUEST")) => {
            let Ok(mut e) = serde_json::from_str::<ApiGatewayCustomAuthorizerRequestTypeRequest>(event) else {
                return Ok(policy_deny);
            };
            let found = presented(&e.headers, None, &[]).ok_or(Unauthorized)?;
            let method = e.http_method.clone().unwrap_or(Method::POST);
            (decide(Some(found), &method, &e.headers, deps), e.method_arn.take())
        }
        _ => return Ok(simple_deny),
    };
    Ok(Verdict { answer: Answer::Policy { method_arn }, claims })
}

/// The decision for an HTTP API payload 2.0 event, as a simple response.
pub fn http_v2(
    event: &ApiGatewayV2CustomAuthorizerV2Request,
    deps: &Authorizer,
) -> ApiGatewayV2CustomAuthorizerSimpleResponse<AuthContext> {
    simple_response(http_v2_claims(event, deps))
}

/// What the token of an HTTP API payload 2.0 event proves, if it is valid.
pub fn http_v2_claims(event: &ApiGatewayV2CustomAuthorizerV2Request, deps: &Authorizer) -> Option<AccessClaims> {
    let identity = event.identity_source.as_ref().and_then(|s| s.first()).map(String::as_str);
    let found = presented(&event.headers, identity, &event.cookies);
    decide(found, &event.request_context.http.method, &event.headers, deps)
}

/// Where the access token came from. A cookie authenticates whatever the
/// browser sends, so it must pass the CSRF rule.
#[derive(Debug, Clone, Copy)]
enum Found<'a> {
    Bearer(&'a str),
    Cookie(&'a str),
}

/// An `Authorization` header decides whenever there is one, bearer token or
/// not: a gateway that caches decisions by that header must never cache one
/// a cookie made. Only a request without it is read for the access cookie.
fn presented<'a>(headers: &'a HeaderMap, identity: Option<&'a str>, cookies: &'a [String]) -> Option<Found<'a>> {
    match headers.get("authorization").and_then(|v| v.to_str().ok()).or(identity) {
        Some(value) => bearer_token(value).map(Found::Bearer),
        None => cookie_token(headers, cookies),
    }
}

/// The access cookie, from payload 2.0's `cookies` or a `Cookie` header.
fn cookie_token<'a>(headers: &'a HeaderMap, cookies: &'a [String]) -> Option<Found<'a>> {
    let from_headers = headers.get_all("cookie").into_iter().filter_map(|v| v.to_str().ok());
    cookies
        .iter()
        .map(String::as_str)
        .chain(from_headers)
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == ACCESS_COOKIE && !value.is_empty())
        .map(|(_, value)| Found::Cookie(value.trim()))
}

fn decide(found: Option<Found<'_>>, method: &Method, headers: &HeaderMap, deps: &Authorizer) -> Option<AccessClaims> {
    match found? {
        Found::Bearer(token) => verify(token, deps),
        Found::Cookie(token) => match csrf::check(method, headers, &deps.origins) {
            Ok(()) => verify(token, deps),
            Err(refusal) => {
                tracing::debug!(reason = refusal.reason(), "denied: a cookie request failed the CSRF check");
                None
            }
        },
    }
}

fn verify(token: &str, deps: &Authorizer) -> Option<AccessClaims> {
    let now = deps.clock.now();
    if let Some(claims) = deps.cache.lookup(token, now) {
        return Some(claims);
    }
    match deps.verifier.verify_access(token, now) {
        Ok(claims) => {
            deps.cache.insert(token, &claims, now);
            Some(claims)
        }
        Err(reason) => {
            // A deny is an answer, not an incident. At INFO, anyone with a
            // garbage token could buy log lines (and their CloudWatch bill),
            // and a deny would cost more than an allow; the gateway's access
            // log has every 403, and AWS_LAMBDA_LOG_LEVEL=debug the reasons.
            tracing::debug!(%reason, "denied");
            None
        }
    }
}

pub fn simple_response(claims: Option<AccessClaims>) -> ApiGatewayV2CustomAuthorizerSimpleResponse<AuthContext> {
    let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::<AuthContext>::default();
    response.is_authorized = claims.is_some();
    response.context = claims.map(AuthContext::from).unwrap_or_default();
    response
}

fn simple(claims: Option<AccessClaims>) -> String {
    serde_json::to_string(&simple_response(claims)).unwrap_or_else(|_| deny_simple_raw().get().to_string())
}

/// `arn:...:<api>/<stage>/<method>/<path>` → `arn:...:<api>/<stage>/*/*`.
fn whole_api(method_arn: Option<&str>) -> String {
    let mut parts = method_arn.unwrap_or_default().splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(api), Some(stage)) if api.starts_with("arn:") => format!("{api}/{stage}/*/*"),
        _ => "*".into(),
    }
}

fn policy(claims: Option<AccessClaims>, method_arn: Option<&str>) -> String {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".into()];
    statement.effect = if claims.is_some() { IamPolicyEffect::Allow } else { IamPolicyEffect::Deny };
    statement.resource = vec![whole_api(method_arn)];
    let mut document = ApiGatewayCustomAuthorizerPolicy::default();
    document.version = Some("2012-10-17".into());
    document.statement = vec![statement];
    let mut response = ApiGatewayCustomAuthorizerResponse::<AuthContext>::default();
    response.principal_id = Some(claims.as_ref().map_or_else(|| "anonymous".into(), |c| c.sub.clone()));
    response.policy_document = document;
    response.context = claims.map(AuthContext::from).unwrap_or_default();
    serde_json::to_string(&response).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests;

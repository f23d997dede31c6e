use std::collections::HashMap;

use lambda_http::http::Method;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::json;
use shared::store::{MemoryStore, Store, User};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code};
use shared::{Algorithm, Clock, ManualClock};

use super::*;

struct Fixture<S> {
    me: Me<S>,
    sessions: shared::Sessions,
    clock: ManualClock,
    user: User,
}

async fn fixture<S: Store>(store: S) -> Fixture<S> {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let user = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    Fixture { me: Me::new(store, &services), sessions: services.sessions(), clock, user }
}

fn get(authorization: Option<&str>) -> Request {
    let req = testing::request(Method::GET, "/me", None, "");
    match authorization {
        Some(value) => {
            let (mut parts, body) = req.into_parts();
            parts.headers.insert("authorization", value.parse().unwrap());
            Request::from_parts(parts, body)
        }
        None => req,
    }
}

/// The request as API Gateway forwards it after the authorizer allowed it.
fn authorized(sub: &str) -> Request {
    let req = get(None);
    let Some(RequestContext::ApiGatewayV2(mut ctx)) = req.request_context_ref().cloned() else { unreachable!() };
    let mut authorizer = lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer::default();
    authorizer.fields = HashMap::from([("sub".to_string(), json!(sub)), ("email".to_string(), json!(ADA_EMAIL))]);
    ctx.authorizer = Some(authorizer);
    req.with_request_context(RequestContext::ApiGatewayV2(ctx))
}

impl<S: Store> Fixture<S> {
    async fn send(&self, req: Request) -> Response<Body> {
        handle(req, &self.me).await.unwrap()
    }

    fn access_token(&self) -> String {
        self.sessions
            .issuer()
            .issue_access(shared::store::Subject::new(&self.user.id, ADA_EMAIL), None, "", self.clock.now())
            .unwrap()
            .token
    }
}

fn assert_user(response: &Response<Body>, user: &User) {
    assert_eq!(response.status(), 200, "{:?}", body_json(response));
    let body = body_json(response);
    assert_eq!(body["id"], user.id.as_str());
    assert_eq!(body["email"], ADA_EMAIL);
    assert_eq!(body["name"], "Ada Lovelace");
    assert_eq!(body.as_object().unwrap().len(), 6);
    assert_eq!(body["mfa"], serde_json::json!({"totp": false, "passkeys": 0}));
    assert_eq!(body["email_verified"], false);
}

async fn behind_the_authorizer_the_context_names_the_user<S: Store>(store: S) {
    let f = fixture(store).await;
    assert_user(&f.send(authorized(&f.user.id)).await, &f.user);
}

async fn without_an_authorizer_a_bearer_token_names_the_user<S: Store>(store: S) {
    let f = fixture(store).await;
    let token = f.access_token();
    assert_user(&f.send(get(Some(&format!("Bearer {token}")))).await, &f.user);
    assert_user(&f.send(get(Some(&format!("bearer {token}")))).await, &f.user);
}

async fn a_deleted_user_is_401<S: Store>(store: S) {
    let f = fixture(store).await;
    let response = f.send(authorized("no-such-user")).await;
    assert_eq!((response.status().as_u16(), error_code(&response)), (401, "invalid_token".into()));
}

shared::test_with_both_stores!(
    behind_the_authorizer_the_context_names_the_user,
    without_an_authorizer_a_bearer_token_names_the_user,
    a_deleted_user_is_401,
);

async fn memory() -> Fixture<MemoryStore> {
    fixture(MemoryStore::new()).await
}

#[tokio::test]
async fn no_authorization_header_is_401_with_a_bare_bearer_challenge() {
    let response = memory().await.send(get(None)).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

fn assert_invalid_token(response: &Response<Body>) {
    assert_eq!((response.status().as_u16(), error_code(response)), (401, "invalid_token".into()));
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer error=\"invalid_token\""), "{challenge}");
}

#[tokio::test]
async fn an_expired_token_is_401_invalid_token() {
    let f = memory().await;
    let token = f.access_token();
    f.clock.advance(900 + 30);
    assert_invalid_token(&f.send(get(Some(&format!("Bearer {token}")))).await);
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let f = memory().await;
    let pair = testing::login(&f.me.store, &f.sessions, &f.user, f.clock.now()).await;
    assert_invalid_token(&f.send(get(Some(&format!("Bearer {}", pair.refresh_token)))).await);
}

#[tokio::test]
async fn a_forged_or_garbled_token_is_401_invalid_token() {
    let f = memory().await;
    let (stranger, _) = testing::tokens(Algorithm::RS256, None);
    let forged = stranger
        .issue_access(shared::store::Subject::new(&f.user.id, ADA_EMAIL), None, "", f.clock.now())
        .unwrap()
        .token;
    for value in
        [format!("Bearer {forged}"), "Bearer not-a-jwt".into(), format!("Basic {}", f.access_token()), "Bearer".into()]
    {
        assert_invalid_token(&f.send(get(Some(&value))).await);
    }
}

#[tokio::test]
async fn a_failing_store_is_503() {
    let f = memory().await;
    f.me.store.set_unavailable(true);
    let response = f.send(authorized(&f.user.id)).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
}

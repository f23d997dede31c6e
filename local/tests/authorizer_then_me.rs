//! The authorizer's context, read by `me`, names the same user as `me` finds
//! when it verifies the same token itself.

use std::collections::HashMap;

use lambda_http::http::Method;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::{Value, json};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, sample_events};
use shared::{Clock, Endpoint};

#[tokio::test]
async fn the_authorizer_context_and_the_bearer_token_give_me_the_same_user() {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let store = shared::store::MemoryStore::new();
    let user = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let token = services
        .sessions()
        .issuer()
        .issue_access(shared::store::Subject::new(&user.id, &user.email), None, "", clock.now())
        .unwrap()
        .token;
    let me = me::Me::new(store, &services);

    // The authorizer decides on the HTTP API v2 event for this request.
    let authorizer = authorizer::Authorizer::new(&services);
    let mut event: Value = serde_json::from_str(
        &sample_events("authorizer").into_iter().find(|e| e.path.ends_with("http-v2.allow.json")).unwrap().json,
    )
    .unwrap();
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    let decision: Value =
        serde_json::from_str(&authorizer::authorize(&event.to_string(), &authorizer).unwrap()).unwrap();
    assert_eq!(decision["isAuthorized"], true);

    // API Gateway passes the context on as requestContext.authorizer.lambda.
    let req = testing::request(Method::GET, "/me", None, "");
    let Some(RequestContext::ApiGatewayV2(mut ctx)) = req.request_context_ref().cloned() else { unreachable!() };
    let mut context = lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer::default();
    context.fields = serde_json::from_value::<HashMap<String, Value>>(decision["context"].clone()).unwrap();
    ctx.authorizer = Some(context);
    let via_authorizer = me::handle(req.with_request_context(RequestContext::ApiGatewayV2(ctx)), &me).await.unwrap();

    let mut alone: Request = testing::request(Method::GET, "/me", None, "");
    alone.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    let via_token = me::handle(alone, &me).await.unwrap();

    assert_eq!(via_authorizer.status(), 200);
    assert_eq!(body_json(&via_authorizer), body_json(&via_token));
    assert_eq!(body_json(&via_token)["id"], user.id.as_str());
}

//! What API Gateway (HTTP API, payload 2.0) does in front of the functions:
//! turns an HTTP request into the Lambda's event, runs the authorizer on
//! protected routes and answers its own 401/403/404/413, and hands the
//! function's response back.

use std::collections::HashMap;
use std::net::SocketAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayV2CustomAuthorizerV2Request, ApiGatewayV2httpRequest,
    ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription,
};
use lambda_http::request::LambdaRequest;
use shared::store::Store;

use crate::app::App;
use shared::routes;

/// API Gateway's own payload limit for HTTP APIs.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

/// API Gateway's own error responses: `{"message": ...}`.
fn gateway_error(status: StatusCode, message: &str, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{{\"message\":\"{message}\"}}"))));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    add_request_id(&mut response, request_id);
    response
}

fn add_request_id(response: &mut Response<Full<Bytes>>, request_id: &str) {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("apigw-requestid", value);
    }
}

pub async fn handle<S: Store + Clone>(
    app: &App<S>,
    request: Request<Incoming>,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let (mut parts, body) = request.into_parts();
    if let Some(mut answer) = crate::cors::preflight(&parts.method, &parts.headers, &app.origins) {
        add_request_id(&mut answer, &request_id);
        return answer;
    }
    forwarded(&mut parts.headers, peer);
    let origin = parts.headers.get("origin").and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut response = route(app, parts, body, peer, request_id).await;
    if let Some(origin) = origin {
        crate::cors::decorate(&origin, &mut response, &app.origins);
    }
    response
}

/// The headers API Gateway adds to every request it forwards.
fn forwarded(headers: &mut hyper::HeaderMap, peer: SocketAddr) {
    headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    if let Ok(ip) = HeaderValue::from_str(&peer.ip().to_string()) {
        headers.insert("x-forwarded-for", ip);
    }
}

/// An HTTP API (payload 2.0) moves `Cookie` headers into the event's `cookies`.
fn take_cookies(headers: &mut hyper::HeaderMap) -> Vec<String> {
    let cookies = headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    headers.remove(hyper::header::COOKIE);
    cookies
}

async fn route<S: Store + Clone>(
    app: &App<S>,
    mut parts: hyper::http::request::Parts,
    body: Incoming,
    peer: SocketAddr,
    request_id: String,
) -> Response<Full<Bytes>> {
    if parts.method == hyper::Method::GET && parts.uri.path() == crate::openapi::PATH {
        let mut response = Response::new(Full::new(Bytes::from(app.openapi.clone())));
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return response;
    }
    if let (true, Some(outbox)) = (parts.method == hyper::Method::GET, &app.outbox) {
        let page = match parts.uri.path() {
            crate::outbox::PAGE => Some(("text/html; charset=utf-8", crate::outbox::page(outbox))),
            crate::outbox::JSON => Some(("application/json", crate::outbox::json(outbox))),
            _ => None,
        };
        if let Some((content_type, body)) = page {
            let mut response = Response::new(Full::new(Bytes::from(body)));
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            response.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
            return response;
        }
    }
    if parts.method == hyper::Method::GET
        && let Some(mut page) = crate::web::file(parts.uri.path()).or_else(|| crate::docs::file(parts.uri.path()))
    {
        add_request_id(&mut page, &request_id);
        return page;
    }
    let Some((route, parameters)) = routes::resolve(parts.method.as_str(), parts.uri.path()) else {
        return gateway_error(StatusCode::NOT_FOUND, "Not Found", &request_id);
    };
    let Ok(body) = Limited::new(body, MAX_PAYLOAD).collect().await.map(|b| b.to_bytes()) else {
        return gateway_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large", &request_id);
    };

    let route_key = format!("{} {}", route.method, route.path);
    let now = time::OffsetDateTime::now_utc();
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = parts.method.clone();
    http.path = Some(parts.uri.path().to_string());
    http.protocol = Some(format!("{:?}", parts.version));
    http.source_ip = Some(peer.ip().to_string());
    http.user_agent = parts.headers.get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string);
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route_key.clone());
    context.account_id = Some("000000000000".into());
    context.apiid = Some("local".into());
    context.stage = Some("$default".into());
    context.request_id = Some(request_id.clone());
    context.domain_name = parts.headers.get("host").and_then(|v| v.to_str().ok()).map(str::to_string);
    context.domain_prefix = Some("local".into());
    context.time = now.format(&time::format_description::well_known::Rfc2822).ok();
    context.time_epoch = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    context.http = http;

    let cookies = take_cookies(&mut parts.headers);
    if route.protected {
        match authorize(app, &parts, &cookies, &route_key, &context).await {
            Authorization::Missing => return gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized", &request_id),
            Authorization::Denied => return gateway_error(StatusCode::FORBIDDEN, "Forbidden", &request_id),
            Authorization::Allowed(fields) => {
                let mut authorizer = ApiGatewayRequestAuthorizer::default();
                authorizer.fields = fields;
                context.authorizer = Some(authorizer);
            }
        }
    }

    let mut event = ApiGatewayV2httpRequest::default();
    event.version = Some("2.0".into());
    event.route_key = Some(route_key);
    event.raw_path = Some(parts.uri.path().to_string());
    event.raw_query_string = Some(parts.uri.query().unwrap_or_default().to_string());
    event.query_string_parameters = parts.uri.query().unwrap_or_default().parse().unwrap_or_default();
    event.headers = parts.headers;
    event.cookies = (!cookies.is_empty()).then_some(cookies);
    event.path_parameters = parameters.into_iter().map(|(name, value)| (name.to_string(), value)).collect();
    event.request_context = context;
    if !body.is_empty() {
        // Like API Gateway: text as is, anything else base64-encoded.
        match std::str::from_utf8(&body) {
            Ok(text) => event.body = Some(text.to_string()),
            Err(_) => {
                event.body = Some(STANDARD.encode(&body));
                event.is_base64_encoded = true;
            }
        }
    }
    let response = app.invoke(route.function, LambdaRequest::ApiGatewayV2(event).into()).await;
    into_hyper(response, &request_id)
}

enum Authorization {
    Missing,
    Denied,
    Allowed(HashMap<String, serde_json::Value>),
}

/// The authorizer, invoked as the gateway invokes it, with a payload 2.0
/// event and no decision cache of the gateway's own (a TTL of 0). With
/// neither an `Authorization` header nor the access cookie there is nothing
/// to check: 401, as a gateway whose identity source is missing answers.
async fn authorize<S: Store + Clone>(
    app: &App<S>,
    parts: &hyper::http::request::Parts,
    cookies: &[String],
    route_key: &str,
    context: &ApiGatewayV2httpRequestContext,
) -> Authorization {
    let identity = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
    let access_cookie = format!("{}=", shared::delivery::ACCESS_COOKIE);
    if identity.is_none() && !cookies.iter().any(|c| c.starts_with(&access_cookie)) {
        return Authorization::Missing;
    }
    let mut event = ApiGatewayV2CustomAuthorizerV2Request::default();
    event.version = Some("2.0".into());
    event.type_ = Some("REQUEST".into());
    event.route_arn =
        Some(format!("arn:aws:execute-api:local:000000000000:local/$default/{}", route_key.replace(' ', "")));
    event.identity_source = Some(identity.map(str::to_string).into_iter().collect());
    event.cookies = cookies.to_vec();
    event.route_key = Some(route_key.to_string());
    event.raw_path = Some(parts.uri.path().to_string());
    event.raw_query_string = Some(parts.uri.query().unwrap_or_default().to_string());
    event.headers = parts.headers.clone();
    event.request_context = context.clone();
    let decision = session_authorizer::http_v2(&event, &app.authorizer).await;
    if !decision.is_authorized {
        return Authorization::Denied;
    }
    match serde_json::to_value(decision.context) {
        Ok(serde_json::Value::Object(fields)) => Authorization::Allowed(fields.into_iter().collect()),
        _ => Authorization::Denied,
    }
}

fn into_hyper(response: lambda_http::Response<lambda_http::Body>, request_id: &str) -> Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Text(text) => Bytes::from(text),
        lambda_http::Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    let mut response = Response::from_parts(parts, Full::new(bytes));
    add_request_id(&mut response, request_id);
    response
}

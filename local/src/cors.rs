//! CORS as API Gateway answers it for an HTTP API whose `CorsConfiguration`
//! has `CORS_ALLOW_ORIGINS` and the settings of `shared::origins`: the
//! gateway itself answers preflights (`OPTIONS` with
//! `Access-Control-Request-Method`), and adds the allow headers to every
//! other answer to an allowed origin. An origin it does not allow gets no
//! `Access-Control-Allow-Origin`, so the browser withholds the answer.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode};
use shared::origins::{ALLOW_HEADERS, ALLOW_METHODS, AllowedOrigins, EXPOSE_HEADERS, MAX_AGE_SECONDS};

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get("origin").and_then(|v| v.to_str().ok())
}

/// The gateway's own answer to a preflight, or `None` for any other request.
pub fn preflight(method: &Method, headers: &HeaderMap, allowed: &AllowedOrigins) -> Option<Response<Full<Bytes>>> {
    if method != Method::OPTIONS || !headers.contains_key("access-control-request-method") {
        return None;
    }
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    if let Some(allow) = origin(headers).and_then(|o| allowed.allow_origin(o)) {
        let h = response.headers_mut();
        insert(h, "access-control-allow-origin", &allow);
        insert(h, "access-control-allow-methods", &ALLOW_METHODS.join(","));
        insert(h, "access-control-allow-headers", &ALLOW_HEADERS.join(","));
        insert(h, "access-control-max-age", &MAX_AGE_SECONDS.to_string());
        if allowed.credentials() {
            insert(h, "access-control-allow-credentials", "true");
        }
    }
    Some(response)
}

/// The headers API Gateway adds to an answer for a request from `origin`, when it is allowed.
pub fn decorate(origin: &str, response: &mut Response<Full<Bytes>>, allowed: &AllowedOrigins) {
    let Some(allow) = allowed.allow_origin(origin) else { return };
    let h = response.headers_mut();
    insert(h, "access-control-allow-origin", &allow);
    insert(h, "access-control-expose-headers", &EXPOSE_HEADERS.join(","));
    if allowed.credentials() {
        insert(h, "access-control-allow-credentials", "true");
    }
    h.append("vary", HeaderValue::from_static("origin"));
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

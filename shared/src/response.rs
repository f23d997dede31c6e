//! Building responses: JSON bodies, the no-store headers of anything that
//! carries a credential, and empty answers. Below the error type, which uses
//! it; it uses nothing of the request half.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    // Serialising our own plain structs cannot fail.
    let json = serde_json::to_string(body).unwrap_or_else(|_| "{}".into());
    text_response(status, JSON_CONTENT_TYPE, json)
}

/// Every body this service sends goes through here, with its media type and
/// `nosniff`, so no browser ever renders an answer as something else.
pub fn text_response(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// RFC 6749 §5.1: responses carrying tokens or credentials are never cached.
pub fn no_store(response: &mut Response<Body>) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// A JSON body that must not be cached: tokens, a user, an error.
pub fn json_no_store<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    let mut response = json_response(status, body);
    no_store(&mut response);
    response
}

pub fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    no_store(&mut response);
    response
}

/// `202 {}`: the same answer whatever was, or was not, done.
pub fn accepted() -> Response<Body> {
    json_no_store(StatusCode::ACCEPTED, &serde_json::json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_content_is_not_cacheable() {
        let r = no_content();
        assert_eq!(r.status(), 204);
        assert_eq!(r.headers()["pragma"], "no-cache");
    }

    #[test]
    fn a_no_store_json_body_carries_both_cache_headers_and_the_media_type() {
        let r = json_no_store(StatusCode::OK, &serde_json::json!({"a": 1}));
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(r.headers()["pragma"], "no-cache");
        assert_eq!(r.headers()["content-type"], JSON_CONTENT_TYPE);
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(no_content().headers()["x-content-type-options"], "nosniff");
    }
}

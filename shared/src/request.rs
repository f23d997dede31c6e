//! Reading requests: body size and media-type rules, JSON and OAuth2 form
//! bodies, the `grant_type` check and bearer tokens.

use lambda_http::http::header;
use lambda_http::{Body, Request};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub const MAX_BODY_BYTES: usize = 16 * 1024;
const FORM: &str = "application/x-www-form-urlencoded";

/// The body formats an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepts {
    Json,
    JsonOrForm,
    /// An OAuth 2.0 endpoint's form only (RFC 6749 §3.2).
    Form,
}

impl Accepts {
    fn describe(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::JsonOrForm => "application/json or application/x-www-form-urlencoded",
            Self::Form => FORM,
        }
    }
}

/// A request body that passed the size and media-type checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestBody<'a> {
    Json(&'a [u8]),
    Form(&'a [u8]),
}

pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// Checks size first (413), then the media type (415), then emptiness and
/// UTF-8 (400): a body that is not text is refused, never decoded lossily.
pub fn read_body(req: &Request, accepts: Accepts) -> Result<RequestBody<'_>, ApiError> {
    let bytes = body_bytes(req);
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let unsupported = || ApiError::UnsupportedMediaType(accepts.describe());
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).ok_or_else(unsupported)?;
    let mut parts = content_type.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default().to_ascii_lowercase();
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
            && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(unsupported());
        }
    }
    let body = match essence.as_str() {
        "application/json" if accepts != Accepts::Form => RequestBody::Json(bytes),
        FORM if accepts != Accepts::Json => RequestBody::Form(bytes),
        _ => return Err(unsupported()),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_request("the request body is empty"));
    }
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::invalid_request("the request body is not UTF-8"));
    }
    Ok(body)
}

/// serde's message for a field, without the value it was given: only the
/// field's name and what the schema expected, never the client's input.
fn describe(message: &str) -> String {
    if message.starts_with("missing field") || message.starts_with("duplicate field") {
        return message.to_string();
    }
    match message.split_once(", expected ") {
        Some((_, expected)) => format!("invalid value, expected {expected}"),
        None => "invalid value".to_string(),
    }
}

/// Parses JSON, naming the offending field in the error. Unknown fields are
/// ignored so clients can send more than this version knows about.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is an object; serde would also fill a struct from an array,
    // field by field, so `[""]` would pass for `{"refresh_token": ""}`.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid_request("invalid JSON body: must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        if !err.inner().is_data() {
            return ApiError::invalid_request("invalid JSON body: not well-formed JSON");
        }
        let message = err.inner().to_string();
        let message = describe(message.rfind(" at line ").map_or(message.as_str(), |i| &message[..i]));
        if path == "." || message.starts_with("missing field") {
            ApiError::invalid_request(format!("invalid JSON body: {message}"))
        } else {
            ApiError::invalid_request(format!("{path}: {message}"))
        }
    })
}

/// Parses an OAuth2 form body. Repeated parameters are refused (RFC 6749 §3.1),
/// and so is a percent-encoded value that is not UTF-8.
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text_only = bytes.split(|&b| b == b'&' || b == b'=').all(|part| {
        let part: Vec<u8> = part.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        percent_encoding::percent_decode(&part).decode_utf8().is_ok()
    });
    if !text_only {
        return Err(ApiError::invalid_request("invalid form body: a value is not UTF-8"));
    }
    serde_urlencoded::from_bytes(bytes)
        .map_err(|err| ApiError::invalid_request(format!("invalid form body: {}", describe(&err.to_string()))))
}

/// The JSON body of an endpoint that takes nothing else.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    match read_body(req, Accepts::Json)? {
        RequestBody::Json(bytes) | RequestBody::Form(bytes) => parse_json(bytes),
    }
}

/// RFC 6749 §4.3 and §6: an OAuth2 form names its grant, and only `expected` is served here.
pub fn require_grant(grant_type: Option<&str>, expected: &'static str) -> Result<(), ApiError> {
    match grant_type {
        None => Err(ApiError::invalid_request("grant_type is required")),
        Some(given) if given == expected => Ok(()),
        Some(_) => Err(ApiError::UnsupportedGrantType(expected)),
    }
}

/// The client's address as API Gateway saw it (`requestContext`'s `sourceIp`).
pub fn source_ip(req: &Request) -> Option<&str> {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    let ip = match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.as_deref(),
        RequestContext::ApiGatewayV1(ctx) => ctx.identity.source_ip.as_deref(),
        _ => None,
    }?;
    // An address has no `#`: it cannot reach into another counter's key.
    (!ip.is_empty() && ip.len() <= 45 && ip.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':'))
        .then_some(ip)
}

/// The value of cookie `name` (the first, if sent twice).
pub fn cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The value of header `name`, as text.
pub fn header_text<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// The token of an `Authorization: Bearer ...` value; the scheme is case-insensitive.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim_start();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(char::is_whitespace))
        .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn request(content_type: Option<&str>, body: impl Into<Body>) -> Request {
        let mut builder = lambda_http::http::Request::builder().method("POST").uri("/x");
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(body.into()).unwrap()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Login {
        email: String,
        password: String,
    }

    #[test]
    fn json_with_a_utf8_charset_is_accepted() {
        let req = request(Some("Application/JSON; charset=UTF-8"), "{\"email\":\"a\",\"password\":\"b\"}");
        assert!(matches!(read_body(&req, Accepts::Json), Ok(RequestBody::Json(_))));
    }

    #[test]
    fn another_charset_is_unsupported() {
        let req = request(Some("application/json; charset=latin1"), "{}");
        assert_eq!(read_body(&req, Accepts::Json).unwrap_err().status(), 415);
    }

    #[test]
    fn a_missing_content_type_is_415() {
        assert_eq!(read_body(&request(None, "{}"), Accepts::Json).unwrap_err().status(), 415);
    }

    #[test]
    fn a_form_body_is_415_where_only_json_is_taken() {
        let req = request(Some("application/x-www-form-urlencoded"), "a=b");
        assert_eq!(read_body(&req, Accepts::Json).unwrap_err().status(), 415);
        assert!(matches!(read_body(&req, Accepts::JsonOrForm), Ok(RequestBody::Form(_))));
    }

    #[test]
    fn a_body_over_16_kib_is_413_before_its_type_is_looked_at() {
        let req = request(Some("text/plain"), "x".repeat(MAX_BODY_BYTES + 1));
        assert_eq!(read_body(&req, Accepts::Json).unwrap_err(), ApiError::PayloadTooLarge);
        let exact = request(Some("application/json"), format!("\"{}\"", "x".repeat(MAX_BODY_BYTES - 2)));
        assert!(read_body(&exact, Accepts::Json).is_ok());
    }

    #[test]
    fn an_empty_body_is_invalid_request() {
        let err = read_body(&request(Some("application/json"), Body::Empty), Accepts::Json).unwrap_err();
        assert_eq!(err.code(), "invalid_request");
    }

    #[test]
    fn a_missing_field_is_named() {
        let err = parse_json::<Login>(b"{\"email\":\"a\"}").unwrap_err();
        assert_eq!(err, ApiError::invalid_request("invalid JSON body: missing field `password`"));
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named() {
        let err = parse_json::<Login>(b"{\"email\":5,\"password\":\"b\"}").unwrap_err();
        assert_eq!(err.to_string(), "email: invalid value, expected a string");
    }

    #[test]
    fn error_descriptions_never_echo_the_input() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        enum Scope {
            #[serde(rename = "local")]
            Local,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Body {
            scope: Scope,
        }
        let probe = "<script>alert(1)</script>";
        for body in [
            format!("{{\"scope\":\"{probe}\"}}"),
            format!("{{\"scope\":{{\"{probe}\":1}}}}"),
            format!("{{\"{probe}\""),
            format!("[\"{probe}\"]"),
        ] {
            let err = parse_json::<Body>(body.as_bytes()).unwrap_err();
            assert!(!err.to_string().contains("alert"), "{err}");
        }
        let err = parse_form::<Login>(format!("email={probe}&password=1&password=2").as_bytes()).unwrap_err();
        assert!(!err.to_string().contains("alert"), "{err}");
    }

    #[test]
    fn a_body_that_is_not_utf8_is_refused_raw_or_percent_encoded() {
        let raw = request(Some("application/x-www-form-urlencoded"), Body::Binary(b"email=a\xff&password=b".to_vec()));
        assert_eq!(read_body(&raw, Accepts::JsonOrForm).unwrap_err().code(), "invalid_request");
        let encoded = parse_form::<Login>(b"email=a%FF&password=b").unwrap_err();
        assert_eq!(encoded.to_string(), "invalid form body: a value is not UTF-8");
        let fine: Login = parse_form(b"email=caf%C3%A9+au+lait&password=b").unwrap();
        assert_eq!(fine.email, "café au lait");
    }

    #[test]
    fn invalid_utf8_inside_json_is_invalid_request() {
        let err = parse_json::<Login>(b"{\"email\":\"\xff\",\"password\":\"b\"}").unwrap_err();
        assert_eq!(err.code(), "invalid_request");
    }

    #[test]
    fn an_array_or_a_scalar_is_no_body_even_when_serde_would_read_it_field_by_field() {
        for body in ["[\"a\", \"b\"]", " [\"\"]", "\"a\"", "5", "null"] {
            let err = parse_json::<Login>(body.as_bytes()).unwrap_err();
            assert_eq!(err, ApiError::invalid_request("invalid JSON body: must be a JSON object"), "{body}");
        }
    }

    #[test]
    fn unknown_json_fields_are_ignored() {
        let login: Login = parse_json(b"{\"email\":\"a\",\"password\":\"b\",\"remember\":true}").unwrap();
        assert_eq!(login.email, "a");
    }

    #[test]
    fn a_repeated_form_parameter_is_refused() {
        let err = parse_form::<Login>(b"email=a&password=b&password=c").unwrap_err();
        assert_eq!(err.code(), "invalid_request");
    }

    #[test]
    fn cookies_are_found_by_exact_name_in_any_cookie_header() {
        let mut req = request(None, "");
        req.headers_mut().append("cookie", "a=1; __Host-device=dv1.x.y".parse().unwrap());
        req.headers_mut().append("cookie", "b=2".parse().unwrap());
        assert_eq!(cookie(&req, "__Host-device"), Some("dv1.x.y"));
        assert_eq!(cookie(&req, "b"), Some("2"));
        assert_eq!(cookie(&req, "device"), None);
    }

    #[test]
    fn the_source_address_comes_from_the_request_context_and_must_look_like_one() {
        use lambda_http::RequestExt;
        let context = |ip: &str| {
            let mut http =
                lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContextHttpDescription::default();
            http.source_ip = Some(ip.into());
            let mut ctx = lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
            ctx.http = http;
            lambda_http::request::RequestContext::ApiGatewayV2(ctx)
        };
        let with = |ip: &str| request(None, "").with_request_context(context(ip));
        assert_eq!(source_ip(&with("203.0.113.9")).map(str::to_string), Some("203.0.113.9".into()));
        assert_eq!(source_ip(&with("2001:db8::1")).map(str::to_string), Some("2001:db8::1".into()));
        assert_eq!(source_ip(&with("1.2.3.4#SIGNUP#x")), None);
        assert_eq!(source_ip(&request(None, "")), None);
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_other_schemes_are_not_bearer() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bEaReR   abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer a b"), None);
        assert_eq!(bearer_token("abc"), None);
    }

    #[test]
    fn a_json_only_endpoint_reads_its_body_in_one_call() {
        let login: Login =
            json_body(&request(Some("application/json"), "{\"email\":\"a\",\"password\":\"b\"}")).unwrap();
        assert_eq!(login.password, "b");
        let form = request(Some("application/x-www-form-urlencoded"), "email=a&password=b");
        assert_eq!(json_body::<Login>(&form).unwrap_err().status(), 415);
    }

    #[test]
    fn the_grant_type_must_be_present_and_the_served_one() {
        assert_eq!(require_grant(Some("password"), "password"), Ok(()));
        assert_eq!(require_grant(None, "password").unwrap_err().code(), "invalid_request");
        assert_eq!(
            require_grant(Some("client_credentials"), "password"),
            Err(ApiError::UnsupportedGrantType("password"))
        );
    }
}

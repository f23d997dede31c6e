//! Where the tokens travel: in the JSON body (the default), or, when the
//! request says `X-Token-Delivery: cookie`, in cookies that scripts cannot
//! read, with the body holding only the lifetimes. The access cookie goes to
//! every route (`__Host-`, `Path=/`); the refresh cookie only to the two routes
//! that read it, `/refresh` and `/logout`, one cookie for each path.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;

use crate::bodies::TokenPair;
use crate::csrf;
use crate::error::ApiError;
use crate::origins::AllowedOrigins;
use crate::request::cookie;
use crate::response::json_no_store;

pub const HEADER: &str = "x-token-delivery";
pub const ACCESS_COOKIE: &str = "__Host-access_token";
pub const REFRESH_COOKIE: &str = "__Secure-refresh_token";
/// The only routes a browser sends the refresh cookie to.
pub const REFRESH_PATHS: [&str; 2] = ["/refresh", "/logout"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Body,
    Cookies,
}

/// TOKENS as the body carries it: whole, or without the token strings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum TokensBody {
    Tokens(TokenPair),
    Lifetimes { token_type: &'static str, expires_in: u64, refresh_expires_in: u64 },
}

impl Delivery {
    /// What the request asks for; anything but `cookie` in the header is a mistake worth saying.
    pub fn requested(req: &Request) -> Result<Self, ApiError> {
        match req.headers().get(HEADER).map(|v| v.to_str().map(str::trim)) {
            None => Ok(Self::Body),
            Some(Ok(v)) if v.eq_ignore_ascii_case("cookie") => Ok(Self::Cookies),
            Some(_) => Err(ApiError::invalid_request("X-Token-Delivery: the only value is cookie")),
        }
    }

    pub fn body(self, tokens: TokenPair) -> TokensBody {
        match self {
            Self::Body => TokensBody::Tokens(tokens),
            Self::Cookies => TokensBody::Lifetimes {
                token_type: tokens.token_type,
                expires_in: tokens.expires_in,
                refresh_expires_in: tokens.refresh_expires_in,
            },
        }
    }

    /// TOKENS as the client asked for them, never cached.
    pub fn respond(self, status: StatusCode, tokens: TokenPair) -> Response<Body> {
        let mut response = json_no_store(status, &self.body(tokens.clone()));
        self.set_cookies(&mut response, &tokens);
        response
    }

    /// Adds the cookies to a response built from [`Delivery::body`].
    pub fn set_cookies(self, response: &mut Response<Body>, tokens: &TokenPair) {
        if self == Self::Cookies {
            append(response, &cookie_line(ACCESS_COOKIE, &tokens.access_token, "/", tokens.expires_in));
            for path in REFRESH_PATHS {
                append(response, &cookie_line(REFRESH_COOKIE, &tokens.refresh_token, path, tokens.refresh_expires_in));
            }
        }
    }
}

/// Expires both cookies (a logout, a deleted account).
pub fn clear_cookies(response: &mut Response<Body>) {
    append(response, &cookie_line(ACCESS_COOKIE, "", "/", 0));
    for path in REFRESH_PATHS {
        append(response, &cookie_line(REFRESH_COOKIE, "", path, 0));
    }
}

/// The refresh token a browser sent in its cookie.
pub fn refresh_cookie(req: &Request) -> Option<&str> {
    cookie(req, REFRESH_COOKIE).filter(|v| !v.is_empty())
}

/// A refresh token, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    Body(String),
    /// Cookies authenticate any request the browser sends, so this one has
    /// passed the CSRF check.
    Cookie(String),
}

impl Presented {
    pub fn token(&self) -> &str {
        match self {
            Self::Body(t) | Self::Cookie(t) => t,
        }
    }

    /// A browser that sent the cookie gets its answer in cookies too.
    pub fn delivery(&self, requested: Delivery) -> Delivery {
        match self {
            Self::Body(_) => requested,
            Self::Cookie(_) => Delivery::Cookies,
        }
    }
}

/// The refresh token of the body, else of the cookie.
pub fn presented_refresh(
    req: &Request,
    in_body: Option<String>,
    origins: &AllowedOrigins,
) -> Result<Presented, ApiError> {
    if let Some(token) = in_body {
        return Ok(Presented::Body(token));
    }
    let token = refresh_cookie(req).ok_or_else(|| ApiError::invalid_request("refresh_token is required"))?;
    csrf::check(req.method(), req.headers(), origins).inspect_err(|refusal| {
        tracing::warn!(reason = refusal.reason(), "refresh cookie refused by the CSRF check");
    })?;
    Ok(Presented::Cookie(token.to_string()))
}

fn cookie_line(name: &str, value: &str, path: &str, max_age: u64) -> String {
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict")
}

fn append(response: &mut Response<Body>, line: &str) {
    // Token strings are base64url and dots: always a valid header value.
    if let Ok(value) = HeaderValue::from_str(line) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::request;
    use lambda_http::http::Method;

    fn tokens() -> TokenPair {
        TokenPair {
            access_token: "eyJ.a.b".into(),
            token_type: "Bearer",
            expires_in: 900,
            refresh_token: "rt1.x.y".into(),
            refresh_expires_in: 2_592_000,
        }
    }

    fn asking(value: Option<&str>) -> Result<Delivery, ApiError> {
        let mut req = request(Method::POST, "/login", None, "");
        if let Some(v) = value {
            req.headers_mut().insert(HEADER, v.parse().unwrap());
        }
        Delivery::requested(&req)
    }

    #[test]
    fn cookies_are_opted_into_by_header_and_anything_else_is_refused() {
        assert_eq!(asking(None).unwrap(), Delivery::Body);
        assert_eq!(asking(Some("Cookie")).unwrap(), Delivery::Cookies);
        assert_eq!(asking(Some("body")).unwrap_err().code(), "invalid_request");
    }

    #[test]
    fn a_cookie_body_carries_the_lifetimes_and_no_token_string() {
        let json = serde_json::to_value(Delivery::Cookies.body(tokens())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"token_type": "Bearer", "expires_in": 900, "refresh_expires_in": 2_592_000})
        );
        let json = serde_json::to_value(Delivery::Body.body(tokens())).unwrap();
        assert_eq!(json["access_token"], "eyJ.a.b");
    }

    #[test]
    fn the_cookies_are_http_only_secure_strict_and_the_refresh_one_reaches_two_routes_only() {
        let mut response = Response::new(Body::Empty);
        Delivery::Cookies.set_cookies(&mut response, &tokens());
        let lines: Vec<&str> = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(
            lines,
            [
                "__Host-access_token=eyJ.a.b; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict",
                "__Secure-refresh_token=rt1.x.y; Path=/refresh; Max-Age=2592000; HttpOnly; Secure; SameSite=Strict",
                "__Secure-refresh_token=rt1.x.y; Path=/logout; Max-Age=2592000; HttpOnly; Secure; SameSite=Strict",
            ]
        );
        let mut body_only = Response::new(Body::Empty);
        Delivery::Body.set_cookies(&mut body_only, &tokens());
        assert!(body_only.headers().get("set-cookie").is_none());
    }

    #[test]
    fn clearing_expires_every_cookie_on_its_path() {
        let mut response = Response::new(Body::Empty);
        clear_cookies(&mut response);
        let lines: Vec<&str> = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.contains("=; ") && l.contains("Max-Age=0")));
    }
}

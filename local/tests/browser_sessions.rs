//! Cookie sessions over real HTTP against `local-api`: tokens delivered in
//! cookies on request, the CSRF rule at the functions and at the authorizer,
//! and CORS answered as an HTTP API with the same configuration answers.

mod support;

use hyper::Method;
use serde_json::{Value, json};
use support::{Reply, Server};

const PASSWORD: &str = "correct horse battery staple";
const APP: &str = "http://app.example.test:8080";
const ACCESS: &str = "__Host-access_token";
const REFRESH: &str = "__Secure-refresh_token";

fn email() -> String {
    format!("browser-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// `name=value` of the `Set-Cookie` line for `name` on `path`.
fn cookie(reply: &Reply, name: &str, path: &str) -> Option<(String, String)> {
    reply.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|line| {
        let (pair, attributes) = line.split_once(';')?;
        let (n, value) = pair.split_once('=')?;
        (n == name && attributes.contains(&format!("Path={path};"))).then(|| (value.to_string(), line.to_string()))
    })
}

struct Browser {
    access: String,
    refresh: String,
}

impl Browser {
    fn from(reply: &Reply) -> Self {
        let (access, line) = cookie(reply, ACCESS, "/").expect("an access cookie");
        for flag in ["HttpOnly", "Secure", "SameSite=Strict"] {
            assert!(line.contains(flag), "{line}");
        }
        let (refresh, _) = cookie(reply, REFRESH, "/refresh").expect("a refresh cookie for /refresh");
        assert_eq!(cookie(reply, REFRESH, "/logout").map(|c| c.0), Some(refresh.clone()), "and for /logout");
        let body = reply.json();
        assert!(body.get("access_token").is_none() && body.get("refresh_token").is_none(), "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_in"].as_u64().is_some() && body["refresh_expires_in"].as_u64().is_some());
        Self { access, refresh }
    }

    /// What a browser sends to `path`: the access cookie everywhere, the refresh cookie only where its path matches.
    fn cookies_for(&self, path: &str) -> String {
        let mut line = format!("{ACCESS}={}", self.access);
        if path == "/refresh" || path == "/logout" {
            line.push_str(&format!("; {REFRESH}={}", self.refresh));
        }
        line
    }

    async fn send(&self, api: &Server, method: Method, path: &str, extra: &[(&str, &str)], body: Value) -> Reply {
        let cookies = self.cookies_for(path);
        let mut headers = vec![("cookie", cookies.as_str()), ("content-type", "application/json")];
        headers.extend_from_slice(extra);
        let body = if body.is_null() { String::new() } else { body.to_string() };
        api.send(method, path, &headers, body).await
    }
}

const CSRF: (&str, &str) = ("x-csrf-protection", "1");
const COOKIES: (&str, &str) = ("x-token-delivery", "cookie");

async fn login(api: &Server, address: &str) -> Browser {
    let body = json!({"email": address, "password": PASSWORD}).to_string();
    let reply = api.send(Method::POST, "/login", &[("content-type", "application/json"), COOKIES], body).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    Browser::from(&reply)
}

async fn signup(api: &Server) -> (String, Browser) {
    let address = email();
    let body = json!({"email": address, "password": PASSWORD}).to_string();
    let reply = api.send(Method::POST, "/signup", &[("content-type", "application/json"), COOKIES], body).await;
    assert_eq!(reply.status, 201, "{:?}", reply.json());
    assert_eq!(reply.json()["user"]["email"], address.as_str());
    (address, Browser::from(&reply))
}

fn assert_csrf_refused(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 403, "{what}: {:?}", reply.json());
    assert_eq!(reply.code(), "csrf_check_failed", "{what}");
}

fn start() -> Server {
    Server::start(&[], &[("CORS_ALLOW_ORIGINS", APP)])
}

#[tokio::test]
async fn a_cookie_session_logs_in_reads_me_refreshes_and_logs_out_without_a_token_in_any_body() {
    let api = start();
    let (address, browser) = signup(&api).await;
    let me = browser.send(&api, Method::GET, "/me", &[], Value::Null).await;
    assert_eq!((me.status.as_u16(), me.json()["email"].clone()), (200, json!(address)));

    let refreshed = browser.send(&api, Method::POST, "/refresh", &[CSRF], Value::Null).await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.json());
    let browser = Browser::from(&refreshed);
    assert_eq!(browser.send(&api, Method::GET, "/me", &[], Value::Null).await.status, 200);

    let out = browser.send(&api, Method::POST, "/logout", &[CSRF], Value::Null).await;
    assert_eq!(out.status, 204);
    let cleared = cookie(&out, ACCESS, "/").expect("the access cookie is cleared");
    assert!(cleared.0.is_empty() && cleared.1.contains("Max-Age=0"));
    assert!(cookie(&out, REFRESH, "/refresh").is_some_and(|c| c.0.is_empty()));
    let again = browser.send(&api, Method::POST, "/refresh", &[CSRF], Value::Null).await;
    assert_eq!((again.status.as_u16(), again.code()), (400, "invalid_grant".to_string()));
    assert!(cookie(&again, REFRESH, "/refresh").is_some_and(|c| c.0.is_empty()), "a refused cookie is cleared");

    let second = login(&api, &address).await;
    let global = second.send(&api, Method::POST, "/logout", &[CSRF], json!({"scope": "global"})).await;
    assert_eq!(global.status, 204);
}

#[tokio::test]
async fn the_refresh_and_logout_cookies_need_the_csrf_header_and_a_same_site_origin() {
    let api = start();
    let (_, mut browser) = signup(&api).await;
    let cases: [(&str, Vec<(&str, &str)>); 3] = [
        ("no CSRF header", vec![]),
        ("a foreign origin", vec![CSRF, ("origin", "https://evil.example")]),
        ("a cross-site fetch", vec![CSRF, ("sec-fetch-site", "cross-site")]),
    ];
    for (what, headers) in &cases {
        assert_csrf_refused(&browser.send(&api, Method::POST, "/refresh", headers, Value::Null).await, what);
        assert_csrf_refused(&browser.send(&api, Method::POST, "/logout", headers, Value::Null).await, what);
    }
    let own = api.url.clone();
    for origin in [APP, own.as_str()] {
        let headers = [CSRF, ("origin", origin), ("sec-fetch-site", "same-site")];
        let reply = browser.send(&api, Method::POST, "/refresh", &headers, Value::Null).await;
        assert_eq!(reply.status, 200, "from {origin}: {:?}", reply.json());
        browser = Browser::from(&reply);
        assert_eq!(browser.send(&api, Method::GET, "/me", &[], Value::Null).await.status, 200);
    }
}

#[tokio::test]
async fn a_protected_route_with_the_access_cookie_follows_the_same_rule_at_the_authorizer() {
    let api = start();
    let (_, browser) = signup(&api).await;
    let sessions = browser.send(&api, Method::GET, "/sessions", &[], Value::Null).await;
    assert_eq!(sessions.status, 200, "a GET needs no CSRF header");
    let id = sessions.json()[0]["id"].as_str().unwrap().to_string();
    let path = format!("/sessions/{id}");
    let forged = browser.send(&api, Method::DELETE, &path, &[], Value::Null).await;
    assert_eq!((forged.status.as_u16(), forged.json()), (403, json!({"message": "Forbidden"})));
    let foreign = browser.send(&api, Method::DELETE, &path, &[CSRF, ("origin", "https://evil.example")], Value::Null);
    assert_eq!(foreign.await.status, 403);
    assert_eq!(browser.send(&api, Method::DELETE, &path, &[CSRF], Value::Null).await.status, 204);
}

#[tokio::test]
async fn without_the_delivery_header_nothing_changes_and_a_bad_value_is_refused() {
    let api = start();
    let address = email();
    let plain = api.post("/signup", json!({"email": address, "password": PASSWORD})).await;
    assert_eq!(plain.status, 201);
    assert!(plain.json()["access_token"].is_string() && plain.headers.get("set-cookie").is_none());
    let body = json!({"email": address, "password": PASSWORD}).to_string();
    let bad =
        api.send(Method::POST, "/login", &[("content-type", "application/json"), ("x-token-delivery", "body")], body);
    let bad = bad.await;
    assert_eq!((bad.status.as_u16(), bad.code()), (400, "invalid_request".to_string()));
}

#[tokio::test]
async fn cors_answers_preflights_and_responses_for_the_listed_origin_only() {
    let api = start();
    let preflight = |origin: &'static str| {
        let api = &api;
        async move {
            let headers = [
                ("origin", origin),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type,x-csrf-protection"),
            ];
            api.send(Method::OPTIONS, "/refresh", &headers, "").await
        }
    };
    let listed = preflight(APP).await;
    assert_eq!(listed.status, 204);
    assert_eq!(listed.header("access-control-allow-origin"), Some(APP));
    assert_eq!(listed.header("access-control-allow-credentials"), Some("true"));
    assert!(listed.header("access-control-allow-headers").is_some_and(|h| h.contains("x-csrf-protection")));
    let unlisted = preflight("https://evil.example").await;
    assert_eq!(unlisted.status, 204);
    assert!(unlisted.header("access-control-allow-origin").is_none(), "no CORS headers for an unlisted origin");

    let jwks = api.send(Method::GET, "/.well-known/jwks.json", &[("origin", APP)], "").await;
    assert_eq!(jwks.header("access-control-allow-origin"), Some(APP));
    assert_eq!(jwks.header("vary"), Some("origin"));
    let foreign = api.send(Method::GET, "/.well-known/jwks.json", &[("origin", "https://evil.example")], "").await;
    assert!(foreign.header("access-control-allow-origin").is_none());

    let any = Server::start(&[], &[("CORS_ALLOW_ORIGINS", "*")]);
    let star = any.send(Method::OPTIONS, "/login", &[("origin", APP), ("access-control-request-method", "POST")], "");
    let star = star.await;
    assert_eq!(star.header("access-control-allow-origin"), Some("*"));
    assert!(star.header("access-control-allow-credentials").is_none(), "never credentials with *");
}

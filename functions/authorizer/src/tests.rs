use std::sync::Arc;

use serde_json::{Value, json};
use shared::testing::forge::{self, NOW};
use shared::testing::{self, sample_events};
use shared::{Algorithm, ManualClock, TokenVerifier};

use super::*;

fn deps(verifier: Arc<TokenVerifier>, now: i64) -> Authorizer {
    Authorizer::with(verifier, Arc::new(ManualClock::at(now)))
}

fn template(name: &str) -> Value {
    let event = sample_events("authorizer").into_iter().find(|e| e.path.ends_with(name)).expect(name);
    serde_json::from_str(&event.json).unwrap()
}

/// The committed sample event of each shape, carrying `authorization` instead.
fn events_with(authorization: &str) -> Vec<(&'static str, String)> {
    let mut v2 = template("http-v2.allow.json");
    v2["headers"]["authorization"] = json!(authorization);
    v2["identitySource"] = json!([authorization]);
    let mut token = template("rest-token.allow.json");
    token["authorizationToken"] = json!(authorization);
    let mut request = template("rest-request.allow.json");
    request["headers"]["Authorization"] = json!(authorization);
    vec![("HTTP API v2", v2.to_string()), ("REST TOKEN", token.to_string()), ("REST REQUEST", request.to_string())]
}

/// allow, deny or unauthorized.
fn decision(result: Result<String, Unauthorized>) -> (String, Value) {
    let Ok(json) = result else { return ("unauthorized".into(), Value::Null) };
    let body: Value = serde_json::from_str(&json).expect("the answer is JSON");
    let allowed = body["isAuthorized"].as_bool().unwrap_or(false)
        || body["policyDocument"]["Statement"][0]["Effect"].as_str() == Some("Allow");
    (if allowed { "allow" } else { "deny" }.into(), body)
}

#[test]
fn every_forged_token_is_denied_in_every_event_shape() {
    for case in forge::negative_cases() {
        let deps = deps(case.verifier.clone(), case.now);
        for (shape, event) in events_with(&format!("Bearer {}", case.token)) {
            let (outcome, body) = decision(authorize(&event, &deps));
            assert_ne!(outcome, "allow", "{} via {shape}: {body}", case.name);
            assert!(body.get("context").is_none_or(|c| c.as_object().is_some_and(|c| c.is_empty())), "{}", case.name);
        }
    }
}

#[test]
fn a_valid_token_is_allowed_with_its_claims_as_context_in_every_shape() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    let token = kit.access();
    let claims = kit.verifier.verify_access(&token, NOW).unwrap();
    let expected = json!({"sub": claims.sub, "email": claims.email, "scope": "", "jti": claims.jti, "exp": claims.exp});
    for (shape, event) in events_with(&format!("Bearer {token}")) {
        let (outcome, body) = decision(authorize(&event, &deps));
        assert_eq!(outcome, "allow", "{shape}: {body}");
        assert_eq!(body["context"], expected, "{shape}");
    }
}

#[test]
fn policies_allow_the_whole_api_for_the_token_subject() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    let (_, token_event) = events_with(&format!("Bearer {}", kit.access())).remove(1);
    let (_, body) = decision(authorize(&token_event, &deps));
    assert_eq!(body["principalId"], "user-1");
    assert_eq!(body["policyDocument"]["Version"], "2012-10-17");
    assert_eq!(body["policyDocument"]["Statement"][0]["Action"], json!(["execute-api:Invoke"]));
    assert_eq!(
        body["policyDocument"]["Statement"][0]["Resource"],
        json!(["arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/*/*"])
    );
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    for (shape, event) in events_with(&format!("bEaReR {}", kit.access())) {
        assert_eq!(decision(authorize(&event, &deps)).0, "allow", "{shape}");
    }
}

#[test]
fn another_scheme_or_no_token_is_unauthorized_for_rest_and_denied_for_http_apis() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    for authorization in [format!("Basic {}", kit.access()), String::new(), "Bearer".into()] {
        let outcomes: Vec<String> =
            events_with(&authorization).into_iter().map(|(_, e)| decision(authorize(&e, &deps)).0).collect();
        assert_eq!(outcomes, ["deny", "unauthorized", "unauthorized"], "{authorization:?}");
    }
}

#[test]
fn an_http_api_v2_event_without_headers_uses_the_identity_source() {
    let kit = &*forge::RS256;
    let mut event = template("http-v2.allow.json");
    event["headers"] = json!({});
    event["identitySource"] = json!([format!("Bearer {}", kit.access())]);
    assert_eq!(decision(authorize(&event.to_string(), &deps(kit.verifier.clone(), NOW))).0, "allow");
}

#[test]
fn unknown_or_malformed_events_are_denied_without_panicking() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    for event in [
        "",
        "null",
        "[]",
        "{}",
        "{\"version\":\"2.0\"}",
        "{\"type\":\"TOKEN\",\"authorizationToken\":5}",
        "{\"version\":\"3.0\"}",
        "\u{0}",
    ] {
        assert_eq!(decision(authorize(event, &deps)).0, "deny", "{event:?}");
    }
}

#[test]
fn a_deny_from_a_rest_api_carries_a_deny_policy() {
    let case = forge::tampered_signature();
    let (_, event) = events_with(&format!("Bearer {}", case.token)).remove(2);
    let (outcome, body) = decision(authorize(&event, &deps(case.verifier, case.now)));
    assert_eq!(outcome, "deny");
    assert_eq!(body["policyDocument"]["Statement"][0]["Effect"], "Deny");
    assert_eq!(body["principalId"], "anonymous");
}

#[test]
fn every_sample_event_gets_its_declared_decision() {
    let (_, verifier) = testing::tokens(Algorithm::RS256, Some(&testing::sample_jwks()));
    let deps = Authorizer::with(verifier, Arc::new(shared::SystemClock));
    for event in sample_events("authorizer") {
        assert_eq!(decision(authorize(&event.json, &deps)).0, event.expected, "{}", event.path.display());
    }
}

#[test]
fn the_whole_api_resource_keeps_the_api_and_stage() {
    assert_eq!(
        whole_api(Some("arn:aws:execute-api:us-east-1:1:api/$default/GET/a/b")),
        "arn:aws:execute-api:us-east-1:1:api/$default/*/*"
    );
    assert_eq!(whole_api(Some("nonsense")), "*");
    assert_eq!(whole_api(None), "*");
}

#[test]
fn a_session_token_passes_its_sid_on_in_the_context() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    let token = kit.with_claims(|c| {
        c.insert("sid".into(), "family-1".into());
        c.insert("amr".into(), serde_json::json!(["pwd", "otp"]));
    });
    for (shape, event) in events_with(&format!("Bearer {token}")) {
        let (outcome, body) = decision(authorize(&event, &deps));
        assert_eq!(outcome, "allow", "{shape}: {body}");
        assert_eq!(body["context"]["sid"], "family-1", "{shape}");
        assert_eq!(body["context"]["amr"], "pwd otp", "{shape}: the methods as one string");
    }
}

/// The sample events of the shapes that can carry a cookie, with the access
/// cookie instead of an `Authorization` header, sent with `method` and `headers`.
fn cookie_events(token: &str, method: &str, headers: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    let cookie = format!("theme=dark; {}={token}", shared::delivery::ACCESS_COOKIE);
    let mut v2 = template("http-v2.allow.json");
    v2["headers"].as_object_mut().unwrap().remove("authorization");
    v2["identitySource"] = json!([]);
    v2["cookies"] = json!(["theme=dark", format!("{}={token}", shared::delivery::ACCESS_COOKIE)]);
    v2["requestContext"]["http"]["method"] = json!(method);
    let mut v1 = template("http-v1.allow.json");
    v1["headers"] = json!({"cookie": cookie, "host": "abc123defg.execute-api.eu-west-1.amazonaws.com"});
    v1.as_object_mut().unwrap().remove("authorizationToken");
    v1["httpMethod"] = json!(method);
    let mut request = template("rest-request.allow.json");
    request["headers"].as_object_mut().unwrap().remove("Authorization");
    request["headers"]["Cookie"] = json!(cookie);
    request["httpMethod"] = json!(method);
    let mut all = vec![("HTTP API v2", v2), ("HTTP API v1", v1), ("REST REQUEST", request)];
    for (_, event) in &mut all {
        for (name, value) in headers {
            event["headers"][*name] = json!(value);
        }
    }
    all.into_iter().map(|(shape, event)| (shape, event.to_string())).collect()
}

#[test]
fn an_access_cookie_is_read_when_no_authorization_header_is_sent() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    for (shape, event) in cookie_events(&kit.access(), "GET", &[]) {
        let (outcome, body) = decision(authorize(&event, &deps));
        assert_eq!(outcome, "allow", "{shape}: {body}");
    }
    let forged = forge::tampered_signature().token;
    for (shape, event) in cookie_events(&forged, "GET", &[]) {
        assert_eq!(decision(authorize(&event, &deps)).0, "deny", "{shape}");
    }
}

#[test]
fn a_cookie_request_that_may_change_something_needs_the_csrf_header_and_a_same_site_origin() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    let token = kit.access();
    let host = "abc123defg.execute-api.eu-west-1.amazonaws.com";
    let own = format!("https://{host}");
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case; 5] = [
        ("no CSRF header", vec![], "deny"),
        ("the CSRF header", vec![("x-csrf-protection", "1")], "allow"),
        ("the header from the API's own origin", vec![("x-csrf-protection", "1"), ("origin", &own)], "allow"),
        ("a foreign origin", vec![("x-csrf-protection", "1"), ("origin", "https://evil.example")], "deny"),
        ("a cross-site fetch", vec![("x-csrf-protection", "1"), ("sec-fetch-site", "cross-site")], "deny"),
    ];
    for (what, headers, expected) in cases {
        let mut headers = headers;
        headers.push(("host", host));
        for (shape, event) in cookie_events(&token, "POST", &headers) {
            assert_eq!(decision(authorize(&event, &deps)).0, expected, "{what} via {shape}");
        }
    }
}

#[test]
fn the_authorization_header_wins_over_the_cookie_and_a_token_authorizer_sees_no_cookie() {
    let kit = &*forge::RS256;
    let deps = deps(kit.verifier.clone(), NOW);
    for authorization in ["Bearer not-a-token", "Basic YWRhOnB3", ""] {
        for (shape, event) in cookie_events(&kit.access(), "GET", &[("authorization", authorization)]) {
            let (outcome, _) = decision(authorize(&event, &deps));
            assert_ne!(outcome, "allow", "{shape}: the Authorization header {authorization:?} decides, not the cookie");
        }
    }
    let mut token_event = template("rest-token.allow.json");
    token_event.as_object_mut().unwrap().remove("authorizationToken");
    token_event["headers"] = json!({"Cookie": format!("{}={}", shared::delivery::ACCESS_COOKIE, kit.access())});
    assert_eq!(authorize(&token_event.to_string(), &deps), Err(Unauthorized));
}

#[test]
fn a_remembered_decision_ends_with_the_token() {
    let kit = &*forge::RS256;
    let clock = Arc::new(ManualClock::at(NOW));
    let deps = Authorizer::with(kit.verifier.clone(), clock.clone());
    let token = kit.access();
    let claims = kit.verifier.verify_access(&token, NOW).unwrap();
    let event = &events_with(&format!("Bearer {token}"))[0].1;
    assert_eq!(decision(authorize(event, &deps)).0, "allow");
    assert_eq!(deps.cache.len(), 1, "remembered");
    clock.advance(i64::try_from(claims.exp).unwrap() - NOW + 31);
    assert_eq!(decision(authorize(event, &deps)).0, "deny", "expired beyond the leeway, cached or not");
}

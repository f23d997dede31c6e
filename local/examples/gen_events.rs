//! Writes `events/`: API Gateway events for every function, named
//! `<description>.<expected status>.json`, and `events/jwks.json`.
//!
//! The sample access token in them is signed with a key generated here and
//! never written anywhere: only its public half (`events/jwks.json`) is kept,
//! so it verifies wherever that JWKS is trusted and nobody can mint more. The
//! sample refresh token is `shared::samples::REFRESH_TOKEN`, public on purpose.
//!
//! Run from the repository root: `cargo run -p local-api --example gen_events`.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use shared::samples::{self, ADA_EMAIL, ADA_ID, ADA_PASSWORD, AUDIENCE, EXPIRES_AT, ISSUED_AT, ISSUER};
use shared::{Algorithm, SigningKey, TokenIssuer, TokenSettings};

const HOST: &str = "abc123defg.execute-api.eu-west-1.amazonaws.com";

fn http_event(method: &str, path: &str, headers: Value, body: Option<String>) -> Value {
    let mut all = json!({
        "accept": "*/*",
        "host": HOST,
        "user-agent": "curl/8.5.0",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https"
    });
    all.as_object_mut().unwrap().extend(headers.as_object().unwrap().clone());
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": all,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123defg",
            "domainName": HOST,
            "domainPrefix": "abc123defg",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8.5.0"
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "23/Nov/2026:09:30:00 +0000",
            "timeEpoch": 1_795_426_200_000_i64
        },
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        event["body"] = json!(body);
    }
    event
}

fn json_post(path: &str, body: Value) -> Value {
    http_event("POST", path, json!({"content-type": "application/json"}), Some(body.to_string()))
}

fn form_post(path: &str, body: &str) -> Value {
    http_event("POST", path, json!({"content-type": "application/x-www-form-urlencoded"}), Some(body.into()))
}

fn get(path: &str, headers: Value) -> Value {
    http_event("GET", path, headers, None)
}

/// HTTP API, payload format 2.0, identity source `$request.header.Authorization`.
fn http_v2_authorizer(authorization: Option<&str>) -> Value {
    let mut event = get("/me", authorization.map_or(json!({}), |a| json!({"authorization": a})));
    let e = event.as_object_mut().unwrap();
    e.insert("type".into(), json!("REQUEST"));
    e.insert("routeArn".into(), json!("arn:aws:execute-api:eu-west-1:123456789012:abc123defg/$default/GET/me"));
    e.insert("identitySource".into(), json!(authorization.map_or(vec![], |a| vec![a])));
    e.insert("cookies".into(), json!([]));
    e.insert("queryStringParameters".into(), json!({}));
    e.insert("pathParameters".into(), json!({}));
    e.insert("stageVariables".into(), json!({}));
    e.remove("isBase64Encoded");
    event
}

/// HTTP API, payload format 1.0.
fn http_v1_authorizer(authorization: &str) -> Value {
    json!({
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123defg/$default/GET/me",
        "identitySource": authorization,
        "authorizationToken": authorization,
        "resource": "/me",
        "path": "/me",
        "httpMethod": "GET",
        "headers": {"authorization": authorization, "host": HOST, "user-agent": "curl/8.5.0"},
        "queryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123defg",
            "domainName": HOST,
            "httpMethod": "GET",
            "path": "/me",
            "protocol": "HTTP/1.1",
            "requestId": "JKJaXmPLvHcESHA=",
            "resourcePath": "/me",
            "stage": "$default",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"}
        }
    })
}

/// REST API TOKEN authorizer, as `sam local generate-event apigateway authorizer` shapes it.
fn rest_token_authorizer(authorization: &str) -> Value {
    json!({
        "type": "TOKEN",
        "authorizationToken": authorization,
        "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/GET/me"
    })
}

/// REST API REQUEST authorizer, as `sam local generate-event apigateway request-authorizer` shapes it.
fn rest_request_authorizer(authorization: Option<&str>) -> Value {
    let mut headers = json!({
        "Accept": "*/*",
        "CloudFront-Viewer-Country": "IE",
        "Host": HOST,
        "User-Agent": "curl/8.5.0",
        "X-Amzn-Trace-Id": "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https"
    });
    if let Some(a) = authorization {
        headers["Authorization"] = json!(a);
    }
    json!({
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123defg/prod/GET/me",
        "resource": "/me",
        "path": "/me",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {},
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "path": "/prod/me",
            "accountId": "123456789012",
            "resourceId": "05c7jb",
            "stage": "prod",
            "requestId": "a1b2c3d4-5678-90ab-cdef-EXAMPLEaaaaa",
            "identity": {"apiKey": "", "sourceIp": "203.0.113.7"},
            "resourcePath": "/me",
            "httpMethod": "GET",
            "apiId": "abc123defg"
        }
    })
}

/// `event` as the gateway forwards it once the authorizer allowed Ada.
fn authorized(mut event: Value, authorizer: &Value) -> Value {
    event["requestContext"]["authorizer"] = authorizer.clone();
    event
}

fn json_delete(path: &str, body: Value) -> Value {
    http_event("DELETE", path, json!({"content-type": "application/json"}), Some(body.to_string()))
}

fn account_lifecycle(events: &Path, bearer: &str, authorizer: &Value) {
    let strong = "a brand new passphrase for ada";
    let ada = json!({"email": ADA_EMAIL});
    write(events, "send-verification/known.202.json", &json_post("/email/verify/send", ada.clone()));
    write(
        events,
        "send-verification/unknown.202.json",
        &json_post("/email/verify/send", json!({"email": "nobody@example.com"})),
    );
    write(events, "send-verification/bad-email.400.json", &json_post("/email/verify/send", json!({"email": "nope"})));
    write(events, "forgot-password/known.202.json", &json_post("/password/forgot", ada));
    write(
        events,
        "forgot-password/unknown.202.json",
        &json_post("/password/forgot", json!({"email": "nobody@example.com"})),
    );
    write(events, "forgot-password/form-body.415.json", &form_post("/password/forgot", "email=ada%40example.com"));

    write(
        events,
        "verify-email/verified.200.json",
        &json_post("/email/verify", json!({"token": samples::VERIFY_TOKEN})),
    );
    write(
        events,
        "verify-email/reset-token.400.json",
        &json_post("/email/verify", json!({"token": samples::RESET_TOKEN})),
    );
    write(events, "verify-email/missing-token.400.json", &json_post("/email/verify", json!({})));

    let reset = |password: &str| json!({"token": samples::RESET_TOKEN, "password": password});
    write(events, "reset-password/reset.204.json", &json_post("/password/reset", reset(strong)));
    write(events, "reset-password/weak-password.400.json", &json_post("/password/reset", reset("password1234567")));
    write(
        events,
        "reset-password/unknown-token.400.json",
        &json_post("/password/reset", json!({"token": "ot1.reset.x.y", "password": strong})),
    );

    let change = |current: &str| json!({"current_password": current, "new_password": strong});
    write(
        events,
        "change-password/changed.200.json",
        &authorized(json_post("/password/change", change(ADA_PASSWORD)), authorizer),
    );
    write(
        events,
        "change-password/wrong-current.400.json",
        &authorized(json_post("/password/change", change("not the right passphrase")), authorizer),
    );
    write(events, "change-password/no-token.401.json", &json_post("/password/change", change(ADA_PASSWORD)));

    let move_to = |password: &str| json!({"password": password, "new_email": samples::ADA_NEW_EMAIL});
    write(
        events,
        "change-email/requested.202.json",
        &authorized(json_post("/email/change", move_to(ADA_PASSWORD)), authorizer),
    );
    let mut by_token = json_post("/email/change", move_to(ADA_PASSWORD));
    by_token["headers"]["authorization"] = json!(bearer);
    write(events, "change-email/bearer-token.202.json", &by_token);
    write(
        events,
        "change-email/wrong-password.400.json",
        &authorized(json_post("/email/change", move_to("not the right passphrase")), authorizer),
    );

    write(
        events,
        "confirm-email/confirmed.200.json",
        &json_post("/email/change/confirm", json!({"token": samples::EMAIL_CHANGE_TOKEN})),
    );
    write(
        events,
        "confirm-email/verify-token.400.json",
        &json_post("/email/change/confirm", json!({"token": samples::VERIFY_TOKEN})),
    );

    write(
        events,
        "delete-account/deleted.204.json",
        &authorized(json_delete("/me", json!({"password": ADA_PASSWORD})), authorizer),
    );
    write(
        events,
        "delete-account/wrong-password.400.json",
        &authorized(json_delete("/me", json!({"password": "not the right passphrase"})), authorizer),
    );
    write(events, "delete-account/no-token.401.json", &json_delete("/me", json!({"password": ADA_PASSWORD})));
}

/// `DELETE /sessions/{id}` as the gateway hands it over: the route key names
/// the template, the raw path and `pathParameters` the id.
fn end_session(id: &str, headers: Value) -> Value {
    let mut event = http_event("DELETE", &format!("/sessions/{id}"), headers, None);
    event["routeKey"] = json!("DELETE /sessions/{id}");
    event["requestContext"]["routeKey"] = json!("DELETE /sessions/{id}");
    event["pathParameters"] = json!({ "id": id });
    event
}

fn sessions(events: &Path, bearer: &str, authorizer: &Value) {
    write(events, "list-sessions/authorizer-context.200.json", &authorized(get("/sessions", json!({})), authorizer));
    write(events, "list-sessions/bearer-token.200.json", &get("/sessions", json!({"authorization": bearer})));
    write(events, "list-sessions/no-token.401.json", &get("/sessions", json!({})));
    let family = samples::refresh_token().family_id;
    write(events, "end-session/ended.204.json", &authorized(end_session(&family, json!({})), authorizer));
    write(events, "end-session/bearer-token.204.json", &end_session(&family, json!({"authorization": bearer})));
    write(
        events,
        "end-session/unknown-session.404.json",
        &authorized(end_session("0123456789abcdef0123456789abcdef", json!({})), authorizer),
    );
    write(events, "end-session/no-token.401.json", &end_session(&family, json!({})));
}

/// TOTP: Ada has none, Katherine has it on (her sample secret, recovery
/// codes and pending `mfa_token`). A TOTP code depends on the time it is
/// sent, so the events that pass a second factor use a recovery code.
fn second_factor(events: &Path, ada: &Value) {
    let mut katherine = ada.clone();
    katherine["lambda"]["sub"] = json!(samples::KATHERINE_ID);
    katherine["lambda"]["email"] = json!(samples::KATHERINE_EMAIL);
    let enroll = || json_post("/mfa/totp/enroll", json!({}));
    write(events, "enroll-totp/authorizer-context.200.json", &authorized(enroll(), ada));
    write(events, "enroll-totp/already-on.400.json", &authorized(enroll(), &katherine));
    write(events, "enroll-totp/no-token.401.json", &enroll());

    let confirm = |code: &str| json_post("/mfa/totp/confirm", json!({ "code": code }));
    write(events, "confirm-totp/nothing-pending.400.json", &authorized(confirm("123456"), ada));
    write(events, "confirm-totp/missing-code.400.json", &authorized(json_post("/mfa/totp/confirm", json!({})), ada));
    write(events, "confirm-totp/no-token.401.json", &confirm("123456"));

    let remove = |code: &str| json_delete("/mfa/totp", json!({ "code": code }));
    write(
        events,
        "remove-totp/recovery-code.204.json",
        &authorized(remove(samples::KATHERINE_RECOVERY_CODE), &katherine),
    );
    write(events, "remove-totp/wrong-code.400.json", &authorized(remove("not-a-code"), &katherine));
    write(events, "remove-totp/not-on.400.json", &authorized(remove("123456"), ada));
    write(events, "remove-totp/no-token.401.json", &remove(samples::KATHERINE_RECOVERY_CODE));

    let step = |body: Value| json_post("/login/mfa", body);
    let token = samples::KATHERINE_MFA_TOKEN;
    write(
        events,
        "login-mfa/recovery-code.200.json",
        &step(json!({"mfa_token": token, "recovery_code": samples::KATHERINE_RECOVERY_CODE})),
    );
    write(events, "login-mfa/wrong-code.400.json", &step(json!({"mfa_token": token, "code": "not-a-code"})));
    write(
        events,
        "login-mfa/unknown-token.400.json",
        &step(json!({"mfa_token": samples::RESET_TOKEN, "recovery_code": samples::KATHERINE_RECOVERY_CODE})),
    );
    write(events, "login-mfa/missing-code.400.json", &step(json!({"mfa_token": token})));
    write(
        events,
        "login/totp-on.403.json",
        &json_post("/login", json!({"email": samples::KATHERINE_EMAIL, "password": ADA_PASSWORD})),
    );
}

/// Passkeys: Ada has one (its key long gone, so no event logs in with it).
/// A ceremony's second half signs a fresh challenge, so the static events
/// of those routes are refusals.
fn passkeys(events: &Path, ada: &Value) {
    let start = |body: Value| json_post("/passkeys/register/start", body);
    write(events, "start-passkey-registration/named.200.json", &authorized(start(json!({"name": "Laptop"})), ada));
    write(
        events,
        "start-passkey-registration/long-name.400.json",
        &authorized(start(json!({"name": "x".repeat(65)})), ada),
    );
    write(events, "start-passkey-registration/no-token.401.json", &start(json!({})));

    let finish = |path: &str, body: Value| json_post(path, body);
    let unknown = json!({"challenge_id": "0123456789abcdef0123456789abcdef", "credential": {"id": "x"}});
    let register = "/passkeys/register/finish";
    write(
        events,
        "finish-passkey-registration/unknown-challenge.400.json",
        &authorized(finish(register, unknown.clone()), ada),
    );
    write(
        events,
        "finish-passkey-registration/missing-credential.400.json",
        &authorized(finish(register, json!({"challenge_id": "0123456789abcdef"})), ada),
    );
    write(events, "finish-passkey-registration/no-token.401.json", &finish(register, unknown.clone()));

    write(events, "list-passkeys/authorizer-context.200.json", &authorized(get("/passkeys", json!({})), ada));
    write(events, "list-passkeys/no-token.401.json", &get("/passkeys", json!({})));

    let delete = |id: &str| {
        let mut event = http_event("DELETE", &format!("/passkeys/{id}"), json!({}), None);
        event["routeKey"] = json!("DELETE /passkeys/{id}");
        event["requestContext"]["routeKey"] = json!("DELETE /passkeys/{id}");
        event["pathParameters"] = json!({ "id": id });
        event
    };
    write(events, "delete-passkey/removed.204.json", &authorized(delete(samples::ADA_PASSKEY_ID), ada));
    write(events, "delete-passkey/unknown.404.json", &authorized(delete("bm8tc3VjaC1rZXk"), ada));
    write(events, "delete-passkey/no-token.401.json", &delete(samples::ADA_PASSKEY_ID));

    write(events, "start-passkey-login/start.200.json", &json_post("/login/passkey/start", json!({})));
    let login = "/login/passkey/finish";
    write(events, "finish-passkey-login/unknown-challenge.400.json", &finish(login, unknown));
    write(events, "finish-passkey-login/missing-credential.400.json", &finish(login, json!({"challenge_id": "x"})));
}

fn write(dir: &Path, name: &str, event: &Value) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, serde_json::to_string_pretty(event).unwrap() + "\n").unwrap();
}

fn main() {
    let events = Path::new("events");
    let settings = TokenSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        algorithm: Algorithm::RS256,
        access_ttl: u64::try_from(EXPIRES_AT - ISSUED_AT).unwrap(),
        leeway: 30,
    };
    let (key, _discarded) = SigningKey::generate(Algorithm::RS256).unwrap();
    let jwks = json!({"keys": [key.verification_jwk()]});
    let issuer = TokenIssuer::new(&settings, key);
    let access = issuer.issue_access(shared::store::Subject::new(ADA_ID, ADA_EMAIL), None, "", ISSUED_AT).unwrap();
    let refresh = samples::REFRESH_TOKEN;
    write(events, "jwks.json", &jwks);

    let ada_login = json!({"email": ADA_EMAIL, "password": ADA_PASSWORD});
    write(
        events,
        "signup/created.201.json",
        &json_post(
            "/signup",
            json!({"email": "grace@example.com", "password": "a ship in port is safe", "name": "Grace Hopper"}),
        ),
    );
    write(
        events,
        "signup/email-taken.409.json",
        &json_post("/signup", json!({"email": "ADA@example.com", "password": "another long passphrase"})),
    );
    write(
        events,
        "signup/short-password.400.json",
        &json_post("/signup", json!({"email": "grace@example.com", "password": "hunter2"})),
    );
    write(
        events,
        "signup/form-body.415.json",
        &form_post("/signup", "email=grace%40example.com&password=a+ship+in+port+is+safe"),
    );

    write(events, "login/json.200.json", &json_post("/login", ada_login.clone()));
    write(
        events,
        "login/oauth2-form.200.json",
        &form_post(
            "/login",
            "grant_type=password&username=ada%40example.com&password=correct+horse+battery+staple&client_id=web",
        ),
    );
    write(
        events,
        "login/wrong-password.400.json",
        &json_post("/login", json!({"email": ADA_EMAIL, "password": "not the right passphrase"})),
    );
    write(
        events,
        "login/unknown-email.400.json",
        &json_post("/login", json!({"email": "nobody@example.com", "password": "not the right passphrase"})),
    );
    write(
        events,
        "login/unsupported-grant.400.json",
        &form_post("/login", "grant_type=client_credentials&client_id=web"),
    );
    write(events, "login/missing-field.400.json", &json_post("/login", json!({"email": ADA_EMAIL})));

    write(events, "refresh/json.200.json", &json_post("/refresh", json!({"refresh_token": refresh})));
    write(
        events,
        "refresh/oauth2-form.200.json",
        &form_post("/refresh", &format!("grant_type=refresh_token&refresh_token={refresh}")),
    );
    write(events, "refresh/access-token.400.json", &json_post("/refresh", json!({"refresh_token": access.token})));
    write(events, "refresh/garbage.400.json", &json_post("/refresh", json!({"refresh_token": "not-a-token"})));

    write(
        events,
        "token/password.200.json",
        &form_post("/token", "grant_type=password&username=ada%40example.com&password=correct+horse+battery+staple"),
    );
    write(
        events,
        "token/refresh-token.200.json",
        &form_post("/token", &format!("grant_type=refresh_token&refresh_token={refresh}")),
    );
    write(events, "token/client-credentials.400.json", &form_post("/token", "grant_type=client_credentials"));
    write(events, "token/json.415.json", &json_post("/token", json!({"grant_type": "password"})));

    write(events, "logout/local.204.json", &json_post("/logout", json!({"refresh_token": refresh})));
    write(
        events,
        "logout/global.204.json",
        &json_post("/logout", json!({"refresh_token": refresh, "scope": "global"})),
    );
    write(events, "logout/unknown-token.204.json", &json_post("/logout", json!({"refresh_token": "not-a-token"})));
    write(events, "logout/malformed.400.json", &json_post("/logout", json!({"token": refresh})));

    let bearer = format!("Bearer {}", access.token);
    let mut authorized = get("/me", json!({}));
    authorized["requestContext"]["authorizer"] = json!({"lambda": {
        "sub": ADA_ID, "email": ADA_EMAIL, "scope": "", "jti": access.claims.jti, "exp": access.claims.exp
    }});
    write(events, "me/authorizer-context.200.json", &authorized);
    write(events, "me/bearer-token.200.json", &get("/me", json!({"authorization": bearer})));
    write(events, "me/no-token.401.json", &get("/me", json!({})));
    write(events, "me/invalid-token.401.json", &get("/me", json!({"authorization": "Bearer not-a-token"})));

    write(events, "jwks/get.200.json", &get("/.well-known/jwks.json", json!({})));
    write(events, "discovery/get.200.json", &get("/.well-known/openid-configuration", json!({})));

    account_lifecycle(events, &bearer, &authorized["requestContext"]["authorizer"]);
    sessions(events, &bearer, &authorized["requestContext"]["authorizer"]);
    second_factor(events, &authorized["requestContext"]["authorizer"]);
    passkeys(events, &authorized["requestContext"]["authorizer"]);

    // Authorizer events, named by the decision they must get.
    let other = "Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJhZG1pbiJ9.";
    write(events, "authorizer/http-v2.allow.json", &http_v2_authorizer(Some(&bearer)));
    write(events, "authorizer/http-v2-alg-none.deny.json", &http_v2_authorizer(Some(other)));
    write(events, "authorizer/http-v2-no-token.deny.json", &http_v2_authorizer(None));
    write(events, "authorizer/http-v1.allow.json", &http_v1_authorizer(&bearer));
    write(events, "authorizer/http-v1-garbage.deny.json", &http_v1_authorizer("Bearer not-a-token"));
    write(events, "authorizer/rest-token.allow.json", &rest_token_authorizer(&bearer));
    write(events, "authorizer/rest-token-alg-none.deny.json", &rest_token_authorizer(other));
    write(
        events,
        "authorizer/rest-token-basic-scheme.unauthorized.json",
        &rest_token_authorizer("Basic YWRhOnBhc3N3b3Jk"),
    );
    write(events, "authorizer/rest-request.allow.json", &rest_request_authorizer(Some(&bearer)));
    write(events, "authorizer/rest-request-alg-none.deny.json", &rest_request_authorizer(Some(other)));
    write(events, "authorizer/rest-request-no-header.unauthorized.json", &rest_request_authorizer(None));

    // The authorizer with the session check: the sample session is live in
    // the sample store, and a token naming any other session is denied.
    let ada = shared::store::Subject::new(ADA_ID, ADA_EMAIL);
    let live = issuer.issue_access(ada, Some(&samples::refresh_token().family_id), "", ISSUED_AT).unwrap();
    let ended = issuer.issue_access(ada, Some("5d1e0c0a4b7e4f8e9a3c2b1d0e9f8a7b"), "", ISSUED_AT).unwrap();
    let (live, ended) = (format!("Bearer {}", live.token), format!("Bearer {}", ended.token));
    write(events, "session-authorizer/http-v2.allow.json", &http_v2_authorizer(Some(&live)));
    write(events, "session-authorizer/http-v2-ended-session.deny.json", &http_v2_authorizer(Some(&ended)));
    write(events, "session-authorizer/http-v2-token-without-sid.allow.json", &http_v2_authorizer(Some(&bearer)));
    write(events, "session-authorizer/http-v2-no-token.deny.json", &http_v2_authorizer(None));
    write(events, "session-authorizer/rest-token.allow.json", &rest_token_authorizer(&live));
    write(events, "session-authorizer/rest-token-ended-session.deny.json", &rest_token_authorizer(&ended));
    write(events, "session-authorizer/rest-request.allow.json", &rest_request_authorizer(Some(&live)));
    write(events, "session-authorizer/rest-request-no-header.unauthorized.json", &rest_request_authorizer(None));
    println!("wrote events/ (sample key {})", issuer.signing_key().kid());
}

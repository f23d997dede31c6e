//! `GET /.well-known/openid-configuration`: OpenID Connect Discovery 1.0 for
//! the access tokens, so stock verifiers (API Gateway's JWT authorizer,
//! aws-jwt-verify, jose, PyJWT, Authlib) find the keys from the issuer alone.
//! Rendered once at init from the issuer; served only when the issuer is the
//! http(s) URL this document lives under (Discovery §4.3), else `404`.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::endpoint::Endpoint;
use shared::response::{JSON_CONTENT_TYPE, text_response};
use shared::routes::Function;
use shared::{ApiError, Keys, Needs, Services, TokenVerifier};

pub const NOT_A_URL: &str =
    "the issuer is not an http(s) URL, so there is no discovery document: set JWT_ISSUER to the API's base URL";

pub struct Discovery {
    body: Option<String>,
}

impl<S> Endpoint<S> for Discovery {
    const FUNCTION: Function = Function::Discovery;
    const NEEDS: Needs = Needs { keys: Keys::Verify, ..Needs::NOTHING };

    /// Takes the store like every function, and never calls it.
    fn new(_store: S, services: &Services) -> Self {
        Self::for_verifier(&services.verifier())
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

impl Discovery {
    pub fn for_verifier(verifier: &TokenVerifier) -> Self {
        Self { body: document(verifier.issuer(), verifier.algorithm_name()).map(|d| d.to_string()) }
    }
}

/// The document for `issuer`, if it is a URL the endpoints can hang off.
pub fn document(issuer: &str, algorithm: &str) -> Option<serde_json::Value> {
    let is_url = issuer.starts_with("https://") || issuer.starts_with("http://");
    if !is_url || issuer.contains(['?', '#']) {
        return None;
    }
    let base = issuer.trim_end_matches('/');
    Some(json!({
        "issuer": issuer,
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "token_endpoint": format!("{base}/token"),
        "revocation_endpoint": format!("{base}/logout"),
        "grant_types_supported": ["password", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [algorithm],
        "claims_supported": ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "email", "email_verified", "scope", "sid", "amr"],
    }))
}

pub async fn handle(_req: Request, deps: &Discovery) -> Result<Response<Body>, lambda_http::Error> {
    let Some(body) = &deps.body else { return Ok(ApiError::NotFound(NOT_A_URL).into_response()) };
    let mut response = text_response(StatusCode::OK, JSON_CONTENT_TYPE, body.clone());
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=600"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use lambda_http::http::Method;
    use shared::testing::{self, body_json};

    use super::*;

    #[tokio::test]
    async fn the_document_names_the_issuer_and_the_endpoints_under_it() {
        let deps = Discovery { body: document("https://api.example.com", "RS256").map(|d| d.to_string()) };
        let response = handle(testing::request(Method::GET, "/.well-known/openid-configuration", None, ""), &deps);
        let response = response.await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "public, max-age=600");
        let doc = body_json(&response);
        assert_eq!(doc["issuer"], "https://api.example.com");
        assert_eq!(doc["jwks_uri"], "https://api.example.com/.well-known/jwks.json");
        assert_eq!(doc["token_endpoint"], "https://api.example.com/token");
        assert_eq!(doc["grant_types_supported"], serde_json::json!(["password", "refresh_token"]));
        assert_eq!(doc["revocation_endpoint"], "https://api.example.com/logout");
        assert_eq!(doc["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
        for required in ["response_types_supported", "subject_types_supported"] {
            assert!(doc[required].as_array().is_some_and(|a| !a.is_empty()), "{required}");
        }
    }

    #[test]
    fn an_issuer_with_a_trailing_slash_keeps_it_and_the_endpoints_do_not_double_it() {
        let doc = document("http://127.0.0.1:3000/", "EdDSA").unwrap();
        assert_eq!(
            (doc["issuer"].as_str(), doc["jwks_uri"].as_str()),
            (Some("http://127.0.0.1:3000/"), Some("http://127.0.0.1:3000/.well-known/jwks.json"))
        );
    }

    #[tokio::test]
    async fn an_issuer_that_is_no_url_has_no_document() {
        assert!(document("urn:jwt-auth:stack", "RS256").is_none());
        let response = handle(testing::request(Method::GET, "/", None, ""), &Discovery { body: None }).await.unwrap();
        assert_eq!(response.status(), 404);
    }

    #[test]
    fn the_local_services_publish_their_own_issuer() {
        let services = testing::services(&testing::clock());
        let deps = Discovery::new((), &services);
        let doc: serde_json::Value = serde_json::from_str(deps.body.as_deref().unwrap()).unwrap();
        assert_eq!(doc["issuer"], services.verifier().issuer());
    }
}

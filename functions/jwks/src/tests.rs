use lambda_http::http::Method;
use shared::testing::{self, body_json};
use shared::{Algorithm, KeySettings, SigningKey, VerificationKeys};

use super::*;

#[tokio::test]
async fn publishes_every_verification_key_with_a_cache_header() {
    let (old, _) = SigningKey::generate(Algorithm::RS256).unwrap();
    let (current, _) = SigningKey::generate(Algorithm::RS256).unwrap();
    let jwks = serde_json::json!({"keys": [old.verification_jwk()]}).to_string();
    let settings = KeySettings { verify_keys: Some(jwks), ..KeySettings::default() };
    let keys = VerificationKeys::from_settings(Algorithm::RS256, &settings, Some(&current)).unwrap();
    let response = handle(testing::request(Method::GET, "/.well-known/jwks.json", None, ""), &Jwks::from_keys(&keys))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=600");
    let body = body_json(&response);
    let kids: Vec<&str> = body["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, vec![old.kid(), current.kid()]);
    for key in body["keys"].as_array().unwrap() {
        assert_eq!(
            (key["kty"].as_str(), key["alg"].as_str(), key["use"].as_str()),
            (Some("RSA"), Some("RS256"), Some("sig"))
        );
        assert!(key.get("d").is_none() && key.get("p").is_none(), "no private parts");
    }
}

#[tokio::test]
async fn an_hs256_deployment_publishes_no_key() {
    let (secret, _) = SigningKey::generate(Algorithm::HS256).unwrap();
    let keys = VerificationKeys::from_settings(Algorithm::HS256, &KeySettings::default(), Some(&secret)).unwrap();
    let response = handle(testing::request(Method::GET, "/.well-known/jwks.json", None, ""), &Jwks::from_keys(&keys))
        .await
        .unwrap();
    assert_eq!(body_json(&response), serde_json::json!({"keys": []}));
}

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::*;
use crate::config::KeySettings;

const NOW: i64 = 1_700_000_000;

fn settings(algorithm: Algorithm) -> TokenSettings {
    TokenSettings {
        issuer: "https://auth.example.com".into(),
        audience: "example-api".into(),
        algorithm,
        access_ttl: 900,
        refresh_ttl: 30 * 86_400,
        leeway: 30,
        refresh_grace: 10,
    }
}

struct Kit {
    issuer: TokenIssuer,
    verifier: TokenVerifier,
}

fn kit(algorithm: Algorithm) -> Kit {
    let (key, _) = SigningKey::generate(algorithm).unwrap();
    let keys = VerificationKeys::from_settings(algorithm, &KeySettings::default(), Some(&key)).unwrap();
    let s = settings(algorithm);
    Kit { verifier: TokenVerifier::new(&s, keys), issuer: TokenIssuer::new(&s, key) }
}

fn rs256() -> Kit {
    kit(Algorithm::RS256)
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Valid access-token claims at `NOW`, as JSON, for tampering.
fn access_claims(k: &Kit) -> Value {
    let issued = k.issuer.issue_access("user-1", "ada@example.com", "", NOW).unwrap();
    serde_json::to_value(issued.claims).unwrap()
}

fn header(k: &Kit, typ: Option<&str>) -> Value {
    let mut h = json!({"alg": "RS256", "kid": k.issuer.signing_key().kid()});
    if let Some(typ) = typ {
        h["typ"] = json!(typ);
    }
    h
}

/// Signs an arbitrary header and payload with the kit's real key.
fn sign_raw(k: &Kit, header: &Value, payload: &[u8]) -> String {
    let message = format!("{}.{}", b64(header.to_string().as_bytes()), b64(payload));
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), k.issuer.signing_key().encoding_key(), k.issuer.algorithm())
            .unwrap();
    format!("{message}.{signature}")
}

fn sign_access(k: &Kit, header: &Value, claims: &Value) -> String {
    sign_raw(k, header, claims.to_string().as_bytes())
}

fn with_claims(k: &Kit, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut claims = access_claims(k);
    edit(claims.as_object_mut().unwrap());
    sign_access(k, &header(k, Some("at+jwt")), &claims)
}

fn unsigned(header: &Value, claims: &Value) -> String {
    format!("{}.{}.", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()))
}

fn reject(k: &Kit, token: &str) -> TokenError {
    k.verifier.verify_access(token, NOW).expect_err("token must be rejected")
}

fn kid_of(token: &str) -> String {
    let (h, _) = token.split_once('.').unwrap();
    let h: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    h["kid"].as_str().unwrap().to_string()
}

// --- happy paths -----------------------------------------------------------

#[test]
fn rs256_access_tokens_verify() {
    let k = rs256();
    let issued = k.issuer.issue_access("user-1", "ada@example.com", "read", NOW).unwrap();
    assert_eq!(k.verifier.verify_access(&issued.token, NOW).unwrap(), issued.claims);
}

#[test]
fn eddsa_access_and_refresh_tokens_verify() {
    let k = kit(Algorithm::EdDSA);
    let issued = k.issuer.issue_access("user-1", "ada@example.com", "", NOW).unwrap();
    assert_eq!(k.verifier.verify_access(&issued.token, NOW).unwrap().sub, "user-1");
    let claims = k.issuer.refresh_claims("user-1", "fam-1", "rt-1", NOW, NOW + 30 * 86_400);
    let token = k.issuer.sign_refresh(&claims).unwrap();
    assert_eq!(k.verifier.verify_refresh(&token, NOW).unwrap(), claims);
}

#[test]
fn hs256_access_and_refresh_tokens_verify() {
    let k = kit(Algorithm::HS256);
    let issued = k.issuer.issue_access("user-1", "ada@example.com", "", NOW).unwrap();
    assert_eq!(k.verifier.verify_access(&issued.token, NOW).unwrap().email, "ada@example.com");
    let claims = k.issuer.refresh_claims("user-1", "fam-1", "rt-1", NOW, NOW + 30 * 86_400);
    let token = k.issuer.sign_refresh(&claims).unwrap();
    assert_eq!(k.verifier.verify_refresh(&token, NOW).unwrap().fam, "fam-1");
}

#[test]
fn access_tokens_carry_the_spec_header_and_claims() {
    let k = rs256();
    let issued = k.issuer.issue_access("user-1", "ada@example.com", "", NOW).unwrap();
    let (h, _) = issued.token.split_once('.').unwrap();
    let h: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    assert_eq!(h, json!({"alg": "RS256", "typ": "at+jwt", "kid": k.issuer.signing_key().kid()}));
    let c = issued.claims;
    assert_eq!((c.iat, c.nbf, c.exp), (NOW as u64, NOW as u64, NOW as u64 + 900));
    assert_eq!(c.jti.len(), 32);
}

#[test]
fn signing_the_same_refresh_claims_twice_gives_the_same_token() {
    for alg in [Algorithm::RS256, Algorithm::EdDSA, Algorithm::HS256] {
        let k = kit(alg);
        let claims = k.issuer.refresh_claims("user-1", "fam-1", "rt-1", NOW, NOW + 30 * 86_400);
        assert_eq!(k.issuer.sign_refresh(&claims).unwrap(), k.issuer.sign_refresh(&claims).unwrap(), "{alg:?}");
    }
}

#[test]
fn an_expired_token_within_the_leeway_still_verifies() {
    let k = rs256();
    let issued = k.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap();
    assert!(k.verifier.verify_access(&issued.token, NOW + 900 + 29).is_ok());
}

#[test]
fn after_rotation_old_tokens_verify_and_new_ones_use_the_new_key() {
    let old = rs256();
    let (new_key, _) = SigningKey::generate(Algorithm::RS256).unwrap();
    let new_kid = new_key.kid().to_string();
    let jwks = serde_json::to_string(old.verifier.keys().public_jwks()).unwrap();
    let settings_with_old = KeySettings { verify_keys: Some(jwks), ..KeySettings::default() };
    let keys = VerificationKeys::from_settings(Algorithm::RS256, &settings_with_old, Some(&new_key)).unwrap();
    let s = settings(Algorithm::RS256);
    let verifier = TokenVerifier::new(&s, keys);
    let new_issuer = TokenIssuer::new(&s, new_key);

    let old_token = old.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    assert!(verifier.verify_access(&old_token, NOW).is_ok());
    let new_token = new_issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    assert!(verifier.verify_access(&new_token, NOW).is_ok());
    assert_ne!(new_kid, old.issuer.signing_key().kid());
    assert_eq!(kid_of(&new_token), new_kid);
    // Once the old key is retired, its tokens stop verifying.
    assert_eq!(old.verifier.verify_access(&new_token, NOW), Err(TokenError::UnknownKey));
}

#[test]
fn an_expired_refresh_token_can_still_name_its_family_for_logout() {
    let k = rs256();
    let claims = k.issuer.refresh_claims("user-1", "fam-1", "rt-1", NOW, NOW + 30 * 86_400);
    let token = k.issuer.sign_refresh(&claims).unwrap();
    let later = NOW + 31 * 86_400;
    assert_eq!(k.verifier.verify_refresh(&token, later), Err(TokenError::Expired));
    assert_eq!(k.verifier.verify_refresh_ignoring_expiry(&token, later).unwrap().fam, "fam-1");
}

// --- negative cases --------------------------------------------------------

#[test]
fn alg_none_lowercase_is_rejected() {
    let k = rs256();
    let token =
        unsigned(&json!({"alg": "none", "typ": "at+jwt", "kid": k.issuer.signing_key().kid()}), &access_claims(&k));
    assert_eq!(reject(&k, &token), TokenError::Algorithm);
}

#[test]
fn alg_none_capitalised_is_rejected() {
    let k = rs256();
    let token =
        unsigned(&json!({"alg": "None", "typ": "at+jwt", "kid": k.issuer.signing_key().kid()}), &access_claims(&k));
    assert_eq!(reject(&k, &token), TokenError::Algorithm);
}

#[test]
fn alg_none_uppercase_is_rejected() {
    let k = rs256();
    let token =
        unsigned(&json!({"alg": "NONE", "typ": "at+jwt", "kid": k.issuer.signing_key().kid()}), &access_claims(&k));
    assert_eq!(reject(&k, &token), TokenError::Algorithm);
}

#[test]
fn alg_none_mixed_case_is_rejected() {
    let k = rs256();
    let token =
        unsigned(&json!({"alg": "nOnE", "typ": "at+jwt", "kid": k.issuer.signing_key().kid()}), &access_claims(&k));
    assert_eq!(reject(&k, &token), TokenError::Algorithm);
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_rejected() {
    let k = rs256();
    let public_pem = {
        let jwk = k.issuer.signing_key().verification_jwk();
        serde_json::to_vec(jwk).unwrap()
    };
    let h = json!({"alg": "HS256", "typ": "at+jwt", "kid": k.issuer.signing_key().kid()});
    let message = format!("{}.{}", b64(h.to_string().as_bytes()), b64(access_claims(&k).to_string().as_bytes()));
    let forged_key = jsonwebtoken::EncodingKey::from_secret(&public_pem);
    let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &forged_key, Algorithm::HS256).unwrap();
    assert_eq!(reject(&k, &format!("{message}.{sig}")), TokenError::Algorithm);
}

fn hmac_with(k: &Kit, secret: &[u8], alg: Algorithm, name: &str) -> String {
    let h = json!({"alg": name, "typ": "at+jwt", "kid": k.issuer.signing_key().kid()});
    let message = format!("{}.{}", b64(h.to_string().as_bytes()), b64(access_claims(k).to_string().as_bytes()));
    let sig =
        jsonwebtoken::crypto::sign(message.as_bytes(), &jsonwebtoken::EncodingKey::from_secret(secret), alg).unwrap();
    format!("{message}.{sig}")
}

fn hs256_kit_with_secret() -> (Kit, Vec<u8>) {
    let secret = [42u8; 32];
    let key = SigningKey::from_material(Algorithm::HS256, &b64(&secret)).unwrap();
    let keys = VerificationKeys::from_settings(Algorithm::HS256, &KeySettings::default(), Some(&key)).unwrap();
    let s = settings(Algorithm::HS256);
    (Kit { verifier: TokenVerifier::new(&s, keys), issuer: TokenIssuer::new(&s, key) }, secret.to_vec())
}

#[test]
fn hs384_with_the_right_secret_is_rejected_when_hs256_is_configured() {
    let (k, secret) = hs256_kit_with_secret();
    assert_eq!(reject(&k, &hmac_with(&k, &secret, Algorithm::HS384, "HS384")), TokenError::Algorithm);
}

#[test]
fn hs512_with_the_right_secret_is_rejected_when_hs256_is_configured() {
    let (k, secret) = hs256_kit_with_secret();
    assert_eq!(reject(&k, &hmac_with(&k, &secret, Algorithm::HS512, "HS512")), TokenError::Algorithm);
}

#[test]
fn hs256_with_the_right_secret_is_the_control_for_the_two_above() {
    let (k, secret) = hs256_kit_with_secret();
    assert!(k.verifier.verify_access(&hmac_with(&k, &secret, Algorithm::HS256, "HS256"), NOW).is_ok());
}

#[test]
fn an_unknown_kid_is_rejected() {
    let k = rs256();
    let mut h = header(&k, Some("at+jwt"));
    h["kid"] = json!("someone-elses-key");
    assert_eq!(reject(&k, &sign_access(&k, &h, &access_claims(&k))), TokenError::UnknownKey);
}

#[test]
fn a_missing_kid_is_rejected() {
    let k = rs256();
    let h = json!({"alg": "RS256", "typ": "at+jwt"});
    assert_eq!(reject(&k, &sign_access(&k, &h, &access_claims(&k))), TokenError::MissingKeyId);
}

#[test]
fn typ_jwt_is_rejected_for_access_tokens() {
    let k = rs256();
    assert_eq!(reject(&k, &sign_access(&k, &header(&k, Some("JWT")), &access_claims(&k))), TokenError::WrongType);
}

#[test]
fn a_missing_typ_is_rejected() {
    let k = rs256();
    assert_eq!(reject(&k, &sign_access(&k, &header(&k, None), &access_claims(&k))), TokenError::WrongType);
}

#[test]
fn a_refresh_token_is_rejected_as_an_access_token() {
    let k = rs256();
    let refresh =
        k.issuer.sign_refresh(&k.issuer.refresh_claims("user-1", "fam-1", "rt-1", NOW, NOW + 30 * 86_400)).unwrap();
    assert_eq!(reject(&k, &refresh), TokenError::WrongType);
}

#[test]
fn an_access_token_is_rejected_as_a_refresh_token() {
    let k = rs256();
    let access = k.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    assert_eq!(k.verifier.verify_refresh(&access, NOW), Err(TokenError::WrongType));
}

#[test]
fn access_claims_relabelled_as_a_refresh_token_do_not_parse() {
    let k = rs256();
    let token = sign_access(&k, &header(&k, Some("rt+jwt")), &access_claims(&k));
    assert_eq!(k.verifier.verify_refresh(&token, NOW), Err(TokenError::Claims));
}

#[test]
fn a_token_expired_beyond_the_leeway_is_rejected() {
    let k = rs256();
    let issued = k.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap();
    assert_eq!(k.verifier.verify_access(&issued.token, NOW + 900 + 30), Err(TokenError::Expired));
}

#[test]
fn nbf_in_the_future_is_rejected() {
    let k = rs256();
    let token = with_claims(&k, |c| {
        c.insert("nbf".into(), json!(NOW + 3600));
    });
    assert_eq!(reject(&k, &token), TokenError::NotYetValid);
}

#[test]
fn iat_in_the_future_is_rejected() {
    let k = rs256();
    let token = with_claims(&k, |c| {
        c.insert("iat".into(), json!(NOW + 3600));
    });
    assert_eq!(reject(&k, &token), TokenError::NotYetValid);
}

#[test]
fn a_missing_iat_is_rejected() {
    let k = rs256();
    assert_eq!(reject(&k, &with_claims(&k, |c| drop(c.remove("iat")))), TokenError::Claims);
}

#[test]
fn a_missing_iss_is_rejected() {
    let k = rs256();
    assert_eq!(reject(&k, &with_claims(&k, |c| drop(c.remove("iss")))), TokenError::Claims);
}

#[test]
fn a_missing_aud_is_rejected() {
    let k = rs256();
    assert_eq!(reject(&k, &with_claims(&k, |c| drop(c.remove("aud")))), TokenError::Claims);
}

#[test]
fn a_missing_sub_is_rejected() {
    let k = rs256();
    assert_eq!(reject(&k, &with_claims(&k, |c| drop(c.remove("sub")))), TokenError::Claims);
}

#[test]
fn a_missing_exp_is_rejected() {
    let k = rs256();
    assert_eq!(reject(&k, &with_claims(&k, |c| drop(c.remove("exp")))), TokenError::Claims);
}

#[test]
fn a_wrong_iss_is_rejected() {
    let k = rs256();
    let token = with_claims(&k, |c| {
        c.insert("iss".into(), json!("https://evil.example.com"));
    });
    assert_eq!(reject(&k, &token), TokenError::Issuer);
}

#[test]
fn a_wrong_aud_is_rejected() {
    let k = rs256();
    let token = with_claims(&k, |c| {
        c.insert("aud".into(), json!("another-api"));
    });
    assert_eq!(reject(&k, &token), TokenError::Audience);
}

#[test]
fn exp_as_a_string_is_rejected() {
    let k = rs256();
    let token = with_claims(&k, |c| {
        c.insert("exp".into(), json!((NOW + 900).to_string()));
    });
    assert_eq!(reject(&k, &token), TokenError::Claims);
}

#[test]
fn exp_above_u64_is_rejected() {
    let k = rs256();
    let claims =
        access_claims(&k).to_string().replace(&format!("\"exp\":{}", NOW + 900), "\"exp\":18446744073709551616");
    assert!(claims.contains("18446744073709551616"));
    assert_eq!(reject(&k, &sign_raw(&k, &header(&k, Some("at+jwt")), claims.as_bytes())), TokenError::Claims);
}

#[test]
fn a_tampered_payload_is_rejected() {
    let k = rs256();
    let token = k.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = access_claims(&k);
    claims["sub"] = json!("admin");
    let forged = format!("{}.{}.{}", parts[0], b64(claims.to_string().as_bytes()), parts[2]);
    assert_eq!(reject(&k, &forged), TokenError::Signature);
}

#[test]
fn a_tampered_signature_is_rejected() {
    let k = rs256();
    let token = k.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    let (message, sig) = token.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    sig[10] ^= 0x01;
    assert_eq!(reject(&k, &format!("{message}.{}", b64(&sig))), TokenError::Signature);
}

#[test]
fn a_signature_from_another_key_with_our_kid_is_rejected() {
    let k = rs256();
    let other = rs256();
    let forged = sign_access(&other, &header(&k, Some("at+jwt")), &access_claims(&k));
    assert_eq!(reject(&k, &forged), TokenError::Signature);
}

#[test]
fn two_segments_are_rejected() {
    let k = rs256();
    let token = k.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    let (message, _) = token.rsplit_once('.').unwrap();
    assert_eq!(reject(&k, message), TokenError::Malformed);
}

#[test]
fn four_segments_are_rejected() {
    let k = rs256();
    let token = k.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    assert_eq!(reject(&k, &format!("{token}.AAAA")), TokenError::Malformed);
}

#[test]
fn bad_base64_in_the_header_is_rejected() {
    let k = rs256();
    let token = k.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    let (_, rest) = token.split_once('.').unwrap();
    assert_eq!(reject(&k, &format!("eyJ*!.{rest}")), TokenError::Malformed);
}

#[test]
fn bad_base64_in_a_signed_payload_is_rejected() {
    let k = rs256();
    let h = b64(header(&k, Some("at+jwt")).to_string().as_bytes());
    let message = format!("{h}.***not-base64***");
    let sig = jsonwebtoken::crypto::sign(message.as_bytes(), k.issuer.signing_key().encoding_key(), Algorithm::RS256)
        .unwrap();
    assert_eq!(reject(&k, &format!("{message}.{sig}")), TokenError::Malformed);
}

#[test]
fn a_non_utf8_payload_is_rejected() {
    let k = rs256();
    let token = sign_raw(&k, &header(&k, Some("at+jwt")), b"{\"sub\":\"\xff\xfe\"}");
    assert_eq!(reject(&k, &token), TokenError::Claims);
}

#[test]
fn a_9_kib_token_is_rejected_before_parsing() {
    let k = rs256();
    let token = with_claims(&k, |c| {
        c.insert("scope".into(), json!("x".repeat(9 * 1024)));
    });
    assert!(token.len() > MAX_TOKEN_BYTES);
    assert_eq!(reject(&k, &token), TokenError::TooLarge);
}

#[test]
fn a_jku_header_is_rejected() {
    let k = rs256();
    let mut h = header(&k, Some("at+jwt"));
    h["jku"] = json!("https://evil.example.com/jwks.json");
    assert_eq!(reject(&k, &sign_access(&k, &h, &access_claims(&k))), TokenError::ForbiddenHeader);
}

#[test]
fn an_x5u_header_is_rejected() {
    let k = rs256();
    let mut h = header(&k, Some("at+jwt"));
    h["x5u"] = json!("https://evil.example.com/cert.pem");
    assert_eq!(reject(&k, &sign_access(&k, &h, &access_claims(&k))), TokenError::ForbiddenHeader);
}

#[test]
fn an_embedded_jwk_signed_by_that_key_is_rejected() {
    let k = rs256();
    let attacker = rs256();
    let mut h = header(&attacker, Some("at+jwt"));
    h["jwk"] = serde_json::to_value(attacker.issuer.signing_key().verification_jwk()).unwrap();
    assert_eq!(reject(&k, &sign_access(&attacker, &h, &access_claims(&k))), TokenError::ForbiddenHeader);
}

#[test]
fn an_eddsa_token_is_rejected_by_an_rs256_verifier() {
    let k = rs256();
    let ed = kit(Algorithm::EdDSA);
    let token = ed.issuer.issue_access("user-1", "a@b.co", "", NOW).unwrap().token;
    assert_eq!(reject(&k, &token), TokenError::Algorithm);
}

#[test]
fn a_crit_header_is_rejected() {
    let k = rs256();
    let mut h = header(&k, Some("at+jwt"));
    h["crit"] = json!(["exp"]);
    assert_eq!(reject(&k, &sign_access(&k, &h, &access_claims(&k))), TokenError::Malformed);
}

#[test]
fn an_empty_string_is_rejected() {
    assert_eq!(reject(&rs256(), ""), TokenError::Malformed);
}

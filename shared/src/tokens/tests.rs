use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::*;
use crate::config::KeySettings;
use crate::testing::forge::{self, Kit, NOW, NegativeCase};

fn check(case: NegativeCase) {
    assert_eq!(case.verifier.verify_access(&case.token, case.now), Err(case.expected), "{}", case.name);
}

fn kid_of(token: &str) -> String {
    let (h, _) = token.split_once('.').unwrap();
    let h: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    h["kid"].as_str().unwrap().to_string()
}

// --- happy paths -----------------------------------------------------------

#[test]
fn rs256_access_tokens_verify() {
    let k = Kit::new(Algorithm::RS256);
    let issued =
        k.issuer.issue_access(crate::store::Subject::new("user-1", "ada@example.com"), None, "read", NOW).unwrap();
    assert_eq!(k.verifier.verify_access(&issued.token, NOW).unwrap(), issued.claims);
}

#[test]
fn eddsa_access_tokens_verify() {
    let k = Kit::new(Algorithm::EdDSA);
    assert_eq!(k.verifier.verify_access(&k.access(), NOW).unwrap().sub, "user-1");
}

#[test]
fn hs256_access_tokens_verify() {
    let k = Kit::new(Algorithm::HS256);
    assert_eq!(k.verifier.verify_access(&k.access(), NOW).unwrap().email, "ada@example.com");
}

#[test]
fn access_tokens_carry_the_spec_header_and_claims() {
    let k = Kit::new(Algorithm::RS256);
    let issued = k.issuer.issue_access(crate::store::Subject::new("user-1", "ada@example.com"), None, "", NOW).unwrap();
    let (h, _) = issued.token.split_once('.').unwrap();
    let h: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    assert_eq!(h, serde_json::json!({"alg": "RS256", "typ": "at+jwt", "kid": k.kid()}));
    let c = issued.claims;
    assert_eq!((c.iat, c.nbf, c.exp), (NOW as u64, NOW as u64, NOW as u64 + 900));
    assert_eq!(c.jti.len(), 32);
}

#[test]
fn an_expired_token_within_the_leeway_still_verifies() {
    let k = &*forge::RS256;
    assert!(k.verifier.verify_access(&k.access(), NOW + 900 + 29).is_ok());
}

#[test]
fn after_rotation_old_tokens_verify_and_new_ones_use_the_new_key() {
    let old = Kit::new(Algorithm::RS256);
    let (new_key, _) = SigningKey::generate(Algorithm::RS256).unwrap();
    let new_kid = new_key.kid().to_string();
    let jwks = serde_json::to_string(old.verifier.keys().public_jwks()).unwrap();
    let settings_with_old = KeySettings { verify_keys: Some(jwks), ..KeySettings::default() };
    let keys = VerificationKeys::from_settings(Algorithm::RS256, &settings_with_old, Some(&new_key)).unwrap();
    let s = crate::testing::token_settings(Algorithm::RS256);
    let verifier = TokenVerifier::new(&s, keys);
    let new_issuer = TokenIssuer::new(&s, new_key);

    assert!(verifier.verify_access(&old.access(), NOW).is_ok());
    let new_token =
        new_issuer.issue_access(crate::store::Subject::new("user-1", "a@b.co"), None, "", NOW).unwrap().token;
    assert!(verifier.verify_access(&new_token, NOW).is_ok());
    assert_ne!(new_kid, old.kid());
    assert_eq!(kid_of(&new_token), new_kid);
    // Once the old key is retired, its tokens stop verifying.
    assert_eq!(old.verifier.verify_access(&new_token, NOW), Err(TokenError::UnknownKey));
}

#[test]
fn hs256_with_the_right_secret_is_the_control_for_the_hmac_cases() {
    let (verifier, token) = forge::hs256_with_the_right_secret();
    assert!(verifier.verify_access(&token, NOW).is_ok());
}

#[test]
fn the_negative_case_list_is_complete() {
    assert_eq!(forge::negative_cases().len(), 39);
}

// --- negative cases: each must be refused for its own reason -----------------

#[test]
fn alg_none_lowercase_is_rejected() {
    check(forge::alg_none("none"));
}

#[test]
fn alg_none_capitalised_is_rejected() {
    check(forge::alg_none("None"));
}

#[test]
fn alg_none_uppercase_is_rejected() {
    check(forge::alg_none("NONE"));
}

#[test]
fn alg_none_mixed_case_is_rejected() {
    check(forge::alg_none("nOnE"));
}

#[test]
fn hs256_signed_with_the_rsa_public_key_is_rejected() {
    check(forge::hs256_keyed_with_the_rsa_public_key());
}

#[test]
fn hs384_with_the_right_secret_is_rejected_when_hs256_is_configured() {
    check(forge::hs384_with_the_right_secret());
}

#[test]
fn hs512_with_the_right_secret_is_rejected_when_hs256_is_configured() {
    check(forge::hs512_with_the_right_secret());
}

#[test]
fn an_unknown_kid_is_rejected() {
    check(forge::unknown_kid());
}

#[test]
fn a_missing_kid_is_rejected() {
    check(forge::missing_kid());
}

#[test]
fn typ_jwt_is_rejected_for_access_tokens() {
    check(forge::typ_jwt());
}

#[test]
fn a_missing_typ_is_rejected() {
    check(forge::typ_missing());
}

#[test]
fn a_refresh_token_is_rejected_as_an_access_token() {
    check(forge::refresh_token_as_access_token());
}

#[test]
fn a_token_expired_beyond_the_leeway_is_rejected() {
    check(forge::expired_beyond_the_leeway());
}

#[test]
fn nbf_in_the_future_is_rejected() {
    check(forge::nbf_in_the_future());
}

#[test]
fn iat_in_the_future_is_rejected() {
    check(forge::iat_in_the_future());
}

#[test]
fn a_missing_iat_is_rejected() {
    check(forge::missing_claim("iat"));
}

#[test]
fn a_missing_iss_is_rejected() {
    check(forge::missing_claim("iss"));
}

#[test]
fn a_missing_aud_is_rejected() {
    check(forge::missing_claim("aud"));
}

#[test]
fn a_missing_sub_is_rejected() {
    check(forge::missing_claim("sub"));
}

#[test]
fn a_missing_exp_is_rejected() {
    check(forge::missing_claim("exp"));
}

#[test]
fn a_wrong_iss_is_rejected() {
    check(forge::wrong_iss());
}

#[test]
fn a_wrong_aud_is_rejected() {
    check(forge::wrong_aud());
}

#[test]
fn exp_as_a_string_is_rejected() {
    check(forge::exp_as_a_string());
}

#[test]
fn exp_above_u64_is_rejected() {
    check(forge::exp_above_u64());
}

#[test]
fn a_tampered_payload_is_rejected() {
    check(forge::tampered_payload());
}

#[test]
fn a_tampered_signature_is_rejected() {
    check(forge::tampered_signature());
}

#[test]
fn a_signature_from_another_key_with_our_kid_is_rejected() {
    check(forge::signed_by_another_key_with_our_kid());
}

#[test]
fn two_segments_are_rejected() {
    check(forge::two_segments());
}

#[test]
fn four_segments_are_rejected() {
    check(forge::four_segments());
}

#[test]
fn bad_base64_in_the_header_is_rejected() {
    check(forge::bad_base64_header());
}

#[test]
fn bad_base64_in_a_signed_payload_is_rejected() {
    check(forge::bad_base64_payload());
}

#[test]
fn a_non_utf8_payload_is_rejected() {
    check(forge::non_utf8_payload());
}

#[test]
fn a_9_kib_token_is_rejected_before_parsing() {
    check(forge::oversized());
}

#[test]
fn a_jku_header_is_rejected() {
    check(forge::jku_header());
}

#[test]
fn an_x5u_header_is_rejected() {
    check(forge::x5u_header());
}

#[test]
fn an_embedded_jwk_signed_by_that_key_is_rejected() {
    check(forge::embedded_jwk());
}

#[test]
fn an_eddsa_token_is_rejected_by_an_rs256_verifier() {
    check(forge::eddsa_token_for_an_rs256_verifier());
}

#[test]
fn a_crit_header_is_rejected() {
    check(forge::crit_header());
}

#[test]
fn an_empty_string_is_rejected() {
    check(forge::empty());
}

#[test]
fn tokens_from_before_email_verified_and_tokens_with_later_claims_verify() {
    let k = &*forge::RS256;
    let old = k.with_claims(|c| {
        c.remove("email_verified");
    });
    assert_eq!(k.verifier.verify_access(&old, NOW).unwrap().email_verified, None);
    let later = k.with_claims(|c| {
        c.insert("sid".into(), "family-1".into());
        c.insert("amr".into(), serde_json::json!(["pwd", "otp"]));
    });
    let claims = k.verifier.verify_access(&later, NOW).unwrap();
    assert_eq!((claims.sid.as_deref(), claims.amr.map(|a| a.len())), (Some("family-1"), Some(2)));
}

#[test]
fn issued_tokens_say_whether_the_address_is_verified() {
    let k = Kit::new(Algorithm::RS256);
    let subject = crate::store::Subject { email_verified: true, ..crate::store::Subject::new("u", "a@b.co") };
    assert_eq!(k.issuer.issue_access(subject, None, "", NOW).unwrap().claims.email_verified, Some(true));
}

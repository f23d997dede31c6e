//! Forged and broken access tokens: every way verification must say no.
//! The unit tests in `tokens` check each case on its own; the authorizer's
//! tests push the whole list through every event shape.

use std::sync::{Arc, LazyLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::tokens::{MAX_TOKEN_BYTES, TokenError};
use crate::{Algorithm, KeySettings, SigningKey, TokenIssuer, TokenVerifier, VerificationKeys};

/// The instant the cases are issued at and judged at (unless a case says otherwise).
pub const NOW: i64 = 1_800_000_000;

pub struct Kit {
    pub issuer: TokenIssuer,
    pub verifier: Arc<TokenVerifier>,
}

impl Kit {
    pub fn new(algorithm: Algorithm) -> Self {
        Self::with_key(SigningKey::generate(algorithm).expect("key").0)
    }

    pub fn with_key(key: SigningKey) -> Self {
        let algorithm = key.algorithm();
        let settings = super::token_settings(algorithm);
        let keys = VerificationKeys::from_settings(algorithm, &KeySettings::default(), Some(&key)).expect("keys");
        Self { verifier: Arc::new(TokenVerifier::new(&settings, keys)), issuer: TokenIssuer::new(&settings, key) }
    }

    pub fn kid(&self) -> &str {
        self.issuer.signing_key().kid()
    }

    /// A valid access token issued at `NOW`.
    pub fn access(&self) -> String {
        self.issuer
            .issue_access(crate::store::Subject::new("user-1", "ada@example.com"), None, "", NOW)
            .expect("issue")
            .token
    }

    /// An opaque refresh token, which must never pass as an access token.
    pub fn refresh(&self) -> String {
        crate::RefreshToken::first("6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47").encode()
    }

    /// The claims of a valid access token, as JSON to tamper with.
    pub fn claims(&self) -> Value {
        let issued = self
            .issuer
            .issue_access(crate::store::Subject::new("user-1", "ada@example.com"), None, "", NOW)
            .expect("issue");
        serde_json::to_value(issued.claims).expect("claims")
    }

    pub fn header(&self, typ: Option<&str>) -> Value {
        let mut h = json!({"alg": self.issuer.algorithm().name(), "kid": self.kid()});
        if let Some(typ) = typ {
            h["typ"] = json!(typ);
        }
        h
    }

    /// Signs an arbitrary header and payload with this kit's real key.
    pub fn sign_raw(&self, header: &Value, payload: &[u8]) -> String {
        let message = format!("{}.{}", b64(header.to_string().as_bytes()), b64(payload));
        let key = self.issuer.signing_key().encoding_key();
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), key, self.issuer.algorithm().jwt()).expect("sign");
        format!("{message}.{signature}")
    }

    pub fn with_header(&self, edit: impl FnOnce(&mut Value)) -> String {
        let mut h = self.header(Some("at+jwt"));
        edit(&mut h);
        self.sign_raw(&h, self.claims().to_string().as_bytes())
    }

    pub fn with_claims(&self, edit: impl FnOnce(&mut Map<String, Value>)) -> String {
        let mut claims = self.claims();
        edit(claims.as_object_mut().expect("object"));
        self.sign_raw(&self.header(Some("at+jwt")), claims.to_string().as_bytes())
    }
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The verifier every RS256 case targets, with its one key.
pub static RS256: LazyLock<Kit> = LazyLock::new(|| Kit::new(Algorithm::RS256));
/// Another RS256 key: the attacker's.
pub static ATTACKER: LazyLock<Kit> = LazyLock::new(|| Kit::new(Algorithm::RS256));
pub const HMAC_SECRET: [u8; 32] = [42; 32];
pub static HS256: LazyLock<Kit> =
    LazyLock::new(|| Kit::with_key(SigningKey::from_material(Algorithm::HS256, &b64(&HMAC_SECRET)).expect("hmac key")));

/// A token that verification of access tokens must refuse with `expected`.
pub struct NegativeCase {
    pub name: &'static str,
    pub verifier: Arc<TokenVerifier>,
    pub token: String,
    pub expected: TokenError,
    /// When the token is presented.
    pub now: i64,
}

fn case(name: &'static str, kit: &Kit, token: String, expected: TokenError) -> NegativeCase {
    NegativeCase { name, verifier: kit.verifier.clone(), token, expected, now: NOW }
}

fn unsigned(header: &Value, claims: &Value) -> String {
    format!("{}.{}.", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()))
}

fn hmac_signed(kit: &Kit, secret: &[u8], algorithm: jsonwebtoken::Algorithm, name: &str) -> String {
    let h = json!({"alg": name, "typ": "at+jwt", "kid": kit.kid()});
    let message = format!("{}.{}", b64(h.to_string().as_bytes()), b64(kit.claims().to_string().as_bytes()));
    let key = jsonwebtoken::EncodingKey::from_secret(secret);
    format!("{message}.{}", jsonwebtoken::crypto::sign(message.as_bytes(), &key, algorithm).expect("sign"))
}

pub fn alg_none(variant: &'static str) -> NegativeCase {
    let k = &*RS256;
    let token = unsigned(&json!({"alg": variant, "typ": "at+jwt", "kid": k.kid()}), &k.claims());
    case("alg none", k, token, TokenError::Algorithm)
}

/// Key confusion: HS256 keyed with the published RSA public key.
pub fn hs256_keyed_with_the_rsa_public_key() -> NegativeCase {
    let k = &*RS256;
    let public = serde_json::to_vec(k.issuer.signing_key().verification_jwk()).expect("jwk");
    case(
        "HS256 keyed with the RSA public key",
        k,
        hmac_signed(k, &public, jsonwebtoken::Algorithm::HS256, "HS256"),
        TokenError::Algorithm,
    )
}

pub fn hs384_with_the_right_secret() -> NegativeCase {
    let k = &*HS256;
    case(
        "HS384 with the right secret",
        k,
        hmac_signed(k, &HMAC_SECRET, jsonwebtoken::Algorithm::HS384, "HS384"),
        TokenError::Algorithm,
    )
}

pub fn hs512_with_the_right_secret() -> NegativeCase {
    let k = &*HS256;
    case(
        "HS512 with the right secret",
        k,
        hmac_signed(k, &HMAC_SECRET, jsonwebtoken::Algorithm::HS512, "HS512"),
        TokenError::Algorithm,
    )
}

/// The control for the two above: the same construction with HS256 verifies.
pub fn hs256_with_the_right_secret() -> (Arc<TokenVerifier>, String) {
    let k = &*HS256;
    (k.verifier.clone(), hmac_signed(k, &HMAC_SECRET, jsonwebtoken::Algorithm::HS256, "HS256"))
}

pub fn unknown_kid() -> NegativeCase {
    let k = &*RS256;
    case("unknown kid", k, k.with_header(|h| h["kid"] = json!("someone-elses-key")), TokenError::UnknownKey)
}

pub fn missing_kid() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_header(|h| drop(h.as_object_mut().map(|h| h.remove("kid"))));
    case("missing kid", k, token, TokenError::MissingKeyId)
}

pub fn typ_jwt() -> NegativeCase {
    let k = &*RS256;
    case("typ JWT", k, k.with_header(|h| h["typ"] = json!("JWT")), TokenError::WrongType)
}

pub fn typ_missing() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_header(|h| drop(h.as_object_mut().map(|h| h.remove("typ"))));
    case("typ missing", k, token, TokenError::WrongType)
}

pub fn refresh_token_as_access_token() -> NegativeCase {
    let k = &*RS256;
    case("refresh token as access token", k, k.refresh(), TokenError::Malformed)
}

pub fn expired_beyond_the_leeway() -> NegativeCase {
    let k = &*RS256;
    NegativeCase { now: NOW + 900 + 30, ..case("expired beyond the leeway", k, k.access(), TokenError::Expired) }
}

pub fn nbf_in_the_future() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_claims(|c| drop(c.insert("nbf".into(), json!(NOW + 3600))));
    case("nbf in the future", k, token, TokenError::NotYetValid)
}

pub fn iat_in_the_future() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_claims(|c| drop(c.insert("iat".into(), json!(NOW + 3600))));
    case("iat in the future", k, token, TokenError::NotYetValid)
}

pub fn missing_claim(claim: &'static str) -> NegativeCase {
    let k = &*RS256;
    case("missing claim", k, k.with_claims(|c| drop(c.remove(claim))), TokenError::Claims)
}

pub fn wrong_iss() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_claims(|c| drop(c.insert("iss".into(), json!("https://evil.example.com"))));
    case("wrong iss", k, token, TokenError::Issuer)
}

pub fn wrong_aud() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_claims(|c| drop(c.insert("aud".into(), json!("another-api"))));
    case("wrong aud", k, token, TokenError::Audience)
}

pub fn exp_as_a_string() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_claims(|c| drop(c.insert("exp".into(), json!((NOW + 900).to_string()))));
    case("exp as a string", k, token, TokenError::Claims)
}

pub fn exp_above_u64() -> NegativeCase {
    let k = &*RS256;
    let claims = k.claims().to_string().replace(&format!("\"exp\":{}", NOW + 900), "\"exp\":18446744073709551616");
    assert!(claims.contains("18446744073709551616"));
    case("exp above u64", k, k.sign_raw(&k.header(Some("at+jwt")), claims.as_bytes()), TokenError::Claims)
}

pub fn tampered_payload() -> NegativeCase {
    let k = &*RS256;
    let token = k.access();
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = k.claims();
    claims["sub"] = json!("admin");
    let forged = format!("{}.{}.{}", parts[0], b64(claims.to_string().as_bytes()), parts[2]);
    case("tampered payload", k, forged, TokenError::Signature)
}

pub fn tampered_signature() -> NegativeCase {
    let k = &*RS256;
    let token = k.access();
    let (message, signature) = token.rsplit_once('.').expect("three parts");
    let mut signature = URL_SAFE_NO_PAD.decode(signature).expect("base64");
    signature[10] ^= 0x01;
    case("tampered signature", k, format!("{message}.{}", b64(&signature)), TokenError::Signature)
}

pub fn signed_by_another_key_with_our_kid() -> NegativeCase {
    let k = &*RS256;
    let forged = ATTACKER.sign_raw(&k.header(Some("at+jwt")), k.claims().to_string().as_bytes());
    case("signed by another key with our kid", k, forged, TokenError::Signature)
}

pub fn two_segments() -> NegativeCase {
    let k = &*RS256;
    let token = k.access();
    let (message, _) = token.rsplit_once('.').expect("three parts");
    case("two segments", k, message.to_string(), TokenError::Malformed)
}

pub fn four_segments() -> NegativeCase {
    let k = &*RS256;
    case("four segments", k, format!("{}.AAAA", k.access()), TokenError::Malformed)
}

pub fn bad_base64_header() -> NegativeCase {
    let k = &*RS256;
    let token = k.access();
    let (_, rest) = token.split_once('.').expect("three parts");
    case("bad base64 in the header", k, format!("eyJ*!.{rest}"), TokenError::Malformed)
}

pub fn bad_base64_payload() -> NegativeCase {
    let k = &*RS256;
    let message = format!("{}.***not-base64***", b64(k.header(Some("at+jwt")).to_string().as_bytes()));
    let key = k.issuer.signing_key().encoding_key();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, jsonwebtoken::Algorithm::RS256).expect("sign");
    case("bad base64 in a signed payload", k, format!("{message}.{signature}"), TokenError::Malformed)
}

pub fn non_utf8_payload() -> NegativeCase {
    let k = &*RS256;
    let token = k.sign_raw(&k.header(Some("at+jwt")), b"{\"sub\":\"\xff\xfe\"}");
    case("non-UTF-8 payload", k, token, TokenError::Claims)
}

pub fn oversized() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_claims(|c| drop(c.insert("scope".into(), json!("x".repeat(9 * 1024)))));
    assert!(token.len() > MAX_TOKEN_BYTES);
    case("9 KiB token", k, token, TokenError::TooLarge)
}

pub fn jku_header() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_header(|h| h["jku"] = json!("https://evil.example.com/jwks.json"));
    case("jku header", k, token, TokenError::ForbiddenHeader)
}

pub fn x5u_header() -> NegativeCase {
    let k = &*RS256;
    let token = k.with_header(|h| h["x5u"] = json!("https://evil.example.com/cert.pem"));
    case("x5u header", k, token, TokenError::ForbiddenHeader)
}

pub fn embedded_jwk() -> NegativeCase {
    let attacker = &*ATTACKER;
    let jwk = serde_json::to_value(attacker.issuer.signing_key().verification_jwk()).expect("jwk");
    let token = attacker.with_header(|h| h["jwk"] = jwk);
    case("embedded jwk", &RS256, token, TokenError::ForbiddenHeader)
}

pub fn eddsa_token_for_an_rs256_verifier() -> NegativeCase {
    let ed = Kit::new(Algorithm::EdDSA);
    case("EdDSA token for an RS256 verifier", &RS256, ed.access(), TokenError::Algorithm)
}

pub fn crit_header() -> NegativeCase {
    let k = &*RS256;
    case("crit header", k, k.with_header(|h| h["crit"] = json!(["exp"])), TokenError::Malformed)
}

pub fn empty() -> NegativeCase {
    case("empty string", &RS256, String::new(), TokenError::Malformed)
}

/// Every access-token case, for pushing through other entry points.
pub fn negative_cases() -> Vec<NegativeCase> {
    let mut cases = vec![
        alg_none("none"),
        alg_none("None"),
        alg_none("NONE"),
        alg_none("nOnE"),
        hs256_keyed_with_the_rsa_public_key(),
        hs384_with_the_right_secret(),
        hs512_with_the_right_secret(),
        unknown_kid(),
        missing_kid(),
        typ_jwt(),
        typ_missing(),
        refresh_token_as_access_token(),
        expired_beyond_the_leeway(),
        nbf_in_the_future(),
        iat_in_the_future(),
        wrong_iss(),
        wrong_aud(),
        exp_as_a_string(),
        exp_above_u64(),
        tampered_payload(),
        tampered_signature(),
        signed_by_another_key_with_our_kid(),
        two_segments(),
        four_segments(),
        bad_base64_header(),
        bad_base64_payload(),
        non_utf8_payload(),
        oversized(),
        jku_header(),
        x5u_header(),
        embedded_jwk(),
        eddsa_token_for_an_rs256_verifier(),
        crit_header(),
        empty(),
    ];
    cases.extend(["iat", "iss", "aud", "sub", "exp"].map(missing_claim));
    cases
}

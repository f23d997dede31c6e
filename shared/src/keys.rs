//! Key material: loading a signing key, building the set of verification keys
//! (chosen by `kid`), generating new keys, and the public JWKS.
//!
//! Every `kid` is the key's RFC 7638 thumbprint, so the same key always has the
//! same id and nothing else needs to be configured for rotation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::algorithm::Algorithm;
use crate::config::{KeySettings, Secret};

/// HMAC secrets shorter than the hash output weaken HS256 (RFC 7518 §3.2).
const MIN_HMAC_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the signing key is not a valid {algorithm:?} key: {reason}")]
    InvalidSigningKey { algorithm: Algorithm, reason: String },
    #[error("JWT_VERIFY_KEYS is not a usable JWKS: {0}")]
    InvalidJwks(String),
    #[error("no verification key: set JWT_VERIFY_KEYS or a signing key")]
    NoVerificationKey,
    #[error("no signing key: set JWT_SIGNING_KEY, JWT_SIGNING_KEY_FILE or JWT_SIGNING_KEY_SECRET_ARN")]
    NoSigningKey,
    #[error("cannot read JWT_SIGNING_KEY_FILE {path}: {reason}")]
    File { path: String, reason: String },
    #[error("key generation failed")]
    Generation,
}

/// The private key that signs new tokens, with its public half.
pub struct SigningKey {
    algorithm: Algorithm,
    kid: String,
    encoding: EncodingKey,
    verification: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("algorithm", &self.algorithm).field("kid", &self.kid).finish()
    }
}

impl SigningKey {
    /// `material` is a PKCS#8 PEM for RS256 and EdDSA, a base64url secret for HS256.
    pub fn from_material(algorithm: Algorithm, material: &str) -> Result<Self, KeyError> {
        crate::crypto::install_provider();
        let invalid = |reason: String| KeyError::InvalidSigningKey { algorithm, reason };
        let material = material.trim();
        let encoding = match algorithm {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(material.as_bytes()),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(material.as_bytes()),
            Algorithm::HS256 => {
                let secret = URL_SAFE_NO_PAD
                    .decode(material.trim_end_matches('='))
                    .map_err(|_| invalid("not base64url".into()))?;
                if secret.len() < MIN_HMAC_SECRET_BYTES {
                    return Err(invalid(format!("shorter than {MIN_HMAC_SECRET_BYTES} bytes")));
                }
                Ok(EncodingKey::from_secret(&secret))
            }
        }
        .map_err(|e| invalid(e.to_string()))?;
        let mut verification =
            Jwk::from_encoding_key(&encoding, algorithm.jwt()).map_err(|e| invalid(e.to_string()))?;
        let kid = verification.thumbprint(ThumbprintHash::SHA256).map_err(|e| invalid(e.to_string()))?;
        verification.common.key_id = Some(kid.clone());
        verification.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self { algorithm, kid, encoding, verification })
    }

    /// A fresh key and its material, in the form `from_material` reads.
    pub fn generate(algorithm: Algorithm) -> Result<(Self, Secret), KeyError> {
        let material = generate_material(algorithm)?;
        let key = Self::from_material(algorithm, material.expose())?;
        Ok((key, material))
    }

    /// Loads the key named by the settings, inline or from a file. The Secrets
    /// Manager source is async and lives with the AWS clients.
    pub fn from_settings(algorithm: Algorithm, settings: &KeySettings) -> Result<Option<Self>, KeyError> {
        if let Some(inline) = &settings.signing_key {
            return Self::from_material(algorithm, inline.expose()).map(Some);
        }
        if let Some(path) = &settings.signing_key_file {
            let material = std::fs::read_to_string(path)
                .map_err(|e| KeyError::File { path: path.clone(), reason: e.to_string() })?;
            return Self::from_material(algorithm, &material).map(Some);
        }
        Ok(None)
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    pub fn kid(&self) -> &str {
        &self.kid
    }
    /// The private key material, for deriving other keys from it.
    pub(crate) fn secret_material(&self) -> &[u8] {
        self.encoding.as_bytes()
    }

    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }
    /// The key that verifies this key's signatures (for HS256, the secret itself).
    pub fn verification_jwk(&self) -> &Jwk {
        &self.verification
    }
}

fn generate_material(algorithm: Algorithm) -> Result<Secret, KeyError> {
    use aws_lc_rs::encoding::AsDer;
    // LF, not the crate's default CRLF: the PEM travels through env files.
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    let pkcs8_pem = |der: &[u8]| pem::encode_config(&pem::Pem::new("PRIVATE KEY", der.to_vec()), config);
    match algorithm {
        Algorithm::RS256 => {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .map_err(|_| KeyError::Generation)?;
            let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).map_err(|_| KeyError::Generation)?;
            Ok(Secret::new(pkcs8_pem(der.as_ref())))
        }
        Algorithm::EdDSA => {
            let doc = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8v1(&aws_lc_rs::rand::SystemRandom::new())
                .map_err(|_| KeyError::Generation)?;
            Ok(Secret::new(pkcs8_pem(doc.as_ref())))
        }
        Algorithm::HS256 => {
            let mut secret = [0u8; 32];
            aws_lc_rs::rand::fill(&mut secret).map_err(|_| KeyError::Generation)?;
            Ok(Secret::new(URL_SAFE_NO_PAD.encode(secret)))
        }
    }
}

/// Every key that may verify a token, looked up by `kid`. Only keys of the
/// configured algorithm's family are accepted into the set.
#[derive(Clone)]
pub struct VerificationKeys {
    algorithm: Algorithm,
    keys: Vec<(String, DecodingKey)>,
    published: JwkSet,
}

impl VerificationKeys {
    pub fn empty(algorithm: Algorithm) -> Self {
        crate::crypto::install_provider();
        Self { algorithm, keys: Vec::new(), published: JwkSet { keys: Vec::new() } }
    }

    pub fn from_jwks(algorithm: Algorithm, jwks: &str) -> Result<Self, KeyError> {
        let set: JwkSet = serde_json::from_str(jwks).map_err(|e| KeyError::InvalidJwks(e.to_string()))?;
        let mut keys = Self::empty(algorithm);
        for jwk in &set.keys {
            keys.insert(jwk)?;
        }
        Ok(keys)
    }

    /// The keys of `JWT_VERIFY_KEYS` plus the signing key's own public half.
    pub fn from_settings(
        algorithm: Algorithm,
        settings: &KeySettings,
        signing: Option<&SigningKey>,
    ) -> Result<Self, KeyError> {
        let mut keys = match &settings.verify_keys {
            Some(jwks) => Self::from_jwks(algorithm, jwks)?,
            None => Self::empty(algorithm),
        };
        if let Some(signing) = signing {
            keys.insert(signing.verification_jwk())?;
        }
        if keys.keys.is_empty() {
            return Err(KeyError::NoVerificationKey);
        }
        Ok(keys)
    }

    pub fn insert(&mut self, jwk: &Jwk) -> Result<(), KeyError> {
        let invalid = |reason: &str| KeyError::InvalidJwks(reason.to_string());
        let kid = jwk.common.key_id.clone().ok_or_else(|| invalid("a key has no kid"))?;
        if let Some(declared) = jwk.common.key_algorithm
            && declared != self.algorithm.jwk()
        {
            return Err(invalid(&format!("key {kid} is for {declared}, not {:?}", self.algorithm)));
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|e| invalid(&e.to_string()))?;
        if key.family() != self.algorithm.jwt().family() {
            return Err(invalid(&format!("key {kid} does not fit {:?}", self.algorithm)));
        }
        if self.keys.iter().any(|(known, _)| *known == kid) {
            return Ok(());
        }
        self.keys.push((kid, key));
        if !self.algorithm.is_symmetric() {
            let mut public = jwk.clone();
            public.common.key_algorithm = Some(self.algorithm.jwk());
            public.common.public_key_use = Some(PublicKeyUse::Signature);
            self.published.keys.push(public);
        }
        Ok(())
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn get(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }

    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(k, _)| k.as_str())
    }

    /// The public JWKS. Shared HS256 secrets are never in it.
    pub fn public_jwks(&self) -> &JwkSet {
        &self.published
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_load_back_with_the_same_kid() {
        for alg in [Algorithm::RS256, Algorithm::EdDSA, Algorithm::HS256] {
            let (key, material) = SigningKey::generate(alg).unwrap();
            let again = SigningKey::from_material(alg, material.expose()).unwrap();
            assert_eq!(key.kid(), again.kid(), "{alg:?}");
        }
    }

    #[test]
    fn the_public_jwks_never_contains_an_hmac_secret() {
        let (key, _) = SigningKey::generate(Algorithm::HS256).unwrap();
        let settings = KeySettings::default();
        let keys = VerificationKeys::from_settings(Algorithm::HS256, &settings, Some(&key)).unwrap();
        assert!(keys.get(key.kid()).is_some());
        assert!(keys.public_jwks().keys.is_empty());
    }

    #[test]
    fn the_public_jwks_round_trips_into_a_verification_set() {
        let (key, _) = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let keys = VerificationKeys::from_settings(Algorithm::EdDSA, &KeySettings::default(), Some(&key)).unwrap();
        let json = serde_json::to_string(keys.public_jwks()).unwrap();
        assert!(!json.contains("\"d\""), "no private component");
        let loaded = VerificationKeys::from_jwks(Algorithm::EdDSA, &json).unwrap();
        assert_eq!(loaded.kids().collect::<Vec<_>>(), vec![key.kid()]);
    }

    #[test]
    fn a_key_of_another_family_is_refused() {
        let (key, _) = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let mut keys = VerificationKeys::empty(Algorithm::RS256);
        assert!(matches!(keys.insert(key.verification_jwk()), Err(KeyError::InvalidJwks(_))));
    }

    #[test]
    fn generated_pem_uses_plain_newlines() {
        let (_, material) = SigningKey::generate(Algorithm::EdDSA).unwrap();
        // PKCS#8, the block the config reads back; checked by parsing, not by text.
        assert_eq!(pem::parse(material.expose()).unwrap().tag(), "PRIVATE KEY");
        assert!(!material.expose().contains('\r'));
    }

    #[test]
    fn a_short_hmac_secret_is_refused() {
        let short = URL_SAFE_NO_PAD.encode([7u8; 16]);
        assert!(matches!(SigningKey::from_material(Algorithm::HS256, &short), Err(KeyError::InvalidSigningKey { .. })));
    }

    #[test]
    fn an_empty_key_configuration_is_an_error() {
        let err = VerificationKeys::from_settings(Algorithm::RS256, &KeySettings::default(), None);
        assert!(matches!(err, Err(KeyError::NoVerificationKey)));
    }

    #[test]
    fn a_pem_of_the_wrong_kind_is_refused() {
        let (_, ed) = SigningKey::generate(Algorithm::EdDSA).unwrap();
        assert!(SigningKey::from_material(Algorithm::RS256, ed.expose()).is_err());
    }
}

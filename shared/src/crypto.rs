//! The cryptography below keys, tokens and refresh tokens: jsonwebtoken's
//! provider, and the constant-time comparison of secrets.
//!
//! The provider is `aws_lc_rs`'s, except that RS256 signing keys
//! are parsed once instead of on every signature. Parsing and checking an
//! RSA-2048 key costs about a quarter of a signature (186 µs beside 686 µs
//! here), and every login and refresh signs one access token.
//! Installed through jsonwebtoken's own extension point (`CryptoProvider`).

use std::sync::{Arc, LazyLock, Once, RwLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, aws_lc};
use jsonwebtoken::signature::{Error as SignatureError, Signer};
use jsonwebtoken::{Algorithm, AlgorithmFamily, EncodingKey};

/// A service signs with one key, two around a rotation; the oldest goes first.
const MAX_CACHED_KEYS: usize = 4;

static PARSED: RwLock<Vec<(Vec<u8>, Arc<RsaKeyPair>)>> = RwLock::new(Vec::new());

struct ParsedRsa(Arc<RsaKeyPair>);

impl Signer<Vec<u8>> for ParsedRsa {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let mut signature = vec![0; self.0.public_modulus_len()];
        self.0
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature)
            .map_err(SignatureError::from_source)?;
        Ok(signature)
    }
}

impl JwtSigner for ParsedRsa {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}

fn parsed_rsa(der: &[u8]) -> Option<Arc<RsaKeyPair>> {
    let cached = PARSED.read().ok()?.iter().find(|(k, _)| k == der).map(|(_, p)| p.clone());
    if cached.is_some() {
        return cached;
    }
    let pair = Arc::new(RsaKeyPair::from_der(der).ok()?);
    if let Ok(mut parsed) = PARSED.write() {
        if parsed.len() == MAX_CACHED_KEYS {
            parsed.remove(0);
        }
        parsed.push((der.to_vec(), pair.clone()));
    }
    Some(pair)
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> jsonwebtoken::errors::Result<Box<dyn JwtSigner>> {
    if *algorithm == Algorithm::RS256
        && key.family() == AlgorithmFamily::Rsa
        && let Some(pair) = parsed_rsa(key.as_bytes())
    {
        return Ok(Box::new(ParsedRsa(pair)));
    }
    // Everything else, and keys that do not parse (for its error), as upstream.
    (aws_lc::DEFAULT_PROVIDER.signer_factory)(algorithm, key)
}

static PROVIDER: LazyLock<CryptoProvider> =
    LazyLock::new(|| CryptoProvider { signer_factory: signer, ..aws_lc::DEFAULT_PROVIDER.clone() });

/// Makes this the process's provider, before jsonwebtoken picks its default.
pub fn install_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only if a provider is already installed; signing then works uncached.
        let _ = PROVIDER.install_default();
    });
}

/// Constant-time comparison of two stored or presented secret hashes.
pub fn same_hash(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SigningKey;

    #[test]
    fn rs256_signatures_from_the_parsed_key_match_upstream_byte_for_byte() {
        let (key, _) = SigningKey::generate(crate::Algorithm::RS256).unwrap();
        let message = b"header.payload";
        let ours = signer(&Algorithm::RS256, key.encoding_key()).unwrap().try_sign(message).unwrap();
        let upstream = (aws_lc::DEFAULT_PROVIDER.signer_factory)(&Algorithm::RS256, key.encoding_key())
            .unwrap()
            .try_sign(message)
            .unwrap();
        assert_eq!(ours, upstream, "PKCS#1 v1.5 is deterministic");
        assert!(parsed_rsa(key.encoding_key().as_bytes()).is_some());
    }

    #[test]
    fn issuing_an_rs256_token_signs_with_the_parsed_key() {
        let (key, _) = SigningKey::generate(crate::Algorithm::RS256).unwrap();
        let der = key.encoding_key().as_bytes().to_vec();
        let issuer = crate::TokenIssuer::new(&crate::testing::token_settings(crate::Algorithm::RS256), key);
        issuer.issue_access(crate::store::Subject::new("u", "a@b.co"), None, "", 1_800_000_000).unwrap();
        assert!(PARSED.read().unwrap().iter().any(|(k, _)| *k == der), "the provider is installed and used");
    }

    #[test]
    fn other_algorithms_go_to_upstream() {
        let (key, _) = SigningKey::generate(crate::Algorithm::EdDSA).unwrap();
        assert_eq!(signer(&Algorithm::EdDSA, key.encoding_key()).unwrap().algorithm(), Algorithm::EdDSA);
    }
}

#[cfg(test)]
mod compare_tests {
    use super::same_hash;

    #[test]
    fn hashes_compare_equal_only_when_identical() {
        assert!(same_hash("abc", "abc"));
        assert!(!same_hash("abc", "abd"));
        assert!(!same_hash("", "abc"));
    }
}

//! One-time tokens for mailed links: `ot1.<purpose>.<user id>.<secret>`.
//!
//! The secret is 256 bits from the OS generator; the store keeps only its
//! SHA-256 (a slow hash would add nothing to 256 random bits). The purpose and
//! user travel in the token so that redeeming it is one keyed write, and a
//! token of one purpose is refused by every other flow without a read.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::store::{OneTimeRecord, Proof, Purpose};

const PREFIX: &str = "ot1";

/// What an unknown, expired, used, replaced or malformed token gets.
pub const INVALID: &str = "the link is invalid, expired or already used; ask for a new one";
const SECRET_BYTES: usize = 32;
const MAX_ID_CHARS: usize = 64;

pub struct OneTimeToken {
    pub purpose: Purpose,
    pub user_id: String,
    secret: [u8; SECRET_BYTES],
}

impl std::fmt::Debug for OneTimeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneTimeToken").field("purpose", &self.purpose).field("user_id", &self.user_id).finish()
    }
}

impl OneTimeToken {
    pub fn new(purpose: Purpose, user_id: &str) -> Self {
        let mut secret = [0; SECRET_BYTES];
        // The system RNG failing leaves nothing safe to do.
        aws_lc_rs::rand::fill(&mut secret).expect("system random number generator");
        Self { purpose, user_id: user_id.to_string(), secret }
    }

    /// The token of `purpose` in `text`; `None` for anything else, including
    /// a well-formed token of another purpose.
    pub fn parse(text: &str, purpose: Purpose) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let (Some(PREFIX), Some(name), Some(user_id), Some(secret), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        if Purpose::from_name(name) != Some(purpose) || !is_id(user_id) {
            return None;
        }
        let secret = URL_SAFE_NO_PAD.decode(secret).ok()?.try_into().ok()?;
        Some(Self { purpose, user_id: user_id.to_string(), secret })
    }

    pub fn encode(&self) -> String {
        format!("{PREFIX}.{}.{}.{}", self.purpose.name(), self.user_id, URL_SAFE_NO_PAD.encode(self.secret))
    }

    pub fn secret_hash(&self) -> String {
        let hash = digest::digest(&digest::SHA256, &self.secret);
        URL_SAFE_NO_PAD.encode(hash.as_ref())
    }

    /// What the store keeps of it.
    pub fn record(&self, expires_at: i64, new_email: Option<String>) -> OneTimeRecord {
        OneTimeRecord {
            user_id: self.user_id.clone(),
            purpose: self.purpose,
            secret_hash: self.secret_hash(),
            expires_at,
            new_email,
        }
    }

    /// The token in a request body, or `invalid_grant`.
    pub fn presented(text: &str, purpose: Purpose) -> Result<Self, crate::ApiError> {
        Self::parse(text, purpose).ok_or(crate::ApiError::InvalidGrant(INVALID))
    }

    /// This token presented at `now`; `hash` is `secret_hash()`.
    pub fn proof<'a>(&'a self, hash: &'a str, now: i64) -> Proof<'a> {
        Proof { user_id: &self.user_id, purpose: self.purpose, secret_hash: hash, now }
    }
}

fn is_id(part: &str) -> bool {
    !part.is_empty() && part.len() <= MAX_ID_CHARS && part.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "5b0a2f5e-2b1c-4d25-9a51-6f3c0e0b7d11";

    #[test]
    fn a_token_round_trips_and_only_its_hash_is_kept() {
        let token = OneTimeToken::new(Purpose::ResetPassword, USER);
        let text = token.encode();
        assert!(text.starts_with("ot1.reset.5b0a2f5e-"), "{text}");
        let parsed = OneTimeToken::parse(&text, Purpose::ResetPassword).unwrap();
        assert_eq!((parsed.user_id.as_str(), parsed.secret_hash()), (USER, token.secret_hash()));
        let record = token.record(100, None);
        assert!(!text.contains(&record.secret_hash));
        assert!(!format!("{token:?}").contains(text.rsplit('.').next().unwrap()), "Debug hides the secret");
    }

    #[test]
    fn two_tokens_differ_and_carry_256_bits() {
        let (a, b) = (OneTimeToken::new(Purpose::VerifyEmail, USER), OneTimeToken::new(Purpose::VerifyEmail, USER));
        assert_ne!(a.encode(), b.encode());
        assert_eq!(a.encode().rsplit('.').next().unwrap().len(), 43);
    }

    #[test]
    fn a_token_of_another_purpose_or_a_malformed_one_does_not_parse() {
        let text = OneTimeToken::new(Purpose::VerifyEmail, USER).encode();
        assert!(OneTimeToken::parse(&text, Purpose::ResetPassword).is_none());
        for bad in ["", "ot1", "ot1.verify", "ot2.verify.u.AAAA", "ot1.verify.not_an_id.AAAA", "ot1.verify.ab.AAAA.x"] {
            assert!(OneTimeToken::parse(bad, Purpose::VerifyEmail).is_none(), "{bad}");
        }
        let short = format!("ot1.verify.{USER}.AAAA");
        assert!(OneTimeToken::parse(&short, Purpose::VerifyEmail).is_none(), "a secret of the wrong length");
    }
}

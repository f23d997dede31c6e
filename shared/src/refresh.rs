//! Opaque refresh tokens: `rt1.<user id>.<family id>.<token id>.<secret>`.
//!
//! Not a JWT, so no JWT verifier anywhere can take one for an access token,
//! and no key signs or checks it: the store holds SHA-256 of the 256-bit
//! secret and compares in constant time.
//!
//! Rotation is deterministic without storing anything secret: a successor's
//! secret is HMAC-SHA256(presented secret, successor's id). A retry within the
//! grace interval presents the same token and learns the same successor id
//! from the store, so it gets the very same successor back; someone who holds
//! a token but not the randomly chosen successor id cannot derive later ones.

use aws_lc_rs::{digest, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::store::{RefreshRecord, TokenRef};

const PREFIX: &str = "rt1";
const SECRET_BYTES: usize = 32;
/// No part is longer than this; a UUID has 36 characters.
const MAX_ID_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a refresh token")]
pub struct NotARefreshToken;

#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub user_id: String,
    pub family_id: String,
    pub token_id: String,
    secret: [u8; SECRET_BYTES],
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshToken").field("family_id", &self.family_id).field("token_id", &self.token_id).finish()
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn is_id(part: &str) -> bool {
    !part.is_empty() && part.len() <= MAX_ID_CHARS && part.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

impl RefreshToken {
    /// The first token of a new family.
    pub fn first(user_id: &str) -> Self {
        let mut secret = [0; SECRET_BYTES];
        // The system RNG failing leaves nothing safe to do.
        aws_lc_rs::rand::fill(&mut secret).expect("system random number generator");
        Self { user_id: user_id.to_string(), family_id: new_id(), token_id: new_id(), secret }
    }

    /// The successor with id `token_id`; the same id always gives the same successor.
    pub fn successor(&self, token_id: &str) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.secret);
        let mut secret = [0; SECRET_BYTES];
        secret.copy_from_slice(hmac::sign(&key, token_id.as_bytes()).as_ref());
        Self {
            user_id: self.user_id.clone(),
            family_id: self.family_id.clone(),
            token_id: token_id.to_string(),
            secret,
        }
    }

    /// A successor with a fresh random id.
    pub fn next(&self) -> Self {
        self.successor(&new_id())
    }

    pub fn parse(token: &str) -> Result<Self, NotARefreshToken> {
        let mut parts = token.split('.');
        let (Some(PREFIX), Some(user_id), Some(family_id), Some(token_id), Some(secret), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(NotARefreshToken);
        };
        if ![user_id, family_id, token_id].into_iter().all(is_id) || secret.len() != 43 {
            return Err(NotARefreshToken);
        }
        let secret: [u8; SECRET_BYTES] =
            URL_SAFE_NO_PAD.decode(secret).ok().and_then(|s| s.try_into().ok()).ok_or(NotARefreshToken)?;
        Ok(Self { user_id: user_id.into(), family_id: family_id.into(), token_id: token_id.into(), secret })
    }

    pub fn encode(&self) -> String {
        format!(
            "{PREFIX}.{}.{}.{}.{}",
            self.user_id,
            self.family_id,
            self.token_id,
            URL_SAFE_NO_PAD.encode(self.secret)
        )
    }

    /// What the store keeps instead of the token.
    pub fn secret_hash(&self) -> String {
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &self.secret))
    }

    /// How the store finds and checks this token.
    pub fn reference<'a>(&'a self, secret_hash: &'a str) -> TokenRef<'a> {
        TokenRef { user_id: &self.user_id, family_id: &self.family_id, token_id: &self.token_id, secret_hash }
    }

    /// The stored form of this token, valid from `issued_at` for `ttl` seconds.
    pub fn record(&self, issued_at: i64, ttl: u64) -> RefreshRecord {
        RefreshRecord {
            user_id: self.user_id.clone(),
            family_id: self.family_id.clone(),
            token_id: self.token_id.clone(),
            secret_hash: self.secret_hash(),
            issued_at,
            expires_at: issued_at.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX)),
            session_ends_at: crate::store::NO_SESSION_LIMIT,
            amr: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47";

    #[test]
    fn a_token_round_trips_through_its_text() {
        let token = RefreshToken::first(USER);
        assert_eq!(RefreshToken::parse(&token.encode()), Ok(token.clone()));
        assert!(token.encode().starts_with(&format!("rt1.{USER}.")));
    }

    #[test]
    fn the_same_successor_id_always_gives_the_same_successor() {
        let token = RefreshToken::first(USER);
        assert_eq!(token.successor("abc").encode(), token.successor("abc").encode());
        assert_ne!(token.successor("abc").secret_hash(), token.successor("abd").secret_hash());
        assert_eq!(token.successor("abc").family_id, token.family_id);
    }

    #[test]
    fn successors_of_different_tokens_differ() {
        let (a, b) = (RefreshToken::first(USER), RefreshToken::first(USER));
        assert_ne!(a.successor("abc").secret_hash(), b.successor("abc").secret_hash());
    }

    #[test]
    fn the_secret_never_appears_in_debug_output_or_the_hash() {
        let token = RefreshToken::first(USER);
        let secret = token.encode().rsplit('.').next().unwrap().to_string();
        assert!(!format!("{token:?}").contains(&secret));
        assert_ne!(token.secret_hash(), secret);
    }

    #[test]
    fn anything_else_is_not_a_refresh_token() {
        let good = RefreshToken::first(USER).encode();
        let parts: Vec<&str> = good.split('.').collect();
        let cases = [
            String::new(),
            "rt1".into(),
            good.replacen("rt1", "rt2", 1),
            format!("{good}.x"),
            parts[..4].join("."),
            format!("rt1.{}.{}.{}.{}", "x".repeat(65), parts[2], parts[3], parts[4]),
            format!("rt1.{}.{}.{}.{}", "not hex!", parts[2], parts[3], parts[4]),
            format!("rt1.{}.{}.{}.{}=", parts[1], parts[2], parts[3], &parts[4][..42]),
            format!("rt1.{}.{}.{}.{}", parts[1], parts[2], parts[3], "*".repeat(43)),
            "eyJ0eXAiOiJhdCtqd3QifQ.eyJzdWIiOiJ4In0.c2ln".into(),
        ];
        for case in cases {
            assert_eq!(RefreshToken::parse(&case), Err(NotARefreshToken), "{case:?}");
        }
    }
}

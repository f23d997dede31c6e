//! Verified tokens, remembered in process. With cookie sessions the gateway
//! cannot cache decisions (it caches by identity source, and a cookie
//! session has none), so every request reaches the authorizer; this keeps a
//! repeated token from being verified again. An entry serves only while its
//! token is unexpired: never an allow past `exp`.

use std::collections::HashMap;
use std::sync::Mutex;

use shared::AccessClaims;

/// About 1 KiB a token: the cache stays near 1 MiB.
pub const CAPACITY: usize = 1_000;

#[derive(Debug, Default)]
pub struct DecisionCache {
    capacity: usize,
    entries: Mutex<HashMap<String, AccessClaims>>,
}

impl DecisionCache {
    pub fn new(capacity: usize) -> Self {
        Self { capacity, entries: Mutex::default() }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, AccessClaims>> {
        // Plain data: a panic elsewhere cannot leave it half-written.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn lookup(&self, token: &str, now: i64) -> Option<AccessClaims> {
        let entries = self.entries();
        let claims = entries.get(token)?;
        (now < i64::try_from(claims.exp).unwrap_or(i64::MAX)).then(|| claims.clone())
    }

    pub fn insert(&self, token: &str, claims: &AccessClaims, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= self.capacity {
            entries.retain(|_, c| now < i64::try_from(c.exp).unwrap_or(i64::MAX));
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(token.to_string(), claims.clone());
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn claims(exp: i64) -> AccessClaims {
        serde_json::from_value(serde_json::json!({
            "iss": "i", "aud": "a", "sub": "ada", "iat": NOW, "nbf": NOW, "exp": exp,
            "jti": "j", "email": "ada@example.com", "scope": ""
        }))
        .unwrap()
    }

    #[test]
    fn a_verified_token_is_remembered_until_its_expiry_and_not_a_second_longer() {
        let cache = DecisionCache::new(CAPACITY);
        assert!(cache.lookup("t", NOW).is_none());
        cache.insert("t", &claims(NOW + 60), NOW);
        assert_eq!(cache.lookup("t", NOW + 59).map(|c| c.sub), Some("ada".into()));
        assert!(cache.lookup("t", NOW + 60).is_none(), "at exp");
        assert!(cache.lookup("other", NOW).is_none());
    }

    #[test]
    fn the_cache_stays_within_its_capacity_and_zero_keeps_nothing() {
        let cache = DecisionCache::new(3);
        for i in 0..10 {
            cache.insert(&format!("t{i}"), &claims(NOW + 60), NOW);
            assert!(cache.len() <= 3);
        }
        assert!(cache.lookup("t9", NOW).is_some(), "the newest is kept");
        let none = DecisionCache::new(0);
        none.insert("t", &claims(NOW + 60), NOW);
        assert!(none.is_empty());
    }
}

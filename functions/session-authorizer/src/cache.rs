//! What the authorizer remembers of session reads, per process. An answer
//! is trusted for the cache time, never past the session's own end, and
//! never for a token past its `exp`: the token is verified on every event
//! before the cache is asked.

use std::collections::HashMap;

/// Beyond this many sessions, stale answers are dropped, then all of them:
/// a flood of tokens cannot grow the process.
pub const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
struct Entry {
    user: String,
    fresh_until: i64,
    live: bool,
}

#[derive(Debug)]
pub struct SessionCache {
    seconds: i64,
    entries: HashMap<String, Entry>,
}

impl SessionCache {
    /// `seconds` 0 keeps nothing: every event reads the store.
    pub fn new(seconds: u64) -> Self {
        Self { seconds: i64::try_from(seconds).unwrap_or(i64::MAX), entries: HashMap::new() }
    }

    /// Whether the session is live, if an answer read at most the cache
    /// time ago is at hand, and the token (`exp`) has not expired.
    pub fn lookup(&self, user: &str, session: &str, exp: u64, now: i64) -> Option<bool> {
        if u64::try_from(now).is_ok_and(|now| now >= exp) {
            return None;
        }
        let entry = self.entries.get(session)?;
        (entry.user == user && now < entry.fresh_until).then_some(entry.live)
    }

    /// Keeps the store's answer read at `now`: live until `live_until` (the
    /// session's expiry), or ended (`None`).
    pub fn insert(&mut self, user: &str, session: &str, live_until: Option<i64>, now: i64) {
        if self.seconds == 0 {
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.retain(|_, e| now < e.fresh_until);
            if self.entries.len() >= MAX_ENTRIES {
                self.entries.clear();
            }
        }
        let fresh_until = now.saturating_add(self.seconds);
        let fresh_until = live_until.map_or(fresh_until, |end| fresh_until.min(end));
        let entry = Entry { user: user.to_string(), fresh_until, live: live_until.is_some() };
        self.entries.insert(session.to_string(), entry);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const EXP: u64 = NOW as u64 + 900;

    #[test]
    fn a_live_answer_is_a_hit_for_the_cache_time_and_then_a_miss() {
        let mut cache = SessionCache::new(10);
        assert_eq!(cache.lookup("ada", "s1", EXP, NOW), None, "nothing read yet");
        cache.insert("ada", "s1", Some(NOW + 86_400), NOW);
        assert_eq!(cache.lookup("ada", "s1", EXP, NOW), Some(true));
        assert_eq!(cache.lookup("ada", "s1", EXP, NOW + 9), Some(true));
        assert_eq!(cache.lookup("ada", "s1", EXP, NOW + 10), None, "read again after the cache time");
    }

    #[test]
    fn an_ended_session_is_remembered_as_ended() {
        let mut cache = SessionCache::new(10);
        cache.insert("ada", "s1", None, NOW);
        assert_eq!(cache.lookup("ada", "s1", EXP, NOW + 5), Some(false));
    }

    #[test]
    fn no_answer_is_used_for_a_token_at_or_past_its_expiry() {
        let mut cache = SessionCache::new(300);
        cache.insert("ada", "s1", Some(NOW + 86_400), NOW);
        let exp = NOW as u64 + 5;
        assert_eq!(cache.lookup("ada", "s1", exp, NOW + 4), Some(true));
        assert_eq!(cache.lookup("ada", "s1", exp, NOW + 5), None, "at exp");
        assert_eq!(cache.lookup("ada", "s1", exp, NOW + 6), None, "past exp");
    }

    #[test]
    fn an_answer_is_never_trusted_past_the_sessions_own_end() {
        let mut cache = SessionCache::new(10);
        cache.insert("ada", "s1", Some(NOW + 3), NOW);
        assert_eq!(cache.lookup("ada", "s1", EXP, NOW + 2), Some(true));
        assert_eq!(cache.lookup("ada", "s1", EXP, NOW + 3), None);
    }

    #[test]
    fn a_session_id_under_another_user_is_a_miss() {
        let mut cache = SessionCache::new(10);
        cache.insert("ada", "s1", Some(NOW + 86_400), NOW);
        assert_eq!(cache.lookup("bob", "s1", EXP, NOW), None);
    }

    #[test]
    fn a_zero_cache_time_keeps_nothing() {
        let mut cache = SessionCache::new(0);
        cache.insert("ada", "s1", Some(NOW + 86_400), NOW);
        assert!(cache.is_empty());
        assert_eq!(cache.lookup("ada", "s1", EXP, NOW), None);
    }

    #[test]
    fn a_flood_of_sessions_keeps_the_cache_bounded() {
        let mut cache = SessionCache::new(10);
        for i in 0..MAX_ENTRIES + 5 {
            cache.insert("ada", &format!("s{i}"), Some(NOW + 86_400), NOW);
        }
        assert!(cache.len() <= MAX_ENTRIES);
        assert_eq!(cache.lookup("ada", &format!("s{}", MAX_ENTRIES + 4), EXP, NOW), Some(true), "the newest is kept");
    }
}

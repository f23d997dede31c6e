//! In-memory store for the local server and tests. One mutex around all data
//! makes every operation atomic, the same guarantees DynamoDB's conditional
//! writes and transactions give the other implementation.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::ops::Op;
use super::table::counter_pk;
use super::{
    Attempt, Count, Counter, Credentials, Decision, Limit, Profile, RefreshRecord, RefreshState, RefreshStatus,
    Rotation, Store, StoreError, TokenRef, User, decide,
};

#[derive(Default)]
struct Data {
    users: HashMap<String, User>,
    emails: HashMap<String, String>,
    /// (user id, family id) → revoked
    families: HashMap<(String, String), bool>,
    /// (user id, token id) → token
    tokens: HashMap<(String, String), StoredToken>,
    /// counter key → (count, last counted at)
    counters: HashMap<String, (u32, i64)>,
}

struct StoredToken {
    record: RefreshRecord,
    status: RefreshStatus,
}

impl Data {
    fn state(&self, user_id: &str, token_id: &str) -> Option<RefreshState> {
        let token = self.tokens.get(&key(user_id, token_id))?;
        let family_revoked = *self.families.get(&key(user_id, &token.record.family_id)).unwrap_or(&true);
        Some(RefreshState { token: token.record.clone(), status: token.status.clone(), family_revoked })
    }

    fn insert_session(&mut self, first: &RefreshRecord) {
        self.families.insert(key(&first.user_id, &first.family_id), false);
        self.insert_token(first);
    }

    fn insert_token(&mut self, record: &RefreshRecord) {
        let stored = StoredToken { record: record.clone(), status: RefreshStatus::Active };
        self.tokens.insert(key(&record.user_id, &record.token_id), stored);
    }
}

#[derive(Clone, Default)]
pub struct MemoryStore {
    data: Arc<Mutex<Data>>,
    unavailable: Arc<AtomicBool>,
    used: Arc<Mutex<BTreeSet<Op>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Fault injection: while on, every call fails as DynamoDB would when throttled.
    pub fn set_unavailable(&self, on: bool) {
        self.unavailable.store(on, Ordering::SeqCst);
    }

    /// Numbers of user, email and family records, for consistency checks in tests.
    pub fn record_counts(&self) -> (usize, usize, usize) {
        let data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        (data.users.len(), data.emails.len(), data.families.len())
    }

    /// Every operation called since the last call: tests hold it to a
    /// function's declared `Needs`.
    pub fn take_operations_used(&self) -> BTreeSet<Op> {
        std::mem::take(&mut *self.used.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn lock(&self, op: Op) -> Result<MutexGuard<'_, Data>, StoreError> {
        self.used.lock().unwrap_or_else(|e| e.into_inner()).insert(op);
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("fault injected".into()));
        }
        // A panic elsewhere cannot leave Data half-written: every mutation below
        // is checked first and then applied without anything that can panic.
        Ok(self.data.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn key(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

impl Store for MemoryStore {
    async fn create_user(&self, user: &User, first_session: &RefreshRecord) -> Result<(), StoreError> {
        let mut data = self.lock(Op::CreateUser)?;
        if data.emails.contains_key(&user.email) || data.users.contains_key(&user.id) {
            return Err(StoreError::EmailTaken);
        }
        data.emails.insert(user.email.clone(), user.id.clone());
        data.users.insert(user.id.clone(), user.clone());
        data.insert_session(first_session);
        Ok(())
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let data = self.lock(Op::Credentials)?;
        Ok(data.emails.get(email).and_then(|id| data.users.get(id)).map(|user| Credentials {
            user_id: user.id.clone(),
            email: user.email.clone(),
            password_hash: user.password_hash.clone(),
        }))
    }

    async fn profile(&self, user_id: &str) -> Result<Option<Profile>, StoreError> {
        Ok(self.lock(Op::Profile)?.users.get(user_id).map(User::profile))
    }

    async fn set_password_hash(&self, email: &str, hash: &str) -> Result<(), StoreError> {
        let mut data = self.lock(Op::SetPasswordHash)?;
        let Some(id) = data.emails.get(email).cloned() else { return Ok(()) };
        if let Some(user) = data.users.get_mut(&id) {
            user.password_hash = hash.to_string();
        }
        Ok(())
    }

    async fn create_session(&self, first: &RefreshRecord) -> Result<(), StoreError> {
        self.lock(Op::CreateSession)?.insert_session(first);
        Ok(())
    }

    async fn refresh_state(&self, token: TokenRef<'_>) -> Result<Option<RefreshState>, StoreError> {
        Ok(self.lock(Op::RefreshState)?.state(token.user_id, token.token_id))
    }

    async fn rotate_refresh(
        &self,
        presented: TokenRef<'_>,
        successor: &RefreshRecord,
        now: i64,
        grace: u64,
    ) -> Result<Rotation, StoreError> {
        let mut data = self.lock(Op::RotateRefresh)?;
        let state = data.state(presented.user_id, presented.token_id);
        Ok(match decide(presented, state.as_ref(), now, grace) {
            Decision::Rotate => {
                let ends = state.as_ref().map_or(super::NO_SESSION_LIMIT, |s| s.token.session_ends_at);
                let successor = successor.clone().within(ends);
                if let Some(token) = data.tokens.get_mut(&key(presented.user_id, presented.token_id)) {
                    token.status = RefreshStatus::Rotated { successor: successor.clone(), rotated_at: now };
                }
                data.insert_token(&successor);
                Rotation::Rotated(successor)
            }
            Decision::Replay(existing) => Rotation::Replayed(existing),
            Decision::RevokeFamily => {
                data.families.insert(key(presented.user_id, presented.family_id), true);
                Rotation::Reused
            }
            Decision::Refuse(why) => Rotation::Refused(why),
        })
    }

    async fn revoke_family(&self, user_id: &str, family_id: &str, _now: i64) -> Result<(), StoreError> {
        if let Some(revoked) = self.lock(Op::RevokeFamily)?.families.get_mut(&key(user_id, family_id)) {
            *revoked = true;
        }
        Ok(())
    }

    async fn revoke_all(&self, user_id: &str, _now: i64) -> Result<u32, StoreError> {
        let mut data = self.lock(Op::RevokeAll)?;
        let mut count = 0;
        for ((owner, _), revoked) in data.families.iter_mut() {
            if owner == user_id && !*revoked {
                *revoked = true;
                count += 1;
            }
        }
        Ok(count)
    }

    async fn reserve(&self, counter: Counter<'_>, now: i64, limit: Limit) -> Result<Attempt, StoreError> {
        let mut data = self.lock(Op::Reserve)?;
        let entry = data.counters.entry(counter_pk(counter)).or_insert((0, now));
        if limit.reset_by(entry.1, now) {
            *entry = (0, now);
        }
        let retry_at = limit.next_at(entry.0, entry.1);
        if now < retry_at {
            return Ok(Attempt::Refused { count: Count { count: entry.0, last_at: entry.1 }, retry_at });
        }
        *entry = (entry.0 + 1, now);
        Ok(Attempt::Granted(Count { count: entry.0, last_at: now }))
    }

    async fn release(&self, counter: Counter<'_>) -> Result<(), StoreError> {
        if let Some(entry) = self.lock(Op::Release)?.counters.get_mut(&counter_pk(counter)) {
            entry.0 = entry.0.saturating_sub(1);
        }
        Ok(())
    }

    async fn clear(&self, counter: Counter<'_>) -> Result<(), StoreError> {
        self.lock(Op::ClearCounter)?.counters.remove(&counter_pk(counter));
        Ok(())
    }

    async fn counted(&self, counter: Counter<'_>, now: i64, limit: Limit) -> Result<Option<Count>, StoreError> {
        let data = self.lock(Op::ReadCounter)?;
        Ok(data
            .counters
            .get(&counter_pk(counter))
            .filter(|(_, last_at)| !limit.reset_by(*last_at, now))
            .map(|&(count, last_at)| Count { count, last_at }))
    }
}

//! In-memory store for the local server and tests. One mutex around all data
//! makes every operation atomic, the same guarantees DynamoDB's conditional
//! writes and transactions give the other implementation.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::ops::Op;
use super::table::user_pk;
use super::table::{address_pk, counter_key};
use super::{
    Attempt, Ceremony, CeremonyRef, Count, Counter, Credentials, Decision, EmailChange, Limit, OneTimeRecord,
    PasskeyRecord, Profile, Proof, Purpose, RecoveryCodeUse, RefreshRecord, RefreshState, RefreshStatus, Rotation,
    SessionInfo, Store, StoreError, TokenRef, TotpFactor, User, decide,
};

#[derive(Default)]
struct Data {
    users: HashMap<String, User>,
    emails: HashMap<String, String>,
    /// (user id, family id) → the family
    families: HashMap<(String, String), Family>,
    /// (user id, token id) → token
    tokens: HashMap<(String, String), StoredToken>,
    /// counter key → (count, last counted at)
    counters: HashMap<(String, String), (u32, i64)>,
    /// (user id, purpose) → the live one-time token
    onetime: HashMap<(String, Purpose), OneTimeRecord>,
    /// user id → the TOTP factor and its unspent recovery-code hashes
    totp: HashMap<String, (TotpFactor, BTreeSet<String>)>,
    /// (user id, credential id) → the passkey
    passkeys: HashMap<(String, String), PasskeyRecord>,
    /// ceremony id → its state
    ceremonies: HashMap<String, Ceremony>,
}

struct Family {
    revoked: bool,
    created_at: i64,
    last_used_at: i64,
    expires_at: i64,
}

struct StoredToken {
    record: RefreshRecord,
    status: RefreshStatus,
}

impl Data {
    fn state(&self, user_id: &str, token_id: &str) -> Option<RefreshState> {
        let token = self.tokens.get(&key(user_id, token_id))?;
        let family_revoked = self.families.get(&key(user_id, &token.record.family_id)).is_none_or(|f| f.revoked);
        Some(RefreshState { token: token.record.clone(), status: token.status.clone(), family_revoked })
    }

    fn insert_session(&mut self, first: &RefreshRecord) {
        let family = Family {
            revoked: false,
            created_at: first.issued_at,
            last_used_at: first.issued_at,
            expires_at: first.expires_at,
        };
        self.families.insert(key(&first.user_id, &first.family_id), family);
        self.insert_token(first);
    }

    /// Spends the token `proof` presents, if it is the live one.
    fn spend(&mut self, proof: Proof<'_>) -> Option<OneTimeRecord> {
        let slot = (proof.user_id.to_string(), proof.purpose);
        self.onetime.get(&slot).filter(|record| proof.matches(record))?;
        self.onetime.remove(&slot)
    }

    /// The user's profile as the other store reads it: with whether TOTP is on.
    fn profile(&self, user_id: &str) -> Option<Profile> {
        let mut profile = self.users.get(user_id)?.profile();
        profile.totp = self.totp.get(user_id).is_some_and(|(f, _)| f.confirmed);
        let passkeys = self.passkeys.keys().filter(|(owner, _)| owner == user_id).count();
        profile.passkeys = u32::try_from(passkeys).unwrap_or(u32::MAX);
        Some(profile)
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

    /// Every record that names the user or its address, for tests that
    /// check a deleted account left nothing behind.
    pub fn records_of(&self, user_id: &str, email: &str) -> usize {
        let data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        data.users.keys().filter(|id| *id == user_id).count()
            + data.emails.iter().filter(|(e, id)| *e == email || *id == user_id).count()
            + data.families.keys().filter(|(owner, _)| owner == user_id).count()
            + data.tokens.keys().filter(|(owner, _)| owner == user_id).count()
            + data.onetime.keys().filter(|(owner, _)| owner == user_id).count()
            + data.totp.keys().filter(|owner| *owner == user_id).count()
            + data.counters.keys().filter(|(pk, _)| *pk == address_pk(email) || *pk == user_pk(user_id)).count()
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
    async fn create_user(&self, user: &User, first_session: Option<&RefreshRecord>) -> Result<(), StoreError> {
        let mut data = self.lock(Op::CreateUser)?;
        if data.emails.contains_key(&user.email) || data.users.contains_key(&user.id) {
            return Err(StoreError::EmailTaken);
        }
        data.emails.insert(user.email.clone(), user.id.clone());
        data.users.insert(user.id.clone(), user.clone());
        if let Some(first) = first_session {
            data.insert_session(first);
        }
        Ok(())
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let data = self.lock(Op::Credentials)?;
        Ok(data.emails.get(email).and_then(|id| data.users.get(id)).map(|user| Credentials {
            user_id: user.id.clone(),
            email: user.email.clone(),
            password_hash: user.password_hash.clone(),
            email_verified: user.email_verified,
        }))
    }

    async fn profile(&self, user_id: &str) -> Result<Option<Profile>, StoreError> {
        Ok(self.lock(Op::Profile)?.profile(user_id))
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
                let Some(state) = state else { return Ok(Rotation::Refused(super::Refusal::Unknown)) };
                let successor = successor.clone().succeeding(&state.token);
                if let Some(token) = data.tokens.get_mut(&key(presented.user_id, presented.token_id)) {
                    token.status = RefreshStatus::Rotated { successor: successor.clone(), rotated_at: now };
                }
                data.insert_token(&successor);
                if let Some(family) = data.families.get_mut(&key(presented.user_id, presented.family_id)) {
                    family.last_used_at = now;
                    family.expires_at = successor.expires_at;
                }
                Rotation::Rotated(successor)
            }
            Decision::Replay(existing) => Rotation::Replayed(existing),
            Decision::RevokeFamily => {
                if let Some(family) = data.families.get_mut(&key(presented.user_id, presented.family_id)) {
                    family.revoked = true;
                }
                Rotation::Reused
            }
            Decision::Refuse(why) => Rotation::Refused(why),
        })
    }

    async fn revoke_family(&self, user_id: &str, family_id: &str, _now: i64) -> Result<(), StoreError> {
        if let Some(family) = self.lock(Op::RevokeFamily)?.families.get_mut(&key(user_id, family_id)) {
            family.revoked = true;
        }
        Ok(())
    }

    async fn revoke_all(&self, user_id: &str, _now: i64) -> Result<u32, StoreError> {
        let mut data = self.lock(Op::RevokeAll)?;
        let mut count = 0;
        for ((owner, _), family) in data.families.iter_mut() {
            if owner == user_id && !family.revoked {
                family.revoked = true;
                count += 1;
            }
        }
        Ok(count)
    }

    async fn sessions(&self, user_id: &str, now: i64) -> Result<Vec<SessionInfo>, StoreError> {
        let data = self.lock(Op::ListSessions)?;
        let mut live: Vec<SessionInfo> = data
            .families
            .iter()
            .filter(|((owner, _), f)| owner == user_id && !f.revoked && now < f.expires_at)
            .map(|((_, id), f)| SessionInfo {
                id: id.clone(),
                created_at: f.created_at,
                last_used_at: f.last_used_at,
                expires_at: f.expires_at,
            })
            .collect();
        live.sort_by(|a, b| b.last_used_at.cmp(&a.last_used_at).then_with(|| a.id.cmp(&b.id)));
        Ok(live)
    }

    async fn session_live(&self, user_id: &str, family_id: &str, now: i64) -> Result<Option<i64>, StoreError> {
        let data = self.lock(Op::ReadSession)?;
        let family = data.families.get(&key(user_id, family_id));
        Ok(family.filter(|f| !f.revoked && now < f.expires_at).map(|f| f.expires_at))
    }

    async fn reserve(&self, counter: Counter<'_>, now: i64, limit: Limit) -> Result<Attempt, StoreError> {
        let mut data = self.lock(Op::Reserve)?;
        let entry = data.counters.entry(counter_key(counter)).or_insert((0, now));
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
        if let Some(entry) = self.lock(Op::Release)?.counters.get_mut(&counter_key(counter)) {
            entry.0 = entry.0.saturating_sub(1);
        }
        Ok(())
    }

    async fn clear(&self, counter: Counter<'_>) -> Result<(), StoreError> {
        self.lock(Op::ClearCounter)?.counters.remove(&counter_key(counter));
        Ok(())
    }

    async fn counted(&self, counter: Counter<'_>, now: i64, limit: Limit) -> Result<Option<Count>, StoreError> {
        let data = self.lock(Op::ReadCounter)?;
        Ok(data
            .counters
            .get(&counter_key(counter))
            .filter(|(_, last_at)| !limit.reset_by(*last_at, now))
            .map(|&(count, last_at)| Count { count, last_at }))
    }

    async fn issue_token(&self, token: &OneTimeRecord) -> Result<(), StoreError> {
        self.lock(Op::IssueToken)?.onetime.insert((token.user_id.clone(), token.purpose), token.clone());
        Ok(())
    }

    async fn token_live(&self, proof: Proof<'_>) -> Result<bool, StoreError> {
        let data = self.lock(Op::ReadToken)?;
        Ok(data.onetime.get(&(proof.user_id.to_string(), proof.purpose)).is_some_and(|r| proof.matches(r)))
    }

    async fn verify_email(&self, proof: Proof<'_>) -> Result<Option<Profile>, StoreError> {
        let mut data = self.lock(Op::VerifyEmail)?;
        if !data.users.contains_key(proof.user_id) || data.spend(proof).is_none() {
            return Ok(None);
        }
        if let Some(user) = data.users.get_mut(proof.user_id) {
            user.email_verified = true;
        }
        Ok(data.profile(proof.user_id))
    }

    async fn reset_password(&self, proof: Proof<'_>, password_hash: &str) -> Result<Option<Profile>, StoreError> {
        let mut data = self.lock(Op::ResetPassword)?;
        if !data.users.contains_key(proof.user_id) || data.spend(proof).is_none() {
            return Ok(None);
        }
        if let Some(user) = data.users.get_mut(proof.user_id) {
            user.password_hash = password_hash.to_string();
            user.email_verified = true;
        }
        Ok(data.profile(proof.user_id))
    }

    async fn change_email(&self, proof: Proof<'_>) -> Result<EmailChange, StoreError> {
        let mut data = self.lock(Op::ChangeEmail)?;
        let slot = (proof.user_id.to_string(), proof.purpose);
        let Some(new_email) = data.onetime.get(&slot).filter(|r| proof.matches(r)).and_then(|r| r.new_email.clone())
        else {
            return Ok(EmailChange::Invalid);
        };
        let Some(old_email) = data.users.get(proof.user_id).map(|u| u.email.clone()) else {
            return Ok(EmailChange::Invalid);
        };
        if data.emails.contains_key(&new_email) {
            return Ok(EmailChange::Taken);
        }
        data.onetime.remove(&slot);
        data.emails.remove(&old_email);
        data.emails.insert(new_email.clone(), proof.user_id.to_string());
        let user = data.users.get_mut(proof.user_id).ok_or_else(|| StoreError::Corrupt("user vanished".into()))?;
        user.email = new_email;
        user.email_verified = true;
        let profile = data.profile(proof.user_id).ok_or_else(|| StoreError::Corrupt("user vanished".into()))?;
        Ok(EmailChange::Changed { profile, old_email })
    }

    async fn delete_user(&self, user_id: &str) -> Result<bool, StoreError> {
        let mut data = self.lock(Op::DeleteUser)?;
        let Some(user) = data.users.remove(user_id) else { return Ok(false) };
        data.emails.remove(&user.email);
        data.families.retain(|(owner, _), _| owner != user_id);
        data.tokens.retain(|(owner, _), _| owner != user_id);
        data.onetime.retain(|(owner, _), _| owner != user_id);
        data.totp.remove(user_id);
        data.passkeys.retain(|(owner, _), _| owner != user_id);
        let (counters, own) = (address_pk(&user.email), user_pk(user_id));
        data.counters.retain(|(pk, _), _| *pk != counters && *pk != own);
        Ok(true)
    }

    async fn redeem_token(&self, proof: Proof<'_>) -> Result<bool, StoreError> {
        Ok(self.lock(Op::RedeemToken)?.spend(proof).is_some())
    }

    async fn begin_totp(&self, user_id: &str, secret: &str, _now: i64) -> Result<bool, StoreError> {
        let mut data = self.lock(Op::BeginTotp)?;
        if data.totp.get(user_id).is_some_and(|(f, _)| f.confirmed) {
            return Ok(false);
        }
        let pending =
            TotpFactor { secret: secret.to_string(), confirmed: false, last_step: None, recovery_codes_left: 0 };
        data.totp.insert(user_id.to_string(), (pending, BTreeSet::new()));
        Ok(true)
    }

    async fn totp_factor(&self, user_id: &str) -> Result<Option<TotpFactor>, StoreError> {
        Ok(self.lock(Op::ReadTotp)?.totp.get(user_id).map(|(factor, _)| factor.clone()))
    }

    async fn confirm_totp(
        &self,
        user_id: &str,
        secret: &str,
        step: u64,
        recovery_hashes: &[String],
    ) -> Result<bool, StoreError> {
        let mut data = self.lock(Op::ConfirmTotp)?;
        let Some((factor, codes)) = data.totp.get_mut(user_id).filter(|(f, _)| !f.confirmed && f.secret == secret)
        else {
            return Ok(false);
        };
        *codes = recovery_hashes.iter().cloned().collect();
        factor.confirmed = true;
        factor.last_step = Some(step);
        factor.recovery_codes_left = u32::try_from(codes.len()).unwrap_or(u32::MAX);
        Ok(true)
    }

    async fn spend_totp_step(&self, user_id: &str, step: u64) -> Result<bool, StoreError> {
        let mut data = self.lock(Op::SpendTotpStep)?;
        let Some((factor, _)) = data.totp.get_mut(user_id).filter(|(f, _)| f.confirmed) else { return Ok(false) };
        if factor.last_step.is_some_and(|last| last >= step) {
            return Ok(false);
        }
        factor.last_step = Some(step);
        Ok(true)
    }

    async fn spend_recovery_code(&self, user_id: &str, hash: &str) -> Result<RecoveryCodeUse, StoreError> {
        let mut data = self.lock(Op::SpendRecoveryCode)?;
        let Some((factor, codes)) = data.totp.get_mut(user_id).filter(|(f, _)| f.confirmed) else {
            return Ok(RecoveryCodeUse::Refused);
        };
        if !codes.remove(hash) {
            return Ok(RecoveryCodeUse::Refused);
        }
        factor.recovery_codes_left = u32::try_from(codes.len()).unwrap_or(u32::MAX);
        Ok(RecoveryCodeUse::Spent { left: factor.recovery_codes_left })
    }

    async fn remove_totp(&self, user_id: &str) -> Result<bool, StoreError> {
        Ok(self.lock(Op::RemoveTotp)?.totp.remove(user_id).is_some())
    }

    async fn begin_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError> {
        self.lock(Op::BeginCeremony)?.ceremonies.insert(ceremony.id.clone(), ceremony.clone());
        Ok(())
    }

    async fn take_ceremony(&self, which: CeremonyRef<'_>) -> Result<Option<Ceremony>, StoreError> {
        let mut data = self.lock(Op::TakeCeremony)?;
        let matches =
            |c: &Ceremony| c.kind == which.kind && c.user_id.as_deref() == which.user_id && c.expires_at > which.now;
        if !data.ceremonies.get(which.id).is_some_and(matches) {
            return Ok(None);
        }
        Ok(data.ceremonies.remove(which.id))
    }

    async fn add_passkey(&self, passkey: &PasskeyRecord) -> Result<bool, StoreError> {
        let mut data = self.lock(Op::AddPasskey)?;
        let slot = key(&passkey.user_id, &passkey.id);
        if !data.users.contains_key(&passkey.user_id) || data.passkeys.contains_key(&slot) {
            return Ok(false);
        }
        data.passkeys.insert(slot, passkey.clone());
        Ok(true)
    }

    async fn passkeys(&self, user_id: &str) -> Result<Vec<PasskeyRecord>, StoreError> {
        let data = self.lock(Op::ListPasskeys)?;
        let mut keys: Vec<PasskeyRecord> =
            data.passkeys.iter().filter(|((owner, _), _)| owner == user_id).map(|(_, p)| p.clone()).collect();
        keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(keys)
    }

    async fn passkey(&self, user_id: &str, id: &str) -> Result<Option<PasskeyRecord>, StoreError> {
        Ok(self.lock(Op::ReadPasskey)?.passkeys.get(&key(user_id, id)).cloned())
    }

    async fn passkey_used(&self, used: &PasskeyRecord, updated: Option<&str>, now: i64) -> Result<bool, StoreError> {
        let mut data = self.lock(Op::PasskeyUsed)?;
        let Some(stored) = data.passkeys.get_mut(&key(&used.user_id, &used.id)) else { return Ok(false) };
        if updated.is_some() && stored.credential != used.credential {
            return Ok(false);
        }
        if let Some(credential) = updated {
            stored.credential = credential.to_string();
        }
        stored.last_used_at = Some(now);
        Ok(true)
    }

    async fn remove_passkey(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self.lock(Op::RemovePasskey)?.passkeys.remove(&key(user_id, id)).is_some())
    }
}

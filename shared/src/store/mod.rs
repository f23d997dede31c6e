//! Users, sessions (refresh-token families) and login-failure counters.
//!
//! Time is always passed in as `now` (unix seconds) so expiry, windows and the
//! refresh grace interval are decided by the caller's clock, never by TTL.

use std::future::Future;

mod account;
#[cfg(feature = "dynamodb")]
pub mod dynamo;
mod factor;
pub mod memory;
pub mod ops;
mod rotation;
pub mod table;

pub use account::{EmailChange, OneTimeRecord, Proof, Purpose};
pub use factor::{Ceremony, CeremonyKind, CeremonyRef, PasskeyRecord, RecoveryCodeUse, TotpFactor};
pub use memory::MemoryStore;
pub use ops::{Action, Op};
pub use rotation::{Decision, decide, presents};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Throttling, timeouts, refused connections: the caller answers 503.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// An item that does not have the shape this code writes.
    #[error("a stored item is malformed: {0}")]
    Corrupt(String),
}

/// A new account, as signup creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    /// Normalised (trimmed, lower-case); unique across users.
    pub email: String,
    pub name: Option<String>,
    pub password_hash: String,
    pub created_at: i64,
    /// Whether a mailed link proved the address.
    pub email_verified: bool,
}

impl<'a> Subject<'a> {
    /// Someone whose address no link has proved yet.
    pub fn new(user_id: &'a str, email: &'a str) -> Self {
        Self { user_id, email, email_verified: false }
    }
}

impl User {
    pub fn profile(&self) -> Profile {
        Profile {
            id: self.id.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified,
            name: self.name.clone(),
            created_at: self.created_at,
            totp: false,
            passkeys: 0,
        }
    }
}

/// Whom an access token is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub email_verified: bool,
}

/// What login needs, kept with the email claim so that a known and an unknown
/// email cost the same single read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user_id: String,
    pub email: String,
    pub password_hash: String,
    pub email_verified: bool,
}

impl Credentials {
    pub fn subject(&self) -> Subject<'_> {
        Subject { user_id: &self.user_id, email: &self.email, email_verified: self.email_verified }
    }
}

/// The public part of a user (`openapi.yaml`, schema `User`): never the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub created_at: i64,
    /// Whether a confirmed TOTP factor guards the account.
    pub totp: bool,
    /// How many passkeys the user has registered.
    pub passkeys: u32,
}

impl Profile {
    pub fn subject(&self) -> Subject<'_> {
        Subject { user_id: &self.id, email: &self.email, email_verified: self.email_verified }
    }
}

/// One refresh token as stored: its ids, times and the SHA-256 of its secret,
/// never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    pub user_id: String,
    pub family_id: String,
    pub token_id: String,
    pub secret_hash: String,
    pub issued_at: i64,
    pub expires_at: i64,
    /// When the whole session ends however often it is refreshed; no token
    /// of the family outlives it. `NO_SESSION_LIMIT` for tokens stored before
    /// sessions had a limit: their next rotation sets one.
    pub session_ends_at: i64,
    /// How the session's login authenticated (RFC 8176 `amr` values); every
    /// token of a family carries its first token's. Empty for sessions
    /// stored before methods were kept.
    pub amr: Vec<String>,
}

pub const NO_SESSION_LIMIT: i64 = i64::MAX;

impl RefreshRecord {
    /// This record inside a session that ends at `session_ends_at` (or
    /// earlier, if it already ends earlier): it expires by then at the latest.
    pub fn within(mut self, session_ends_at: i64) -> Self {
        self.session_ends_at = self.session_ends_at.min(session_ends_at);
        self.expires_at = self.expires_at.min(self.session_ends_at);
        self
    }

    /// This record as a successor of `presented`: in the same session, by the same methods.
    pub fn succeeding(self, presented: &RefreshRecord) -> Self {
        Self { amr: presented.amr.clone(), ..self.within(presented.session_ends_at) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshStatus {
    Active,
    /// Retired by a rotation at `rotated_at`, which created `successor`.
    Rotated {
        successor: RefreshRecord,
        rotated_at: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshState {
    pub token: RefreshRecord,
    pub status: RefreshStatus,
    pub family_revoked: bool,
}

/// A presented refresh token: where to find it, and the hash of its secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRef<'a> {
    pub user_id: &'a str,
    pub family_id: &'a str,
    pub token_id: &'a str,
    pub secret_hash: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The presented token was retired and `successor` stored in its place.
    Rotated(RefreshRecord),
    /// A retry within the grace interval: the successor created earlier.
    Replayed(RefreshRecord),
    /// A retired token presented after the grace interval: the family is now revoked.
    Reused,
    Refused(Refusal),
}

/// One live session (token family) of a user, as `GET /sessions` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The family id: the access tokens' `sid`.
    pub id: String,
    pub created_at: i64,
    /// The last refresh, or the login when it was never refreshed.
    pub last_used_at: i64,
    /// When its newest refresh token expires.
    pub expires_at: i64,
}

/// What a throttle counts, and for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter<'a> {
    /// Password checks for one email by clients it does not know.
    Email(&'a str),
    /// Password checks for one email from one device that logged in to it
    /// before: failures made elsewhere do not slow it down.
    Device { email: &'a str, device: &'a str },
    /// Failed password checks from one client address, across all emails.
    LoginsFrom(&'a str),
    /// Signups from one client address.
    SignupsFrom(&'a str),
    /// Mails of one purpose sent to one address within `span` seconds.
    Mails { address: &'a str, purpose: &'a str, span: u64 },
    /// Second-factor codes tried for one user's pending login.
    MfaCodes(&'a str),
}

/// How a counter limits. It counts up to `max` freely; with `backoff`, each
/// count beyond that is granted only once 2, 4, 8, … seconds (at most
/// `backoff`) have passed since the previous count, and without it none is.
/// A counter resets `window` seconds after its last count. (The first wait is
/// 2 s, not 1, because times are whole seconds: a 1 s wait could pass between
/// two requests a few milliseconds apart.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: u64,
    pub backoff: Option<u64>,
}

impl Limit {
    /// When the count after `count`, last counted at `last_at`, may be granted.
    pub fn next_at(&self, count: u32, last_at: i64) -> i64 {
        let wait = match self.backoff {
            _ if count < self.max => 0,
            None => self.window,
            Some(cap) => 2u64.checked_shl(count - self.max).unwrap_or(u64::MAX).min(cap),
        };
        last_at.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX))
    }

    /// Whether a counter last counted at `last_at` has reset by `now`.
    pub fn reset_by(&self, last_at: i64, now: i64) -> bool {
        now.saturating_sub(last_at) >= i64::try_from(self.window).unwrap_or(i64::MAX)
    }
}

/// A counter as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub count: u32,
    pub last_at: i64,
}

/// The answer to reserving a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted (`count` includes this one): go ahead.
    Granted(Count),
    /// Not counted; the next count may be granted at `retry_at`.
    Refused { count: Count, retry_at: i64 },
}

/// The persistence the endpoints need. Both implementations pass one contract
/// suite (`shared/tests/store_contract/`).
pub trait Store: Send + Sync + 'static {
    /// Creates the user and its first session (if any) in one atomic write;
    /// fails with `EmailTaken` (writing nothing) when the normalised email is in use.
    fn create_user(
        &self,
        user: &User,
        first_session: Option<&RefreshRecord>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn credentials(&self, email: &str) -> impl Future<Output = Result<Option<Credentials>, StoreError>> + Send;
    fn profile(&self, user_id: &str) -> impl Future<Output = Result<Option<Profile>, StoreError>> + Send;
    /// The profile by a read that may miss a change of the last second or
    /// so (in DynamoDB an eventually consistent read: half the read units),
    /// for a flow that only copies it into a token and decides nothing on it.
    fn profile_eventually(&self, user_id: &str) -> impl Future<Output = Result<Option<Profile>, StoreError>> + Send {
        self.profile(user_id)
    }
    fn set_password_hash(&self, email: &str, hash: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Starts a token family whose first token is `first`.
    fn create_session(&self, first: &RefreshRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn refresh_state(
        &self,
        token: TokenRef<'_>,
    ) -> impl Future<Output = Result<Option<RefreshState>, StoreError>> + Send;
    /// Retires `presented` in favour of `successor`: exactly one successor per
    /// token however many callers race; see [`decide`] for the outcomes. The
    /// stored successor stays within the presented token's session
    /// (`RefreshRecord::within`), and `Rotated` returns it as stored.
    fn rotate_refresh(
        &self,
        presented: TokenRef<'_>,
        successor: &RefreshRecord,
        now: i64,
        grace: u64,
    ) -> impl Future<Output = Result<Rotation, StoreError>> + Send;
    fn revoke_family(
        &self,
        user_id: &str,
        family_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The user's sessions that are neither revoked nor expired at `now`, newest first.
    fn sessions(&self, user_id: &str, now: i64) -> impl Future<Output = Result<Vec<SessionInfo>, StoreError>> + Send;
    /// Whether the session is live at `now` (neither revoked, expired nor
    /// deleted): its expiry if so. One strongly consistent read.
    fn session_live(
        &self,
        user_id: &str,
        family_id: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;
    /// Revokes every family of the user; returns how many were live.
    fn revoke_all(&self, user_id: &str, now: i64) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Counts one more on `counter` if `limit` allows it now, before the work
    /// it guards (a password check, a signup) is done. Conditional writes, so
    /// however many callers race, no more are granted than the limit allows.
    fn reserve(
        &self,
        counter: Counter<'_>,
        now: i64,
        limit: Limit,
    ) -> impl Future<Output = Result<Attempt, StoreError>> + Send;
    /// Gives one count back (a reserved login that succeeded).
    fn release(&self, counter: Counter<'_>) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn clear(&self, counter: Counter<'_>) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The counter as it stands, unless it has reset by `now` under `limit`.
    fn counted(
        &self,
        counter: Counter<'_>,
        now: i64,
        limit: Limit,
    ) -> impl Future<Output = Result<Option<Count>, StoreError>> + Send;

    /// Stores a one-time token, replacing the user's previous one of its purpose.
    fn issue_token(&self, token: &OneTimeRecord) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Whether `proof` presents the user's live token of its purpose; reads only.
    fn token_live(&self, proof: Proof<'_>) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Spends a verification token and marks the address verified, in one
    /// write; `None` (nothing written) when the proof does not match.
    fn verify_email(&self, proof: Proof<'_>) -> impl Future<Output = Result<Option<Profile>, StoreError>> + Send;
    /// Spends a reset token, stores the new password hash and marks the
    /// address verified (the link proved it), in one write.
    fn reset_password(
        &self,
        proof: Proof<'_>,
        password_hash: &str,
    ) -> impl Future<Output = Result<Option<Profile>, StoreError>> + Send;
    /// Spends an email-change token and moves the user's email claim to the
    /// token's new address, in one write: all of it or nothing.
    fn change_email(&self, proof: Proof<'_>) -> impl Future<Output = Result<EmailChange, StoreError>> + Send;
    /// Spends the token `proof` presents, with no other effect; `false`
    /// (nothing written) when it is not the user's live token of its purpose.
    fn redeem_token(&self, proof: Proof<'_>) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Removes every item of the user: profile, email claim, sessions,
    /// one-time tokens, its factors and the counters of its address. `false` for an unknown user.
    fn delete_user(&self, user_id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a pending TOTP secret (base32), replacing a pending one;
    /// `false` (nothing written) when a confirmed factor is in place.
    fn begin_totp(
        &self,
        user_id: &str,
        secret: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn totp_factor(&self, user_id: &str) -> impl Future<Output = Result<Option<TotpFactor>, StoreError>> + Send;
    /// Confirms the pending factor with `secret`, whose code for `step` was
    /// just shown, and stores the recovery-code hashes; the profile then
    /// says TOTP is on. `false` (nothing written) when that secret is not
    /// the pending one.
    fn confirm_totp(
        &self,
        user_id: &str,
        secret: &str,
        step: u64,
        recovery_hashes: &[String],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Spends time step `step` of the confirmed factor: `true` only if it is
    /// later than the last step spent, however many callers race with it.
    fn spend_totp_step(&self, user_id: &str, step: u64) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Spends one recovery code by its hash, once however many race.
    fn spend_recovery_code(
        &self,
        user_id: &str,
        hash: &str,
    ) -> impl Future<Output = Result<RecoveryCodeUse, StoreError>> + Send;
    /// Removes the factor (pending or confirmed) and its recovery codes;
    /// `false` when there was none.
    fn remove_totp(&self, user_id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Keeps a ceremony's state until it expires.
    fn begin_ceremony(&self, ceremony: &Ceremony) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Takes the ceremony `which` names, once however many race: `None`
    /// when it is unknown, taken already, expired, of another kind or
    /// another user's (and then nothing is taken).
    fn take_ceremony(
        &self,
        which: CeremonyRef<'_>,
    ) -> impl Future<Output = Result<Option<Ceremony>, StoreError>> + Send;
    /// Stores a new passkey and counts it on the profile; `false` (nothing
    /// written) when the user is gone or has that credential already.
    fn add_passkey(&self, passkey: &PasskeyRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The user's passkeys, oldest first.
    fn passkeys(&self, user_id: &str) -> impl Future<Output = Result<Vec<PasskeyRecord>, StoreError>> + Send;
    fn passkey(
        &self,
        user_id: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<PasskeyRecord>, StoreError>> + Send;
    /// Records a login with the passkey read as `used`, storing `updated`
    /// (its new counter) if given; `false` (nothing written) when it is gone
    /// or changed since it was read, so two logins cannot both move its
    /// counter from the same value.
    fn passkey_used(
        &self,
        used: &PasskeyRecord,
        updated: Option<&str>,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Removes the passkey and uncounts it; `false` when there was none.
    fn remove_passkey(&self, user_id: &str, id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

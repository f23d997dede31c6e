//! The store contract, written once and run against the in-memory store and
//! against DynamoDB Local (each test on its own fresh table).

use std::sync::Arc;
use std::time::{Duration, Instant};

use shared::store::dynamo::{DynamoStore, test_store};
use shared::store::{
    Attempt, Count, Counter, Limit, MemoryStore, NO_SESSION_LIMIT, RecoveryCodeUse, RefreshRecord, RefreshStatus,
    Refusal, Rotation, Store, StoreError, TokenRef, User,
};
use shared::store::{EmailChange, OneTimeRecord, Proof, Purpose};
use shared::{Clock, normalize_email};

mod earlier_layout;
mod passkeys;
use earlier_layout::*;
use passkeys::*;

/// The injected "now": anchored at the real time of the run, because DynamoDB
/// Local really deletes items whose TTL has passed; a fixed date in the past
/// would have its sweeper remove items in the middle of a test.
fn now() -> i64 {
    static START: std::sync::LazyLock<i64> = std::sync::LazyLock::new(|| shared::SystemClock.now());
    *START
}
const GRACE: u64 = 10;
const DAY: i64 = 86_400;

/// Counts of user, email and family records, read behind the store's back.
trait Inspect {
    async fn record_counts(&self) -> (usize, usize, usize);
    /// Items that name the user or its address anywhere.
    async fn records_of(&self, user_id: &str, email: &str) -> usize;
}

impl Inspect for MemoryStore {
    async fn record_counts(&self) -> (usize, usize, usize) {
        MemoryStore::record_counts(self)
    }
    async fn records_of(&self, user_id: &str, email: &str) -> usize {
        MemoryStore::records_of(self, user_id, email)
    }
}

impl Inspect for DynamoStore {
    async fn record_counts(&self) -> (usize, usize, usize) {
        let items = self.client().scan().table_name(self.table()).send().await.unwrap().items.unwrap_or_default();
        let count = |prefix: &str| items.iter().filter(|i| i["sk"].as_s().unwrap().starts_with(prefix)).count();
        (count("PROFILE"), count("EMAIL"), count("FAMILY#"))
    }
    async fn records_of(&self, user_id: &str, email: &str) -> usize {
        let items = self.client().scan().table_name(self.table()).send().await.unwrap().items.unwrap_or_default();
        let names = |v: &aws_sdk_dynamodb::types::AttributeValue| {
            v.as_s().is_ok_and(|s| s.contains(user_id) || s.contains(email))
        };
        items.iter().filter(|item| item.values().any(names)).count()
    }
}

fn user(email: &str) -> User {
    User {
        id: uuid::Uuid::new_v4().to_string(),
        email: normalize_email(email).unwrap(),
        name: Some("Ada".into()),
        password_hash: "$argon2id$placeholder".into(),
        created_at: now(),
        email_verified: false,
    }
}

fn record(user_id: &str, family_id: &str, issued_at: i64) -> RefreshRecord {
    let token_id = uuid::Uuid::new_v4().simple().to_string();
    RefreshRecord {
        user_id: user_id.into(),
        family_id: family_id.into(),
        secret_hash: format!("hash-of-{token_id}"),
        token_id,
        issued_at,
        expires_at: issued_at + 30 * DAY,
        session_ends_at: NO_SESSION_LIMIT,
        amr: Vec::new(),
    }
}

fn token_ref(r: &RefreshRecord) -> TokenRef<'_> {
    TokenRef { user_id: &r.user_id, family_id: &r.family_id, token_id: &r.token_id, secret_hash: &r.secret_hash }
}

async fn session<S: Store>(store: &S, user_id: &str) -> RefreshRecord {
    let first = record(user_id, &uuid::Uuid::new_v4().simple().to_string(), now());
    store.create_session(&first).await.unwrap();
    first
}

async fn rotate<S: Store>(store: &S, from: &RefreshRecord, now: i64) -> Rotation {
    let next = record(&from.user_id, &from.family_id, now);
    store.rotate_refresh(token_ref(from), &next, now, GRACE).await.unwrap()
}

async fn family_revoked<S: Store>(store: &S, token: &RefreshRecord) -> bool {
    store.refresh_state(token_ref(token)).await.unwrap().unwrap().family_revoked
}

// --- the contract ------------------------------------------------------------

async fn create_user<S: Store>(store: &S, user: &User) -> Result<RefreshRecord, StoreError> {
    let first = record(&user.id, &uuid::Uuid::new_v4().simple().to_string(), now());
    store.create_user(user, Some(&first)).await.map(|()| first)
}

async fn users_are_found_by_normalised_email_and_by_id<S: Store>(store: S) {
    let ada = user("Ada@Example.com");
    let first = create_user(&store, &ada).await.unwrap();
    let credentials = store.credentials("ada@example.com").await.unwrap().unwrap();
    assert_eq!(
        (credentials.user_id.as_str(), credentials.password_hash.as_str()),
        (ada.id.as_str(), "$argon2id$placeholder")
    );
    assert_eq!(store.profile(&ada.id).await.unwrap(), Some(ada.profile()));
    assert_eq!(store.credentials("bob@example.com").await.unwrap(), None);
    assert_eq!(store.profile("no-such-id").await.unwrap(), None);
    store.set_password_hash("ada@example.com", "$argon2id$new").await.unwrap();
    assert_eq!(store.credentials("ada@example.com").await.unwrap().unwrap().password_hash, "$argon2id$new");
    assert!(!family_revoked(&store, &first).await, "signup opens a live session");
}

async fn fifty_concurrent_creates_with_one_email_admit_exactly_one<S: Store + Clone + Inspect>(store: S) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let email = if i % 2 == 0 { "Race@Example.com" } else { "race@EXAMPLE.com" };
        tasks.spawn(async move { create_user(&store, &user(email)).await.map(|_| ()) });
    }
    let results = tasks.join_all().await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().filter(|r| r.is_err()).all(|r| *r == Err(StoreError::EmailTaken)), "{results:?}");
    assert_eq!(store.record_counts().await, (1, 1, 1), "one user, one email claim, one session");
}

async fn a_successor_never_outlives_its_session_and_an_unlimited_one_gets_a_limit<S: Store>(store: S) {
    let ends = now() + 100;
    let first = record("user-1", "family-1", now()).within(ends);
    store.create_session(&first).await.unwrap();
    let Rotation::Rotated(next) = rotate(&store, &first, now() + 10).await else { panic!("rotates") };
    assert_eq!((next.expires_at, next.session_ends_at), (ends, ends), "capped at the session's end");
    let state = store.refresh_state(token_ref(&next)).await.unwrap().unwrap();
    assert_eq!(state.token.session_ends_at, ends, "the limit is stored with the successor");
    let Rotation::Refused(Refusal::Expired) = rotate(&store, &next, ends).await else { panic!("refused at the end") };

    let legacy = session(&store, "user-2").await;
    assert_eq!(legacy.session_ends_at, NO_SESSION_LIMIT);
    let limited = record("user-2", &legacy.family_id, now() + 10).within(now() + 1000);
    let Rotation::Rotated(next) = store.rotate_refresh(token_ref(&legacy), &limited, now() + 10, GRACE).await.unwrap()
    else {
        panic!("rotates")
    };
    assert_eq!(next.session_ends_at, now() + 1000, "a session from before limits gets one at its next rotation");
}

async fn twenty_concurrent_rotations_share_one_successor<S: Store + Clone>(store: S) {
    let first = session(&store, "user-1").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (store, first) = (store.clone(), first.clone());
        tasks.spawn(async move { rotate(&store, &first, now() + 1).await });
    }
    let results = tasks.join_all().await;
    let successors: Vec<&RefreshRecord> = results
        .iter()
        .map(|r| match r {
            Rotation::Rotated(s) | Rotation::Replayed(s) => s,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(results.iter().filter(|r| matches!(r, Rotation::Rotated(_))).count(), 1);
    assert!(successors.iter().all(|s| *s == successors[0]), "all callers see the one successor");
    let state = store.refresh_state(token_ref(&first)).await.unwrap().unwrap();
    assert!(matches!(state.status, RefreshStatus::Rotated { ref successor, .. } if successor == successors[0]));
}

async fn a_retry_within_the_grace_interval_gets_the_same_successor<S: Store>(store: S) {
    let a = session(&store, "user-1").await;
    let Rotation::Rotated(b) = rotate(&store, &a, now() + 100).await else { panic!("first rotation") };
    assert_eq!(rotate(&store, &a, now() + 100 + GRACE as i64).await, Rotation::Replayed(b.clone()));
    assert!(!family_revoked(&store, &b).await);
}

async fn a_retry_two_rotations_back_within_the_grace_interval_gets_its_own_successor<S: Store>(store: S) {
    let a = session(&store, "user-1").await;
    let Rotation::Rotated(b) = rotate(&store, &a, now() + 100).await else { panic!("A→B") };
    let Rotation::Rotated(c) = rotate(&store, &b, now() + 101).await else { panic!("B→C") };
    assert_eq!(rotate(&store, &a, now() + 102).await, Rotation::Replayed(b.clone()), "A's successor, B");
    assert_eq!(rotate(&store, &b, now() + 103).await, Rotation::Replayed(c.clone()), "B's successor, C");
    let Rotation::Rotated(d) = rotate(&store, &c, now() + 104).await else { panic!("C→D") };
    assert_eq!(rotate(&store, &a, now() + 105).await, Rotation::Replayed(b), "three rotations back");
    assert!(!family_revoked(&store, &d).await);
}

async fn reuse_after_the_grace_interval_revokes_the_whole_family<S: Store>(store: S) {
    let a = session(&store, "user-1").await;
    let Rotation::Rotated(b) = rotate(&store, &a, now() + 100).await else { panic!("A→B") };
    let Rotation::Rotated(c) = rotate(&store, &b, now() + 200).await else { panic!("B→C") };
    assert_eq!(rotate(&store, &a, now() + 300).await, Rotation::Reused);
    assert!(family_revoked(&store, &c).await);
    assert_eq!(rotate(&store, &b, now() + 301).await, Rotation::Refused(Refusal::Revoked));
    assert_eq!(rotate(&store, &c, now() + 302).await, Rotation::Refused(Refusal::Revoked));
}

async fn an_expired_refresh_token_whose_item_still_exists_is_refused<S: Store>(store: S) {
    let a = session(&store, "user-1").await;
    assert!(store.refresh_state(token_ref(&a)).await.unwrap().is_some());
    assert_eq!(rotate(&store, &a, a.expires_at).await, Rotation::Refused(Refusal::Expired));
}

async fn an_unknown_or_mismatched_token_is_refused<S: Store>(store: S) {
    let a = session(&store, "user-1").await;
    let unknown = record("user-1", &a.family_id, now());
    assert_eq!(rotate(&store, &unknown, now() + 1).await, Rotation::Refused(Refusal::Unknown));
    let wrong_family = RefreshRecord { family_id: "other".into(), ..a.clone() };
    assert_eq!(rotate(&store, &wrong_family, now() + 1).await, Rotation::Refused(Refusal::Unknown));
    let wrong_user = RefreshRecord { user_id: "user-2".into(), ..a.clone() };
    assert_eq!(rotate(&store, &wrong_user, now() + 1).await, Rotation::Refused(Refusal::Unknown));
    let wrong_secret = RefreshRecord { secret_hash: "hash-of-a-guess".into(), ..a.clone() };
    assert_eq!(rotate(&store, &wrong_secret, now() + 1).await, Rotation::Refused(Refusal::Unknown));
    assert!(matches!(rotate(&store, &a, now() + 1).await, Rotation::Rotated(_)), "the control");
}

async fn revoking_one_family_leaves_the_users_other_sessions_alone<S: Store>(store: S) {
    let phone = session(&store, "user-1").await;
    let laptop = session(&store, "user-1").await;
    store.revoke_family("user-1", &phone.family_id, now()).await.unwrap();
    assert_eq!(rotate(&store, &phone, now() + 1).await, Rotation::Refused(Refusal::Revoked));
    assert!(matches!(rotate(&store, &laptop, now() + 1).await, Rotation::Rotated(_)));
    store.revoke_family("user-1", "no-such-family", now()).await.unwrap();
}

async fn revoke_all_ends_every_session_of_one_user_only<S: Store>(store: S) {
    let mine = [session(&store, "user-1").await, session(&store, "user-1").await, session(&store, "user-1").await];
    let theirs = session(&store, "user-2").await;
    let Rotation::Rotated(rotated) = rotate(&store, &mine[0], now() + 5).await else { panic!("rotate") };
    assert_eq!(store.revoke_all("user-1", now() + 10).await.unwrap(), 3);
    for token in mine.iter().chain([&rotated]) {
        assert!(family_revoked(&store, token).await);
    }
    assert!(!family_revoked(&store, &theirs).await);
    assert_eq!(store.revoke_all("user-1", now() + 11).await.unwrap(), 0);
}

fn granted(attempt: Attempt) -> Option<u32> {
    match attempt {
        Attempt::Granted(count) => Some(count.count),
        Attempt::Refused { .. } => None,
    }
}

const ADA: Counter<'static> = Counter::Email("ada@example.com");
const FIXED: Limit = Limit { max: 10, window: 900, backoff: None };

async fn fifty_concurrent_reservations_grant_exactly_the_maximum_and_the_counter_resets<S: Store + Clone>(store: S) {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let store = store.clone();
        tasks.spawn(async move { store.reserve(ADA, now(), FIXED).await.unwrap() });
    }
    let answers = tasks.join_all().await;
    let mut counts: Vec<u32> = answers.iter().copied().filter_map(granted).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=10).collect::<Vec<_>>(), "exactly the maximum is granted, each count once");
    for refused in answers.iter().filter(|a| granted(**a).is_none()) {
        let Attempt::Refused { count, retry_at } = refused else { unreachable!() };
        assert_eq!((count.count, *retry_at), (10, now() + 900), "refused until the window after the last count");
    }
    let current = store.counted(ADA, now() + 899, FIXED).await.unwrap().unwrap();
    assert_eq!(current, Count { count: 10, last_at: now() }, "refused reservations are not counted");
    assert_eq!(store.counted(ADA, now() + 900, FIXED).await.unwrap(), None);
    assert_eq!(granted(store.reserve(ADA, now() + 900, FIXED).await.unwrap()), Some(1));
    assert_eq!(store.counted(Counter::Email("bob@example.com"), now(), FIXED).await.unwrap(), None);
}

async fn beyond_the_free_counts_each_waits_twice_as_long_and_one_racer_wins_each_turn<S: Store + Clone>(store: S) {
    let limit = Limit { max: 3, window: 900, backoff: Some(16) };
    let counter = Counter::Device { email: "ada@example.com", device: "d1" };
    for expected in 1..=3 {
        assert_eq!(granted(store.reserve(counter, now(), limit).await.unwrap()), Some(expected));
    }
    let refused = store.reserve(counter, now(), limit).await.unwrap();
    assert!(matches!(refused, Attempt::Refused { retry_at, .. } if retry_at == now() + 2), "{refused:?}");
    assert_eq!(granted(store.reserve(counter, now() + 2, limit).await.unwrap()), Some(4));
    let refused = store.reserve(counter, now() + 3, limit).await.unwrap();
    assert!(matches!(refused, Attempt::Refused { retry_at, .. } if retry_at == now() + 6), "{refused:?}");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = store.clone();
        tasks.spawn(async move { store.reserve(counter, now() + 6, limit).await.unwrap() });
    }
    let winners: Vec<u32> = tasks.join_all().await.into_iter().filter_map(granted).collect();
    assert_eq!(winners, [5], "one of twenty racers gets the turn");
    let sixth = store.reserve(counter, now() + 6 + 8, limit).await.unwrap();
    assert_eq!(granted(sixth), Some(6));
    let capped = store.reserve(counter, now() + 14, limit).await.unwrap();
    assert!(matches!(capped, Attempt::Refused { retry_at, .. } if retry_at == now() + 14 + 16), "capped: {capped:?}");
    assert_eq!(store.counted(ADA, now(), limit).await.unwrap(), None, "a device's counter is its own");
}

async fn a_released_count_can_be_used_again_and_clearing_resets<S: Store>(store: S) {
    let limit = Limit { max: 3, ..FIXED };
    let source = Counter::LoginsFrom("203.0.113.7");
    for _ in 0..3 {
        store.reserve(source, now(), limit).await.unwrap();
    }
    assert_eq!(granted(store.reserve(source, now(), limit).await.unwrap()), None);
    store.release(source).await.unwrap();
    assert_eq!(granted(store.reserve(source, now(), limit).await.unwrap()), Some(3));
    store.clear(source).await.unwrap();
    assert_eq!(store.counted(source, now(), limit).await.unwrap(), None);
    store.release(Counter::SignupsFrom("203.0.113.7")).await.unwrap();
    assert_eq!(granted(store.reserve(Counter::SignupsFrom("203.0.113.7"), now(), limit).await.unwrap()), Some(1));
}

fn onetime(user_id: &str, purpose: Purpose, secret_hash: &str, new_email: Option<&str>) -> OneTimeRecord {
    OneTimeRecord {
        user_id: user_id.into(),
        purpose,
        secret_hash: secret_hash.into(),
        expires_at: now() + 900,
        new_email: new_email.map(Into::into),
    }
}

fn proof<'a>(user_id: &'a str, purpose: Purpose, secret_hash: &'a str) -> Proof<'a> {
    Proof { user_id, purpose, secret_hash, now: now() }
}

async fn a_verification_token_verifies_once_and_a_new_one_replaces_the_old<S: Store>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    assert!(!store.profile(&ada.id).await.unwrap().unwrap().email_verified);
    store.issue_token(&onetime(&ada.id, Purpose::VerifyEmail, "first", None)).await.unwrap();
    store.issue_token(&onetime(&ada.id, Purpose::VerifyEmail, "second", None)).await.unwrap();
    assert_eq!(store.verify_email(proof(&ada.id, Purpose::VerifyEmail, "first")).await.unwrap(), None, "replaced");
    let verified = store.verify_email(proof(&ada.id, Purpose::VerifyEmail, "second")).await.unwrap().unwrap();
    assert!(verified.email_verified);
    assert!(store.credentials(&ada.email).await.unwrap().unwrap().email_verified);
    assert!(store.profile(&ada.id).await.unwrap().unwrap().email_verified);
    assert_eq!(store.verify_email(proof(&ada.id, Purpose::VerifyEmail, "second")).await.unwrap(), None, "spent");
}

async fn an_expired_token_or_one_of_another_purpose_or_user_is_refused_and_changes_nothing<S: Store>(store: S) {
    let (ada, bob) = (user("ada@example.com"), user("bob@example.com"));
    create_user(&store, &ada).await.unwrap();
    create_user(&store, &bob).await.unwrap();
    store.issue_token(&onetime(&ada.id, Purpose::ResetPassword, "h", None)).await.unwrap();
    assert!(store.token_live(proof(&ada.id, Purpose::ResetPassword, "h")).await.unwrap());
    let late = Proof { now: now() + 900, ..proof(&ada.id, Purpose::ResetPassword, "h") };
    assert!(!store.token_live(late).await.unwrap());
    assert!(!store.token_live(proof(&ada.id, Purpose::ResetPassword, "x")).await.unwrap());
    assert_eq!(store.reset_password(late, "$new").await.unwrap(), None, "expired at its expiry, by the code's clock");
    assert_eq!(store.verify_email(proof(&ada.id, Purpose::VerifyEmail, "h")).await.unwrap(), None);
    assert_eq!(store.reset_password(proof(&bob.id, Purpose::ResetPassword, "h"), "$new").await.unwrap(), None);
    assert_eq!(store.credentials(&ada.email).await.unwrap().unwrap().password_hash, ada.password_hash);
    assert!(!store.profile(&ada.id).await.unwrap().unwrap().email_verified);
    let done = store.reset_password(proof(&ada.id, Purpose::ResetPassword, "h"), "$new").await.unwrap();
    assert!(done.is_some_and(|p| p.email_verified), "still live after the refusals");
}

async fn ten_racing_resets_with_one_token_succeed_exactly_once<S: Store + Clone>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    store.issue_token(&onetime(&ada.id, Purpose::ResetPassword, "h", None)).await.unwrap();
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..10 {
        let (store, id) = (store.clone(), ada.id.clone());
        racers.spawn(async move {
            let hash = format!("$hash-{i}");
            let done = store.reset_password(proof(&id, Purpose::ResetPassword, "h"), &hash).await.unwrap();
            done.map(|_| hash)
        });
    }
    let winners: Vec<String> = racers.join_all().await.into_iter().flatten().collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let credentials = store.credentials(&ada.email).await.unwrap().unwrap();
    assert_eq!(credentials.password_hash, winners[0]);
    assert!(credentials.email_verified, "the reset link proved the address");
}

async fn an_email_change_moves_the_claim_and_frees_the_old_address<S: Store>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    let change = onetime(&ada.id, Purpose::ChangeEmail, "h", Some("ada@new.example"));
    store.issue_token(&change).await.unwrap();
    assert_eq!(store.change_email(proof(&ada.id, Purpose::ChangeEmail, "x")).await.unwrap(), EmailChange::Invalid);
    let EmailChange::Changed { profile, old_email } =
        store.change_email(proof(&ada.id, Purpose::ChangeEmail, "h")).await.unwrap()
    else {
        panic!("not changed")
    };
    assert_eq!((profile.email.as_str(), old_email.as_str()), ("ada@new.example", "ada@example.com"));
    assert!(profile.email_verified);
    assert_eq!(store.profile(&ada.id).await.unwrap().unwrap(), profile);
    let moved = store.credentials("ada@new.example").await.unwrap().unwrap();
    assert_eq!((moved.user_id.as_str(), moved.password_hash.as_str()), (ada.id.as_str(), ada.password_hash.as_str()));
    assert_eq!(store.credentials("ada@example.com").await.unwrap(), None);
    assert_eq!(store.change_email(proof(&ada.id, Purpose::ChangeEmail, "h")).await.unwrap(), EmailChange::Invalid);
    create_user(&store, &user("ada@example.com")).await.expect("the old address can sign up again");
}

async fn two_users_racing_for_one_address_one_wins_and_the_other_is_unchanged<S: Store + Clone>(store: S) {
    let (ada, bob) = (user("ada@example.com"), user("bob@example.com"));
    create_user(&store, &ada).await.unwrap();
    create_user(&store, &bob).await.unwrap();
    for who in [&ada, &bob] {
        store.issue_token(&onetime(&who.id, Purpose::ChangeEmail, "h", Some("shared@example.com"))).await.unwrap();
    }
    let race = |id: String| {
        let store = store.clone();
        async move { store.change_email(proof(&id, Purpose::ChangeEmail, "h")).await.unwrap() }
    };
    let (a, b) = tokio::join!(race(ada.id.clone()), race(bob.id.clone()));
    let changed = [&a, &b].iter().filter(|r| matches!(r, EmailChange::Changed { .. })).count();
    let taken = [&a, &b].iter().filter(|r| ***r == EmailChange::Taken).count();
    assert_eq!((changed, taken), (1, 1), "{a:?} {b:?}");
    let (loser, winner) = if a == EmailChange::Taken { (&ada, &bob) } else { (&bob, &ada) };
    assert_eq!(store.credentials("shared@example.com").await.unwrap().unwrap().user_id, winner.id);
    assert_eq!(store.profile(&loser.id).await.unwrap().unwrap().email, loser.email, "nothing half changed");
    assert_eq!(store.credentials(&loser.email).await.unwrap().unwrap().user_id, loser.id);
    assert_eq!(store.credentials(&winner.email).await.unwrap(), None);
}

async fn deleting_a_user_leaves_no_item_of_it_and_frees_the_email<S: Store + Inspect>(store: S) {
    let (ada, bob) = (user("ada@example.com"), user("bob@example.com"));
    let first = create_user(&store, &ada).await.unwrap();
    create_user(&store, &bob).await.unwrap();
    let Rotation::Rotated(_) = rotate(&store, &first, now()).await else { panic!("rotate") };
    session(&store, &ada.id).await;
    store.issue_token(&onetime(&ada.id, Purpose::VerifyEmail, "h", None)).await.unwrap();
    store.issue_token(&onetime(&ada.id, Purpose::ChangeEmail, "h", Some("ada@new.example"))).await.unwrap();
    store.begin_totp(&ada.id, SECRET, now()).await.unwrap();
    store.confirm_totp(&ada.id, SECRET, 1, &codes(3)).await.unwrap();
    let limit = Limit { max: 5, window: 60, backoff: None };
    for counter in [
        Counter::MfaCodes(&ada.id),
        Counter::Email(&ada.email),
        Counter::Device { email: &ada.email, device: "d1" },
        Counter::Mails { address: &ada.email, purpose: "reset", span: 60 },
    ] {
        store.reserve(counter, now(), limit).await.unwrap();
    }
    assert!(store.records_of(&ada.id, &ada.email).await > 8);
    let bob_before = store.records_of(&bob.id, &bob.email).await;

    assert!(store.delete_user(&ada.id).await.unwrap());
    assert_eq!(store.records_of(&ada.id, &ada.email).await, 0);
    assert_eq!(store.records_of(&bob.id, &bob.email).await, bob_before, "another user untouched");
    assert!(!store.delete_user(&ada.id).await.unwrap(), "already gone");
    assert_eq!(store.profile(&ada.id).await.unwrap(), None);
    create_user(&store, &user("ada@example.com")).await.expect("the email can sign up again");
}

async fn a_users_live_sessions_are_listed_newest_use_first_and_one_can_be_revoked<S: Store>(store: S) {
    let (ada, bob) = (user("ada@example.com"), user("bob@example.com"));
    let first = create_user(&store, &ada).await.unwrap();
    create_user(&store, &bob).await.unwrap();
    let second = session(&store, &ada.id).await;
    let Rotation::Rotated(_) = rotate(&store, &first, now() + 5).await else { panic!("rotate") };
    let listed = store.sessions(&ada.id, now() + 6).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, [first.family_id.as_str(), second.family_id.as_str()], "the one used last comes first");
    assert_eq!((listed[0].created_at, listed[0].last_used_at), (now(), now() + 5));
    assert_eq!((listed[1].created_at, listed[1].last_used_at), (now(), now()));
    assert!(listed[0].expires_at > now() + 5);

    store.revoke_family(&ada.id, &second.family_id, now() + 7).await.unwrap();
    let left: Vec<String> = store.sessions(&ada.id, now() + 8).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(left, std::slice::from_ref(&first.family_id));
    assert_eq!(store.sessions(&bob.id, now()).await.unwrap().len(), 1, "another user's sessions untouched");
    assert!(store.sessions(&ada.id, now() + 60 * DAY).await.unwrap().is_empty(), "expired sessions are not live");
}

async fn a_session_is_live_until_it_is_revoked_expires_or_its_user_is_deleted<S: Store>(store: S) {
    let (ada, bob) = (user("ada@example.com"), user("bob@example.com"));
    let first = create_user(&store, &ada).await.unwrap();
    let bobs = create_user(&store, &bob).await.unwrap();
    let second = session(&store, &ada.id).await;
    let live = |family: String| {
        let (store, user) = (&store, ada.id.clone());
        async move { store.session_live(&user, &family, now() + 1).await.unwrap() }
    };
    assert_eq!(live(first.family_id.clone()).await, Some(first.expires_at), "live, with its expiry");
    assert_eq!(store.session_live(&ada.id, &first.family_id, first.expires_at).await.unwrap(), None, "expired");
    assert_eq!(live(bobs.family_id.clone()).await, None, "another user's session is not this user's");
    assert_eq!(live("no-such-session".into()).await, None);

    store.revoke_family(&ada.id, &first.family_id, now() + 1).await.unwrap();
    assert_eq!(live(first.family_id.clone()).await, None, "revoked");
    assert!(live(second.family_id.clone()).await.is_some(), "the other session stays live");
    assert!(store.delete_user(&ada.id).await.unwrap());
    assert_eq!(live(second.family_id.clone()).await, None, "the account is gone");
}

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const OTHER_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn codes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("code-hash-{i}")).collect()
}

async fn a_totp_factor_is_pending_until_confirmed_and_a_confirmed_one_is_not_replaced<S: Store>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    assert_eq!(store.totp_factor(&ada.id).await.unwrap(), None);
    assert!(store.begin_totp(&ada.id, OTHER_SECRET, now()).await.unwrap());
    assert!(store.begin_totp(&ada.id, SECRET, now()).await.unwrap(), "a pending factor is replaced");
    let pending = store.totp_factor(&ada.id).await.unwrap().unwrap();
    assert_eq!((pending.secret.as_str(), pending.confirmed, pending.last_step), (SECRET, false, None));
    assert!(!store.profile(&ada.id).await.unwrap().unwrap().totp, "not on while pending");

    assert!(!store.confirm_totp(&ada.id, OTHER_SECRET, 7, &codes(10)).await.unwrap(), "the replaced secret");
    assert!(store.confirm_totp(&ada.id, SECRET, 7, &codes(10)).await.unwrap());
    assert!(!store.confirm_totp(&ada.id, SECRET, 8, &codes(10)).await.unwrap(), "confirmed once");
    let on = store.totp_factor(&ada.id).await.unwrap().unwrap();
    assert_eq!((on.confirmed, on.last_step, on.recovery_codes_left), (true, Some(7), 10));
    assert!(store.profile(&ada.id).await.unwrap().unwrap().totp);
    assert!(!store.begin_totp(&ada.id, OTHER_SECRET, now()).await.unwrap(), "a confirmed factor stays");
    assert_eq!(store.totp_factor(&ada.id).await.unwrap().unwrap().secret, SECRET);

    assert!(store.remove_totp(&ada.id).await.unwrap());
    assert_eq!(store.totp_factor(&ada.id).await.unwrap(), None);
    assert!(!store.profile(&ada.id).await.unwrap().unwrap().totp);
    assert!(!store.remove_totp(&ada.id).await.unwrap(), "nothing left to remove");
}

async fn twenty_racing_uses_of_one_time_step_spend_it_once<S: Store + Clone>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    assert!(!store.spend_totp_step(&ada.id, 1).await.unwrap(), "no factor");
    store.begin_totp(&ada.id, SECRET, now()).await.unwrap();
    assert!(!store.spend_totp_step(&ada.id, 1).await.unwrap(), "a pending factor spends nothing");
    store.confirm_totp(&ada.id, SECRET, 100, &codes(10)).await.unwrap();
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (store, id) = (store.clone(), ada.id.clone());
        racers.spawn(async move { store.spend_totp_step(&id, 101).await.unwrap() });
    }
    let passed = racers.join_all().await.into_iter().filter(|ok| *ok).count();
    assert_eq!(passed, 1);
    assert!(!store.spend_totp_step(&ada.id, 101).await.unwrap(), "the same step again");
    assert!(!store.spend_totp_step(&ada.id, 100).await.unwrap(), "an earlier step");
    assert!(store.spend_totp_step(&ada.id, 103).await.unwrap(), "a later step");
    assert_eq!(store.totp_factor(&ada.id).await.unwrap().unwrap().last_step, Some(103));
}

async fn ten_racing_uses_of_one_recovery_code_spend_it_once<S: Store + Clone>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    store.begin_totp(&ada.id, SECRET, now()).await.unwrap();
    assert_eq!(store.spend_recovery_code(&ada.id, "code-hash-0").await.unwrap(), RecoveryCodeUse::Refused);
    store.confirm_totp(&ada.id, SECRET, 1, &codes(10)).await.unwrap();
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (store, id) = (store.clone(), ada.id.clone());
        racers.spawn(async move { store.spend_recovery_code(&id, "code-hash-4").await.unwrap() });
    }
    let uses = racers.join_all().await;
    let spent: Vec<_> = uses.iter().filter(|u| **u != RecoveryCodeUse::Refused).collect();
    assert_eq!(spent, [&RecoveryCodeUse::Spent { left: 9 }], "{uses:?}");
    assert_eq!(store.spend_recovery_code(&ada.id, "code-hash-4").await.unwrap(), RecoveryCodeUse::Refused);
    assert_eq!(store.spend_recovery_code(&ada.id, "no-such-hash").await.unwrap(), RecoveryCodeUse::Refused);
    assert_eq!(store.spend_recovery_code(&ada.id, "code-hash-0").await.unwrap(), RecoveryCodeUse::Spent { left: 8 });
    assert_eq!(store.totp_factor(&ada.id).await.unwrap().unwrap().recovery_codes_left, 8);
}

async fn a_one_time_token_is_redeemed_once_however_many_race<S: Store + Clone>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    store.issue_token(&onetime(&ada.id, Purpose::Mfa, "h", None)).await.unwrap();
    let proof =
        |hash: &'static str, at: i64| Proof { user_id: &ada.id, purpose: Purpose::Mfa, secret_hash: hash, now: at };
    assert!(!store.redeem_token(proof("x", now())).await.unwrap(), "a wrong secret");
    assert!(!store.redeem_token(proof("h", now() + 3_600)).await.unwrap(), "expired");
    assert!(!store.redeem_token(Proof { purpose: Purpose::ResetPassword, ..proof("h", now()) }).await.unwrap());
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (store, id) = (store.clone(), ada.id.clone());
        racers.spawn(async move {
            let proof = Proof { user_id: &id, purpose: Purpose::Mfa, secret_hash: "h", now: now() };
            store.redeem_token(proof).await.unwrap()
        });
    }
    assert_eq!(racers.join_all().await.into_iter().filter(|ok| *ok).count(), 1);
    assert!(!store.token_live(proof("h", now())).await.unwrap());
}

async fn every_successor_keeps_the_methods_its_session_began_with<S: Store>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    let mut first = record(&ada.id, "family-with-otp", now());
    first.amr = vec!["pwd".into(), "otp".into()];
    store.create_session(&first).await.unwrap();
    let Rotation::Rotated(next) = rotate(&store, &first, now() + 1).await else { panic!("rotate") };
    assert_eq!(next.amr, ["pwd", "otp"]);
    let Rotation::Replayed(again) = rotate(&store, &first, now() + 2).await else { panic!("replay") };
    assert_eq!(again.amr, ["pwd", "otp"]);
    let Rotation::Rotated(third) = rotate(&store, &next, now() + 3).await else { panic!("rotate") };
    assert_eq!(store.refresh_state(token_ref(&third)).await.unwrap().unwrap().token.amr, ["pwd", "otp"]);
    let plain = session(&store, &ada.id).await;
    let Rotation::Rotated(plain_next) = rotate(&store, &plain, now() + 1).await else { panic!("rotate") };
    assert!(plain_next.amr.is_empty(), "a session stored without methods gets none");
}

macro_rules! contract {
    ($make:expr) => {
        contract!(@tests $make;
            users_are_found_by_normalised_email_and_by_id,
            fifty_concurrent_creates_with_one_email_admit_exactly_one,
            twenty_concurrent_rotations_share_one_successor,
            a_successor_never_outlives_its_session_and_an_unlimited_one_gets_a_limit,
            a_retry_within_the_grace_interval_gets_the_same_successor,
            a_retry_two_rotations_back_within_the_grace_interval_gets_its_own_successor,
            reuse_after_the_grace_interval_revokes_the_whole_family,
            an_expired_refresh_token_whose_item_still_exists_is_refused,
            an_unknown_or_mismatched_token_is_refused,
            revoking_one_family_leaves_the_users_other_sessions_alone,
            revoke_all_ends_every_session_of_one_user_only,
            fifty_concurrent_reservations_grant_exactly_the_maximum_and_the_counter_resets,
            beyond_the_free_counts_each_waits_twice_as_long_and_one_racer_wins_each_turn,
            a_released_count_can_be_used_again_and_clearing_resets,
            a_verification_token_verifies_once_and_a_new_one_replaces_the_old,
            an_expired_token_or_one_of_another_purpose_or_user_is_refused_and_changes_nothing,
            ten_racing_resets_with_one_token_succeed_exactly_once,
            an_email_change_moves_the_claim_and_frees_the_old_address,
            two_users_racing_for_one_address_one_wins_and_the_other_is_unchanged,
            deleting_a_user_leaves_no_item_of_it_and_frees_the_email,
            a_users_live_sessions_are_listed_newest_use_first_and_one_can_be_revoked,
            a_session_is_live_until_it_is_revoked_expires_or_its_user_is_deleted,
            a_totp_factor_is_pending_until_confirmed_and_a_confirmed_one_is_not_replaced,
            twenty_racing_uses_of_one_time_step_spend_it_once,
            ten_racing_uses_of_one_recovery_code_spend_it_once,
            a_one_time_token_is_redeemed_once_however_many_race,
            every_successor_keeps_the_methods_its_session_began_with,
            a_ceremony_is_taken_once_by_its_kind_and_owner_before_it_expires,
            passkeys_are_listed_oldest_first_counted_on_the_profile_and_removed,
            of_two_logins_that_read_one_counter_only_one_moves_it,
        );
    };
    (@tests $make:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some(store) = $make.await else { return };
                super::$name(store).await;
            }
        )+
    };
}

mod memory {
    use super::*;
    contract!(async { Some(MemoryStore::new()) });
}

mod dynamodb {
    use super::*;
    contract!(test_store());

    #[tokio::test]
    async fn an_endpoint_that_refuses_connections_is_unavailable_within_5_seconds() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let settings =
            shared::StoreSettings { table_name: "t".into(), endpoint: Some(format!("http://127.0.0.1:{port}")) };
        let store = DynamoStore::connect(&settings).await;
        let started = Instant::now();
        let err = store.profile("x").await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        let store = Arc::new(store);
        let err = create_user(&*store, &user("a@b.co")).await.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    }
}

/// DynamoDB only: sessions as the table held them before the family item held their tokens.
mod dynamodb_earlier_layout {
    use super::*;
    contract!(@tests test_store();
        an_earlier_session_rotates_replays_and_detects_reuse,
        a_token_retired_before_the_deploy_is_still_reuse,
        twenty_racing_rotations_of_an_earlier_session_share_one_successor,
    );
}

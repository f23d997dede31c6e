use serde_json::json;
use shared::store::{Limit, MemoryStore, User};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, Jobs, error_code, json_post};
use shared::{ManualClock, RefreshToken, test_with_both_stores};

use super::*;

const NEW_PASSWORD: &str = "a brand new passphrase for ada";

struct Fixture<S> {
    deps: ResetPassword<S>,
    clock: ManualClock,
    jobs: Jobs,
    ada: User,
    token: String,
}

async fn fixture<S: Store>(store: S) -> Fixture<S> {
    let clock = testing::clock();
    let mut services = testing::services(&clock);
    let (handoff, jobs) = testing::recording_handoff();
    services.handoff = Some(handoff);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let token = OneTimeToken::new(Purpose::ResetPassword, &ada.id);
    store.issue_token(&token.record(clock.now() + 900, None)).await.unwrap();
    Fixture { deps: ResetPassword::new(store, &services), clock, jobs, ada, token: token.encode() }
}

impl<S: Store> Fixture<S> {
    async fn reset(&self, password: &str) -> Response<Body> {
        handle(json_post("/password/reset", &json!({ "token": self.token, "password": password })), &self.deps)
            .await
            .unwrap()
    }
}

async fn a_reset_sets_the_password_revokes_every_session_and_sends_a_notice<S: Store>(store: S) {
    let f = fixture(store).await;
    let session = RefreshToken::first(&f.ada.id).record(f.clock.now(), 86_400);
    f.deps.store.create_session(&session).await.unwrap();
    let limit = Limit { max: 10, window: 900, backoff: None };
    f.deps.store.reserve(Counter::Email(ADA_EMAIL), f.clock.now(), limit).await.unwrap();

    assert_eq!(f.reset(NEW_PASSWORD).await.status(), 204);
    let credentials = f.deps.store.credentials(ADA_EMAIL).await.unwrap().unwrap();
    assert!(f.deps.passwords.verify(NEW_PASSWORD, Some(&credentials.password_hash)).await.unwrap().matches);
    assert!(credentials.email_verified, "the link proved the address");
    let state = f.deps.store.refresh_state(shared::store::TokenRef {
        user_id: &session.user_id,
        family_id: &session.family_id,
        token_id: &session.token_id,
        secret_hash: &session.secret_hash,
    });
    assert!(state.await.unwrap().unwrap().family_revoked);
    assert_eq!(f.deps.store.counted(Counter::Email(ADA_EMAIL), f.clock.now(), limit).await.unwrap(), None);
    assert_eq!(f.jobs.taken(), [MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::PasswordReset }]);
    let again = f.reset("yet another passphrase for ada").await;
    assert_eq!(error_code(&again), "invalid_grant", "single use");
}

async fn a_weak_password_is_refused_and_leaves_the_token_live<S: Store>(store: S) {
    let f = fixture(store).await;
    let weak = f.reset("password").await;
    assert_eq!((weak.status().as_u16(), error_code(&weak)), (400, "invalid_request".into()));
    assert_eq!(f.reset(NEW_PASSWORD).await.status(), 204);
}

test_with_both_stores!(
    a_reset_sets_the_password_revokes_every_session_and_sends_a_notice,
    a_weak_password_is_refused_and_leaves_the_token_live
);

#[tokio::test]
async fn an_expired_or_malformed_token_is_invalid_grant_and_changes_nothing() {
    let f = fixture(MemoryStore::new()).await;
    f.clock.advance(900);
    assert_eq!(error_code(&f.reset(NEW_PASSWORD).await), "invalid_grant");
    let other =
        handle(json_post("/password/reset", &json!({ "token": "ot1.reset.x.y", "password": NEW_PASSWORD })), &f.deps);
    assert_eq!(error_code(&other.await.unwrap()), "invalid_grant");
    assert_eq!(f.deps.store.credentials(ADA_EMAIL).await.unwrap().unwrap().password_hash, f.ada.password_hash);
    assert!(f.jobs.taken().is_empty());
}

#[tokio::test]
async fn a_store_outage_is_503() {
    let f = fixture(MemoryStore::new()).await;
    f.deps.store.set_unavailable(true);
    assert_eq!(f.reset(NEW_PASSWORD).await.status(), 503);
}

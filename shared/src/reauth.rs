//! Confirming a signed-in caller's current password before a change that
//! needs it (password, email, deletion). It is checked like a login: one
//! count in the email's login-failure window first (so guesses through these
//! routes cannot outrun the login limit), one argon2id verification, and the
//! count given back when the password was right.

use std::sync::Arc;

use crate::Clock;
use crate::caller::GONE;
use crate::error::ApiError;
use crate::password::Passwords;
use crate::services::Services;
use crate::store::{Attempt, Counter, Credentials, Op, Store};
use crate::throttle::ThrottleSettings;

pub const WRONG_PASSWORD: &str = "the current password is incorrect";

/// The store operations `confirm` calls, for a function's `NEEDS`.
pub const OPS: [Op; 4] = [Op::Profile, Op::Reserve, Op::Credentials, Op::Release];

#[derive(Clone)]
pub struct Reauth {
    pub passwords: Passwords,
    pub throttle: ThrottleSettings,
    pub clock: Arc<dyn Clock>,
}

impl Reauth {
    pub fn new(services: &Services) -> Self {
        Self { passwords: services.passwords.clone(), throttle: services.throttle, clock: services.clock.clone() }
    }

    /// The caller's account, once `password` proves it is theirs.
    pub async fn confirm<S: Store>(&self, store: &S, user_id: &str, password: &str) -> Result<Credentials, ApiError> {
        if password.is_empty() {
            return Err(ApiError::invalid_request("password: must not be empty"));
        }
        let now = self.clock.now();
        let profile = store.profile(user_id).await?.ok_or(ApiError::InvalidToken(GONE))?;
        let counter = Counter::Email(&profile.email);
        if let Attempt::Refused { retry_at, .. } = store.reserve(counter, now, self.throttle.logins()).await? {
            tracing::warn!(%user_id, "password check refused: throttled");
            return Err(ApiError::TooManyAttempts { retry_after: u64::try_from(retry_at - now).unwrap_or(1) });
        }
        let stored = store.credentials(&profile.email).await?.filter(|c| c.user_id == user_id);
        let check = self.passwords.verify(password, stored.as_ref().map(|c| c.password_hash.as_str())).await?;
        let Some(account) = stored.filter(|_| check.matches) else {
            tracing::info!(%user_id, "password check failed");
            return Err(ApiError::InvalidGrant(WRONG_PASSWORD));
        };
        store.release(counter).await?;
        Ok(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use crate::testing;

    const PASSWORD: &str = "correct horse battery staple";

    #[tokio::test]
    async fn the_right_password_confirms_and_leaves_the_window_as_it_was() {
        let clock = testing::clock();
        let reauth = Reauth::new(&testing::services(&clock));
        let store = MemoryStore::new();
        let ada = testing::seed_user(&store, &reauth.passwords, "ada@example.com", PASSWORD, clock.now()).await;
        assert_eq!(reauth.confirm(&store, &ada.id, PASSWORD).await.unwrap().user_id, ada.id);
        let limit = reauth.throttle.logins();
        assert_eq!(
            store.counted(Counter::Email(&ada.email), clock.now(), limit).await.unwrap().map(|c| c.count),
            Some(0)
        );
    }

    #[tokio::test]
    async fn wrong_passwords_count_as_login_failures_until_the_window_locks() {
        let clock = testing::clock();
        let reauth = Reauth::new(&testing::services(&clock));
        let store = MemoryStore::new();
        let ada = testing::seed_user(&store, &reauth.passwords, "ada@example.com", PASSWORD, clock.now()).await;
        for _ in 0..reauth.throttle.logins().max {
            assert_eq!(
                reauth.confirm(&store, &ada.id, "wrong").await.unwrap_err(),
                ApiError::InvalidGrant(WRONG_PASSWORD)
            );
        }
        let locked = reauth.confirm(&store, &ada.id, PASSWORD).await.unwrap_err();
        assert!(matches!(locked, ApiError::TooManyAttempts { .. }), "{locked:?}");
    }

    #[tokio::test]
    async fn a_caller_whose_account_is_gone_is_refused_as_a_bad_token() {
        let clock = testing::clock();
        let reauth = Reauth::new(&testing::services(&clock));
        let err = reauth.confirm(&MemoryStore::new(), "no-such-user", PASSWORD).await.unwrap_err();
        assert_eq!(err, ApiError::InvalidToken(GONE));
    }
}

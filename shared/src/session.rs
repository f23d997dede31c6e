//! Sessions (refresh-token families): opening one and rotating one, written
//! once. Signup, login, refresh and the tests all go through here, so the
//! first refresh token, the record the store keeps and the TOKENS body are
//! made the same way everywhere.

use std::sync::Arc;

use crate::bodies::TokenPair;
use crate::config::{ConfigError, Vars};
use crate::error::ApiError;
use crate::refresh::RefreshToken;
use crate::store::{RefreshRecord, Rotation, Store, Subject};
use crate::tokens::TokenIssuer;

pub const INVALID: &str = "the refresh token is invalid, expired or revoked";
pub const REUSED: &str = "the refresh token was already used; the session has been revoked";

/// How long refresh tokens live, how long a retried refresh gets the same
/// successor, and how long a session lasts from its login however often it
/// is refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    pub refresh_ttl: u64,
    pub grace: u64,
    pub max_age: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self { refresh_ttl: 30 * 86_400, grace: 10, max_age: 90 * 86_400 }
    }
}

impl SessionSettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            refresh_ttl: vars.ranged("REFRESH_TOKEN_TTL_SECONDS", d.refresh_ttl, 300, 400 * 86_400)?,
            grace: vars.ranged("REFRESH_GRACE_SECONDS", d.grace, 0, 300)?,
            max_age: vars.ranged("SESSION_MAX_AGE_SECONDS", d.max_age, 300, 400 * 86_400)?,
        })
    }
}

/// A session made but not stored yet: signup stores it with the account.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub record: RefreshRecord,
    pub tokens: TokenPair,
}

#[derive(Clone)]
pub struct Sessions {
    issuer: Arc<TokenIssuer>,
    settings: SessionSettings,
}

impl Sessions {
    pub fn new(issuer: Arc<TokenIssuer>, settings: SessionSettings) -> Self {
        Self { issuer, settings }
    }

    pub fn issuer(&self) -> &TokenIssuer {
        &self.issuer
    }

    pub fn settings(&self) -> SessionSettings {
        self.settings
    }

    /// A new family for the user, who logged in by the methods `amr`
    /// (`shared::amr`): its first refresh token, the record of it, and the
    /// TOKENS body. Nothing is stored.
    pub fn start(&self, subject: Subject<'_>, amr: &[&str], now: i64) -> Result<NewSession, ApiError> {
        let refresh = RefreshToken::first(subject.user_id);
        let mut record = refresh.record(now, self.settings.refresh_ttl).within(self.session_end(now));
        record.amr = amr.iter().map(|m| m.to_string()).collect();
        let tokens = self.tokens(&refresh, subject, &record, now)?;
        Ok(NewSession { record, tokens })
    }

    /// Starts a session and stores it.
    pub async fn open<S: Store>(
        &self,
        store: &S,
        subject: Subject<'_>,
        amr: &[&str],
        now: i64,
    ) -> Result<TokenPair, ApiError> {
        let session = self.start(subject, amr, now)?;
        store.create_session(&session.record).await?;
        Ok(session.tokens)
    }

    /// Rotates `presented`: its successor's tokens, the same successor again
    /// for a retry within the grace interval, or `invalid_grant` (and a
    /// revoked family, when a retired token comes back after the interval).
    pub async fn rotate<S: Store>(&self, store: &S, presented: &RefreshToken, now: i64) -> Result<TokenPair, ApiError> {
        let hash = presented.secret_hash();
        let successor = presented.next();
        // The store keeps it within the presented token's session; a session
        // from before sessions had a limit gets one from now.
        let record = successor.record(now, self.settings.refresh_ttl).within(self.session_end(now));
        let (rotation, profile) = tokio::try_join!(
            store.rotate_refresh(presented.reference(&hash), &record, now, self.settings.grace),
            // Only copied into the access token; the session's own read is the strongly consistent one.
            store.profile_eventually(&presented.user_id),
        )?;
        let (next, next_record) = match rotation {
            Rotation::Rotated(stored) => (successor, stored),
            // The same successor as the first time: derived from this token and its stored id.
            Rotation::Replayed(stored) => (presented.successor(&stored.token_id), stored),
            Rotation::Reused => {
                let (user_id, family_id) = (&presented.user_id, &presented.family_id);
                tracing::warn!(%user_id, %family_id, "refresh token reused: session revoked");
                return Err(ApiError::InvalidGrant(REUSED));
            }
            Rotation::Refused(why) => {
                tracing::info!(reason = ?why, "refresh refused");
                return Err(ApiError::InvalidGrant(INVALID));
            }
        };
        let profile = profile.ok_or(ApiError::InvalidGrant(INVALID))?;
        self.tokens(&next, profile.subject(), &next_record, now)
    }

    fn session_end(&self, now: i64) -> i64 {
        now.saturating_add(i64::try_from(self.settings.max_age).unwrap_or(i64::MAX))
    }

    /// What a refresh token that is not one gets: the same answer as an unknown one.
    pub fn not_a_refresh_token() -> ApiError {
        ApiError::InvalidGrant(INVALID)
    }

    fn tokens(
        &self,
        refresh: &RefreshToken,
        subject: Subject<'_>,
        stored: &RefreshRecord,
        now: i64,
    ) -> Result<TokenPair, ApiError> {
        let access = self.issuer.issue_for_session(subject, &refresh.family_id, &stored.amr, now)?;
        let refresh_expires_at = stored.expires_at;
        Ok(TokenPair {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: self.issuer.access_ttl(),
            refresh_token: refresh.encode(),
            refresh_expires_in: u64::try_from(refresh_expires_at - now).unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use crate::testing;

    const NOW: i64 = 1_800_000_000;

    fn sessions() -> Sessions {
        let (issuer, _) = testing::tokens(crate::Algorithm::EdDSA, None);
        Sessions::new(issuer, SessionSettings::default())
    }

    #[test]
    fn a_started_session_is_one_refresh_token_and_its_record() {
        let started = sessions().start(Subject::new(testing::ADA_ID, "a@b.co"), crate::amr::PASSWORD, NOW).unwrap();
        let token = RefreshToken::parse(&started.tokens.refresh_token).unwrap();
        let mut expected = token.record(NOW, 30 * 86_400).within(NOW + 90 * 86_400);
        expected.amr = vec!["pwd".into()];
        assert_eq!(started.record, expected);
        assert_eq!(started.tokens.refresh_expires_in, 30 * 86_400);
        assert_eq!((started.tokens.token_type, started.tokens.expires_in), ("Bearer", 900));
    }

    #[tokio::test]
    async fn every_access_token_of_a_session_names_it_as_sid() {
        let (store, sessions) = (MemoryStore::new(), sessions());
        let user = testing::seed_user(&store, &testing::cheap_passwords(), "a@b.co", testing::ADA_PASSWORD, NOW).await;
        let first =
            sessions.open(&store, Subject::new(&user.id, &user.email), crate::amr::PASSWORD, NOW).await.unwrap();
        let family = RefreshToken::parse(&first.refresh_token).unwrap().family_id;
        let next = sessions.rotate(&store, &RefreshToken::parse(&first.refresh_token).unwrap(), NOW + 1).await.unwrap();
        let verifier = crate::TokenVerifier::new(
            &testing::token_settings(crate::Algorithm::EdDSA),
            crate::VerificationKeys::from_settings(
                crate::Algorithm::EdDSA,
                &crate::KeySettings::default(),
                Some(sessions.issuer().signing_key()),
            )
            .unwrap(),
        );
        for tokens in [&first, &next] {
            let claims = verifier.verify_access(&tokens.access_token, NOW + 1).unwrap();
            assert_eq!(claims.sid.as_deref(), Some(family.as_str()));
        }
    }

    #[tokio::test]
    async fn an_opened_session_rotates_once_and_replays_its_successor_within_the_grace_interval() {
        let (store, sessions) = (MemoryStore::new(), sessions());
        let user = testing::seed_user(&store, &testing::cheap_passwords(), "a@b.co", testing::ADA_PASSWORD, NOW).await;
        let first =
            sessions.open(&store, Subject::new(&user.id, &user.email), crate::amr::PASSWORD, NOW).await.unwrap();
        let presented = RefreshToken::parse(&first.refresh_token).unwrap();
        let next = sessions.rotate(&store, &presented, NOW + 1).await.unwrap();
        let again = sessions.rotate(&store, &presented, NOW + 2).await.unwrap();
        assert_eq!(next.refresh_token, again.refresh_token);
        assert_ne!(next.refresh_token, first.refresh_token);
        let reused = sessions.rotate(&store, &presented, NOW + 60).await.unwrap_err();
        assert_eq!(reused, ApiError::InvalidGrant(REUSED));
        let successor = RefreshToken::parse(&next.refresh_token).unwrap();
        assert_eq!(sessions.rotate(&store, &successor, NOW + 61).await.unwrap_err(), ApiError::InvalidGrant(INVALID));
    }

    #[tokio::test]
    async fn a_session_ends_at_its_maximum_age_however_often_it_is_refreshed() {
        let store = MemoryStore::new();
        let (issuer, _) = testing::tokens(crate::Algorithm::EdDSA, None);
        let settings = SessionSettings { refresh_ttl: 1000, grace: 0, max_age: 100 };
        let sessions = Sessions::new(issuer, settings);
        let user = testing::seed_user(&store, &testing::cheap_passwords(), "a@b.co", testing::ADA_PASSWORD, NOW).await;
        let first =
            sessions.open(&store, Subject::new(&user.id, &user.email), crate::amr::PASSWORD, NOW).await.unwrap();
        assert_eq!(first.refresh_expires_in, 100);
        let token = RefreshToken::parse(&first.refresh_token).unwrap();
        let next = sessions.rotate(&store, &token, NOW + 60).await.unwrap();
        assert_eq!(next.refresh_expires_in, 40, "a refresh does not extend the session");
        let token = RefreshToken::parse(&next.refresh_token).unwrap();
        assert_eq!(sessions.rotate(&store, &token, NOW + 100).await.unwrap_err(), ApiError::InvalidGrant(INVALID));
    }

    #[test]
    fn the_ttl_and_grace_are_read_from_their_variables() {
        let vars = Vars::new(|k: &str| match k {
            "REFRESH_TOKEN_TTL_SECONDS" => Some("3600".into()),
            "REFRESH_GRACE_SECONDS" => Some("0".into()),
            _ => None,
        });
        let settings = SessionSettings::from_vars(&vars).unwrap();
        assert_eq!(settings, SessionSettings { refresh_ttl: 3600, grace: 0, max_age: 90 * 86_400 });
    }
}

//! The mailer: sends what the request handlers hand off (`MailJob`), off
//! their path. It looks the address up, applies the per-address sending
//! limits, makes any one-time token (so no secret ever waits in a queue) and
//! sends through the configured transport, retrying a failed send briefly
//! and then logging it. A store failure is returned, so Lambda retries the
//! invocation; a mail failure is not, so one mail is never sent twice.

use std::sync::Arc;
use std::time::Duration;

use lambda_runtime::LambdaEvent;
use shared::mail::{Letter, Letters, MailJob, MailSettings, Notice, Transport};
use shared::onetime::OneTimeToken;
use shared::services::Mail;
use shared::store::{Attempt, Counter, Limit, Op, Purpose, Store};
use shared::{Clock, Needs, Services, StoreError};

pub const NEEDS: Needs = Needs {
    store: &[Op::Credentials, Op::Reserve, Op::IssueToken],
    connections: 1,
    mail: Mail::Sends,
    ..Needs::NOTHING
};

/// Pauses before each further attempt at a failed send.
const RETRY_AFTER: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];

pub struct Mailer<S> {
    pub store: S,
    pub settings: MailSettings,
    pub transport: Transport,
    pub letters: Letters,
    pub clock: Arc<dyn Clock>,
}

/// What became of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Nothing to send: no such account, already verified, or over the limit.
    Skipped(&'static str),
    /// The transport kept failing; logged.
    NotSent,
}

impl<S: Store> Mailer<S> {
    pub fn new(store: S, services: &Services) -> Self {
        let shared::services::Mailing { settings, transport } = services.mailing();
        let letters = Letters::new(&settings.app_url);
        Self { store, settings, transport, letters, clock: services.clock.clone() }
    }

    pub async fn deliver(&self, job: MailJob) -> Result<Outcome, StoreError> {
        let kind = job.kind();
        let outcome = self.work(job).await?;
        tracing::info!(job = kind, outcome = ?outcome, transport = self.transport.name(), "mail job done");
        Ok(outcome)
    }

    async fn work(&self, job: MailJob) -> Result<Outcome, StoreError> {
        let s = &self.settings;
        match job {
            MailJob::VerifyEmail { email } => {
                let Some(account) = self.store.credentials(&email).await? else {
                    return Ok(Outcome::Skipped("no account"));
                };
                if account.email_verified {
                    return Ok(Outcome::Skipped("already verified"));
                }
                if !self.within_limits(&email, "verify").await? {
                    return Ok(Outcome::Skipped("sending limit"));
                }
                let token = self.issue(Purpose::VerifyEmail, &account.user_id, s.verify_ttl, None).await?;
                Ok(self.send(&email, Letter::VerifyEmail { token }).await)
            }
            MailJob::ResetPassword { email } => {
                let Some(account) = self.store.credentials(&email).await? else {
                    return Ok(Outcome::Skipped("no account"));
                };
                if !self.within_limits(&email, "reset").await? {
                    return Ok(Outcome::Skipped("sending limit"));
                }
                let token = self.issue(Purpose::ResetPassword, &account.user_id, s.reset_ttl, None).await?;
                Ok(self.send(&email, Letter::ResetPassword { token }).await)
            }
            MailJob::AlreadyRegistered { email } => {
                if !self.within_limits(&email, "exists").await? {
                    return Ok(Outcome::Skipped("sending limit"));
                }
                Ok(self.send(&email, Letter::AlreadyRegistered).await)
            }
            MailJob::ChangeEmail { user_id, new_email } => {
                if !self.within_limits(&new_email, "email").await? {
                    return Ok(Outcome::Skipped("sending limit"));
                }
                let token =
                    self.issue(Purpose::ChangeEmail, &user_id, s.email_change_ttl, Some(new_email.clone())).await?;
                Ok(self.send(&new_email, Letter::ConfirmEmailChange { token, new_email: new_email.clone() }).await)
            }
            MailJob::Notice { email, notice } => {
                let letter = match notice {
                    Notice::PasswordReset => Letter::PasswordReset,
                    Notice::PasswordChanged => Letter::PasswordChanged,
                    Notice::EmailChangeRequested { new_email } => Letter::EmailChangeRequested { new_email },
                    Notice::AccountDeleted => Letter::AccountDeleted,
                    Notice::TotpEnabled => Letter::TotpEnabled,
                    Notice::TotpRemoved => Letter::TotpRemoved,
                    Notice::RecoveryCodeUsed { left } => Letter::RecoveryCodeUsed { left },
                    Notice::PasskeyAdded { name } => Letter::PasskeyAdded { name },
                    Notice::PasskeyRemoved { name } => Letter::PasskeyRemoved { name },
                };
                Ok(self.send(&email, letter).await)
            }
        }
    }

    /// Counts one mail of `purpose` to `address` against both limits.
    async fn within_limits(&self, address: &str, purpose: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let limits = [(60, self.settings.per_minute), (3_600, self.settings.per_hour)];
        for (span, max) in limits {
            let counter = Counter::Mails { address, purpose, span };
            let limit = Limit { max, window: span, backoff: None };
            if let Attempt::Refused { .. } = self.store.reserve(counter, now, limit).await? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A new token of `purpose`, replacing the user's previous one.
    async fn issue(
        &self,
        purpose: Purpose,
        user_id: &str,
        ttl: u64,
        new_email: Option<String>,
    ) -> Result<String, StoreError> {
        let token = OneTimeToken::new(purpose, user_id);
        let expires_at = self.clock.now().saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX));
        self.store.issue_token(&token.record(expires_at, new_email)).await?;
        Ok(token.encode())
    }

    async fn send(&self, to: &str, letter: Letter) -> Outcome {
        let message = self.letters.write(to, &letter);
        let mut pauses = RETRY_AFTER.iter();
        loop {
            match self.transport.send(&self.settings.from, &message).await {
                Ok(()) => return Outcome::Sent,
                Err(err) => match pauses.next() {
                    Some(pause) => {
                        tracing::warn!(error = %err, "mail send failed; retrying");
                        tokio::time::sleep(*pause).await;
                    }
                    None => {
                        tracing::error!(error = %err, "mail not sent");
                        return Outcome::NotSent;
                    }
                },
            }
        }
    }
}

pub async fn handle<S: Store>(event: LambdaEvent<MailJob>, deps: &Mailer<S>) -> Result<(), lambda_runtime::Error> {
    deps.deliver(event.payload).await?;
    Ok(())
}

#[cfg(test)]
mod tests;

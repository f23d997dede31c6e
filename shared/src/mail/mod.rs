//! Mail: what the flows ask for (`MailJob`), handing that off the request's
//! path (`Handoff`), the one message builder (`letters`) and the transports
//! that deliver it (`transport`: SES, SMTP, or local-api's in-memory outbox).
//!
//! Request handlers never send mail themselves: they hand a job to the mailer
//! (an asynchronous invocation in AWS, a task in local-api) and answer at
//! once, so the provider's latency and failures never reach a response, and
//! a known and an unknown address cost the request the same.

mod by_address;
mod handoff;
pub mod letters;
mod settings;
pub mod transport;

pub use by_address::AddressMail;
pub use handoff::Handoff;
pub use letters::{Letter, Letters, Message};
pub use settings::{AccountSettings, EmailVerification, MailSettings};
pub use transport::{Outbox, Transport};

use serde::{Deserialize, Serialize};

/// One piece of mail work. It names whom and what, never a secret: the
/// mailer makes any one-time token itself, so nothing secret waits in a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case", deny_unknown_fields)]
pub enum MailJob {
    /// A verification link, if the address belongs to an unverified account.
    VerifyEmail {
        email: String,
    },
    /// A reset link, if the address belongs to an account.
    ResetPassword {
        email: String,
    },
    /// Signup with a taken address while verification is required.
    AlreadyRegistered {
        email: String,
    },
    /// A confirmation link to the new address.
    ChangeEmail {
        user_id: String,
        new_email: String,
    },
    Notice {
        email: String,
        notice: Notice,
    },
}

/// A security change the account's owner is told about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Notice {
    PasswordReset,
    PasswordChanged,
    EmailChangeRequested { new_email: String },
    AccountDeleted,
    TotpEnabled,
    TotpRemoved,
    RecoveryCodeUsed { left: u32 },
    PasskeyAdded { name: String },
    PasskeyRemoved { name: String },
}

impl MailJob {
    /// Its name in logs: never the address.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "verify_email",
            Self::ResetPassword { .. } => "reset_password",
            Self::AlreadyRegistered { .. } => "already_registered",
            Self::ChangeEmail { .. } => "change_email",
            Self::Notice { notice: Notice::PasswordReset, .. } => "notice_password_reset",
            Self::Notice { notice: Notice::PasswordChanged, .. } => "notice_password_changed",
            Self::Notice { notice: Notice::EmailChangeRequested { .. }, .. } => "notice_email_change",
            Self::Notice { notice: Notice::AccountDeleted, .. } => "notice_account_deleted",
            Self::Notice { notice: Notice::TotpEnabled, .. } => "notice_totp_enabled",
            Self::Notice { notice: Notice::TotpRemoved, .. } => "notice_totp_removed",
            Self::Notice { notice: Notice::RecoveryCodeUsed { .. }, .. } => "notice_recovery_code_used",
            Self::Notice { notice: Notice::PasskeyAdded { .. }, .. } => "notice_passkey_added",
            Self::Notice { notice: Notice::PasskeyRemoved { .. }, .. } => "notice_passkey_removed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_travel_as_tagged_json_without_secrets() {
        let job = MailJob::Notice {
            email: "a@b.co".into(),
            notice: Notice::EmailChangeRequested { new_email: "c@d.co".into() },
        };
        let json = serde_json::to_value(&job).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"job": "notice", "email": "a@b.co", "notice": {"kind": "email_change_requested", "new_email": "c@d.co"}})
        );
        assert_eq!(serde_json::from_value::<MailJob>(json).unwrap(), job);
        let reset: MailJob = serde_json::from_str(r#"{"job":"reset_password","email":"a@b.co"}"#).unwrap();
        assert_eq!(reset.kind(), "reset_password");
    }
}

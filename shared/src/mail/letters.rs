//! The one message builder: every mail, for every transport, with a
//! plain-text and an HTML part. A message carries no secret but its one link,
//! and links are built from `APP_URL` only, never from a request. The token
//! sits in the link's fragment, which browsers send to no server (no access
//! log, no Referer); opening a link changes nothing until the page POSTs it,
//! so mail scanners that follow links spend nothing.

use crate::store::Purpose;

/// A mail ready for any transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a mail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Letter {
    VerifyEmail { token: String },
    ResetPassword { token: String },
    ConfirmEmailChange { token: String, new_email: String },
    AlreadyRegistered,
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

/// The web app's page for each link.
pub fn page(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::VerifyEmail => "/verify-email",
        Purpose::ResetPassword => "/reset-password",
        Purpose::ChangeEmail => "/confirm-email",
        // Never mailed: a login's second step answers it directly.
        Purpose::Mfa => "/",
    }
}

/// Where a user who has not asked for a mail can start a reset themselves.
pub const FORGOT_PAGE: &str = "/forgot-password";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letters {
    app_url: String,
}

/// One paragraph of a mail, with at most one link.
struct Part {
    subject: &'static str,
    lead: String,
    action: Option<(&'static str, String)>,
    after: &'static str,
}

const NOT_YOU: &str = "If this was not you, reset your password now and review your account.";
const IGNORE: &str = "If you did not ask for this, ignore this mail: nothing changes.";

impl Letters {
    pub fn new(app_url: &str) -> Self {
        Self { app_url: app_url.trim_end_matches('/').to_string() }
    }

    fn link(&self, purpose: Purpose, token: &str) -> String {
        format!("{}{}#token={token}", self.app_url, page(purpose))
    }

    pub fn write(&self, to: &str, letter: &Letter) -> Message {
        let part = match letter {
            Letter::VerifyEmail { token } => Part {
                subject: "Confirm your email address",
                lead: format!("Confirm that {to} is your address by opening this link:"),
                action: Some(("Confirm my address", self.link(Purpose::VerifyEmail, token))),
                after: IGNORE,
            },
            Letter::ResetPassword { token } => Part {
                subject: "Reset your password",
                lead: "Someone asked to reset the password of your account. To choose a new one, open this link \
                       (it works once, for a short while):"
                    .into(),
                action: Some(("Choose a new password", self.link(Purpose::ResetPassword, token))),
                after: IGNORE,
            },
            Letter::ConfirmEmailChange { token, new_email } => Part {
                subject: "Confirm your new email address",
                lead: format!("To make {new_email} the address of your account, open this link:"),
                action: Some(("Use this address", self.link(Purpose::ChangeEmail, token))),
                after: IGNORE,
            },
            Letter::AlreadyRegistered => Part {
                subject: "You already have an account",
                lead: format!(
                    "Someone tried to sign up with {to}, which already has an account. If it was you, log in, or reset your password here:"
                ),
                action: Some(("Reset my password", format!("{}{FORGOT_PAGE}", self.app_url))),
                after: IGNORE,
            },
            Letter::PasswordReset => Part {
                subject: "Your password was reset",
                lead: "The password of your account was reset and every session was logged out.".into(),
                action: None,
                after: NOT_YOU,
            },
            Letter::PasswordChanged => Part {
                subject: "Your password was changed",
                lead: "The password of your account was changed and your other sessions were logged out.".into(),
                action: None,
                after: NOT_YOU,
            },
            Letter::EmailChangeRequested { new_email } => Part {
                subject: "A new email address was requested for your account",
                lead: format!(
                    "Someone asked to move your account to {new_email}. It moves once that address confirms."
                ),
                action: None,
                after: NOT_YOU,
            },
            Letter::AccountDeleted => Part {
                subject: "Your account was deleted",
                lead: "Your account and everything stored with it were deleted.".into(),
                action: None,
                after: "If this was not you, contact us: the address can be registered again.",
            },
            Letter::TotpEnabled => Part {
                subject: "Two-step login is on",
                lead: "Logging in to your account now needs a code from your authenticator app after the password. \
                       Keep your recovery codes somewhere safe."
                    .into(),
                action: None,
                after: NOT_YOU,
            },
            Letter::TotpRemoved => Part {
                subject: "Two-step login is off",
                lead: "Your account no longer asks for a code from an authenticator app; the password alone logs in."
                    .into(),
                action: None,
                after: NOT_YOU,
            },
            Letter::PasskeyAdded { name } => Part {
                subject: "A passkey was added",
                lead: format!(
                    "A passkey named \u{201c}{name}\u{201d} can now log in to your account without a password."
                ),
                action: None,
                after: NOT_YOU,
            },
            Letter::PasskeyRemoved { name } => Part {
                subject: "A passkey was removed",
                lead: format!("The passkey named \u{201c}{name}\u{201d} can no longer log in to your account."),
                action: None,
                after: NOT_YOU,
            },
            Letter::RecoveryCodeUsed { left } => Part {
                subject: "A recovery code was used",
                lead: format!(
                    "A recovery code was used to log in to your account instead of a code from your authenticator \
                     app. {left} unused codes are left."
                ),
                action: None,
                after: NOT_YOU,
            },
        };
        render(to, part)
    }
}

fn render(to: &str, part: Part) -> Message {
    let mut text = format!("{}\n\n", part.lead);
    let mut html = format!("<!doctype html><html><body><p>{}</p>", escape(&part.lead));
    if let Some((label, url)) = &part.action {
        text.push_str(&format!("{url}\n\n"));
        html.push_str(&format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(label)));
    }
    text.push_str(part.after);
    text.push('\n');
    html.push_str(&format!("<p>{}</p></body></html>", escape(part.after)));
    Message { to: to.to_string(), subject: part.subject.to_string(), text, html }
}

/// The five characters HTML gives meaning to, in text and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ot1.reset.u.c2VjcmV0";

    #[test]
    fn a_link_goes_to_the_apps_page_with_the_token_in_the_fragment() {
        let message =
            Letters::new("https://app.example/").write("a@b.co", &Letter::ResetPassword { token: TOKEN.into() });
        let link = format!("https://app.example/reset-password#token={TOKEN}");
        assert!(message.text.contains(&link), "{}", message.text);
        assert!(message.html.contains(&format!("href=\"{link}\"")), "{}", message.html);
        assert_eq!(message.to, "a@b.co");
        assert_eq!(message.text.matches("https://").count(), 1, "one link only");
    }

    #[test]
    fn notices_carry_no_link_and_every_part_is_escaped() {
        let message = Letters::new("https://app.example")
            .write("a@b.co", &Letter::EmailChangeRequested { new_email: "<x>@y.co".into() });
        assert!(!message.text.contains("https://"));
        assert!(message.html.contains("&lt;x&gt;@y.co") && !message.html.contains("<x>"), "{}", message.html);
        let named =
            Letters::new("https://app.example").write("a@b.co", &Letter::PasskeyAdded { name: "<b>K</b>".into() });
        assert!(
            named.html.contains("&lt;b&gt;K") && !named.html.contains("<b>"),
            "a passkey's name is the user's text"
        );
        for letter in [
            Letter::PasswordReset,
            Letter::PasswordChanged,
            Letter::AccountDeleted,
            Letter::AlreadyRegistered,
            Letter::TotpEnabled,
            Letter::TotpRemoved,
            Letter::RecoveryCodeUsed { left: 9 },
            Letter::PasskeyAdded { name: "Laptop".into() },
            Letter::PasskeyRemoved { name: "Phone".into() },
        ] {
            let m = Letters::new("https://app.example").write("a@b.co", &letter);
            assert!(!m.subject.is_empty() && m.html.starts_with("<!doctype html>") && !m.text.contains('<'), "{m:?}");
        }
    }
}

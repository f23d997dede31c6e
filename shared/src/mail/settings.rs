//! The account and mail settings, from the environment.

use crate::config::{ConfigError, Vars};

/// `EMAIL_VERIFICATION`: whether an unverified account may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailVerification {
    /// Signup answers as ever and logs in; the link only marks the address.
    #[default]
    Optional,
    /// Signup answers `202 {}` for new and taken addresses alike; login
    /// waits for the link.
    Required,
}

/// What the request handlers need to know of accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountSettings {
    pub verification: EmailVerification,
}

impl AccountSettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        let verification = match vars.optional("EMAIL_VERIFICATION").as_deref().map(str::trim) {
            None | Some("optional") => EmailVerification::Optional,
            Some("required") => EmailVerification::Required,
            Some(_) => return Err(invalid("EMAIL_VERIFICATION", "must be optional or required")),
        };
        Ok(Self { verification })
    }
}

/// What the mailer needs: where links point, who sends, how long tokens
/// live and how often one address gets mail of one purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `APP_URL` without a trailing slash: links are built from it only.
    pub app_url: String,
    /// `MAIL_FROM`.
    pub from: String,
    pub verify_ttl: u64,
    pub reset_ttl: u64,
    pub email_change_ttl: u64,
    pub per_minute: u32,
    pub per_hour: u32,
}

impl MailSettings {
    /// Links to `app_url`, mail from `from`, and the default lifetimes and limits.
    pub fn new(app_url: &str, from: &str) -> Self {
        Self {
            app_url: app_url.trim_end_matches('/').to_string(),
            from: from.to_string(),
            verify_ttl: 86_400,
            reset_ttl: 900,
            email_change_ttl: 3_600,
            per_minute: 1,
            per_hour: 5,
        }
    }

    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        let app_url = vars.required("APP_URL")?.trim().trim_end_matches('/').to_string();
        let scheme_ok = app_url.starts_with("https://") || app_url.starts_with("http://");
        if !scheme_ok || app_url.contains(['#', '?', ' ']) || app_url.len() > 200 {
            return Err(invalid("APP_URL", "must be an http(s) URL without query or fragment"));
        }
        let from = vars.required("MAIL_FROM")?.trim().to_string();
        if !plausible_sender(&from) {
            return Err(invalid("MAIL_FROM", "must be an address, optionally with a name: Name <a@b.co>"));
        }
        Ok(Self {
            app_url,
            from,
            verify_ttl: vars.ranged("VERIFY_TOKEN_TTL_SECONDS", 86_400, 300, 7 * 86_400)?,
            reset_ttl: vars.ranged("RESET_TOKEN_TTL_SECONDS", 900, 300, 86_400)?,
            email_change_ttl: vars.ranged("EMAIL_CHANGE_TOKEN_TTL_SECONDS", 3_600, 300, 7 * 86_400)?,
            per_minute: u32::try_from(vars.ranged("MAIL_LIMIT_PER_MINUTE", 1, 1, 100)?).unwrap_or(1),
            per_hour: u32::try_from(vars.ranged("MAIL_LIMIT_PER_HOUR", 5, 1, 1000)?).unwrap_or(5),
        })
    }
}

fn invalid(var: &'static str, reason: &str) -> ConfigError {
    ConfigError::Invalid { var, reason: reason.to_string() }
}

/// One `@` inside the address, which may sit in angle brackets after a
/// display name; the transports check it fully when they send.
fn plausible_sender(text: &str) -> bool {
    let address = match (text.rfind('<'), text.strip_suffix('>')) {
        (Some(open), Some(inner)) => &inner[open + 1..],
        _ => text,
    };
    address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@') && !address.contains(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> Vars<impl Fn(&str) -> Option<String>> {
        Vars::new(move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn mail_settings_need_the_app_url_and_the_sender() {
        let ok = MailSettings::from_vars(&vars(&[
            ("APP_URL", "https://app.example/"),
            ("MAIL_FROM", "Auth <no-reply@example.com>"),
        ]))
        .unwrap();
        assert_eq!((ok.app_url.as_str(), ok.reset_ttl, ok.per_minute, ok.per_hour), ("https://app.example", 900, 1, 5));
        let err = MailSettings::from_vars(&vars(&[("MAIL_FROM", "a@b.co")])).unwrap_err();
        assert!(err.to_string().contains("APP_URL"), "{err}");
        let err =
            MailSettings::from_vars(&vars(&[("APP_URL", "https://a.example"), ("MAIL_FROM", "nobody")])).unwrap_err();
        assert!(err.to_string().contains("MAIL_FROM"), "{err}");
        let err = MailSettings::from_vars(&vars(&[("APP_URL", "https://a.example/#x"), ("MAIL_FROM", "a@b.co")]))
            .unwrap_err();
        assert!(err.to_string().contains("APP_URL"), "{err}");
    }

    #[test]
    fn verification_is_optional_unless_required() {
        assert_eq!(AccountSettings::from_vars(&vars(&[])).unwrap().verification, EmailVerification::Optional);
        let required = AccountSettings::from_vars(&vars(&[("EMAIL_VERIFICATION", "required")])).unwrap();
        assert_eq!(required.verification, EmailVerification::Required);
        assert!(AccountSettings::from_vars(&vars(&[("EMAIL_VERIFICATION", "yes")])).is_err());
    }
}

//! What every function is built from, made once per process: the clock, the
//! password hasher, the throttle and session settings, and the keys. The
//! Lambda runtime helper (`runtime::boot`), local-api's configuration and the
//! test helpers (`testing::services`) each build one `Services`; a function's
//! constructor (`Login::new(store, &services)`) takes what it uses from it.
//!
//! Each function also declares its `Needs`: which keys it holds, which store
//! operations it calls (from which its IAM policy follows) and how many
//! DynamoDB calls it makes at once.

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::{ConfigError, PasskeySettings, PasswordSettings, SessionCheckSettings, Vars};
use crate::device::DeviceKeys;
use crate::keys::KeyError;
use crate::mail::{AccountSettings, Handoff, MailSettings, Transport};
use crate::origins::AllowedOrigins;
use crate::password::{PasswordError, Passwords};
use crate::session::{SessionSettings, Sessions};
use crate::store::ops::{Op, iam_actions};
use crate::throttle::ThrottleSettings;
use crate::tokens::{TokenIssuer, TokenVerifier};

/// The key material a function holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    None,
    /// Public keys only (`JWT_VERIFY_KEYS`): it verifies access tokens.
    Verify,
    /// The private signing key (and its public half): it issues tokens.
    Sign,
}

/// What a function does with mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mail {
    None,
    /// Hands mail jobs to the mailer function (`MAILER_FUNCTION`).
    HandsOff,
    /// Sends mail itself: the mailer.
    Sends,
}

/// What a function uses beyond its keys, store and mail. Each brings a
/// `shared` feature, settings read from the environment, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uses {
    /// Accepts new passwords under the policy (`PASSWORD_MIN_LENGTH`).
    PasswordPolicy,
    /// Checks TOTP codes (feature `totp`).
    Totp,
    /// Enrols authenticator apps, which show this service's name beside its
    /// codes (feature `totp`, `TOTP_ISSUER`).
    TotpEnrolment,
    /// The WebAuthn relying party (feature `passkeys`; `WEBAUTHN_RP_ID`,
    /// `WEBAUTHN_ORIGINS`, `APP_URL`, and `TOTP_ISSUER` for its display name).
    Passkeys,
}

impl Uses {
    pub fn feature(self) -> Option<&'static str> {
        match self {
            Self::PasswordPolicy => None,
            Self::Totp | Self::TotpEnrolment => Some("totp"),
            Self::Passkeys => Some("passkeys"),
        }
    }

    pub fn settings(self) -> &'static [&'static str] {
        match self {
            Self::PasswordPolicy => &["PASSWORD_MIN_LENGTH"],
            Self::Totp => &[],
            Self::TotpEnrolment => &["TOTP_ISSUER"],
            Self::Passkeys => &["WEBAUTHN_RP_ID", "WEBAUTHN_ORIGINS", "APP_URL", "TOTP_ISSUER"],
        }
    }
}

/// The memory and timeout a function is deployed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub memory_mb: u32,
    pub timeout_seconds: u32,
}

impl Size {
    /// Lambda's smallest: enough for a few store calls and an RS256 verify.
    pub const SMALL: Self = Self { memory_mb: 128, timeout_seconds: 5 };
    /// Signs an access token on most calls (about 0.9 ms of a full core for
    /// RS256): Lambda gives CPU in proportion to memory.
    pub const SIGNS: Self = Self { memory_mb: 512, timeout_seconds: 5 };
    /// Hashes a password: argon2id (m = 19 MiB, t = 2, p = 1) is about 25 ms
    /// of one full core. The work is all CPU, so memory above 128 MB costs
    /// nothing extra per call (the GB-seconds stay the same) but cuts
    /// latency: at 1024 MB a verify takes about 45 ms instead of about 350 ms.
    pub const HASHES: Self = Self { memory_mb: 1024, timeout_seconds: 10 };
}

/// What one function uses, declared once beside its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub keys: Keys,
    /// Every store operation the handler may call.
    pub store: &'static [Op],
    /// Store calls one event makes at once: connections opened during init.
    pub connections: usize,
    pub mail: Mail,
    /// AWS actions besides DynamoDB's and reading the signing key's secret.
    pub other_actions: &'static [&'static str],
    pub uses: &'static [Uses],
    pub size: Size,
}

impl Needs {
    /// A function that needs nothing; declarations override what they use.
    pub const NOTHING: Self = Self {
        keys: Keys::None,
        store: &[],
        connections: 0,
        mail: Mail::None,
        other_actions: &[],
        uses: &[],
        size: Size::SMALL,
    };

    /// Whether it calls AWS at all (the store, the mailer, Secrets Manager):
    /// a function that does not links none of the SDK.
    pub fn calls_aws(&self) -> bool {
        !self.iam_actions().is_empty()
    }

    /// The environment it reads beyond what every function reads (the
    /// issuer, audience, algorithm, lifetimes and origins).
    pub fn settings(&self) -> Vec<&'static str> {
        let mut vars = Vec::new();
        if !self.store.is_empty() {
            vars.push("TABLE_NAME");
        }
        match self.keys {
            Keys::None => {}
            Keys::Verify => vars.push("JWT_VERIFY_KEYS"),
            Keys::Sign => vars.push("JWT_SIGNING_KEY_SECRET_ARN"),
        }
        for var in self.uses.iter().flat_map(|u| u.settings()) {
            if !vars.contains(var) {
                vars.push(var);
            }
        }
        if self.mail == Mail::HandsOff {
            vars.push("MAILER_FUNCTION");
        }
        vars
    }

    /// The features of `shared` its crate enables, sorted: the AWS clients
    /// its calls take and the parts it uses.
    pub fn features(&self) -> Vec<&'static str> {
        let actions = self.iam_actions();
        let mut features: Vec<&'static str> = self.uses.iter().filter_map(|u| u.feature()).collect();
        if !self.store.is_empty() || self.mail != Mail::None {
            features.push("dynamodb");
        }
        if actions.iter().any(|a| a.starts_with("secretsmanager:")) {
            features.push("secrets");
        }
        match self.mail {
            Mail::None => {}
            Mail::HandsOff => features.push("handoff"),
            Mail::Sends => features.push("mailer"),
        }
        features.sort_unstable();
        features.dedup();
        features
    }

    /// The function's IAM policy in AWS, sorted: its store operations'
    /// DynamoDB actions, reading the signing key where it signs, and the rest.
    pub fn iam_actions(&self) -> Vec<&'static str> {
        let mut actions = iam_actions(self.store);
        if !self.store.is_empty() {
            actions.extend(iam_actions(&[Op::WarmUp]));
        }
        if self.keys == Keys::Sign {
            actions.push("secretsmanager:GetSecretValue");
        }
        match self.mail {
            Mail::None => {}
            Mail::HandsOff => actions.push("lambda:InvokeFunction"),
            Mail::Sends => actions.push("ses:SendEmail"),
        }
        actions.extend(self.other_actions);
        actions.sort_unstable();
        actions.dedup();
        actions
    }
}

#[derive(Clone)]
pub struct Services {
    pub clock: Arc<dyn Clock>,
    pub passwords: Passwords,
    pub throttle: ThrottleSettings,
    pub sessions: SessionSettings,
    /// Present where the function holds the signing key.
    pub signer: Option<Signer>,
    /// Present where the function verifies access tokens.
    pub verifier: Option<Arc<TokenVerifier>>,
    pub accounts: AccountSettings,
    /// Read by the authorizer with the session check, and by local-api.
    pub session_check: SessionCheckSettings,
    /// `CORS_ALLOW_ORIGINS`: besides the API's own, the origins whose cookie
    /// requests the CSRF check lets through.
    pub origins: AllowedOrigins,
    /// Where a function that mails hands its jobs.
    pub handoff: Option<Handoff>,
    /// The mailer's settings and transport.
    pub mailing: Option<Mailing>,
    /// The name authenticator apps show beside this service's codes (`TOTP_ISSUER`).
    pub totp_issuer: String,
    /// The WebAuthn relying party's ID and origins.
    pub passkeys: PasskeySettings,
}

/// What a function that holds the private signing key signs with.
#[derive(Clone)]
pub struct Signer {
    pub issuer: Arc<TokenIssuer>,
    /// Device tokens and log tags, from keys derived from the signing key.
    pub devices: Arc<DeviceKeys>,
}

/// The mailer's settings and the transport it sends through.
#[derive(Clone)]
pub struct Mailing {
    pub settings: MailSettings,
    pub transport: Transport,
}

#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

impl Services {
    /// The settings-only part, from the environment; keys are added by the caller.
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ServicesError> {
        Ok(Self {
            clock: Arc::new(SystemClock),
            passwords: Passwords::new(PasswordSettings::from_vars(vars)?)?,
            throttle: ThrottleSettings::from_vars(vars)?,
            sessions: SessionSettings::from_vars(vars)?,
            signer: None,
            verifier: None,
            accounts: AccountSettings::from_vars(vars)?,
            session_check: SessionCheckSettings::from_vars(vars)?,
            origins: AllowedOrigins::from_vars(vars)?,
            handoff: None,
            mailing: None,
            totp_issuer: totp_issuer(vars),
            passkeys: PasskeySettings::from_vars(vars)?,
        })
    }

    pub fn with_keys(mut self, issuer: Option<TokenIssuer>, verifier: Option<TokenVerifier>) -> Result<Self, KeyError> {
        self.signer = match issuer {
            Some(issuer) => {
                let devices = Arc::new(DeviceKeys::derive(issuer.signing_key())?);
                Some(Signer { issuer: Arc::new(issuer), devices })
            }
            None => None,
        };
        self.verifier = verifier.map(Arc::new);
        Ok(self)
    }

    /// Device tokens and log tags; for functions that hold the signing key.
    pub fn devices(&self) -> Arc<DeviceKeys> {
        self.signer().devices
    }

    /// Opens and rotates sessions with the signing key. Only functions whose
    /// `Needs` say `Keys::Sign` call this; their services always hold the key.
    pub fn sessions(&self) -> Sessions {
        Sessions::new(self.signer().issuer, self.sessions)
    }

    fn signer(&self) -> Signer {
        self.signer.clone().expect("a function that signs declares Keys::Sign in its Needs")
    }

    /// Where mail jobs go; for functions whose `Needs` say `Mail::HandsOff`.
    pub fn handoff(&self) -> Handoff {
        self.handoff.clone().expect("a function that mails declares Mail::HandsOff in its Needs")
    }

    /// The mailer's settings and transport; `Mail::Sends` in its `Needs`.
    pub fn mailing(&self) -> Mailing {
        self.mailing.clone().expect("the mailer declares Mail::Sends in its Needs")
    }

    /// The WebAuthn relying party, named as authenticator apps name this service.
    #[cfg(feature = "passkeys")]
    pub fn relying_party(&self) -> Arc<crate::passkey::RelyingParty> {
        let party = crate::passkey::RelyingParty::new(&self.passkeys, &self.totp_issuer);
        // The settings were checked when read: only a webauthn-rs change could refuse them.
        Arc::new(party.unwrap_or_else(|err| panic!("WebAuthn settings: {err}")))
    }

    /// Verifies access tokens; for functions whose `Needs` say `Keys::Verify` or `Keys::Sign`.
    pub fn verifier(&self) -> Arc<TokenVerifier> {
        self.verifier.clone().expect("a function that verifies tokens declares its keys in its Needs")
    }
}

/// `TOTP_ISSUER`, else the host of the token issuer (`JWT_ISSUER`), else a plain word.
fn totp_issuer<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> String {
    if let Some(name) = vars.optional("TOTP_ISSUER").map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        return name;
    }
    let issuer = vars.optional("JWT_ISSUER").unwrap_or_default();
    let host = issuer.split("://").nth(1).and_then(|rest| rest.split(['/', ':']).next()).unwrap_or_default();
    if host.is_empty() { "Account".into() } else { host.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_totp_issuer_defaults_to_the_token_issuers_host() {
        let named = |pairs: &'static [(&'static str, &'static str)]| {
            totp_issuer(&Vars::new(move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())))
        };
        assert_eq!(named(&[("TOTP_ISSUER", "Example Co"), ("JWT_ISSUER", "https://a.example")]), "Example Co");
        assert_eq!(named(&[("JWT_ISSUER", "https://auth.example.com:8443/v1")]), "auth.example.com");
        assert_eq!(named(&[]), "Account");
    }

    #[test]
    fn a_signing_function_may_read_its_key_and_nothing_else_beyond_its_store_actions() {
        let needs = Needs { keys: Keys::Sign, store: &[Op::Profile], connections: 1, ..Needs::NOTHING };
        assert_eq!(needs.iam_actions(), ["dynamodb:GetItem", "secretsmanager:GetSecretValue"]);
        let public = Needs { keys: Keys::Verify, ..needs };
        assert_eq!(public.iam_actions(), ["dynamodb:GetItem"]);
        let mails = Needs { mail: Mail::HandsOff, ..public };
        assert_eq!(mails.iam_actions(), ["dynamodb:GetItem", "lambda:InvokeFunction"]);
        let mailer = Needs { mail: Mail::Sends, ..public };
        assert_eq!(mailer.iam_actions(), ["dynamodb:GetItem", "ses:SendEmail"]);
    }

    #[test]
    fn the_settings_and_features_of_a_function_follow_from_what_it_declares() {
        let login = Needs {
            keys: Keys::Sign,
            store: &[Op::Profile],
            uses: &[Uses::Totp, Uses::PasswordPolicy],
            mail: Mail::HandsOff,
            ..Needs::NOTHING
        };
        assert_eq!(
            login.settings(),
            ["TABLE_NAME", "JWT_SIGNING_KEY_SECRET_ARN", "PASSWORD_MIN_LENGTH", "MAILER_FUNCTION"]
        );
        assert_eq!(login.features(), ["dynamodb", "handoff", "secrets", "totp"]);
        let passkeys = Needs { keys: Keys::Verify, uses: &[Uses::Passkeys, Uses::TotpEnrolment], ..Needs::NOTHING };
        assert_eq!(
            passkeys.settings(),
            ["JWT_VERIFY_KEYS", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGINS", "APP_URL", "TOTP_ISSUER"]
        );
        assert_eq!(passkeys.features(), ["passkeys", "totp"]);
        assert!(!passkeys.calls_aws(), "verifying tokens calls nothing");
        let mailer = Needs { mail: Mail::Sends, ..Needs::NOTHING };
        assert_eq!((mailer.features(), mailer.calls_aws()), (vec!["dynamodb", "mailer"], true));
    }

    #[test]
    fn services_from_empty_settings_use_the_defaults_and_hold_no_keys() {
        let services = Services::from_vars(&Vars::new(|_: &str| None)).unwrap();
        assert_eq!(services.throttle, ThrottleSettings::default());
        assert_eq!(services.sessions, SessionSettings::default());
        assert!(services.signer.is_none() && services.verifier.is_none());
    }
}

//! Settings, read once per cold start from the environment into typed structs.
//!
//! Every reader takes a lookup function (`Vars`) so tests never touch the
//! process environment; `runtime` gives them `env_lookup`.

use std::fmt;
use std::str::FromStr;

use crate::algorithm::{Algorithm, UnknownAlgorithm};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

/// A string that never shows up in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Reads variables through `lookup`, treating empty values as unset.
pub struct Vars<F>(F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    pub fn new(lookup: F) -> Self {
        Self(lookup)
    }

    pub fn optional(&self, var: &'static str) -> Option<String> {
        (self.0)(var).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.optional(var).ok_or(ConfigError::Missing(var))
    }

    pub fn parsed<T>(&self, var: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.optional(var) {
            None => Ok(default),
            Some(raw) => raw.trim().parse().map_err(|e: T::Err| ConfigError::Invalid { var, reason: e.to_string() }),
        }
    }

    pub(crate) fn ranged(&self, var: &'static str, default: u64, min: u64, max: u64) -> Result<u64, ConfigError> {
        let value = self.parsed(var, default)?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::Invalid { var, reason: format!("must be between {min} and {max}") })
        }
    }
}

pub fn env_lookup(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// Access-token issuing and verification settings (README, Tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
    pub algorithm: Algorithm,
    pub access_ttl: u64,
    pub leeway: u64,
}

impl TokenSettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        let access_ttl = vars.ranged("ACCESS_TOKEN_TTL_SECONDS", 900, 60, 86_400)?;
        let settings = Self {
            issuer: vars.required("JWT_ISSUER")?,
            audience: vars.required("JWT_AUDIENCE")?,
            algorithm: parse_algorithm(vars)?,
            access_ttl,
            leeway: vars.ranged("JWT_LEEWAY_SECONDS", 30, 0, 300)?,
        };
        Ok(settings)
    }
}

fn parse_algorithm<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Algorithm, ConfigError> {
    const VAR: &str = "JWT_ALGORITHM";
    match vars.optional(VAR) {
        None => Ok(Algorithm::RS256),
        Some(raw) => {
            raw.trim().parse().map_err(|e: UnknownAlgorithm| ConfigError::Invalid { var: VAR, reason: e.to_string() })
        }
    }
}

/// Where key material comes from. Each function loads only what it needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeySettings {
    /// PKCS#8 PEM (RS256, EdDSA) or base64url secret (HS256), inline.
    pub signing_key: Option<Secret>,
    /// The same material in a file (a gitignored one, locally).
    pub signing_key_file: Option<String>,
    /// The same material in AWS Secrets Manager, read once per cold start.
    pub signing_key_secret_arn: Option<String>,
    /// A JWKS document with every key that may verify tokens.
    pub verify_keys: Option<String>,
}

impl KeySettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Self {
        Self {
            // Env files cannot hold newlines, so PEM may arrive with literal `\n`.
            signing_key: vars.optional("JWT_SIGNING_KEY").map(|v| Secret::new(v.replace("\\n", "\n"))),
            signing_key_file: vars.optional("JWT_SIGNING_KEY_FILE"),
            signing_key_secret_arn: vars.optional("JWT_SIGNING_KEY_SECRET_ARN"),
            verify_keys: vars.optional("JWT_VERIFY_KEYS"),
        }
    }
}

/// Password policy and argon2id cost (README, "Configuration").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordSettings {
    pub min_chars: usize,
    pub max_chars: usize,
    /// Lowest zxcvbn score (0 to 4) a new password may have.
    pub min_strength: u8,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self { min_chars: 15, max_chars: 128, min_strength: 3, memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

impl PasswordSettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            min_chars: vars.ranged("PASSWORD_MIN_LENGTH", d.min_chars as u64, 8, 128)? as usize,
            max_chars: d.max_chars,
            min_strength: vars.ranged("PASSWORD_MIN_STRENGTH", d.min_strength.into(), 0, 4)? as u8,
            memory_kib: vars.ranged("ARGON2_MEMORY_KIB", d.memory_kib.into(), 8 * 1024, 1 << 20)? as u32,
            iterations: vars.ranged("ARGON2_ITERATIONS", d.iterations.into(), 1, 10)? as u32,
            parallelism: vars.ranged("ARGON2_PARALLELISM", d.parallelism.into(), 1, 8)? as u32,
        })
    }
}

/// Where the DynamoDB table is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    pub table_name: String,
    pub endpoint: Option<String>,
}

impl StoreSettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        Ok(Self { table_name: vars.required("TABLE_NAME")?, endpoint: vars.optional("DYNAMODB_ENDPOINT") })
    }
}

/// Whether the authorizer confirms that each token's session is still live,
/// and how long it trusts an answer (README, "Logouts at the authorizer").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCheckSettings {
    pub enabled: bool,
    pub cache_seconds: u64,
}

impl Default for SessionCheckSettings {
    fn default() -> Self {
        Self { enabled: false, cache_seconds: 10 }
    }
}

impl SessionCheckSettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        const VAR: &str = "SESSION_CHECK";
        let enabled = match vars.optional(VAR).as_deref().map(str::trim) {
            None | Some("off") => false,
            Some("on") => true,
            Some(_) => return Err(ConfigError::Invalid { var: VAR, reason: "must be on or off".into() }),
        };
        let cache_seconds = vars.ranged("SESSION_CACHE_SECONDS", Self::default().cache_seconds, 0, 300)?;
        Ok(Self { enabled, cache_seconds })
    }
}

/// The WebAuthn relying party (`WEBAUTHN_RP_ID`, `WEBAUTHN_ORIGINS`): by
/// default the web app's host and origin (`APP_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeySettings {
    pub rp_id: String,
    /// Whole origins (`https://app.example.com`), each on the RP ID's host or below it.
    pub origins: Vec<String>,
}

/// `scheme://host[:port]` of an http(s) URL, and its host.
fn origin_of(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once(':').map_or(authority, |(host, _)| host);
    let ok = matches!(scheme, "http" | "https") && !host.is_empty() && !authority.contains('@');
    ok.then(|| (format!("{scheme}://{authority}"), host.to_ascii_lowercase()))
}

impl PasskeySettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        let app = vars.optional("APP_URL").and_then(|url| origin_of(&url));
        let rp_id = match vars.optional("WEBAUTHN_RP_ID") {
            Some(id) => id.trim().to_ascii_lowercase(),
            None => app.as_ref().map_or_else(|| "localhost".into(), |(_, host)| host.clone()),
        };
        let origins: Vec<String> = match vars.optional("WEBAUTHN_ORIGINS") {
            Some(list) => list.split(',').map(str::trim).filter(|o| !o.is_empty()).map(String::from).collect(),
            None => vec![app.map_or_else(|| "http://localhost".into(), |(origin, _)| origin)],
        };
        let invalid = |reason: String| ConfigError::Invalid { var: "WEBAUTHN_ORIGINS", reason };
        for origin in &origins {
            let (whole, host) =
                origin_of(origin).ok_or_else(|| invalid(format!("{origin} is not an http(s) origin")))?;
            if whole != *origin {
                return Err(invalid(format!("{origin} is not an origin (no path, query or fragment)")));
            }
            if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
                return Err(invalid(format!("{origin} is not on WEBAUTHN_RP_ID {rp_id} or below it")));
            }
        }
        if origins.is_empty() {
            return Err(invalid("lists no origin".into()));
        }
        Ok(Self { rp_id, origins })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> Vars<impl Fn(&str) -> Option<String>> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Vars::new(move |k: &str| map.get(k).cloned())
    }

    #[test]
    fn token_settings_use_spec_defaults() {
        let s = TokenSettings::from_vars(&vars(&[("JWT_ISSUER", "https://a"), ("JWT_AUDIENCE", "b")])).unwrap();
        assert_eq!(s.algorithm, Algorithm::RS256);
        assert_eq!((s.access_ttl, s.leeway), (900, 30));
    }

    #[test]
    fn a_missing_issuer_names_the_variable() {
        let err = TokenSettings::from_vars(&vars(&[("JWT_AUDIENCE", "b")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("JWT_ISSUER"));
        assert!(err.to_string().contains("JWT_ISSUER"));
    }

    #[test]
    fn an_unknown_algorithm_is_refused_by_name() {
        let err =
            TokenSettings::from_vars(&vars(&[("JWT_ISSUER", "i"), ("JWT_AUDIENCE", "a"), ("JWT_ALGORITHM", "none")]))
                .unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "JWT_ALGORITHM", .. }));
    }

    #[test]
    fn a_non_numeric_ttl_is_refused_by_name() {
        let err = TokenSettings::from_vars(&vars(&[
            ("JWT_ISSUER", "i"),
            ("JWT_AUDIENCE", "a"),
            ("ACCESS_TOKEN_TTL_SECONDS", "soon"),
        ]))
        .unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "ACCESS_TOKEN_TTL_SECONDS", .. }));
    }

    #[test]
    fn an_out_of_range_password_minimum_is_refused() {
        let err = PasswordSettings::from_vars(&vars(&[("PASSWORD_MIN_LENGTH", "4")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { var: "PASSWORD_MIN_LENGTH", .. }));
    }

    #[test]
    fn password_defaults_follow_owasp() {
        let p = PasswordSettings::from_vars(&vars(&[])).unwrap();
        assert_eq!((p.min_chars, p.max_chars, p.memory_kib, p.iterations, p.parallelism), (15, 128, 19456, 2, 1));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let err = StoreSettings::from_vars(&vars(&[("TABLE_NAME", " ")])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("TABLE_NAME"));
    }

    #[test]
    fn escaped_newlines_in_an_inline_key_become_real_ones() {
        let k = KeySettings::from_vars(&vars(&[("JWT_SIGNING_KEY", "a\\nb")]));
        assert_eq!(k.signing_key.unwrap().expose(), "a\nb");
    }

    #[test]
    fn the_session_check_is_off_by_default_and_caches_ten_seconds_when_on() {
        assert_eq!(SessionCheckSettings::from_vars(&vars(&[])).unwrap(), SessionCheckSettings::default());
        let on = SessionCheckSettings::from_vars(&vars(&[("SESSION_CHECK", "on"), ("SESSION_CACHE_SECONDS", "3")]));
        assert_eq!(on.unwrap(), SessionCheckSettings { enabled: true, cache_seconds: 3 });
        let typo = SessionCheckSettings::from_vars(&vars(&[("SESSION_CHECK", "yes")])).unwrap_err();
        assert!(matches!(typo, ConfigError::Invalid { var: "SESSION_CHECK", .. }));
        let long = SessionCheckSettings::from_vars(&vars(&[("SESSION_CACHE_SECONDS", "3600")])).unwrap_err();
        assert!(matches!(long, ConfigError::Invalid { var: "SESSION_CACHE_SECONDS", .. }));
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret([redacted])");
    }

    #[test]
    fn passkeys_default_to_the_web_apps_host_and_origin() {
        let settings = PasskeySettings::from_vars(&vars(&[("APP_URL", "https://app.example.com/start")])).unwrap();
        assert_eq!(settings.rp_id, "app.example.com");
        assert_eq!(settings.origins, ["https://app.example.com"]);
        let local = PasskeySettings::from_vars(&vars(&[])).unwrap();
        assert_eq!((local.rp_id.as_str(), local.origins[0].as_str()), ("localhost", "http://localhost"));
    }

    #[test]
    fn passkey_origins_must_be_origins_on_the_relying_partys_domain() {
        let ok = vars(&[
            ("WEBAUTHN_RP_ID", "example.com"),
            ("WEBAUTHN_ORIGINS", "https://a.example.com, https://example.com:8443"),
        ]);
        assert_eq!(PasskeySettings::from_vars(&ok).unwrap().origins.len(), 2);
        for bad in ["https://evil.com", "https://a.example.com/path", "ftp://example.com", "https://notexample.com"] {
            let pairs = [("WEBAUTHN_RP_ID", "example.com"), ("WEBAUTHN_ORIGINS", bad)];
            assert!(PasskeySettings::from_vars(&vars(&pairs)).is_err(), "{bad}");
        }
    }
}

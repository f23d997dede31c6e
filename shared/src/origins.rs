//! The browser origins allowed to call the API (`CORS_ALLOW_ORIGINS`): what
//! local-api's CORS answers say, what the template's `CorsConfiguration`
//! says, and which `Origin`s the CSRF check lets through besides the API's own.

use crate::config::{ConfigError, Vars};

pub const VAR: &str = "CORS_ALLOW_ORIGINS";

/// The rest of the CORS configuration, the same in local-api and in the
/// template (a test compares them): the request headers a browser app sends,
/// the methods of the routes, how long a preflight answer is kept, and the
/// response headers a script may read.
pub const ALLOW_HEADERS: [&str; 5] =
    ["authorization", "content-type", "x-csrf-protection", "x-device-token", "x-token-delivery"];
pub const ALLOW_METHODS: [&str; 4] = ["DELETE", "GET", "OPTIONS", "POST"];
pub const MAX_AGE_SECONDS: u64 = 600;
pub const EXPOSE_HEADERS: [&str; 2] = ["retry-after", "x-device-token"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    /// `*`: any origin may read answers, but none may send credentials.
    any: bool,
    listed: Vec<String>,
}

impl AllowedOrigins {
    /// Comma-separated origins (`https://app.example.com`), or `*` alone;
    /// empty allows none but the API's own.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let entries: Vec<&str> = raw.split(',').map(str::trim).filter(|e| !e.is_empty()).collect();
        if entries == ["*"] {
            return Ok(Self { any: true, listed: Vec::new() });
        }
        let mut listed = Vec::new();
        for entry in entries {
            let origin = entry.trim_end_matches('/');
            let valid = origin.split_once("://").is_some_and(|(scheme, host)| {
                matches!(scheme, "http" | "https") && !host.is_empty() && !host.contains(['/', '*', ' '])
            });
            if !valid {
                return Err(format!("{entry} is no origin (scheme://host[:port]), and * must stand alone"));
            }
            listed.push(origin.to_ascii_lowercase());
        }
        Ok(Self { any: false, listed })
    }

    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        Self::parse(&vars.optional(VAR).unwrap_or_default()).map_err(|reason| ConfigError::Invalid { var: VAR, reason })
    }

    pub fn any(&self) -> bool {
        self.any
    }

    /// The origins named one by one: the only ones that may send credentials.
    pub fn listed(&self) -> &[String] {
        &self.listed
    }

    /// Cookies and `Authorization` may cross origins only to origins named
    /// one by one (CORS forbids credentials with `*`).
    pub fn credentials(&self) -> bool {
        !self.any && !self.listed.is_empty()
    }

    /// What `Access-Control-Allow-Origin` says to a request from `origin`.
    pub fn allow_origin(&self, origin: &str) -> Option<String> {
        if self.lists(origin) { Some(origin.to_string()) } else { self.any.then(|| "*".to_string()) }
    }

    pub fn lists(&self, origin: &str) -> bool {
        self.listed.iter().any(|o| o.eq_ignore_ascii_case(origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_listed_one_by_one_and_a_star_stands_alone() {
        let two = AllowedOrigins::parse("https://app.example.com, http://localhost:5173/").unwrap();
        assert_eq!(two.listed(), ["https://app.example.com", "http://localhost:5173"]);
        assert!(two.lists("HTTPS://app.example.com") && !two.lists("https://evil.example") && !two.any());
        let star = AllowedOrigins::parse("*").unwrap();
        assert!(star.any() && star.listed().is_empty());
        assert_eq!(AllowedOrigins::parse("").unwrap(), AllowedOrigins::default());
    }

    #[test]
    fn a_path_a_wildcard_or_a_star_among_others_is_refused() {
        for bad in ["https://a.example/path", "https://*.example.com", "*, https://a.example", "a.example", "ftp://a"] {
            assert!(AllowedOrigins::parse(bad).is_err(), "{bad}");
        }
    }
}

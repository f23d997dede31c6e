//! The throttle's settings and the limits they make: per email (or per known
//! device of it) a few free password checks, then a bounded exponential wait
//! between checks, so guessing slows to a crawl without locking the owner
//! out; per client address, free failed logins across all emails and then
//! growing waits with a short cap, so one client cannot spray guesses while
//! honest users behind the same address (NAT, carrier-grade NAT) are delayed
//! at most that cap, never shut out for a window; and a cap on signups.

use crate::config::{ConfigError, Vars};
use crate::store::Limit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// Password checks per email (or known device) before each next one waits.
    pub max_failures: u32,
    /// Quiet seconds after which a login counter resets.
    pub window: u64,
    /// The longest wait between checks, however many failed.
    pub max_delay: u64,
    /// Failed logins from one client address, across all emails, before
    /// each next login from it waits.
    pub source_max_failures: u32,
    /// The longest wait between logins from one client address: short,
    /// because an honest new device behind that address waits it too.
    pub source_max_delay: u64,
    /// Signups from one client address per `signup_window`.
    pub signup_max: u32,
    pub signup_window: u64,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            max_failures: 10,
            window: 15 * 60,
            max_delay: 15 * 60,
            source_max_failures: 30,
            source_max_delay: 60,
            signup_max: 10,
            signup_window: 3600,
        }
    }
}

impl ThrottleSettings {
    pub fn from_vars<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Self, ConfigError> {
        let d = Self::default();
        let count = |var, default: u32| vars.ranged(var, default.into(), 1, 100_000).map(|v| v as u32);
        Ok(Self {
            max_failures: count("LOGIN_MAX_FAILURES", d.max_failures)?,
            window: vars.ranged("LOGIN_WINDOW_SECONDS", d.window, 10, 86_400)?,
            max_delay: vars.ranged("LOGIN_MAX_DELAY_SECONDS", d.max_delay, 1, 86_400)?,
            source_max_failures: count("LOGIN_SOURCE_MAX_FAILURES", d.source_max_failures)?,
            source_max_delay: vars.ranged("LOGIN_SOURCE_MAX_DELAY_SECONDS", d.source_max_delay, 1, 86_400)?,
            signup_max: count("SIGNUP_SOURCE_MAX", d.signup_max)?,
            signup_window: vars.ranged("SIGNUP_SOURCE_WINDOW_SECONDS", d.signup_window, 10, 86_400)?,
        })
    }

    /// Password checks for one email, or for one known device of it.
    pub fn logins(&self) -> Limit {
        Limit { max: self.max_failures, window: self.window, backoff: Some(self.max_delay) }
    }

    /// Logins from one client address by devices none of their emails knows.
    pub fn logins_from_source(&self) -> Limit {
        Limit { max: self.source_max_failures, window: self.window, backoff: Some(self.source_max_delay) }
    }

    pub fn signups_from_source(&self) -> Limit {
        Limit { max: self.signup_max, window: self.signup_window, backoff: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_the_free_checks_each_wait_doubles_up_to_the_cap() {
        let limit = ThrottleSettings { max_failures: 3, max_delay: 10, ..ThrottleSettings::default() }.logins();
        let waits: Vec<i64> = (0..10).map(|count| limit.next_at(count, 1000) - 1000).collect();
        assert_eq!(waits, [0, 0, 0, 2, 4, 8, 10, 10, 10, 10]);
        assert_eq!(limit.next_at(u32::MAX, 0), 10, "no overflow, still the cap");
    }

    #[test]
    fn a_full_source_limit_slows_by_growing_waits_up_to_a_minute_never_a_whole_window() {
        let limit = ThrottleSettings::default().logins_from_source();
        let waits: Vec<i64> = (29..37).map(|count| limit.next_at(count, 500) - 500).collect();
        assert_eq!(waits, [0, 2, 4, 8, 16, 32, 60, 60]);
        assert!(limit.reset_by(500, 1400) && !limit.reset_by(500, 1399), "quiet for the window, it starts over");
    }

    #[test]
    fn the_settings_are_read_by_name_and_checked() {
        let vars = Vars::new(|k: &str| (k == "LOGIN_MAX_DELAY_SECONDS").then(|| "0".to_string()));
        assert!(matches!(
            ThrottleSettings::from_vars(&vars),
            Err(ConfigError::Invalid { var: "LOGIN_MAX_DELAY_SECONDS", .. })
        ));
    }
}

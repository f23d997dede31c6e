//! What the account-lifecycle flows keep: one-time tokens (verification,
//! password reset, email change, a login's second step) and the outcomes of
//! redeeming one.

/// What a one-time token is for; a user has at most one live token per purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
    /// The second step of a login whose password was right.
    Mfa,
}

impl Purpose {
    pub const ALL: [Self; 4] = [Self::VerifyEmail, Self::ResetPassword, Self::ChangeEmail, Self::Mfa];

    /// Its name in tokens, links, store keys and counters.
    pub fn name(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify",
            Self::ResetPassword => "reset",
            Self::ChangeEmail => "email",
            Self::Mfa => "mfa",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A one-time token as stored: the SHA-256 of its secret, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeRecord {
    pub user_id: String,
    pub purpose: Purpose,
    pub secret_hash: String,
    pub expires_at: i64,
    /// The address an email change moves to.
    pub new_email: Option<String>,
}

/// A presented one-time token: it is redeemed only if its hash matches the
/// user's live token of this purpose and `now` is before its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof<'a> {
    pub user_id: &'a str,
    pub purpose: Purpose,
    pub secret_hash: &'a str,
    pub now: i64,
}

impl Proof<'_> {
    /// Whether `record` is the token this proof presents, still live.
    pub fn matches(&self, record: &OneTimeRecord) -> bool {
        record.user_id == self.user_id
            && record.purpose == self.purpose
            && crate::crypto::same_hash(&record.secret_hash, self.secret_hash)
            && self.now < record.expires_at
    }
}

/// How confirming an email change went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailChange {
    /// The claim moved; the token is spent.
    Changed { profile: super::Profile, old_email: String },
    /// Unknown, expired, spent or replaced token: nothing changed.
    Invalid,
    /// The new address belongs to another account by now: nothing changed,
    /// the token stays live.
    Taken,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(now: i64) -> OneTimeRecord {
        OneTimeRecord {
            user_id: "u".into(),
            purpose: Purpose::ResetPassword,
            secret_hash: "h".into(),
            expires_at: now + 900,
            new_email: None,
        }
    }

    #[test]
    fn a_proof_matches_only_its_own_live_token_of_its_own_purpose() {
        let proof = Proof { user_id: "u", purpose: Purpose::ResetPassword, secret_hash: "h", now: 100 };
        assert!(proof.matches(&record(100)));
        assert!(!Proof { now: 1000, ..proof }.matches(&record(100)), "expired at its expiry");
        assert!(!Proof { secret_hash: "x", ..proof }.matches(&record(100)));
        assert!(!Proof { purpose: Purpose::VerifyEmail, ..proof }.matches(&record(100)));
        assert!(!Proof { user_id: "v", ..proof }.matches(&record(100)));
    }

    #[test]
    fn purpose_names_round_trip() {
        for purpose in Purpose::ALL {
            assert_eq!(Purpose::from_name(purpose.name()), Some(purpose));
        }
    }
}

//! What the store keeps of a user's second factor.

/// A TOTP factor as stored. The secret is what authenticator apps hold too,
/// so it is kept as it is (base32); only recovery codes are hashed.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpFactor {
    pub secret: String,
    /// Pending until a code from the secret confirms it.
    pub confirmed: bool,
    /// The last time step spent; no code of it or an earlier one passes again.
    pub last_step: Option<u64>,
    pub recovery_codes_left: u32,
}

impl std::fmt::Debug for TotpFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpFactor")
            .field("confirmed", &self.confirmed)
            .field("last_step", &self.last_step)
            .field("recovery_codes_left", &self.recovery_codes_left)
            .finish_non_exhaustive()
    }
}

/// How spending a recovery code went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryCodeUse {
    /// Spent; this many are left.
    Spent { left: u32 },
    /// Not one of the user's unspent codes (or TOTP is not on).
    Refused,
}

/// One passkey of a user, as stored: its public key and counter as
/// `webauthn-rs` keeps them (no secret: the private key never leaves the
/// authenticator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRecord {
    /// The credential id, base64url.
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub credential: String,
}

/// Which half-done WebAuthn ceremony a state belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyKind {
    Registration,
    Login,
}

impl CeremonyKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Login => "login",
        }
    }
}

/// The server's half of a ceremony between its two calls: kept until
/// `expires_at`, taken once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    pub id: String,
    pub kind: CeremonyKind,
    /// Whose registration it is; `None` for a login, which names no one.
    pub user_id: Option<String>,
    /// Only for a registration: the name the passkey gets.
    pub name: Option<String>,
    pub state: String,
    pub expires_at: i64,
}

/// Which ceremony the second call may take: its id, kind and owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CeremonyRef<'a> {
    pub id: &'a str,
    pub kind: CeremonyKind,
    pub user_id: Option<&'a str>,
    pub now: i64,
}

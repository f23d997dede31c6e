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

//! Authentication method references (RFC 8176) as the access tokens'
//! `amr` claim states them: how the session's login was made.

/// A password alone.
pub const PASSWORD: &[&str] = &["pwd"];
/// A password and a one-time code from an authenticator app.
pub const PASSWORD_AND_OTP: &[&str] = &["pwd", "otp"];
/// A password and a recovery code: two factors, the second not an OTP app.
pub const PASSWORD_AND_RECOVERY_CODE: &[&str] = &["pwd", "mfa"];
/// A passkey that stays in its authenticator's hardware (it cannot be backed up).
pub const HARDWARE_KEY: &[&str] = &["hwk"];
/// A passkey a password manager syncs (backup eligible).
pub const SOFTWARE_KEY: &[&str] = &["swk"];

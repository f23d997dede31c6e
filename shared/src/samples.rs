//! The sample user and session that the files in `events/` refer to. Tests
//! and local runs seed a store with them so every sample event has the state
//! its declared status needs.

use crate::onetime::OneTimeToken;
use crate::password::PasswordError;
use crate::store::{Purpose, RefreshRecord, Store, StoreError, User};
use crate::{Passwords, RefreshToken};

pub const ISSUER: &str = "http://127.0.0.1:3000";
pub const AUDIENCE: &str = "jwt-auth-local";
pub const ADA_ID: &str = "6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47";
pub const ADA_EMAIL: &str = "ada@example.com";
pub const ADA_PASSWORD: &str = "correct horse battery staple";
pub const ADA_NAME: &str = "Ada Lovelace";
/// Ada's sample session: a public, well-known refresh token, for samples only.
pub const REFRESH_TOKEN: &str = "rt1.6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47.0b7c1f3a9d2e4c58a6f1e2d3c4b5a697.\
                                 9e8d7c6b5a4f43e2b1c0d9e8f7a6b5c4.c2FtcGxlIHJlZnJlc2ggc2VjcmV0LCBwdWJsaWMhISE";
/// Ada's sample one-time tokens, as mailed links carry them: public and
/// well-known, for samples only.
pub const VERIFY_TOKEN: &str =
    "ot1.verify.6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47.c2FtcGxlIHZlcmlmeSBzZWNyZXQsIHB1YmxpYyEhISE";
pub const RESET_TOKEN: &str =
    "ot1.reset.6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47.c2FtcGxlIHJlc2V0IHNlY3JldCwgcHVibGljISEhISE";
pub const EMAIL_CHANGE_TOKEN: &str =
    "ot1.email.6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47.c2FtcGxlIGNoYW5nZSBzZWNyZXQsIHB1YmxpYyEhISE";
/// The address `EMAIL_CHANGE_TOKEN` moves Ada to.
pub const ADA_NEW_EMAIL: &str = "ada@lovelace.example";
/// Katherine, the sample user with TOTP on: her authenticator's secret, one of
/// her recovery codes, and the `mfa_token` of a password step she passed.
/// Public and well-known, for samples only.
pub const KATHERINE_ID: &str = "0c5e8b1d-7a2f-4e93-b6d4-1f9a3c7e5b20";
pub const KATHERINE_EMAIL: &str = "katherine@example.com";
pub const KATHERINE_TOTP_SECRET: &str = "ONQW24DMMUQHI33UOAQHGZLDOJSXIIJB";
pub const KATHERINE_RECOVERY_CODE: &str = "samp-1e00-rec0-very";
pub const KATHERINE_MFA_TOKEN: &str =
    "ot1.mfa.0c5e8b1d-7a2f-4e93-b6d4-1f9a3c7e5b20.c2FtcGxlIG1mYSB0b2tlbiBzZWNyZXQsIHB1YmxpYyE";
/// When the sample tokens were issued and when they expire (2100-01-01).
/// Ada's sample passkey: a public key (its private half is long gone), for
/// the events that list and remove passkeys.
pub const ADA_PASSKEY_ID: &str = "s-30nyFbGFpwnTwHmk_8OWZgpXqxdhD1D1JKPV9bO0s";
const ADA_PASSKEY: &str = r#"{"cred":{"cred_id":"s-30nyFbGFpwnTwHmk_8OWZgpXqxdhD1D1JKPV9bO0s","cred":{"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":"erK1uv8KgHdqtndg94DjiYuCfg5Z4c8FGq1K00B03eM","y":"0TvOnJKq31l-8q-X0HWfhGLANTkDdmHyGCzwWDn3f48"}}},"counter":0,"transports":null,"user_verified":true,"backup_eligible":false,"backup_state":false,"registration_policy":"required","extensions":{"cred_protect":"Ignored","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"Ignored"},"attestation":{"data":"Self_","metadata":"None"},"attestation_format":"packed"}}"#;

pub const ISSUED_AT: i64 = 1_795_000_000;
pub const EXPIRES_AT: i64 = 4_102_444_800;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

pub fn refresh_token() -> RefreshToken {
    RefreshToken::parse(REFRESH_TOKEN).expect("the sample refresh token is well-formed")
}

pub fn session() -> RefreshRecord {
    refresh_token().record(ISSUED_AT, (EXPIRES_AT - ISSUED_AT).unsigned_abs())
}

/// Creates Ada and her session; `EmailTaken` means a previous run already did.
pub async fn seed<S: Store>(store: &S, passwords: &Passwords) -> Result<(), SeedError> {
    let ada = User {
        id: ADA_ID.into(),
        email: ADA_EMAIL.into(),
        name: Some(ADA_NAME.into()),
        password_hash: passwords.hash(ADA_PASSWORD).await?,
        created_at: ISSUED_AT,
        email_verified: false,
    };
    store.create_user(&ada, Some(&session())).await?;
    for (token, purpose) in [
        (VERIFY_TOKEN, Purpose::VerifyEmail),
        (RESET_TOKEN, Purpose::ResetPassword),
        (EMAIL_CHANGE_TOKEN, Purpose::ChangeEmail),
    ] {
        let token = OneTimeToken::parse(token, purpose).expect("the sample one-time tokens are well-formed");
        let new_email = (purpose == Purpose::ChangeEmail).then(|| ADA_NEW_EMAIL.to_string());
        store.issue_token(&token.record(EXPIRES_AT, new_email)).await?;
    }
    let passkey = crate::store::PasskeyRecord {
        id: ADA_PASSKEY_ID.into(),
        user_id: ADA_ID.into(),
        name: "Ada's laptop".into(),
        created_at: ISSUED_AT,
        last_used_at: None,
        credential: ADA_PASSKEY.into(),
    };
    store.add_passkey(&passkey).await?;
    seed_katherine(store, passwords).await
}

/// Katherine shares Ada's password; what sets her apart is TOTP.
async fn seed_katherine<S: Store>(store: &S, passwords: &Passwords) -> Result<(), SeedError> {
    let katherine = User {
        id: KATHERINE_ID.into(),
        email: KATHERINE_EMAIL.into(),
        name: Some("Katherine Johnson".into()),
        password_hash: passwords.hash(ADA_PASSWORD).await?,
        created_at: ISSUED_AT,
        email_verified: true,
    };
    store.create_user(&katherine, None).await?;
    store.begin_totp(KATHERINE_ID, KATHERINE_TOTP_SECRET, ISSUED_AT).await?;
    let codes = [KATHERINE_RECOVERY_CODE, "samp-2e00-rec0-very", "samp-3e00-rec0-very"];
    let hashes: Vec<String> = codes.iter().filter_map(|c| crate::recovery::hash(KATHERINE_ID, c)).collect();
    store.confirm_totp(KATHERINE_ID, KATHERINE_TOTP_SECRET, ISSUED_AT.unsigned_abs() / 30, &hashes).await?;
    let mfa = OneTimeToken::parse(KATHERINE_MFA_TOKEN, Purpose::Mfa).expect("the sample mfa_token is well-formed");
    store.issue_token(&mfa.record(EXPIRES_AT, None)).await?;
    Ok(())
}

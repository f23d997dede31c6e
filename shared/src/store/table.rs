//! The DynamoDB table's one definition (single-table design). The store
//! implementation, table creation for tests and local runs, and the check
//! against `template.yaml` all read it from here.
//!
//! | item              | pk                 | sk                 |
//! |-------------------|--------------------|--------------------|
//! | user profile      | `USER#<user id>`   | `PROFILE`          |
//! | email claim, login| `EMAIL#<email>`    | `EMAIL`            |
//! | token family      | `USER#<user id>`   | `FAMILY#<fam id>`  |
//! | refresh token     | `USER#<user id>`   | `TOKEN#<token id>` |
//! | one-time token    | `USER#<user id>`   | `ONETIME#<purpose>`|
//! | TOTP factor       | `USER#<user id>`   | `MFA#TOTP`         |
//! | second-step tries | `USER#<user id>`   | `MFAFAIL`          |
//! | passkey           | `USER#<user id>`   | `PASSKEY#<cred id>`|
//! | WebAuthn ceremony | `CEREMONY#<id>`    | `STATE`            |
//! | login attempts    | `LOGINFAIL#<email>`| `WINDOW`           |
//! | ... from a device | `LOGINFAIL#<email>`| `DEVICE#<id>`      |
//! | mails sent        | `LOGINFAIL#<email>`| `MAIL#<purpose>#<span>` |
//! | per source        | `SOURCE#LOGIN#<ip>`, `SOURCE#SIGNUP#<ip>` | `WINDOW` |
//!
//! Families, tokens and one-time tokens live in their user's partition, and
//! every counter about one address in that address's partition, so revoking
//! every session of a user, or deleting everything of an account, is a
//! strongly consistent query per partition; no secondary index is needed, so
//! nothing is read eventually consistent.

use super::{Counter, Purpose};

pub const PARTITION_KEY: &str = "pk";
pub const SORT_KEY: &str = "sk";
/// Epoch seconds after which DynamoDB may delete the item. Expiry itself is
/// enforced by the code; TTL only cleans up, possibly days late.
pub const TTL_ATTRIBUTE: &str = "ttl";
pub const GLOBAL_SECONDARY_INDEXES: &[&str] = &[];

pub fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}
pub const PROFILE_SK: &str = "PROFILE";
pub fn email_pk(email: &str) -> String {
    format!("EMAIL#{email}")
}
pub const EMAIL_SK: &str = "EMAIL";
pub fn family_sk(family_id: &str) -> String {
    format!("FAMILY#{family_id}")
}
pub const FAMILY_SK_PREFIX: &str = "FAMILY#";
pub fn token_sk(token_id: &str) -> String {
    format!("TOKEN#{token_id}")
}
pub fn onetime_sk(purpose: Purpose) -> String {
    format!("ONETIME#{}", purpose.name())
}
/// The partition of every counter about one address (the prefix predates
/// counters other than login failures).
pub fn address_pk(email: &str) -> String {
    format!("LOGINFAIL#{email}")
}
/// Canonical emails and addresses hold no `#` after their `@`, so no two
/// counters share a key.
pub fn counter_key(counter: Counter<'_>) -> (String, String) {
    match counter {
        Counter::Email(email) => (address_pk(email), COUNTER_SK.into()),
        Counter::Device { email, device } => (address_pk(email), format!("DEVICE#{device}")),
        Counter::Mails { address, purpose, span } => (address_pk(address), format!("MAIL#{purpose}#{span}")),
        Counter::LoginsFrom(source) => (format!("SOURCE#LOGIN#{source}"), COUNTER_SK.into()),
        Counter::SignupsFrom(source) => (format!("SOURCE#SIGNUP#{source}"), COUNTER_SK.into()),
        Counter::MfaCodes(user_id) => (user_pk(user_id), MFA_CODES_SK.into()),
    }
}
pub const COUNTER_SK: &str = "WINDOW";
pub const MFA_CODES_SK: &str = "MFAFAIL";
pub const TOTP_SK: &str = "MFA#TOTP";
pub fn passkey_sk(credential_id: &str) -> String {
    format!("PASSKEY#{credential_id}")
}
pub const PASSKEY_SK_PREFIX: &str = "PASSKEY#";
pub fn ceremony_pk(id: &str) -> String {
    format!("CEREMONY#{id}")
}
pub const CEREMONY_SK: &str = "STATE";

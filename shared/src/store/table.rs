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
//! | login attempts    | `LOGINFAIL#<email>`| `WINDOW`           |
//! | ... from a device | `LOGINFAIL#<email>#DEVICE#<id>` | `WINDOW` |
//! | per source        | `SOURCE#LOGIN#<ip>`, `SOURCE#SIGNUP#<ip>` | `WINDOW` |
//!
//! Families and tokens live in their user's partition, so revoking every
//! session of a user is one strongly consistent query; no secondary index is
//! needed, so nothing is read eventually consistent.

use super::Counter;

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
/// Canonical emails and addresses hold no `#` after their `@`, so no two
/// counters share a key.
pub fn counter_pk(counter: Counter<'_>) -> String {
    match counter {
        Counter::Email(email) => format!("LOGINFAIL#{email}"),
        Counter::Device { email, device } => format!("LOGINFAIL#{email}#DEVICE#{device}"),
        Counter::LoginsFrom(source) => format!("SOURCE#LOGIN#{source}"),
        Counter::SignupsFrom(source) => format!("SOURCE#SIGNUP#{source}"),
    }
}
pub const COUNTER_SK: &str = "WINDOW";

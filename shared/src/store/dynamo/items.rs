//! Conversions between DynamoDB items and the store's types.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::super::table::{self, PARTITION_KEY, SORT_KEY};
use super::super::{Credentials, Profile, RefreshRecord, StoreError, User};

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([(PARTITION_KEY.to_string(), s(pk)), (SORT_KEY.to_string(), s(sk))])
}

fn corrupt(name: &str) -> StoreError {
    StoreError::Corrupt(format!("attribute {name} is missing or of the wrong type"))
}

pub fn get_s(item: &Item, name: &str) -> Result<String, StoreError> {
    opt_s(item, name).ok_or_else(|| corrupt(name))
}

pub fn opt_s(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

pub fn get_n(item: &Item, name: &str) -> Result<i64, StoreError> {
    opt_n(item, name).ok_or_else(|| corrupt(name))
}

/// A flag written as a boolean; absent (an item from before it existed) is false.
pub fn flag(item: &Item, name: &str) -> bool {
    item.get(name).and_then(|v| v.as_bool().ok()).copied().unwrap_or(false)
}

pub fn opt_n(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

pub fn profile_item(user: &User) -> Item {
    let mut item = key(table::user_pk(&user.id), table::PROFILE_SK);
    item.insert("id".into(), s(&user.id));
    item.insert("email".into(), s(&user.email));
    item.insert("created_at".into(), n(user.created_at));
    item.insert("email_verified".into(), AttributeValue::Bool(user.email_verified));
    if let Some(name) = &user.name {
        item.insert("name".into(), s(name));
    }
    item
}

pub fn profile_from(item: &Item) -> Result<Profile, StoreError> {
    Ok(Profile {
        id: get_s(item, "id")?,
        email: get_s(item, "email")?,
        email_verified: flag(item, "email_verified"),
        name: opt_s(item, "name"),
        created_at: get_n(item, "created_at")?,
        totp: flag(item, "mfa_totp"),
        passkeys: opt_n(item, "passkeys").and_then(|count| u32::try_from(count).ok()).unwrap_or(0),
    })
}

/// A token's authentication methods, kept space-separated as `scope` is.
pub fn methods(item: &Item) -> Vec<String> {
    opt_s(item, "amr").map(|amr| amr.split_whitespace().map(str::to_string).collect()).unwrap_or_default()
}

/// The email claim, which also holds what login needs.
pub fn credentials_item(user: &User) -> Item {
    let mut item = key(table::email_pk(&user.email), table::EMAIL_SK);
    item.insert("user_id".into(), s(&user.id));
    item.insert("password_hash".into(), s(&user.password_hash));
    item.insert("email_verified".into(), AttributeValue::Bool(user.email_verified));
    item
}

pub fn credentials_from(item: &Item, email: &str) -> Result<Credentials, StoreError> {
    Ok(Credentials {
        user_id: get_s(item, "user_id")?,
        email: email.to_string(),
        password_hash: get_s(item, "password_hash")?,
        email_verified: flag(item, "email_verified"),
    })
}

/// The successor recorded on the rotated token item of `token`, if any; one
/// rotated before sessions had a limit ends when `token`'s session does.
pub fn successor_from(item: &Item, token: &RefreshRecord) -> Result<Option<(RefreshRecord, i64)>, StoreError> {
    let Some(rotated_at) = opt_n(item, "rotated_at") else { return Ok(None) };
    let successor = RefreshRecord {
        user_id: token.user_id.clone(),
        family_id: token.family_id.clone(),
        token_id: get_s(item, "successor_id")?,
        secret_hash: get_s(item, "successor_secret_hash")?,
        issued_at: get_n(item, "successor_issued_at")?,
        expires_at: get_n(item, "successor_expires_at")?,
        session_ends_at: opt_n(item, "successor_session_ends_at").unwrap_or(token.session_ends_at),
        amr: token.amr.clone(),
    };
    Ok(Some((successor, rotated_at)))
}

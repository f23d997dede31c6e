//! Accepting a new password (signup, reset, change): the length first, then
//! the strength estimate against the words of the account itself, each
//! refusal a `400 invalid_request` naming the field.

use crate::error::ApiError;
use crate::password::{NewPasswordError, Passwords, PolicyViolation};

pub fn refusal(field: &str, violation: PolicyViolation) -> ApiError {
    ApiError::invalid_request(format!("{field}: {violation}"))
}

/// `password`, for the account of `email` (named `name`), as the policy wants it.
pub async fn accept(
    passwords: &Passwords,
    field: &str,
    password: &str,
    email: &str,
    name: Option<&str>,
) -> Result<(), ApiError> {
    passwords.check_length(password).map_err(|v| refusal(field, v))?;
    match passwords.check_new(password, personal_words(email, name)).await {
        Ok(()) => Ok(()),
        Err(NewPasswordError::Policy(violation)) => Err(refusal(field, violation)),
        Err(NewPasswordError::Task) => Err(ApiError::Internal),
    }
}

/// What a password must not be built on: the email, its local part and the
/// words in it, and the words of the name (zxcvbn matches whole entries).
pub fn personal_words(email: &str, name: Option<&str>) -> Vec<String> {
    let local = email.split('@').next().unwrap_or_default();
    let mut words = vec![email.to_string(), local.to_string()];
    let pieces = local.split(|c: char| !c.is_alphanumeric()).chain(name.unwrap_or_default().split_whitespace());
    words.extend(pieces.filter(|w| w.chars().count() >= 3).map(str::to_lowercase));
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[tokio::test]
    async fn a_short_or_personal_password_is_refused_naming_the_field() {
        let passwords = testing::cheap_passwords();
        let short = accept(&passwords, "new_password", "short", "ada@example.com", None).await.unwrap_err();
        assert!(short.to_string().starts_with("new_password: "), "{short}");
        let personal =
            accept(&passwords, "password", "ada.lovelace@example.com", "ada.lovelace@example.com", None).await;
        assert!(personal.is_err());
        accept(&passwords, "password", "correct horse battery staple", "ada@example.com", None).await.unwrap();
    }
}

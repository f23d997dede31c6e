//! Email normalisation: the one canonical form used for uniqueness and lookup.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("email is not a valid address")]
pub struct InvalidEmail;

pub const MAX_EMAIL_CHARS: usize = 254;

/// Trims, lower-cases and checks the shape of an address (`openapi.yaml`): at most
/// 254 characters, one `@`, a non-empty local part, a dot inside the domain.
pub fn normalize_email(raw: &str) -> Result<String, InvalidEmail> {
    let email = raw.trim().to_lowercase();
    if email.chars().count() > MAX_EMAIL_CHARS || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(InvalidEmail);
    }
    let (local, domain) = email.split_once('@').ok_or(InvalidEmail)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    if local.is_empty() || !domain_ok {
        return Err(InvalidEmail);
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(normalize_email("  Ada@Example.COM ").unwrap(), "ada@example.com");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a@b@c.com",
            "ada@.com",
            "ada@com.",
            "a b@c.com",
            "ada@ex..com",
        ] {
            assert_eq!(normalize_email(bad), Err(InvalidEmail), "{bad:?}");
        }
    }

    #[test]
    fn the_length_limit_is_254_characters() {
        let domain = "@example.com";
        let ok = format!("{}{domain}", "a".repeat(254 - domain.len()));
        assert!(normalize_email(&ok).is_ok());
        let long = format!("a{ok}");
        assert_eq!(normalize_email(&long), Err(InvalidEmail));
    }
}

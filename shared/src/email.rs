//! The one canonical form of an email address, used for uniqueness, lookup
//! and throttling, so that one mailbox cannot become several accounts.
//!
//! 1. Characters that render as nothing or reorder text (Unicode's
//!    Default_Ignorable_Code_Point: zero-width space and joiners, soft hyphen,
//!    word joiner, BOM, combining grapheme joiner, bidi controls, variation
//!    selectors, tags) and control characters are refused anywhere.
//! 2. The whole address is put in Unicode NFKC, so fullwidth and composed or
//!    decomposed forms of the same text become one.
//! 3. The local part must then be an unquoted RFC 5322 dot-atom of ASCII
//!    (letters, digits, ``!#$%&'*+-/=?^_`{|}~``, single inner dots), at most 64
//!    octets, and is lower-cased. Internationalised local parts are refused:
//!    few providers deliver to them, and their case folding is locale-dependent
//!    (`İ`), so they cannot be made canonical safely.
//! 4. The domain goes through IDNA (UTS #46, strict) to its ASCII (A-label)
//!    form: `bücher.example` and `xn--bcher-kva.example` are one domain. Each
//!    label is at most 63 octets of letters, digits and inner hyphens, there
//!    are at least two labels, and the last one (the TLD) is alphabetic or an
//!    A-label.
//! 5. At most 254 octets in all.
//!
//! Addresses stored before this rule were trimmed and lower-cased ASCII in
//! practice, which this form leaves unchanged; an account stored with a
//! Unicode domain is found again by its A-label only after its email claim is
//! rewritten (README, "Storage").

use icu_properties::CodePointSetData;
use icu_properties::props::DefaultIgnorableCodePoint;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("email is not a valid address")]
pub struct InvalidEmail;

pub const MAX_EMAIL_OCTETS: usize = 254;
const MAX_LOCAL_OCTETS: usize = 64;
const MAX_LABEL_OCTETS: usize = 63;

fn invisible(c: char) -> bool {
    c.is_control() || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
}

fn atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
}

fn dot_atom(local: &str) -> bool {
    !local.is_empty() && local.split('.').all(|atom| !atom.is_empty() && atom.bytes().all(atext))
}

fn hostname(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let ldh = |label: &&str| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_OCTETS
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let tld = labels.last().copied().unwrap_or_default();
    let tld_ok = tld.starts_with("xn--") || (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    labels.len() >= 2 && labels.iter().all(ldh) && tld_ok
}

/// The canonical form of `raw` (see the module documentation), or why not.
pub fn normalize_email(raw: &str) -> Result<String, InvalidEmail> {
    let raw = raw.trim();
    // A bound before any Unicode work: nothing longer can be a valid address.
    if raw.len() > 4 * MAX_EMAIL_OCTETS || raw.chars().any(|c| invisible(c) || c.is_whitespace()) {
        return Err(InvalidEmail);
    }
    let composed: String = raw.nfkc().collect();
    let (local, domain) = composed.rsplit_once('@').ok_or(InvalidEmail)?;
    if local.len() > MAX_LOCAL_OCTETS || !dot_atom(local) {
        return Err(InvalidEmail);
    }
    let domain = idna::domain_to_ascii_strict(domain).map_err(|_| InvalidEmail)?;
    if !hostname(&domain) {
        return Err(InvalidEmail);
    }
    let email = format!("{}@{domain}", local.to_ascii_lowercase());
    if email.len() > MAX_EMAIL_OCTETS {
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
        assert_eq!(normalize_email("o'neil+tag@sub.example.co.uk").unwrap(), "o'neil+tag@sub.example.co.uk");
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
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada@-example.com",
            "ada@example-.com",
            "ada@example.c",
            "ada@example.123",
            "ada@_.1",
            "ada@exa_mple.com",
        ] {
            assert_eq!(normalize_email(bad), Err(InvalidEmail), "{bad:?}");
        }
    }

    /// Pairs that are one mailbox to a person: each pair has one canonical form.
    #[test]
    fn one_mailbox_has_one_canonical_form() {
        for (a, b) in [
            ("ada@caf\u{e9}.example", "ada@cafe\u{301}.example"),
            ("\u{ff41}\u{ff44}\u{ff41}@example.com", "ada@example.com"),
            ("ada@b\u{fc}cher.example", "ada@xn--bcher-kva.example"),
            ("ADA@B\u{dc}CHER.EXAMPLE", "ada@xn--bcher-kva.example"),
            ("ada@\u{ff45}xample.com", "ada@example.com"),
        ] {
            assert_eq!(normalize_email(a), normalize_email(b), "{a:?} and {b:?}");
            assert!(normalize_email(a).is_ok(), "{a:?}");
        }
    }

    #[test]
    fn invisible_and_reordering_characters_are_refused_anywhere() {
        for c in
            ['\u{200b}', '\u{ad}', '\u{2060}', '\u{feff}', '\u{34f}', '\u{202e}', '\u{2066}', '\u{200d}', '\u{fe0f}']
        {
            for address in [format!("a{c}da@example.com"), format!("ada@exa{c}mple.com")] {
                assert_eq!(normalize_email(&address), Err(InvalidEmail), "{address:?}");
            }
        }
    }

    #[test]
    fn quoted_and_international_local_parts_are_refused() {
        for bad in ["\"x\"@example.com", "\"a b\"@example.com", "jos\u{e9}@example.com", "\u{130}@example.com"] {
            assert_eq!(normalize_email(bad), Err(InvalidEmail), "{bad:?}");
        }
        assert!(normalize_email("x@example.com").is_ok());
    }

    #[test]
    fn the_octet_limits_hold_for_the_local_part_each_label_and_the_whole() {
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(64))).is_ok());
        assert_eq!(normalize_email(&format!("{}@example.com", "a".repeat(65))), Err(InvalidEmail));
        assert!(normalize_email(&format!("ada@{}.com", "b".repeat(63))).is_ok());
        assert_eq!(normalize_email(&format!("ada@{}.com", "b".repeat(64))), Err(InvalidEmail));
        let domain = format!("{}.com", vec!["c".repeat(60); 4].join("."));
        assert_eq!(domain.len(), 247);
        assert!(normalize_email(&format!("ab@{domain}")).is_ok(), "250 octets");
        assert_eq!(normalize_email(&format!("abcdefg@{domain}")), Err(InvalidEmail), "255 octets");
    }
}

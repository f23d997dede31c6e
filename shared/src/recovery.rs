//! Recovery codes: ten single-use codes shown once when TOTP is confirmed,
//! for a user who lost the authenticator. Each has 80 random bits, so the
//! store keeps only a SHA-256 (bound to the user), and spending one is a
//! keyed delete from the user's set of hashes, not a search.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const COUNT: usize = 10;
/// 16 characters of a 32-letter alphabet: 80 bits.
const CHARS: usize = 16;
/// Lower-case letters and digits without the look-alikes i, l, o and u.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const GROUP: usize = 4;

/// Ten fresh codes, as the user sees them: `xxxx-xxxx-xxxx-xxxx`.
pub fn generate() -> Vec<String> {
    (0..COUNT).map(|_| one()).collect()
}

fn one() -> String {
    let mut bytes = [0u8; CHARS];
    // The system RNG failing leaves nothing safe to do.
    aws_lc_rs::rand::fill(&mut bytes).expect("system random number generator");
    // 256 is a multiple of 32: every letter is equally likely.
    let letters: Vec<char> = bytes.iter().map(|b| char::from(ALPHABET[usize::from(b % 32)])).collect();
    letters.chunks(GROUP).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A code as typed: case, spaces and dashes do not matter. `None` when it
/// cannot be a recovery code.
pub fn normalize(code: &str) -> Option<String> {
    let code: String =
        code.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_lowercase()).collect();
    (code.len() == CHARS && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What the store keeps of one of `user_id`'s codes.
pub fn hash(user_id: &str, code: &str) -> Option<String> {
    let code = normalize(code)?;
    let input = format!("recovery-code:{user_id}:{code}");
    Some(URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, input.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_codes_of_four_groups_of_four_are_made() {
        let codes = generate();
        assert_eq!(codes.len(), 10);
        assert_eq!(codes.iter().collect::<std::collections::BTreeSet<_>>().len(), 10);
        for code in &codes {
            assert_eq!(code.len(), 19, "{code}");
            assert_eq!(code.split('-').map(str::len).collect::<Vec<_>>(), [4, 4, 4, 4]);
            assert!(normalize(code).is_some());
        }
    }

    #[test]
    fn a_hash_ignores_case_dashes_and_spaces_but_not_the_user() {
        let code = &generate()[0];
        let typed = code.to_uppercase().replace('-', " ");
        assert_eq!(hash("u1", code), hash("u1", &typed));
        assert_ne!(hash("u1", code), hash("u2", code), "the same code of another user is another hash");
        let stored = hash("u1", code).unwrap();
        assert!(!stored.contains(&code.replace('-', "")), "the hash does not contain the code");
        assert_eq!(stored.len(), 43);
    }

    #[test]
    fn what_cannot_be_a_code_has_no_hash() {
        for bad in ["", "abcd-efgh", "abcd-efgh-jkmn-pqrs-t", "iiii-llll-oooo-uuuu", "123456"] {
            assert!(hash("u", bad).is_none(), "{bad}");
        }
    }
}

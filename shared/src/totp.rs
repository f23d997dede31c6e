//! Time-based one-time passwords (RFC 6238) as every authenticator app reads
//! them: SHA-1, 6 digits, 30-second steps, a 160-bit secret, codes accepted
//! one step either side of now. `totp-rs` makes and compares the codes; this
//! module only decides which step a code belongs to, so the store can spend
//! that step once (`Store::spend_totp_step`).

use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: usize = 6;
/// RFC 4226 recommends 160 bits.
const SECRET_BYTES: usize = 20;
/// Codes of this many steps before and after now pass (clock drift, typing time).
const SKEW_STEPS: u64 = 1;

/// A TOTP secret. `Debug` never shows it.
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    pub fn generate() -> Self {
        let mut secret = vec![0; SECRET_BYTES];
        // The system RNG failing leaves nothing safe to do.
        aws_lc_rs::rand::fill(&mut secret).expect("system random number generator");
        Self(secret)
    }

    /// A stored secret (unpadded base32); `None` when it does not decode to 160 bits.
    pub fn from_base32(text: &str) -> Option<Self> {
        let bytes = Secret::Encoded(text.to_string()).to_bytes().ok()?;
        (bytes.len() == SECRET_BYTES).then_some(Self(bytes))
    }

    pub fn base32(&self) -> String {
        Secret::Raw(self.0.clone()).to_encoded().to_string()
    }
}

/// The time step `now` (unix seconds) falls in.
pub fn step_at(now: i64) -> u64 {
    u64::try_from(now).unwrap_or(0) / STEP_SECONDS
}

/// One user's authenticator: the secret, and the issuer and account names
/// the app shows beside its codes.
pub struct Authenticator(TOTP);

impl Authenticator {
    pub fn new(secret: &TotpSecret, issuer: &str, account: &str) -> Self {
        // A colon separates issuer and account in the URI's label, so neither may hold one.
        let clean = |name: &str| name.replace(':', " ");
        // Skew 0: `matching_step` looks at each step of the window itself.
        Self(TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            0,
            STEP_SECONDS,
            secret.0.clone(),
            Some(clean(issuer)),
            clean(account),
        ))
    }

    /// The `otpauth://totp/Issuer:account?secret=…&issuer=…` URI of the Key URI format.
    pub fn uri(&self) -> String {
        self.0.get_url()
    }

    /// The URI as a QR code, an SVG document.
    pub fn qr_svg(&self) -> String {
        match qrcode::QrCode::new(self.uri().as_bytes()) {
            Ok(code) => code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build(),
            // An otpauth URI is far below a QR code's capacity.
            Err(_) => String::new(),
        }
    }

    /// The code for time step `step`.
    pub fn code_at_step(&self, step: u64) -> String {
        self.0.generate(step * STEP_SECONDS)
    }

    /// The step within one of `now`'s that `code` is the code of, if any.
    /// Spaces are ignored; anything but six digits matches nothing.
    pub fn matching_step(&self, code: &str, now: i64) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let current = step_at(now);
        let mut matched = None;
        // Every step of the window is compared (in constant time, by totp-rs), matched or not.
        for step in current.saturating_sub(SKEW_STEPS)..=current + SKEW_STEPS {
            if self.0.check(&code, step * STEP_SECONDS) && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret is 20 ASCII bytes.
    fn rfc_secret() -> TotpSecret {
        TotpSecret(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_are_those_of_rfc_6238_appendix_b_truncated_to_six_digits() {
        let app = Authenticator::new(&rfc_secret(), "Example", "ada@example.com");
        assert_eq!(app.code_at_step(59 / 30), "287082");
        assert_eq!(app.code_at_step(1_111_111_109 / 30), "081804");
        assert_eq!(app.code_at_step(20_000_000_000 / 30), "353130");
    }

    #[test]
    fn the_uri_names_issuer_and_account_and_carries_the_secret_in_base32() {
        let secret = rfc_secret();
        let uri = Authenticator::new(&secret, "Example: Co", "ada@example.com").uri();
        assert_eq!(
            uri,
            "otpauth://totp/Example%20%20Co:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20%20Co"
        );
        assert_eq!(secret.base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn a_generated_secret_has_160_bits_and_round_trips_through_base32() {
        let secret = TotpSecret::generate();
        let text = secret.base32();
        assert_eq!(text.len(), 32);
        assert_eq!(TotpSecret::from_base32(&text).map(|s| s.0), Some(secret.0.clone()));
        assert!(TotpSecret::from_base32("GEZDGNBV").is_none(), "too short");
        assert!(TotpSecret::from_base32("not base32!").is_none());
        assert_ne!(TotpSecret::generate().0, secret.0);
        assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
    }

    #[test]
    fn a_code_matches_its_own_step_and_the_steps_either_side_but_no_further() {
        let app = Authenticator::new(&rfc_secret(), "Example", "a@b.co");
        let now: i64 = 1_800_000_000;
        let current = step_at(now);
        for (offset, expected) in
            [(-2i64, None), (-1, Some(current - 1)), (0, Some(current)), (1, Some(current + 1)), (2, None)]
        {
            let step = current.checked_add_signed(offset).unwrap();
            assert_eq!(app.matching_step(&app.code_at_step(step), now), expected, "offset {offset}");
        }
    }

    #[test]
    fn the_window_moves_at_the_step_boundary() {
        let app = Authenticator::new(&rfc_secret(), "Example", "a@b.co");
        let boundary: i64 = 1_800_000_000; // 60,000,000 steps of 30 s
        let old = app.code_at_step(step_at(boundary) - 2);
        assert_eq!(app.matching_step(&old, boundary - 1), Some(step_at(boundary) - 2), "the last second of its window");
        assert_eq!(app.matching_step(&old, boundary), None, "out of the window from the next step on");
    }

    #[test]
    fn spaces_are_ignored_and_anything_but_six_digits_matches_nothing() {
        let app = Authenticator::new(&rfc_secret(), "Example", "a@b.co");
        let now = 1_800_000_000;
        let code = app.code_at_step(step_at(now));
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(app.matching_step(&spaced, now), Some(step_at(now)));
        for bad in ["", "12345", "1234567", "abcdef", "12345a"] {
            assert_eq!(app.matching_step(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn the_qr_code_is_an_svg_document() {
        let svg = Authenticator::new(&rfc_secret(), "Example", "a@b.co").qr_svg();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
    }
}

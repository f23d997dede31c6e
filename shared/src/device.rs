//! Device tokens: the login function's own proof that a client logged in to
//! an email before, so failures made by anyone else do not slow it down.
//!
//! `dv1.<device id>.<MAC>`, the MAC an HMAC-SHA256 over the email and the id,
//! keyed with a key derived (HKDF-SHA256) from the signing key. Nothing is
//! stored; rotating the signing key retires every device token, and their
//! clients count as new devices until they log in again. A second key
//! derived the same way makes the tags that name an email in security logs
//! without writing the email itself.

use aws_lc_rs::{hkdf, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Response};

use crate::keys::{KeyError, SigningKey};

const PREFIX: &str = "dv1";
/// The cookie a browser keeps it in, and the header other clients send it in.
pub const COOKIE: &str = "__Host-device";
pub const HEADER: &str = "x-device-token";
/// How long a browser keeps the cookie: most browsers cap cookies at 400 days.
pub const COOKIE_MAX_AGE: u64 = 365 * 86_400;

pub struct DeviceKeys {
    device: hmac::Key,
    tag: hmac::Key,
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKeys([redacted])")
    }
}

fn derive(material: &[u8], purpose: &[u8]) -> Result<hmac::Key, KeyError> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"jwt-auth derived keys").extract(material);
    let info = [purpose];
    let okm = prk.expand(&info, hmac::HMAC_SHA256).map_err(|_| KeyError::Generation)?;
    Ok(hmac::Key::from(okm))
}

fn message(email: &str, device: &str) -> Vec<u8> {
    [email.as_bytes(), b"\0", device.as_bytes()].concat()
}

impl DeviceKeys {
    pub fn derive(signing: &SigningKey) -> Result<Self, KeyError> {
        let material = signing.secret_material();
        Ok(Self { device: derive(material, b"device token v1")?, tag: derive(material, b"log tag v1")? })
    }

    /// A new device token for `email`.
    pub fn issue(&self, email: &str) -> String {
        let device = uuid::Uuid::new_v4().simple().to_string();
        let mac = hmac::sign(&self.device, &message(email, &device));
        format!("{PREFIX}.{device}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()))
    }

    /// The device id of `token`, when it is a device token this key issued for `email`.
    pub fn device<'t>(&self, token: &'t str, email: &str) -> Option<&'t str> {
        let mut parts = token.split('.');
        let (Some(PREFIX), Some(device), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        if device.len() != 32 || !device.bytes().all(|b| b.is_ascii_hexdigit()) || mac.len() != 43 {
            return None;
        }
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        hmac::verify(&self.device, &message(email, device), &mac).ok().map(|()| device)
    }

    /// A stable tag for `email` in logs: correlates one target across log
    /// lines without writing the address; useless without the key.
    pub fn tag(&self, email: &str) -> String {
        let mac = hmac::sign(&self.tag, email.as_bytes());
        mac.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Hands a client that just logged in its device token: as a cookie for
/// browsers, and as a header for other clients, which send it back in the
/// `X-Device-Token` header.
pub fn remember(response: &mut Response<Body>, token: &str) {
    let cookie = format!("{COOKIE}={token}; Path=/; Max-Age={COOKIE_MAX_AGE}; HttpOnly; Secure; SameSite=Strict");
    let headers = response.headers_mut();
    if let (Ok(cookie), Ok(token)) = (HeaderValue::from_str(&cookie), HeaderValue::from_str(token)) {
        headers.append(header::SET_COOKIE, cookie);
        headers.insert(HEADER, token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Algorithm;

    fn fresh() -> DeviceKeys {
        DeviceKeys::derive(&SigningKey::generate(Algorithm::EdDSA).unwrap().0).unwrap()
    }

    #[test]
    fn a_token_names_its_device_for_its_email_only() {
        let keys = fresh();
        let token = keys.issue("ada@example.com");
        let device = keys.device(&token, "ada@example.com").expect("valid for its email");
        assert_eq!(device.len(), 32);
        assert_eq!(keys.device(&token, "eve@example.com"), None);
        assert_eq!(fresh().device(&token, "ada@example.com"), None, "another signing key does not know it");
    }

    #[test]
    fn tampered_or_foreign_tokens_are_no_devices() {
        let keys = fresh();
        let token = keys.issue("ada@example.com");
        let parts: Vec<&str> = token.split('.').collect();
        for bad in [
            String::new(),
            format!("dv2.{}.{}", parts[1], parts[2]),
            format!("dv1.{}.{}", "0".repeat(32), parts[2]),
            format!("dv1.{}.{}", parts[1], "A".repeat(43)),
            format!("{token}.x"),
            parts[..2].join("."),
        ] {
            assert_eq!(keys.device(&bad, "ada@example.com"), None, "{bad:?}");
        }
    }

    #[test]
    fn tags_are_stable_per_key_and_email_and_hide_the_email() {
        let keys = fresh();
        assert_eq!(keys.tag("ada@example.com"), keys.tag("ada@example.com"));
        assert_ne!(keys.tag("ada@example.com"), keys.tag("eve@example.com"));
        // Hex of a keyed MAC: nothing of the address can show (a hex run may spell
        // "ada" by chance, so the check is on the alphabet), and another key tags it otherwise.
        let tag = keys.tag("ada@example.com");
        assert!(tag.len() == 16 && tag.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{tag}");
        assert_ne!(fresh().tag("ada@example.com"), tag);
    }
}

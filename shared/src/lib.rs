//! Everything the functions share: configuration, token and password handling,
//! the store, and the HTTP helpers with the one error type.

#[cfg(any(feature = "dynamodb", feature = "secrets"))]
pub mod aws;
pub mod claims;
pub mod clock;
pub mod config;
pub mod email;
pub mod error;
pub mod http;
pub mod keys;
pub mod password;
pub mod refresh;
pub mod responses;
pub mod runtime;
pub mod samples;
#[cfg(feature = "secrets")]
mod secrets;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tokens;

pub use claims::AccessClaims;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{ConfigError, KeySettings, PasswordSettings, Secret, StoreSettings, ThrottleSettings, TokenSettings};
pub use email::normalize_email;
pub use error::ApiError;
pub use jsonwebtoken::Algorithm;
pub use keys::{KeyError, SigningKey, VerificationKeys};
pub use password::{PasswordError, Passwords, Verification};
pub use refresh::RefreshToken;
pub use responses::{TokenPair, UserBody};
pub use store::StoreError;
pub use tokens::{TokenError, TokenIssuer, TokenVerifier};

//! Everything the functions share: configuration and services, token and
//! password handling, sessions, the store, and the HTTP helpers with the one
//! error type. `docs/architecture.md` shows how the modules depend on each other.

pub mod algorithm;
pub mod amr;
#[cfg(any(feature = "dynamodb", feature = "secrets"))]
pub mod aws;
pub mod bodies;
pub mod caller;
pub mod claims;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod csrf;
pub mod delivery;
pub mod device;
pub mod email;
pub mod endpoint;
pub mod error;
pub mod keys;
pub mod mail;
#[cfg(feature = "totp")]
pub mod mfa;
pub mod new_password;
pub mod onetime;
pub mod origins;
#[cfg(feature = "passkeys")]
pub mod passkey;
pub mod password;
pub mod reauth;
pub mod recovery;
pub mod refresh;
pub mod request;
pub mod response;
pub mod routes;
pub mod runtime;
pub mod samples;
#[cfg(feature = "secrets")]
mod secrets;
pub mod services;
pub mod session;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod throttle;
pub mod tokens;
#[cfg(feature = "totp")]
pub mod totp;

pub use algorithm::Algorithm;
pub use bodies::{TokenPair, UserBody};
pub use claims::AccessClaims;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    ConfigError, KeySettings, PasskeySettings, PasswordSettings, Secret, SessionCheckSettings, StoreSettings,
    TokenSettings,
};
pub use email::normalize_email;
pub use endpoint::Endpoint;
pub use error::ApiError;
pub use keys::{SigningKey, VerificationKeys};
pub use password::Passwords;
pub use refresh::RefreshToken;
pub use services::{Keys, Mail, Needs, Services, Size, Uses};
pub use session::Sessions;
pub use store::StoreError;
pub use throttle::ThrottleSettings;
pub use tokens::{TokenIssuer, TokenVerifier};

//! Cold-start wiring shared by the Lambda binaries: logging and key loading.
//! Each `main.rs` reads its settings, builds its clients with these helpers
//! and hands one handler to the runtime; a bad setting stops the function at
//! init with a message naming the variable.

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{ConfigError, KeySettings};
use crate::keys::{KeyError, SigningKey, VerificationKeys};
use crate::password::PasswordError;
use crate::tokens::TokenVerifier;
use crate::{Algorithm, TokenSettings};

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("JWT_SIGNING_KEY_SECRET_ARN could not be read: {0}")]
    Secret(String),
}

/// One JSON object per line, with the current span's fields: the runtime's
/// `requestId` is on every line logged while an event is handled.
pub fn json_logs<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // A plain level (Lambda's advanced logging controls set it), not an
    // EnvFilter: directive parsing would link a regex engine into every binary.
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|l| l.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_max_level(level)
        .with_writer(writer)
        .finish()
}

pub fn init_tracing() {
    // Only fails if a subscriber is already set, which then stays in charge.
    let _ = tracing::subscriber::set_global_default(json_logs(std::io::stdout));
}

/// The signing key from the environment, a file, or (with the `secrets`
/// feature) AWS Secrets Manager, read once per cold start.
pub async fn signing_key(
    algorithm: Algorithm,
    keys: &KeySettings,
    #[cfg(feature = "secrets")] sdk: &aws_config::SdkConfig,
) -> Result<SigningKey, BootError> {
    if let Some(key) = SigningKey::from_settings(algorithm, keys)? {
        return Ok(key);
    }
    let Some(arn) = &keys.signing_key_secret_arn else { return Err(KeyError::NoSigningKey.into()) };
    #[cfg(feature = "secrets")]
    {
        let material = crate::secrets::read_secret(sdk, arn).await.map_err(BootError::Secret)?;
        Ok(SigningKey::from_material(algorithm, material.expose())?)
    }
    #[cfg(not(feature = "secrets"))]
    {
        let _ = arn;
        Err(BootError::Secret("this function is built without Secrets Manager support".into()))
    }
}

/// The verifier for `settings`, with `JWT_VERIFY_KEYS` and the signing key's public half.
pub fn verifier(
    settings: &TokenSettings,
    keys: &KeySettings,
    signing: Option<&SigningKey>,
) -> Result<TokenVerifier, BootError> {
    let keys = VerificationKeys::from_settings(settings.algorithm, keys, signing)?;
    Ok(TokenVerifier::new(settings, keys))
}

/// Loads the SDK configuration (shared with other AWS clients) and builds the
/// store on it. Call `warm_up` on the store before serving events.
#[cfg(feature = "dynamodb")]
pub async fn dynamo_store(
    settings: crate::StoreSettings,
) -> (aws_config::SdkConfig, crate::store::dynamo::DynamoStore) {
    let sdk = crate::aws::sdk_config(settings.endpoint.as_deref()).await;
    let client = crate::store::dynamo::client(&sdk, settings.endpoint.as_deref());
    (sdk, crate::store::dynamo::DynamoStore::new(client, settings.table_name))
}

//! Cold-start wiring shared by the Lambda binaries: logging, and the one
//! `boot` that reads the settings, loads the keys a function declares in its
//! `Needs` and, for functions with a store, configures the SDK once and warms
//! the store's connections. A bad setting stops the function at init with a
//! message naming the variable.

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{ConfigError, KeySettings, Vars, env_lookup};
use crate::keys::{KeyError, SigningKey, VerificationKeys};
use crate::password::PasswordError;
use crate::services::{Keys, Needs, Services, ServicesError};
use crate::tokens::{TokenIssuer, TokenVerifier};
use crate::{Algorithm, TokenSettings};

#[cfg(any(feature = "dynamodb", feature = "secrets"))]
type Sdk = aws_config::SdkConfig;
/// Without an AWS feature there is no SDK configuration to pass.
#[cfg(not(any(feature = "dynamodb", feature = "secrets")))]
type Sdk = ();

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
    #[error("mail: {0}")]
    Mail(String),
}

impl From<ServicesError> for BootError {
    fn from(err: ServicesError) -> Self {
        match err {
            ServicesError::Config(e) => Self::Config(e),
            ServicesError::Password(e) => Self::Password(e),
        }
    }
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

/// What a Lambda binary's `main` returns when init or the runtime fails.
pub type Error = lambda_http::Error;

/// A routed function's whole binary: logging, its services and store from
/// its `NEEDS`, then the runtime loop on tokio's current-thread runtime.
/// Lambda hands a function one event at a time, so worker threads would only
/// add wake-ups between them; calls a handler makes at once still overlap.
#[cfg(feature = "dynamodb")]
pub fn serve<E: crate::Endpoint<crate::store::dynamo::DynamoStore>>() -> Result<(), Error> {
    current_thread(async {
        init_tracing();
        let (services, store) = boot(&E::NEEDS).await?;
        let endpoint = E::new(store, &services);
        lambda_http::run(lambda_http::service_fn(|req| endpoint.handle(req))).await
    })
}

/// `serve` for a function that calls no AWS service: it is given no store,
/// and its binary links nothing of the SDK.
pub fn serve_without_aws<E: crate::Endpoint<()>>() -> Result<(), Error> {
    current_thread(async {
        init_tracing();
        let endpoint = E::new((), &services(&E::NEEDS)?);
        lambda_http::run(lambda_http::service_fn(|req| endpoint.handle(req))).await
    })
}

fn current_thread(main: impl std::future::Future<Output = Result<(), Error>>) -> Result<(), Error> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(main)
}

pub fn init_tracing() {
    // Only fails if a subscriber is already set, which then stays in charge.
    let _ = tracing::subscriber::set_global_default(json_logs(std::io::stdout));
}

/// The services of a function without a store (the authorizer, jwks). No
/// network call and nothing of the AWS SDK is reachable from here, so these
/// binaries link none of it: a signing key can come only from the
/// environment or a file.
pub fn services(needs: &Needs) -> Result<Services, BootError> {
    let vars = Vars::new(env_lookup);
    let signing = match needs.keys {
        Keys::Sign => {
            let tokens = TokenSettings::from_vars(&vars)?;
            Some(
                SigningKey::from_settings(tokens.algorithm, &KeySettings::from_vars(&vars))?
                    .ok_or(KeyError::NoSigningKey)?,
            )
        }
        Keys::None | Keys::Verify => None,
    };
    build_services(needs, &vars, signing)
}

/// The services and the DynamoDB store of a function with `needs`. The
/// signing key, if it signs, is read (from Secrets Manager in AWS) while the
/// store's connections open.
#[cfg(feature = "dynamodb")]
pub async fn boot(needs: &Needs) -> Result<(Services, crate::store::dynamo::DynamoStore), BootError> {
    let vars = Vars::new(env_lookup);
    // A function that only hands mail off is given no table: its store is never called.
    let settings = match needs.store {
        [] => crate::StoreSettings { table_name: String::new(), endpoint: vars.optional("DYNAMODB_ENDPOINT") },
        _ => crate::StoreSettings::from_vars(&vars)?,
    };
    let (sdk, store) = dynamo_store(settings).await;
    let signing = async {
        if needs.keys != Keys::Sign {
            return Ok(None);
        }
        let tokens = TokenSettings::from_vars(&vars)?;
        signing_key(tokens.algorithm, &KeySettings::from_vars(&vars), Some(&sdk)).await.map(Some)
    };
    // A function that only hands mail off has a store it never calls.
    let warm = async {
        if !needs.store.is_empty() {
            store.warm_up(needs.connections).await;
        }
    };
    let (signing, ()) = tokio::join!(signing, warm);
    let mut services = build_services(needs, &vars, signing?)?;
    attach_mail(&mut services, needs, &vars, &sdk)?;
    Ok((services, store))
}

/// The handoff to the mailer, or the mailer's own settings and transport:
/// `MAIL_TRANSPORT` is `ses` (the default) or `smtp` (`SMTP_URL`); local-api's
/// outbox is never deployed.
#[cfg(feature = "dynamodb")]
fn attach_mail<F: Fn(&str) -> Option<String>>(
    services: &mut Services,
    needs: &Needs,
    vars: &Vars<F>,
    sdk: &aws_config::SdkConfig,
) -> Result<(), BootError> {
    use crate::services::Mail;
    let _ = (&services, vars, sdk);
    match needs.mail {
        Mail::None => Ok(()),
        #[cfg(feature = "handoff")]
        Mail::HandsOff => {
            services.handoff = Some(crate::mail::Handoff::invoke(sdk, vars.required("MAILER_FUNCTION")?));
            Ok(())
        }
        #[cfg(feature = "mailer")]
        Mail::Sends => {
            use crate::mail::{MailSettings, Transport};
            let settings = MailSettings::from_vars(vars)?;
            let transport = match vars.optional("MAIL_TRANSPORT").as_deref().map(str::trim) {
                None | Some("ses") => Transport::ses(sdk),
                Some("smtp") => Transport::smtp(&vars.required("SMTP_URL")?).map_err(|e| BootError::Mail(e.0))?,
                Some(_) => {
                    let reason = "must be ses or smtp (the outbox is local-api's)".to_string();
                    return Err(ConfigError::Invalid { var: "MAIL_TRANSPORT", reason }.into());
                }
            };
            services.mailing = Some(crate::services::Mailing { settings, transport });
            Ok(())
        }
        #[allow(unreachable_patterns)]
        _ => Err(BootError::Mail("this function is built without mail support".into())),
    }
}

fn build_services<F: Fn(&str) -> Option<String>>(
    needs: &Needs,
    vars: &Vars<F>,
    signing: Option<SigningKey>,
) -> Result<Services, BootError> {
    let services = Services::from_vars(vars)?;
    if needs.keys == Keys::None {
        return Ok(services);
    }
    let tokens = TokenSettings::from_vars(vars)?;
    let verifier = verifier(&tokens, &KeySettings::from_vars(vars), signing.as_ref())?;
    Ok(services.with_keys(signing.map(|key| TokenIssuer::new(&tokens, key)), Some(verifier))?)
}

/// The signing key from the environment, a file, or (with the `secrets`
/// feature) AWS Secrets Manager, read once per cold start.
pub async fn signing_key(algorithm: Algorithm, keys: &KeySettings, sdk: Option<&Sdk>) -> Result<SigningKey, BootError> {
    if let Some(key) = SigningKey::from_settings(algorithm, keys)? {
        return Ok(key);
    }
    let Some(arn) = &keys.signing_key_secret_arn else { return Err(KeyError::NoSigningKey.into()) };
    #[cfg(feature = "secrets")]
    if let Some(sdk) = sdk {
        let material = crate::secrets::read_secret(sdk, arn).await.map_err(BootError::Secret)?;
        return Ok(SigningKey::from_material(algorithm, material.expose())?);
    }
    let _ = (arn, sdk);
    Err(BootError::Secret("this function is built without Secrets Manager support".into()))
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
    let store = crate::store::dynamo::DynamoStore::from_sdk(&sdk, &settings);
    (sdk, store)
}

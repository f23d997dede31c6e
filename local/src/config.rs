//! Command-line flags (each with its environment variable) and the settings
//! the functions read, with local defaults so that no configuration is needed.

use std::net::IpAddr;

use clap::Parser;
use shared::ConfigError;
use shared::config::Vars;
use shared::mail::{MailSettings, Outbox, Transport};
use shared::runtime::BootError;
use shared::services::Mailing;
use shared::{KeySettings, Services, SigningKey, TokenIssuer, TokenSettings, runtime};

#[derive(Parser, Debug, Clone)]
#[command(name = "local-api", version, about = "Every route of the API on one local HTTP server")]
pub struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 3000)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Use DynamoDB at this URL (e.g. DynamoDB Local) instead of the in-memory
    /// store; the table is created when missing.
    #[arg(long, env = "DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,
    /// The DynamoDB table, with --dynamodb-endpoint.
    #[arg(long = "table", env = "TABLE_NAME", default_value = "jwt-auth-local")]
    pub table: String,
    /// Seconds a client has to send its request headers before the connection is closed.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10)]
    pub header_read_timeout: u64,
}

pub struct Loaded {
    pub tokens: TokenSettings,
    pub services: Services,
    /// No signing key was configured and one was generated for this run.
    pub ephemeral_key: bool,
}

/// The functions' settings from `lookup`, with the local issuer and audience
/// as defaults, and a fresh key when none is configured.
pub fn load(args: &Args, lookup: impl Fn(&str) -> Option<String>) -> Result<Loaded, BootError> {
    let issuer = format!("http://{}:{}", args.host, args.port);
    // Browsers keep passkeys for a domain, never for an IP address: the web
    // app does passkeys when opened as http://localhost.
    let passkey_origin = format!("http://localhost:{}", args.port);
    let vars = Vars::new(|name: &str| {
        lookup(name).or_else(|| match name {
            "JWT_ISSUER" => Some(issuer.clone()),
            "JWT_AUDIENCE" => Some(shared::samples::AUDIENCE.to_string()),
            // Links open the web app local-api serves itself.
            "APP_URL" => Some(issuer.clone()),
            "MAIL_FROM" => Some(LOCAL_SENDER.to_string()),
            "WEBAUTHN_RP_ID" => Some("localhost".to_string()),
            "WEBAUTHN_ORIGINS" => Some(passkey_origin.clone()),
            _ => None,
        })
    });
    let tokens = TokenSettings::from_vars(&vars)?;
    let keys = KeySettings::from_vars(&vars);
    let (signing, ephemeral_key) = match SigningKey::from_settings(tokens.algorithm, &keys)? {
        Some(key) => (key, false),
        None => (SigningKey::generate(tokens.algorithm)?.0, true),
    };
    let verifier = runtime::verifier(&tokens, &keys, Some(&signing))?;
    let mut services =
        Services::from_vars(&vars)?.with_keys(Some(TokenIssuer::new(&tokens, signing)), Some(verifier))?;
    services.mailing = Some(Mailing { settings: MailSettings::from_vars(&vars)?, transport: transport(&vars)? });
    Ok(Loaded { tokens, services, ephemeral_key })
}

/// The sender of local mail, unless `MAIL_FROM` says otherwise.
pub const LOCAL_SENDER: &str = "Accounts <no-reply@jwt-auth.localhost>";

/// `MAIL_TRANSPORT`: `outbox` (the default: kept in memory, shown at
/// `/_outbox`) or `smtp` (`SMTP_URL`, e.g. a local mail catcher).
fn transport<F: Fn(&str) -> Option<String>>(vars: &Vars<F>) -> Result<Transport, BootError> {
    match vars.optional("MAIL_TRANSPORT").as_deref().map(str::trim) {
        None | Some("outbox") => Ok(Transport::Outbox(Outbox::new())),
        Some("smtp") => Transport::smtp(&vars.required("SMTP_URL")?).map_err(|e| BootError::Mail(e.0)),
        Some(_) => {
            let reason = "must be outbox or smtp here (ses is for AWS)".to_string();
            Err(ConfigError::Invalid { var: "MAIL_TRANSPORT", reason }.into())
        }
    }
}

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use local_api::config::{self, Args};
use local_api::{App, server};
use shared::StoreSettings;
use shared::store::dynamo::{self, DynamoStore};
use shared::store::{MemoryStore, Store};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    shared::runtime::init_tracing();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "local-api stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run(mut args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind((args.host, args.port)).await?;
    // With --port 0 the issuer and the links of mail name the port actually bound.
    args.port = listener.local_addr()?.port();
    let loaded = config::load(&args, shared::config::env_lookup)?;
    let algorithm = loaded.tokens.algorithm;
    if loaded.ephemeral_key {
        tracing::warn!(
            ?algorithm,
            "no signing key configured: using an ephemeral key, so tokens stop verifying when local-api stops \
             (cargo run -p local-api --bin keygen makes a lasting one)"
        );
    }
    let url = format!("http://{}", listener.local_addr()?);
    let header_timeout = Duration::from_secs(args.header_read_timeout.max(1));
    match &args.dynamodb_endpoint {
        None => {
            serve(listener, App::new(MemoryStore::new(), &loaded.services), &url, "in-memory", header_timeout).await
        }
        Some(endpoint) => {
            let settings = StoreSettings { table_name: args.table.clone(), endpoint: Some(endpoint.clone()) };
            let store = DynamoStore::connect(&settings).await;
            dynamo::ensure_table(store.client(), &args.table).await?;
            serve(listener, App::new(store, &loaded.services), &url, "dynamodb", header_timeout).await
        }
    }
}

async fn serve<S: Store + Clone>(
    listener: TcpListener,
    app: App<S>,
    url: &str,
    store: &str,
    header_timeout: Duration,
) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(url, store, "local-api listening");
    tokio::select! {
        result = server::serve(listener, Arc::new(app), header_timeout) => result?,
        _ = tokio::signal::ctrl_c() => tracing::info!("local-api stopping"),
    }
    Ok(())
}

//! Prepares a DynamoDB (Local) table for the functions: creates it from the
//! store's one definition when missing and, with `--samples`, adds the sample
//! user and session that the files in `events/` refer to.
//!
//! ```sh
//! cargo run -p local-api --bin seed -- --dynamodb-endpoint http://127.0.0.1:8000 --table jwt-auth-local --samples
//! ```

use clap::Parser;
use shared::store::StoreError;
use shared::store::dynamo::{DynamoStore, ensure_table};
use shared::{PasswordSettings, Passwords, StoreSettings, samples};

#[derive(Parser)]
#[command(name = "seed", about = "Create the DynamoDB table and, optionally, the sample user and session")]
struct Args {
    #[arg(long, env = "DYNAMODB_ENDPOINT")]
    dynamodb_endpoint: String,
    #[arg(long = "table", env = "TABLE_NAME", default_value = "jwt-auth-local")]
    table: String,
    /// Also create the sample user and session that events/ refer to.
    #[arg(long)]
    samples: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let settings = StoreSettings { table_name: args.table.clone(), endpoint: Some(args.dynamodb_endpoint) };
    let store = DynamoStore::connect(&settings).await;
    ensure_table(store.client(), &args.table).await?;
    eprintln!("table {} is ready", args.table);
    if args.samples {
        match samples::seed(&store, &Passwords::new(PasswordSettings::default())?).await {
            Ok(()) => eprintln!("sample user {} created", samples::ADA_EMAIL),
            Err(samples::SeedError::Store(StoreError::EmailTaken)) => eprintln!("sample user already there"),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

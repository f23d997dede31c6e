//! Reads a whole DynamoDB (Local) table and checks that its items hang
//! together: every profile has its email claim and every claim its profile,
//! every session (family) and refresh token belongs to an existing user, and
//! every token to an existing family. Prints a JSON summary; exits 1 when
//! any item is an orphan. `scripts/soak` runs it after its traffic.
//!
//! ```sh
//! cargo run -p local-api --bin audit -- --dynamodb-endpoint http://127.0.0.1:8000 --table jwt-auth-local
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use clap::Parser;
use shared::StoreSettings;
use shared::store::dynamo::DynamoStore;

#[derive(Parser)]
#[command(name = "audit", about = "Check that the items of a table hang together")]
struct Args {
    #[arg(long, env = "DYNAMODB_ENDPOINT")]
    dynamodb_endpoint: String,
    #[arg(long = "table", env = "TABLE_NAME", default_value = "jwt-auth-local")]
    table: String,
}

#[derive(Default)]
struct Items {
    profiles: BTreeSet<String>,
    /// email → user id
    claims: BTreeMap<String, String>,
    /// (user id, family id) → revoked
    families: BTreeMap<(String, String), bool>,
    /// (user id, token id, family id)
    tokens: Vec<(String, String, String)>,
    counters: usize,
    other: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let settings = StoreSettings { table_name: args.table.clone(), endpoint: Some(args.dynamodb_endpoint) };
    let store = DynamoStore::connect(&settings).await;
    let mut items = Items::default();
    let mut start = None;
    loop {
        // Small pages: each call stays well inside the SDK's 3 s operation timeout.
        let scan = store.client().scan().table_name(&args.table).limit(500).set_exclusive_start_key(start);
        let page = match scan.send().await {
            Ok(page) => page,
            Err(err) => {
                eprintln!("audit: scan failed: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&err));
                return ExitCode::FAILURE;
            }
        };
        for item in page.items() {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            let (pk, sk) = (text("pk"), text("sk"));
            match (pk.split_once('#'), sk.split_once('#')) {
                (Some(("USER", user)), None) if sk == "PROFILE" => {
                    items.profiles.insert(user.to_string());
                }
                (Some(("EMAIL", email)), None) => {
                    items.claims.insert(email.to_string(), text("user_id"));
                }
                (Some(("USER", user)), Some(("FAMILY", family))) => {
                    items.families.insert((user.to_string(), family.to_string()), item.contains_key("revoked_at"));
                }
                (Some(("USER", user)), Some(("TOKEN", token))) => {
                    items.tokens.push((user.to_string(), token.to_string(), text("family_id")));
                }
                (Some(("LOGINFAIL" | "SOURCE", _)), None) => items.counters += 1,
                _ if pk == "WARMUP" => {}
                _ => items.other.push(format!("{pk} {sk}")),
            }
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }

    let mut orphans: Vec<String> = items.other.iter().map(|i| format!("unknown item {i}")).collect();
    let claimed: BTreeSet<&String> = items.claims.values().collect();
    orphans.extend(
        items.profiles.iter().filter(|u| !claimed.contains(u)).map(|u| format!("profile {u} without email claim")),
    );
    orphans.extend(
        items
            .claims
            .iter()
            .filter(|(_, u)| !items.profiles.contains(*u))
            .map(|(e, _)| format!("claim {e} without profile")),
    );
    orphans.extend(
        items
            .families
            .keys()
            .filter(|(u, _)| !items.profiles.contains(u))
            .map(|(u, f)| format!("family {u}/{f} without user")),
    );
    orphans.extend(
        items
            .tokens
            .iter()
            .filter(|(u, _, f)| !items.families.contains_key(&(u.clone(), f.clone())))
            .map(|(u, t, _)| format!("token {u}/{t} without family")),
    );
    let live = items.families.values().filter(|revoked| !**revoked).count();
    let summary = serde_json::json!({
        "users": items.profiles.len(),
        "email_claims": items.claims.len(),
        "sessions": items.families.len(),
        "live_sessions": live,
        "refresh_tokens": items.tokens.len(),
        "counters": items.counters,
        "orphans": orphans,
    });
    println!("{summary}");
    if orphans.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

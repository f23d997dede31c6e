//! Reads a whole DynamoDB (Local) table and checks that its items hang
//! together: every profile has its email claim and every claim its profile,
//! every session (family), one-time token, second factor and passkey belongs
//! to an existing user, and every retired token item to an existing family.
//! An item of no kind the table defines is an orphan too. Prints a JSON
//! summary; exits 1 when any item is an orphan. `scripts/soak` runs it after
//! its traffic.
//!
//! ```sh
//! cargo run -p local-api --bin audit -- --dynamodb-endpoint http://127.0.0.1:8000 --table jwt-auth-local
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use clap::Parser;
use shared::StoreSettings;
use shared::store::dynamo::DynamoStore;
use shared::store::{Counter, Purpose, table};

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
    /// Retired refresh tokens (user id, token id, family id): a family item
    /// holds its current token and the one before it; older ones, and every
    /// token of a session stored before that layout, have an item each.
    tokens: Vec<(String, String, String)>,
    /// (user id, what): one-time tokens, TOTP factors, passkeys, second-step tries.
    owned: Vec<(String, &'static str)>,
    ceremonies: usize,
    counters: usize,
    other: Vec<String>,
}

/// What an item is, by its key alone, as `shared::store::table` lays them out.
#[derive(Debug, PartialEq, Eq)]
enum Kind<'a> {
    Profile(&'a str),
    Claim(&'a str),
    Family { user: &'a str, family: &'a str },
    Token { user: &'a str, token: &'a str },
    Owned { user: &'a str, what: &'static str },
    Ceremony,
    Counter,
    Unknown,
}

fn kind<'a>(pk: &'a str, sk: &'a str) -> Kind<'a> {
    if let Some(user) = pk.strip_prefix(table::user_pk("").as_str()) {
        let owned = |what| Kind::Owned { user, what };
        return if sk == table::PROFILE_SK {
            Kind::Profile(user)
        } else if let Some(family) = sk.strip_prefix(table::FAMILY_SK_PREFIX) {
            Kind::Family { user, family }
        } else if let Some(token) = sk.strip_prefix(table::token_sk("").as_str()) {
            Kind::Token { user, token }
        } else if Purpose::ALL.iter().any(|purpose| sk == table::onetime_sk(*purpose)) {
            owned("one-time token")
        } else if sk == table::TOTP_SK {
            owned("TOTP factor")
        } else if sk.starts_with(table::PASSKEY_SK_PREFIX) {
            owned("passkey")
        } else if sk == table::MFA_CODES_SK {
            owned("second-step tries")
        } else {
            Kind::Unknown
        };
    }
    if let Some(email) = pk.strip_prefix(table::email_pk("").as_str()) {
        return if sk == table::EMAIL_SK { Kind::Claim(email) } else { Kind::Unknown };
    }
    if pk.starts_with(table::ceremony_pk("").as_str()) && sk == table::CEREMONY_SK {
        return Kind::Ceremony;
    }
    // Every counter not about a user lives under an address's or a source's partition.
    let partitions = [
        table::address_pk(""),
        table::counter_key(Counter::LoginsFrom("")).0,
        table::counter_key(Counter::SignupsFrom("")).0,
    ];
    if partitions.iter().any(|prefix| pk.starts_with(prefix.as_str())) { Kind::Counter } else { Kind::Unknown }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.dynamodb_endpoint.is_empty() {
        eprintln!("audit: --dynamodb-endpoint (or DYNAMODB_ENDPOINT) is empty");
        return ExitCode::FAILURE;
    }
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
            match kind(&pk, &sk) {
                Kind::Profile(user) => {
                    items.profiles.insert(user.to_string());
                }
                Kind::Claim(email) => {
                    items.claims.insert(email.to_string(), text("user_id"));
                }
                Kind::Family { user, family } => {
                    items.families.insert((user.to_string(), family.to_string()), item.contains_key("revoked_at"));
                }
                Kind::Token { user, token } => {
                    items.tokens.push((user.to_string(), token.to_string(), text("family_id")))
                }
                Kind::Owned { user, what } => items.owned.push((user.to_string(), what)),
                Kind::Ceremony => items.ceremonies += 1,
                Kind::Counter => items.counters += 1,
                Kind::Unknown => items.other.push(format!("{pk} {sk}")),
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
    orphans.extend(
        items
            .owned
            .iter()
            .filter(|(u, _)| !items.profiles.contains(u))
            .map(|(u, what)| format!("{what} of {u} without user")),
    );
    let live = items.families.values().filter(|revoked| !**revoked).count();
    let summary = serde_json::json!({
        "users": items.profiles.len(),
        "email_claims": items.claims.len(),
        "sessions": items.families.len(),
        "live_sessions": live,
        "retired_tokens": items.tokens.len(),
        "user_items": items.owned.len(),
        "ceremonies": items.ceremonies,
        "counters": items.counters,
        "orphans": orphans,
    });
    println!("{summary}");
    if orphans.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_the_table_defines_is_of_a_known_kind_and_names_its_user() {
        let user = table::user_pk("u1");
        assert_eq!(kind(&user, table::PROFILE_SK), Kind::Profile("u1"));
        assert_eq!(kind(&table::email_pk("ada@example.com"), table::EMAIL_SK), Kind::Claim("ada@example.com"));
        assert_eq!(kind(&user, &table::family_sk("f1")), Kind::Family { user: "u1", family: "f1" });
        assert_eq!(kind(&user, &table::token_sk("t1")), Kind::Token { user: "u1", token: "t1" });
        for purpose in Purpose::ALL {
            assert!(matches!(kind(&user, &table::onetime_sk(purpose)), Kind::Owned { user: "u1", .. }), "{purpose:?}");
        }
        assert!(matches!(kind(&user, table::TOTP_SK), Kind::Owned { user: "u1", .. }));
        assert!(matches!(kind(&user, &table::passkey_sk("c1")), Kind::Owned { user: "u1", .. }));
        assert_eq!(kind(&table::ceremony_pk("c1"), table::CEREMONY_SK), Kind::Ceremony);
        let counters = [
            Counter::Email("ada@example.com"),
            Counter::Device { email: "ada@example.com", device: "d1" },
            Counter::Mails { address: "ada@example.com", purpose: "verify", span: 3600 },
            Counter::LoginsFrom("203.0.113.7"),
            Counter::SignupsFrom("203.0.113.7"),
        ];
        for counter in counters {
            let (pk, sk) = table::counter_key(counter);
            assert_eq!(kind(&pk, &sk), Kind::Counter, "{pk} {sk}");
        }
        let (pk, sk) = table::counter_key(Counter::MfaCodes("u1"));
        assert!(matches!(kind(&pk, &sk), Kind::Owned { user: "u1", .. }));
    }

    #[test]
    fn a_key_of_no_kind_the_table_defines_is_unknown() {
        assert_eq!(kind("USER#u1", "SOMETHING"), Kind::Unknown);
        assert_eq!(kind("EMAIL#ada@example.com", "PROFILE"), Kind::Unknown);
        assert_eq!(kind("CEREMONY#c1", "OTHER"), Kind::Unknown);
        assert_eq!(kind("ORDER#1", "ITEM"), Kind::Unknown);
        assert_eq!(kind("SOURCE#OTHER#203.0.113.7", "WINDOW"), Kind::Unknown);
    }
}

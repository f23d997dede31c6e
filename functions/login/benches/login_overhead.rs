//! What a login costs beyond its one argon2id verification (target ≤ 1 ms,
//! in-memory store), measured in pairs of one bare verify and one whole login,
//! taking the median of the per-pair differences: the slow drift of a shared
//! machine (several percent of a 20 ms hash) cancels out, and so does any
//! cost of going first, because every other pair runs in the other order.
//!
//! `cargo bench -p login --bench login_overhead` prints JSON.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use login::{Login, handle};
use serde_json::json;
use shared::Endpoint;
use shared::store::MemoryStore;
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD};
use shared::{Algorithm, Clock, PasswordSettings, Passwords, Services, SystemClock};

const PAIRS: usize = 201;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let passwords = Passwords::new(PasswordSettings::default()).unwrap();
    let phc = runtime.block_on(passwords.hash(ADA_PASSWORD)).unwrap();
    let mut results = serde_json::Map::new();
    for (name, alg) in [("RS256", Algorithm::RS256), ("EdDSA", Algorithm::EdDSA)] {
        let store = MemoryStore::new();
        runtime.block_on(testing::seed_user(&store, &passwords, ADA_EMAIL, ADA_PASSWORD, SystemClock.now()));
        let services =
            Services { passwords: passwords.clone(), ..testing::services_with(alg, None, Arc::new(SystemClock)) };
        let deps = Login::new(store, &services);
        let body = json!({"email": ADA_EMAIL, "password": ADA_PASSWORD});
        let (mut verify_ms, mut login_ms, mut beyond_ms) = (Vec::new(), Vec::new(), Vec::new());
        let time_verify = || {
            let start = Instant::now();
            black_box(runtime.block_on(passwords.verify(ADA_PASSWORD, Some(&phc))).unwrap());
            start.elapsed().as_secs_f64() * 1e3
        };
        let time_login = || {
            let start = Instant::now();
            let response = runtime.block_on(handle(testing::json_post("/login", &body), &deps)).unwrap();
            let elapsed = start.elapsed().as_secs_f64() * 1e3;
            assert_eq!(response.status(), 200);
            elapsed
        };
        for pair in 0..PAIRS {
            let (verify, login) = if pair % 2 == 0 {
                let verify = time_verify();
                (verify, time_login())
            } else {
                let login = time_login();
                (time_verify(), login)
            };
            verify_ms.push(verify);
            login_ms.push(login);
            beyond_ms.push(login - verify);
        }
        results.insert(
            name.into(),
            json!({"pairs": PAIRS, "verify_ms": median(verify_ms), "login_ms": median(login_ms), "beyond_ms": median(beyond_ms)}),
        );
    }
    println!("{}", serde_json::to_string_pretty(&results).unwrap());
}

//! What the second step of a login costs beyond its one TOTP check (target
//! ≤ 1 ms, in-memory store, as for login beyond its argon2id verify),
//! measured in pairs of one bare check (`Authenticator::matching_step` over
//! the ±1-step window) and one whole `/login/mfa`, taking the median of the
//! per-pair differences; every other pair runs in the other order. Each
//! login gets a fresh `mfa_token` (untimed) and the clock moves one step, so
//! every code is a new one.
//!
//! `cargo bench -p login-mfa --bench login_mfa_overhead` prints JSON.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use login_mfa::{LoginMfa, handle};
use serde_json::json;
use shared::store::MemoryStore;
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD};
use shared::{Algorithm, Clock, Endpoint, ManualClock, Services};

const PAIRS: usize = 201;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let mut results = serde_json::Map::new();
    for (name, alg) in [("RS256", Algorithm::RS256), ("EdDSA", Algorithm::EdDSA)] {
        let store = MemoryStore::new();
        let clock = ManualClock::at(testing::clock().now());
        let services: Services = testing::services_with(alg, None, Arc::new(clock.clone()));
        let user =
            runtime.block_on(testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()));
        let (app, _) = runtime.block_on(testing::enable_totp(&store, &user.id, clock.now()));
        let deps = LoginMfa::new(store.clone(), &services);
        let (mut check_ms, mut step_ms, mut beyond_ms) = (Vec::new(), Vec::new(), Vec::new());
        let time_check = |code: &str, now: i64| {
            let start = Instant::now();
            black_box(app.matching_step(black_box(code), now));
            start.elapsed().as_secs_f64() * 1e3
        };
        let time_step = |code: &str| {
            let challenge = runtime.block_on(shared::mfa::challenge(&store, &user.id, clock.now())).unwrap();
            let token = testing::body_json(&challenge)["mfa_token"].clone();
            let request = testing::json_post("/login/mfa", &json!({"mfa_token": token, "code": code}));
            let start = Instant::now();
            let response = runtime.block_on(handle(request, &deps)).unwrap();
            let elapsed = start.elapsed().as_secs_f64() * 1e3;
            assert_eq!(response.status(), 200);
            elapsed
        };
        for pair in 0..PAIRS {
            clock.advance(30);
            let code = testing::totp_code(&app, clock.now());
            let (check, step) = if pair % 2 == 0 {
                let check = time_check(&code, clock.now());
                (check, time_step(&code))
            } else {
                let step = time_step(&code);
                (time_check(&code, clock.now()), step)
            };
            check_ms.push(check);
            step_ms.push(step);
            beyond_ms.push(step - check);
        }
        results.insert(
            name.into(),
            json!({"pairs": PAIRS, "totp_check_ms": median(check_ms), "login_mfa_ms": median(step_ms), "beyond_ms": median(beyond_ms)}),
        );
    }
    println!("{}", serde_json::to_string_pretty(&results).unwrap());
}

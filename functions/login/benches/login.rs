//! A whole login (in-memory store) beside one bare argon2id verify at the same
//! default parameters, in the same run: their difference is what login costs
//! beyond the password hash (target ≤ 1 ms, BENCHMARKS.md).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use login::{Login, handle};
use serde_json::json;
use shared::store::MemoryStore;
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD};
use shared::{Algorithm, Clock, Endpoint, PasswordSettings, Passwords, Services, SystemClock};

/// The services a deployed login has: default argon2id, the real clock.
fn services(algorithm: Algorithm, passwords: &Passwords) -> Services {
    Services { passwords: passwords.clone(), ..testing::services_with(algorithm, None, Arc::new(SystemClock)) }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let passwords = Passwords::new(PasswordSettings::default()).unwrap();
    let phc = runtime.block_on(passwords.hash(ADA_PASSWORD)).unwrap();
    let mut group = c.benchmark_group("login/in_memory");
    group.sample_size(30);
    group.bench_function("bare_argon2id_verify", |b| {
        b.iter(|| runtime.block_on(passwords.verify(black_box(ADA_PASSWORD), Some(&phc))).unwrap())
    });
    for (name, alg) in [("rs256", Algorithm::RS256), ("eddsa", Algorithm::EdDSA)] {
        let store = MemoryStore::new();
        runtime.block_on(testing::seed_user(&store, &passwords, ADA_EMAIL, ADA_PASSWORD, SystemClock.now()));
        let deps = Login::new(store, &services(alg, &passwords));
        let body = json!({"email": ADA_EMAIL, "password": ADA_PASSWORD});
        group.bench_function(format!("login_handler_{name}"), |b| {
            b.iter(|| {
                let response = runtime.block_on(handle(testing::json_post("/login", &body), &deps)).unwrap();
                assert_eq!(response.status(), 200);
            })
        });
    }
    group.finish();
}

/// An unknown email and a wrong password must cost the same: over 50 samples
/// each their medians should differ by less than 10%.
fn timing(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let passwords = Passwords::new(PasswordSettings::default()).unwrap();
    let store = MemoryStore::new();
    runtime.block_on(testing::seed_user(&store, &passwords, ADA_EMAIL, ADA_PASSWORD, SystemClock.now()));
    let mut services = services(Algorithm::RS256, &passwords);
    // No throttling: both paths must stay on their full length for every sample.
    services.throttle.max_failures = u32::MAX;
    services.throttle.source_max_failures = u32::MAX;
    let deps = Login::new(store, &services);
    let mut group = c.benchmark_group("login/timing");
    group.sample_size(50);
    for (name, email) in [("wrong_password", ADA_EMAIL), ("unknown_email", "nobody@example.com")] {
        let body = json!({"email": email, "password": "not the right passphrase"});
        group.bench_function(name, |b| {
            b.iter(|| {
                let response = runtime.block_on(handle(testing::json_post("/login", &body), &deps)).unwrap();
                assert_eq!(response.status(), 400);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench, timing);
criterion_main!(benches);

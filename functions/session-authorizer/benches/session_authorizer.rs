//! The session check's cost in-process, in one run: the stateless decision,
//! the same event answered from the session cache (target ≤ 1.3 ×), and a
//! miss, which adds one read of the in-memory store (against DynamoDB it is
//! one `GetItem`, timed by `scripts/bench` through the real binary).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use session_authorizer::{SessionAuthorizer, authorize};
use shared::store::{MemoryStore, Store, Subject};
use shared::testing;
use shared::{Clock, RefreshToken, SessionCheckSettings, SystemClock};

const ADA: &str = "6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = MemoryStore::new();
    let now = SystemClock.now();
    let record = RefreshToken::first(ADA).record(now, 86_400);
    runtime.block_on(store.create_session(&record)).unwrap();
    let mut services = testing::services_with(shared::Algorithm::RS256, None, Arc::new(SystemClock));
    let issuer = services.signer.as_ref().unwrap().issuer.clone();
    let token = issuer.issue_access(Subject::new(ADA, "ada@example.com"), Some(&record.family_id), "", now).unwrap();
    let event = testing::authorizer_event("http-v2.allow.json", &format!("Bearer {}", token.token));

    let stateless = authorizer::Authorizer::new(&services);
    services.session_check = SessionCheckSettings { enabled: true, cache_seconds: 10 };
    let cached = SessionAuthorizer::new(store.clone(), &services);
    services.session_check.cache_seconds = 0;
    let uncached = SessionAuthorizer::new(store, &services);
    for deps in [&cached, &uncached] {
        assert!(runtime.block_on(authorize(&event, deps)).unwrap().contains("\"isAuthorized\":true"));
    }

    let mut group = c.benchmark_group("session_check/rs256");
    group.bench_function("check_off", |b| b.iter(|| authorizer::authorize(black_box(&event), &stateless).unwrap()));
    group.bench_function("cache_hit", |b| b.iter(|| runtime.block_on(authorize(black_box(&event), &cached)).unwrap()));
    group.bench_function("cache_miss_in_memory_read", |b| {
        b.iter(|| runtime.block_on(authorize(black_box(&event), &uncached)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

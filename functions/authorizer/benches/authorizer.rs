//! The authorizer's whole path in-process (event JSON in, decision JSON out)
//! beside one bare `jsonwebtoken` verification of the same token with the
//! same key, in the same run (target ≤ 1.3 ×, BENCHMARKS.md).

use std::hint::black_box;
use std::sync::Arc;

use authorizer::{Authorizer, DecisionCache, authorize};
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::Validation;
use shared::claims::AccessClaims;
use shared::testing;
use shared::{Algorithm, Clock, SystemClock};

fn bench(c: &mut Criterion) {
    for (name, alg) in [("rs256", Algorithm::RS256), ("eddsa", Algorithm::EdDSA), ("hs256", Algorithm::HS256)] {
        let (issuer, verifier) = testing::tokens(alg, None);
        let now = SystemClock.now();
        let token = issuer
            .issue_access(
                shared::store::Subject::new("6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47", "ada@example.com"),
                None,
                "",
                now,
            )
            .unwrap()
            .token;
        let key = verifier.keys().get(issuer.signing_key().kid()).unwrap().clone();
        let mut validation = Validation::new(alg.jwt());
        validation.set_issuer(&[testing::ISSUER]);
        validation.set_audience(&[testing::AUDIENCE]);
        // Every event verified, as on the first sight of each token; the
        // cached decision is timed on its own.
        let deps =
            Authorizer { cache: DecisionCache::new(0), ..Authorizer::with(verifier.clone(), Arc::new(SystemClock)) };
        let cached = Authorizer::with(verifier.clone(), Arc::new(SystemClock));
        let v2 = testing::authorizer_event("http-v2.allow.json", &format!("Bearer {token}"));
        let rest = testing::authorizer_event("rest-token.allow.json", &format!("Bearer {token}"));
        assert!(authorize(&v2, &deps).unwrap().contains("\"isAuthorized\":true"));

        let mut group = c.benchmark_group(format!("authorizer/{name}"));
        group.bench_function("http_v2_event", |b| b.iter(|| authorize(black_box(&v2), &deps).unwrap()));
        group.bench_function("rest_token_event", |b| b.iter(|| authorize(black_box(&rest), &deps).unwrap()));
        group.bench_function("http_v2_event_cached", |b| b.iter(|| authorize(black_box(&v2), &cached).unwrap()));
        group.bench_function("bare_jsonwebtoken_verify", |b| {
            b.iter(|| jsonwebtoken::decode::<AccessClaims>(black_box(&token), &key, &validation).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

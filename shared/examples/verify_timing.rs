//! Writes the tokens and public keys that `bench/pyjwt_verify.py` verifies with
//! PyJWT, and times the same verifications here the same way: a calibrated
//! loop of about 0.2 s, repeated 7 times, median per operation.
//!
//! `cargo run --release -p shared --example verify_timing -- FIXTURES.json > RESULTS.json`

use std::hint::black_box;
use std::time::Instant;

use jsonwebtoken::Validation;
use serde_json::json;
use shared::claims::AccessClaims;
use shared::testing::{AUDIENCE, ISSUER};
use shared::{Algorithm, Clock, KeySettings, SigningKey, SystemClock, TokenIssuer, TokenVerifier, VerificationKeys};

fn median_ns(mut op: impl FnMut()) -> f64 {
    let mut iterations = 1u64;
    loop {
        let start = Instant::now();
        (0..iterations).for_each(|_| op());
        if start.elapsed().as_secs_f64() > 0.05 {
            break;
        }
        iterations *= 2;
    }
    iterations *= 4;
    let mut samples: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            (0..iterations).for_each(|_| op());
            start.elapsed().as_nanos() as f64 / iterations as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[3]
}

fn main() {
    let fixtures_path = std::env::args().nth(1).expect("usage: verify_timing FIXTURES.json");
    let now = SystemClock.now();
    let mut fixtures = serde_json::Map::new();
    let mut results = serde_json::Map::new();
    for (name, alg) in [("RS256", Algorithm::RS256), ("EdDSA", Algorithm::EdDSA), ("HS256", Algorithm::HS256)] {
        let (key, _) = SigningKey::generate(alg).unwrap();
        let jwk = key.verification_jwk().clone();
        let keys = VerificationKeys::from_settings(alg, &KeySettings::default(), Some(&key)).unwrap();
        let mut settings = shared::testing::token_settings(alg);
        settings.access_ttl = 86_400;
        let verifier = TokenVerifier::new(&settings, keys.clone());
        let token = TokenIssuer::new(&settings, key)
            .issue_access(
                shared::store::Subject::new("6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47", "ada@example.com"),
                None,
                "",
                now,
            )
            .unwrap()
            .token;
        let decoding = keys.get(jwk.common.key_id.as_deref().unwrap()).unwrap().clone();
        let mut validation = Validation::new(alg.jwt());
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = 30;
        fixtures.insert(name.into(), json!({"token": token, "jwk": jwk, "issuer": ISSUER, "audience": AUDIENCE}));
        let shared_ns = median_ns(|| {
            black_box(verifier.verify_access(black_box(&token), now).unwrap());
        });
        let bare_ns = median_ns(|| {
            black_box(jsonwebtoken::decode::<AccessClaims>(black_box(&token), &decoding, &validation).unwrap());
        });
        results.insert(name.into(), json!({"shared_ns": shared_ns, "bare_jsonwebtoken_ns": bare_ns}));
    }
    std::fs::write(&fixtures_path, serde_json::to_string_pretty(&fixtures).unwrap()).unwrap();
    println!("{}", serde_json::to_string_pretty(&results).unwrap());
}

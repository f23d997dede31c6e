//! Token issue/verify per algorithm, each beside a bare `jsonwebtoken` call
//! with the same key and token in the same run (target: verify ≤ 1.1 ×), and
//! argon2id at the default (OWASP) parameters.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Header, Validation};
use shared::claims::{ACCESS_TOKEN_TYP, AccessClaims};
use shared::{
    Algorithm, Clock, KeySettings, PasswordSettings, Passwords, SigningKey, SystemClock, TokenIssuer, TokenSettings,
    TokenVerifier, VerificationKeys,
};

fn settings(algorithm: Algorithm) -> TokenSettings {
    TokenSettings {
        issuer: "https://auth.example.com".into(),
        audience: "example-api".into(),
        algorithm,
        access_ttl: 900,
        leeway: 30,
    }
}

fn tokens(c: &mut Criterion) {
    let now = SystemClock.now();
    for (name, alg) in [("rs256", Algorithm::RS256), ("eddsa", Algorithm::EdDSA), ("hs256", Algorithm::HS256)] {
        let (key, material) = SigningKey::generate(alg).unwrap();
        let keys = VerificationKeys::from_settings(alg, &KeySettings::default(), Some(&key)).unwrap();
        let s = settings(alg);
        let verifier = TokenVerifier::new(&s, keys.clone());
        let issuer = TokenIssuer::new(&s, key);
        let token = issuer
            .issue_access(
                shared::store::Subject::new("5b0a2f5e-2b1c-4d25-9a51-6f3c0e0b7d11", "ada@example.com"),
                None,
                "",
                now,
            )
            .unwrap();

        // The bare baseline: the same decoding key, the same checks jsonwebtoken can do itself.
        let kid = issuer.signing_key().kid().to_string();
        let decoding = keys.get(&kid).unwrap().clone();
        let mut validation = Validation::new(alg.jwt());
        validation.set_issuer(&[&s.issuer]);
        validation.set_audience(&[&s.audience]);
        validation.leeway = s.leeway;
        let encoding = match alg {
            Algorithm::HS256 => {
                use base64::Engine;
                let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(material.expose()).unwrap();
                jsonwebtoken::EncodingKey::from_secret(&secret)
            }
            Algorithm::EdDSA => jsonwebtoken::EncodingKey::from_ed_pem(material.expose().as_bytes()).unwrap(),
            Algorithm::RS256 => jsonwebtoken::EncodingKey::from_rsa_pem(material.expose().as_bytes()).unwrap(),
        };
        let mut header = Header::new(alg.jwt());
        header.typ = Some(ACCESS_TOKEN_TYP.into());
        header.kid = Some(kid);

        let mut group = c.benchmark_group(format!("verify/{name}"));
        group.bench_function("shared", |b| b.iter(|| verifier.verify_access(black_box(&token.token), now).unwrap()));
        group.bench_function("bare_jsonwebtoken", |b| {
            b.iter(|| jsonwebtoken::decode::<AccessClaims>(black_box(&token.token), &decoding, &validation).unwrap())
        });
        group.finish();

        let mut group = c.benchmark_group(format!("issue/{name}"));
        group.bench_function("shared", |b| {
            b.iter(|| {
                issuer
                    .issue_access(shared::store::Subject::new(black_box("5b0a2f5e"), "ada@example.com"), None, "", now)
                    .unwrap()
            })
        });
        group.bench_function("bare_jsonwebtoken", |b| {
            b.iter(|| jsonwebtoken::encode(&header, black_box(&token.claims), &encoding).unwrap())
        });
        group.finish();
    }
}

fn argon2id(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let passwords = Passwords::new(PasswordSettings::default()).unwrap();
    let password = "correct horse battery staple";
    let phc = runtime.block_on(passwords.hash(password)).unwrap();
    let mut group = c.benchmark_group("argon2id/default");
    group.sample_size(20);
    group.bench_function("hash", |b| b.iter(|| runtime.block_on(passwords.hash(black_box(password))).unwrap()));
    group.bench_function("verify", |b| {
        b.iter(|| runtime.block_on(passwords.verify(black_box(password), Some(&phc))).unwrap())
    });
    group.bench_function("verify_unknown_user", |b| {
        b.iter(|| runtime.block_on(passwords.verify(black_box(password), None)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, tokens, argon2id);
criterion_main!(benches);

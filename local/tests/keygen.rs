//! The key tool's output is read back by the functions' own configuration.

use std::collections::HashMap;
use std::process::Command;

use shared::config::Vars;
use shared::{KeySettings, SigningKey, TokenSettings};

fn generate(algorithm: &str) -> HashMap<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_keygen")).args(["--algorithm", algorithm]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

#[test]
fn every_algorithm_round_trips_through_the_configuration() {
    for algorithm in ["RS256", "EdDSA", "HS256"] {
        let mut env = generate(algorithm);
        env.insert("JWT_ISSUER".into(), "http://127.0.0.1:3000".into());
        env.insert("JWT_AUDIENCE".into(), "jwt-auth-local".into());
        let vars = Vars::new(|k: &str| env.get(k).cloned());
        let tokens = TokenSettings::from_vars(&vars).unwrap();
        let keys = KeySettings::from_vars(&vars);
        let signing = SigningKey::from_settings(tokens.algorithm, &keys).unwrap().expect("a signing key");
        // A verifier given only the public JWKS accepts what the key signs.
        let public_only = KeySettings { signing_key: None, ..keys };
        let verifier = shared::runtime::verifier(&tokens, &public_only, None);
        let issuer = shared::TokenIssuer::new(&tokens, signing);
        let token =
            issuer.issue_access(shared::store::Subject::new("u", "a@b.co"), None, "", 1_800_000_000).unwrap().token;
        match algorithm {
            // An HS256 secret is never published, so the JWKS alone cannot verify.
            "HS256" => assert!(verifier.is_err(), "{algorithm}"),
            _ => assert!(verifier.unwrap().verify_access(&token, 1_800_000_000).is_ok(), "{algorithm}"),
        }
    }
}

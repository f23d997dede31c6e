//! Token verification on arbitrary input: never a panic, and nothing that is
//! not a token signed by the key can verify.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::testing::forge::{HS256, NOW, RS256};

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    for kit in [&*RS256, &*HS256] {
        assert!(kit.verifier.verify_access(&token, NOW).is_err());
        assert!(kit.verifier.verify_refresh(&token, NOW).is_err());
        let _ = kit.verifier.verify_refresh_ignoring_expiry(&token, NOW);
    }
});

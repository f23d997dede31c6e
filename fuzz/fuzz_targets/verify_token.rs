//! Token parsing on arbitrary input: never a panic; nothing that is not an
//! access token signed by the key verifies, and a refresh token parses only
//! from exactly its own text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::RefreshToken;
use shared::testing::forge::{HS256, NOW, RS256};

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    for kit in [&*RS256, &*HS256] {
        assert!(kit.verifier.verify_access(&token, NOW).is_err());
    }
    if let Ok(refresh) = RefreshToken::parse(&token) {
        assert_eq!(refresh.encode(), token);
    }
});

//! The authorizer on arbitrary event JSON: never a panic, never an allow
//! without a token signed by the key.
#![no_main]

use std::sync::LazyLock;

use authorizer::{Authorizer, authorize};
use libfuzzer_sys::fuzz_target;
use shared::testing::forge::{NOW, RS256};
use shared::{ManualClock, Services, testing};

static DEPS: LazyLock<Authorizer> = LazyLock::new(|| {
    let services = Services { verifier: Some(RS256.verifier.clone()), ..testing::services(&ManualClock::at(NOW)) };
    Authorizer::new(&services)
});

fuzz_target!(|data: &[u8]| {
    let Ok(event) = std::str::from_utf8(data) else { return };
    if let Ok(answer) = authorize(event, &DEPS) {
        let answer: serde_json::Value = serde_json::from_str(&answer).expect("the answer is JSON");
        assert_ne!(answer["isAuthorized"], true);
        assert_ne!(answer["policyDocument"]["Statement"][0]["Effect"], "Allow");
    }
});

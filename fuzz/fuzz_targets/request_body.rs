//! Request bodies on arbitrary bytes, through the real parsers of the login
//! and refresh functions (JSON and OAuth2 forms) and email normalisation:
//! every outcome is a value or a 4xx error, never a panic.
#![no_main]

use lambda_http::http::Method;
use libfuzzer_sys::fuzz_target;
use shared::testing::request;

const CONTENT_TYPES: [&str; 4] =
    ["application/json", "application/x-www-form-urlencoded", "application/json; charset=utf-8", "text/plain"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    let make = || request(Method::POST, "/login", Some(content_type), lambda_http::Body::Binary(body.to_vec()));
    match login::credentials(&make()) {
        Ok((email, _)) => {
            let _ = shared::normalize_email(&email);
        }
        Err(err) => assert!(err.status().is_client_error(), "{err:?}"),
    }
    if let Err(err) = refresh::presented_token(&make()) {
        assert!(err.status().is_client_error(), "{err:?}");
    }
});

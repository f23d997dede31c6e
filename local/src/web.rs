//! The reference web app (`web/`), built into the binary so that
//! `cargo run -p local-api` serves it with nothing else installed. Pages get
//! a strict Content-Security-Policy: scripts, styles and requests from this
//! origin only, so the app makes no request off it.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// `(path, media type, content)` of every file.
const FILES: [(&str, &str, &str); 11] = [
    ("/", HTML, include_str!("../../web/index.html")),
    ("/verify-email", HTML, include_str!("../../web/verify-email.html")),
    ("/confirm-email", HTML, include_str!("../../web/confirm-email.html")),
    ("/forgot-password", HTML, include_str!("../../web/forgot-password.html")),
    ("/reset-password", HTML, include_str!("../../web/reset-password.html")),
    ("/app.js", JS, include_str!("../../web/app.js")),
    ("/api.js", JS, include_str!("../../web/api.js")),
    ("/ui.js", JS, include_str!("../../web/ui.js")),
    ("/flows.js", JS, include_str!("../../web/flows.js")),
    ("/passkeys.js", JS, include_str!("../../web/passkeys.js")),
    ("/style.css", CSS, include_str!("../../web/style.css")),
];

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The file at `path`, for a GET.
pub fn file(path: &str) -> Option<Response<Full<Bytes>>> {
    let (_, content_type, body) = FILES.iter().find(|(p, _, _)| *p == path)?;
    Some(page(content_type, Bytes::from_static(body.as_bytes())))
}

pub fn page(content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert("content-security-policy", HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    // Served from memory: always current, and cheap to ask again.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

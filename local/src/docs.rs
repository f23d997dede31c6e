//! `/docs`: Swagger UI over `openapi.yaml`. Its files are the pinned npm
//! `swagger-ui-dist` that `scripts/node-tools` installs (scripts/node's lock
//! file), read from disk and never committed; without them the page says how
//! to install them.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;

use crate::web;

pub const PATH: &str = "/docs";
const DIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../.local/node/node_modules/swagger-ui-dist");

/// The UI's own files, by name, and their media types.
const FILES: [(&str, &str); 4] = [
    ("swagger-ui.css", "text/css; charset=utf-8"),
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    ("oauth2-redirect.html", "text/html; charset=utf-8"),
    ("favicon-32x32.png", "image/png"),
];

const MISSING: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>API docs</title>\
    <link rel=\"stylesheet\" href=\"/style.css\"></head><body><h1>API docs</h1>\
    <p>The documentation viewer is not installed. Run <code>scripts/node-tools</code> (it installs the pinned \
    <code>swagger-ui-dist</code>), then reload. The contract itself is <a href=\"/openapi.json\">/openapi.json</a>.</p>\
    </body></html>";

/// Swagger UI sets styles inline: the one relaxation of the web app's policy.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn file(path: &str) -> Option<Response<Full<Bytes>>> {
    let installed = std::path::Path::new(DIST).join("swagger-ui-bundle.js").exists();
    let mut response = if path == PATH {
        let body = if installed { include_str!("../../web/docs.html") } else { MISSING };
        web::page("text/html; charset=utf-8", Bytes::from_static(body.as_bytes()))
    } else if path == "/docs.js" {
        web::page("text/javascript; charset=utf-8", Bytes::from_static(include_str!("../../web/docs.js").as_bytes()))
    } else {
        let name = path.strip_prefix("/docs/")?;
        let (_, content_type) = FILES.iter().find(|(file, _)| *file == name)?;
        let body = std::fs::read(std::path::Path::new(DIST).join(name)).ok()?;
        web::page(content_type, Bytes::from(body))
    };
    if let Ok(policy) = hyper::header::HeaderValue::from_str(POLICY) {
        response.headers_mut().insert("content-security-policy", policy);
    }
    Some(response)
}

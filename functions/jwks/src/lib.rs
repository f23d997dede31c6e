//! `GET /.well-known/jwks.json`: the public keys that verify tokens, rendered
//! once at init. Shared HS256 secrets are never published.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use shared::response::{JSON_CONTENT_TYPE, text_response};
use shared::services::Mail;
use shared::{Keys, Needs, Services, VerificationKeys};

pub const NEEDS: Needs = Needs { keys: Keys::Verify, store: &[], connections: 0, mail: Mail::None, other_actions: &[] };

pub struct Jwks {
    body: String,
}

impl Jwks {
    pub fn new(services: &Services) -> Self {
        Self::from_keys(services.verifier().keys())
    }

    pub fn from_keys(keys: &VerificationKeys) -> Self {
        Self { body: serde_json::to_string(keys.public_jwks()).unwrap_or_else(|_| "{\"keys\":[]}".into()) }
    }
}

pub async fn handle(_req: Request, deps: &Jwks) -> Result<Response<Body>, lambda_http::Error> {
    let mut response = text_response(StatusCode::OK, JSON_CONTENT_TYPE, deps.body.clone());
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=600"));
    Ok(response)
}

#[cfg(test)]
mod tests;

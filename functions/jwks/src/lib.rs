//! `GET /.well-known/jwks.json`: the public keys that verify tokens, rendered
//! once at init. Shared HS256 secrets are never published.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use shared::endpoint::Endpoint;
use shared::response::{JSON_CONTENT_TYPE, text_response};
use shared::routes::Function;
use shared::{Keys, Needs, Services, VerificationKeys};

pub struct Jwks {
    body: String,
}

impl<S> Endpoint<S> for Jwks {
    const FUNCTION: Function = Function::Jwks;
    const NEEDS: Needs = Needs { keys: Keys::Verify, ..Needs::NOTHING };

    /// Takes the store like every function, and never calls it.
    fn new(_store: S, services: &Services) -> Self {
        Self::from_keys(services.verifier().keys())
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

impl Jwks {
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

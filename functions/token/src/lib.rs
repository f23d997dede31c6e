//! `POST /token`: the OAuth 2.0 token endpoint that discovery names
//! (`openapi.yaml`, `/token`). A form's `grant_type` picks the grant:
//! `password` is `/login`'s and `refresh_token` is `/refresh`'s, served by
//! their own code, with their throttling, rotation and reuse detection, so a
//! stock OAuth client that logs in and refreshes at one endpoint (RFC 6749
//! §4.3 and §6) gets exactly what `/login` and `/refresh` give.

use lambda_http::{Body, Request, Response};
use login::Login;
use refresh::Refresh;
use serde::Deserialize;
use shared::endpoint::Endpoint;
use shared::request::{Accepts, RequestBody, parse_form, read_body};
use shared::routes::Function;
use shared::store::{Op, Store};
use shared::{ApiError, Needs, Services};

/// What `/login` and `/refresh` call, together: the grants are theirs.
const STORE: [Op; login::NEEDS.store.len() + refresh::NEEDS.store.len()] =
    Op::both(login::NEEDS.store, refresh::NEEDS.store);

pub struct Token<S> {
    pub login: Login<S>,
    pub refresh: Refresh<S>,
}

impl<S: Store + Clone> Endpoint<S> for Token<S> {
    const FUNCTION: Function = Function::Token;
    const NEEDS: Needs = Needs {
        store: &STORE,
        connections: if login::NEEDS.connections > refresh::NEEDS.connections {
            login::NEEDS.connections
        } else {
            refresh::NEEDS.connections
        },
        ..login::NEEDS
    };

    fn new(store: S, services: &Services) -> Self {
        Self { login: Login::new(store.clone(), services), refresh: Refresh::new(store, services) }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

/// RFC 6749 §4.3.2 and §6: the grant; the rest of the form is the grant's.
#[derive(Deserialize)]
struct Grant {
    grant_type: Option<String>,
}

const GRANTS: &str = "password or refresh_token";

pub async fn handle<S: Store>(req: Request, deps: &Token<S>) -> Result<Response<Body>, lambda_http::Error> {
    match grant(&req) {
        Ok(Served::Password) => login::handle(req, &deps.login).await,
        Ok(Served::RefreshToken) => refresh::handle(req, &deps.refresh).await,
        Err(err) => Ok(err.into_response()),
    }
}

enum Served {
    Password,
    RefreshToken,
}

fn grant(req: &Request) -> Result<Served, ApiError> {
    let RequestBody::Form(bytes) = read_body(req, Accepts::Form)? else {
        return Err(ApiError::UnsupportedMediaType("application/x-www-form-urlencoded"));
    };
    match parse_form::<Grant>(bytes)?.grant_type.as_deref() {
        None => Err(ApiError::invalid_request("grant_type is required")),
        Some("password") => Ok(Served::Password),
        Some("refresh_token") => Ok(Served::RefreshToken),
        Some(_) => Err(ApiError::UnsupportedGrantType(GRANTS)),
    }
}

#[cfg(test)]
mod tests;

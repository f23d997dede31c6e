//! Every function's handler with its dependencies, built once from one set
//! of services, and the one place that says how local-api calls each.

use authorizer::Authorizer;
use jwks::Jwks;
use lambda_http::{Body, Request, Response};
use login::Login;
use logout::Logout;
use me::Me;
use refresh::Refresh;
use shared::Services;
use shared::routes::Function;
use shared::store::Store;
use signup::Signup;

pub struct App<S> {
    pub signup: Signup<S>,
    pub login: Login<S>,
    pub refresh: Refresh<S>,
    pub logout: Logout<S>,
    pub me: Me<S>,
    pub jwks: Jwks,
    pub authorizer: Authorizer,
    /// `openapi.yaml` as JSON, for `/openapi.json`.
    pub openapi: String,
}

impl<S: Store + Clone> App<S> {
    pub fn new(store: S, services: &Services) -> Self {
        Self {
            signup: Signup::new(store.clone(), services),
            login: Login::new(store.clone(), services),
            refresh: Refresh::new(store.clone(), services),
            logout: Logout::new(store.clone(), services),
            me: Me::new(store, services),
            jwks: Jwks::new(services),
            authorizer: Authorizer::new(services),
            openapi: crate::openapi::json(),
        }
    }

    /// Calls the same handler the function's Lambda binary calls.
    pub async fn invoke(&self, function: Function, request: Request) -> Response<Body> {
        let result = match function {
            Function::Signup => signup::handle(request, &self.signup).await,
            Function::Login => login::handle(request, &self.login).await,
            Function::Refresh => refresh::handle(request, &self.refresh).await,
            Function::Logout => logout::handle(request, &self.logout).await,
            Function::Me => me::handle(request, &self.me).await,
            Function::Jwks => jwks::handle(request, &self.jwks).await,
        };
        // The handlers map every error to a response; this arm is unreachable in practice.
        result.unwrap_or_else(|_| shared::ApiError::Internal.into_response())
    }
}

/// What each function declares it uses, for the checks against `template.yaml`.
pub fn needs(function: Function) -> &'static shared::Needs {
    match function {
        Function::Signup => &signup::NEEDS,
        Function::Login => &login::NEEDS,
        Function::Refresh => &refresh::NEEDS,
        Function::Logout => &logout::NEEDS,
        Function::Me => &me::NEEDS,
        Function::Jwks => &jwks::NEEDS,
    }
}

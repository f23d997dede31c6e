//! Every function's handler with its dependencies, built once.

use std::sync::Arc;

use authorizer::Authorizer;
use jwks::Jwks;
use lambda_http::{Body, Request, Response};
use login::Login;
use logout::Logout;
use me::Me;
use refresh::Refresh;
use shared::store::Store;
use shared::{Clock, Passwords, ThrottleSettings, TokenIssuer, TokenSettings, TokenVerifier};
use signup::Signup;

use crate::routes::Function;

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

pub struct Parts {
    pub tokens: TokenSettings,
    pub issuer: TokenIssuer,
    pub verifier: TokenVerifier,
    pub passwords: Passwords,
    pub throttle: ThrottleSettings,
    pub clock: Arc<dyn Clock>,
}

impl<S: Store + Clone> App<S> {
    pub fn new(store: S, parts: Parts) -> Self {
        let Parts { tokens, issuer, verifier, passwords, throttle, clock } = parts;
        let (issuer, verifier) = (Arc::new(issuer), Arc::new(verifier));
        Self {
            signup: Signup {
                store: store.clone(),
                issuer: issuer.clone(),
                passwords: passwords.clone(),
                clock: clock.clone(),
            },
            login: Login { store: store.clone(), issuer: issuer.clone(), passwords, throttle, clock: clock.clone() },
            refresh: Refresh { store: store.clone(), issuer, grace: tokens.refresh_grace, clock: clock.clone() },
            logout: Logout { store: store.clone(), clock: clock.clone() },
            me: Me { store, verifier: verifier.clone(), clock: clock.clone() },
            jwks: Jwks::new(verifier.keys()),
            authorizer: Authorizer { verifier, clock },
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

//! One routed Lambda function, declared once: which route-table function it
//! is, what it needs (from which its IAM policy, environment, Lambda size and
//! `shared` features follow), how it is built from the shared services, and
//! its handler. The Lambda binary (`runtime::serve`), local-api and the
//! deployment generator all take a function through this one trait.

use std::future::Future;

use lambda_http::{Body, Request, Response};

use crate::routes::Function;
use crate::services::{Needs, Services};

/// A routed function over the store `S`. Functions that never call the
/// store implement it for every `S` and ignore the one they are given.
pub trait Endpoint<S>: Sized + Send + Sync + 'static {
    /// Its row in the route table (`routes::Function`), and so its name.
    const FUNCTION: Function;
    const NEEDS: Needs;

    fn new(store: S, services: &Services) -> Self;

    /// Answers one request. Every error is already a response here; the
    /// `Result` is `lambda_http`'s handler shape.
    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send;
}

/// The `main` of a routed function's binary: `shared::lambda_main!(me::Me<_>);`.
/// A function that needs no AWS SDK at all (no store, no mail, no secret)
/// says so, and its binary links none of it: `shared::lambda_main!(jwks::Jwks; no_aws);`.
#[macro_export]
macro_rules! lambda_main {
    ($endpoint:ty) => {
        fn main() -> Result<(), $crate::runtime::Error> {
            $crate::runtime::serve::<$endpoint>()
        }
    };
    ($endpoint:ty; no_aws) => {
        fn main() -> Result<(), $crate::runtime::Error> {
            $crate::runtime::serve_without_aws::<$endpoint>()
        }
    };
}

//! The smallest function `lambda_runtime` runs: every event answered with
//! `{}`, no tracing, no keys. `bench/authorizer_peers.py` starts it beside the
//! authorizer, as the floor any Rust Lambda's init starts from.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: LambdaEvent<Value>| async { Ok::<_, Error>(Value::Object(Default::default())) })).await
}

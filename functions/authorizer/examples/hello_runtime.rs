//! The smallest function `lambda_runtime` runs: every event answered with
//! `{}`, no tracing, no keys, on the current-thread runtime the functions use.
//! `bench/authorizer_peers.py` starts it beside the authorizer, as the floor
//! any Rust Lambda's init and warm event start from.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: LambdaEvent<Value>| async { Ok::<_, Error>(Value::Object(Default::default())) })).await
}

//! `hello_runtime` on tokio's default multi-thread runtime (plain
//! `#[tokio::main]`, as most examples write it): the warm-loop profile in
//! `bench/warm_loop.py` sets the two side by side.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_: LambdaEvent<Value>| async { Ok::<_, Error>(Value::Object(Default::default())) })).await
}

use std::sync::Arc;

use authorizer::Authorizer;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::value::RawValue;
use shared::{KeySettings, SystemClock, TokenSettings, runtime};

#[tokio::main]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let tokens = TokenSettings::from_env()?;
    let verifier = Arc::new(runtime::verifier(&tokens, &KeySettings::from_env(), None)?);
    let deps = Authorizer { verifier, clock: Arc::new(SystemClock) };
    run(service_fn(|event: LambdaEvent<Box<RawValue>>| authorizer::handle(event, &deps))).await
}

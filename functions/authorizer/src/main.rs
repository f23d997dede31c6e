use authorizer::{Authorizer, NEEDS};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::value::RawValue;
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let deps = Authorizer::new(&runtime::services(&NEEDS)?);
    run(service_fn(|event: LambdaEvent<Box<RawValue>>| authorizer::handle(event, &deps))).await
}

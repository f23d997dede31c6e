use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::value::RawValue;
use session_authorizer::{NEEDS, SessionAuthorizer};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = SessionAuthorizer::checked(store, &services);
    run(service_fn(|event: LambdaEvent<Box<RawValue>>| session_authorizer::handle(event, &deps))).await
}

use keys::aws::{Https, SecretsManager};
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::runtime::init_tracing();
    let sdk = shared::aws::sdk_config(None).await;
    let vault = SecretsManager(aws_sdk_secretsmanager::Client::new(&sdk));
    let responder = Https::new()?;
    run(service_fn(|event: LambdaEvent<keys::Request>| keys::handle(event, &vault, &responder))).await
}

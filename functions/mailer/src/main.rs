use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use mailer::{Mailer, NEEDS};
use shared::mail::MailJob;
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = Mailer::new(store, &services);
    run(service_fn(|event: LambdaEvent<MailJob>| mailer::handle(event, &deps))).await
}

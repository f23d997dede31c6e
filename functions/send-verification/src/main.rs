use lambda_http::{Error, run, service_fn};
use send_verification::{NEEDS, SendVerification};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = SendVerification::new(store, &services);
    run(service_fn(|req| send_verification::handle(req, &deps))).await
}

use lambda_http::{Error, run, service_fn};
use shared::runtime;
use verify_email::{NEEDS, VerifyEmail};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = VerifyEmail::new(store, &services);
    run(service_fn(|req| verify_email::handle(req, &deps))).await
}

use enroll_totp::{EnrollTotp, NEEDS};
use lambda_http::{Error, run, service_fn};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = EnrollTotp::new(store, &services);
    run(service_fn(|req| enroll_totp::handle(req, &deps))).await
}

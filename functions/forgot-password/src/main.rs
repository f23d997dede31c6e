use forgot_password::{ForgotPassword, NEEDS};
use lambda_http::{Error, run, service_fn};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = ForgotPassword::new(store, &services);
    run(service_fn(|req| forgot_password::handle(req, &deps))).await
}

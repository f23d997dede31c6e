use lambda_http::{Error, run, service_fn};
use reset_password::{NEEDS, ResetPassword};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = ResetPassword::new(store, &services);
    run(service_fn(|req| reset_password::handle(req, &deps))).await
}

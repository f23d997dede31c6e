use change_password::{ChangePassword, NEEDS};
use lambda_http::{Error, run, service_fn};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = ChangePassword::new(store, &services);
    run(service_fn(|req| change_password::handle(req, &deps))).await
}

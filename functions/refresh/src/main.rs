use lambda_http::{Error, run, service_fn};
use refresh::{NEEDS, Refresh};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = Refresh::new(store, &services);
    run(service_fn(|req| refresh::handle(req, &deps))).await
}

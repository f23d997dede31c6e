use lambda_http::{Error, run, service_fn};
use me::{Me, NEEDS};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = Me::new(store, &services);
    run(service_fn(|req| me::handle(req, &deps))).await
}

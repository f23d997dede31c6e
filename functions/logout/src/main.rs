use lambda_http::{Error, run, service_fn};
use logout::{Logout, NEEDS};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = Logout::new(store, &services);
    run(service_fn(|req| logout::handle(req, &deps))).await
}

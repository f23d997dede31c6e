use lambda_http::{Error, run, service_fn};
use login::{Login, NEEDS};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = Login::new(store, &services);
    run(service_fn(|req| login::handle(req, &deps))).await
}

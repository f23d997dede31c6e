use lambda_http::{Error, run, service_fn};
use list_passkeys::{ListPasskeys, NEEDS};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = ListPasskeys::new(store, &services);
    run(service_fn(|req| list_passkeys::handle(req, &deps))).await
}

use lambda_http::{Error, run, service_fn};
use remove_totp::{NEEDS, RemoveTotp};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = RemoveTotp::new(store, &services);
    run(service_fn(|req| remove_totp::handle(req, &deps))).await
}

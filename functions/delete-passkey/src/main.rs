use delete_passkey::{DeletePasskey, NEEDS};
use lambda_http::{Error, run, service_fn};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = DeletePasskey::new(store, &services);
    run(service_fn(|req| delete_passkey::handle(req, &deps))).await
}

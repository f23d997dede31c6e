use finish_passkey_login::{FinishPasskeyLogin, NEEDS};
use lambda_http::{Error, run, service_fn};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = FinishPasskeyLogin::new(store, &services);
    run(service_fn(|req| finish_passkey_login::handle(req, &deps))).await
}

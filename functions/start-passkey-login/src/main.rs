use lambda_http::{Error, run, service_fn};
use shared::runtime;
use start_passkey_login::{NEEDS, StartPasskeyLogin};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = StartPasskeyLogin::new(store, &services);
    run(service_fn(|req| start_passkey_login::handle(req, &deps))).await
}

use lambda_http::{Error, run, service_fn};
use login_mfa::{LoginMfa, NEEDS};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = LoginMfa::new(store, &services);
    run(service_fn(|req| login_mfa::handle(req, &deps))).await
}

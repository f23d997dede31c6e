use end_session::{EndSession, NEEDS};
use lambda_http::{Error, run, service_fn};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = EndSession::new(store, &services);
    run(service_fn(|req| end_session::handle(req, &deps))).await
}

use lambda_http::{Error, run, service_fn};
use list_sessions::{ListSessions, NEEDS};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = ListSessions::new(store, &services);
    run(service_fn(|req| list_sessions::handle(req, &deps))).await
}

use lambda_http::{Error, run, service_fn};
use shared::runtime;
use signup::{NEEDS, Signup};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (services, store) = runtime::boot(&NEEDS).await?;
    let deps = Signup::new(store, &services);
    run(service_fn(|req| signup::handle(req, &deps))).await
}

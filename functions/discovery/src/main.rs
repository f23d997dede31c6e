use discovery::{Discovery, NEEDS};
use lambda_http::{Error, run, service_fn};
use shared::runtime;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let deps = Discovery::new(&runtime::services(&NEEDS)?);
    run(service_fn(|req| discovery::handle(req, &deps))).await
}

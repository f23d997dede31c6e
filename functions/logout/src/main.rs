use std::sync::Arc;

use lambda_http::{Error, run, service_fn};
use logout::Logout;
use shared::{StoreSettings, SystemClock, runtime};

#[tokio::main]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let (_, store) = runtime::dynamo_store(StoreSettings::from_env()?).await;
    // The token and its family are read at once.
    store.warm_up(2).await;
    let deps = Logout { store, clock: Arc::new(SystemClock) };
    run(service_fn(|req| logout::handle(req, &deps))).await
}

use std::sync::Arc;

use lambda_http::{Error, run, service_fn};
use me::Me;
use shared::{KeySettings, StoreSettings, SystemClock, TokenSettings, runtime};

#[tokio::main]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let tokens = TokenSettings::from_env()?;
    let verifier = Arc::new(runtime::verifier(&tokens, &KeySettings::from_env(), None)?);
    let (_, store) = runtime::dynamo_store(StoreSettings::from_env()?).await;
    store.warm_up(1).await;
    let deps = Me { store, verifier, clock: Arc::new(SystemClock) };
    run(service_fn(|req| me::handle(req, &deps))).await
}

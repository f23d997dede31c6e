use std::sync::Arc;

use lambda_http::{Error, run, service_fn};
use refresh::Refresh;
use shared::{KeySettings, StoreSettings, SystemClock, TokenIssuer, TokenSettings, runtime};

#[tokio::main]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let tokens = TokenSettings::from_env()?;
    let keys = KeySettings::from_env();
    let (sdk, store) = runtime::dynamo_store(StoreSettings::from_env()?).await;
    // Rotation reads the token and its family while the profile is read: three calls at once.
    let (key, ()) = tokio::join!(runtime::signing_key(tokens.algorithm, &keys, &sdk), store.warm_up(3));
    let issuer = Arc::new(TokenIssuer::new(&tokens, key?));
    let deps = Refresh { store, issuer, grace: tokens.refresh_grace, clock: Arc::new(SystemClock) };
    run(service_fn(|req| refresh::handle(req, &deps))).await
}

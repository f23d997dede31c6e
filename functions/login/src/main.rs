use std::sync::Arc;

use lambda_http::{Error, run, service_fn};
use login::Login;
use shared::{
    KeySettings, PasswordSettings, Passwords, StoreSettings, SystemClock, ThrottleSettings, TokenIssuer, TokenSettings,
    runtime,
};

#[tokio::main]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let tokens = TokenSettings::from_env()?;
    let passwords = Passwords::new(PasswordSettings::from_env()?)?;
    let throttle = ThrottleSettings::from_env()?;
    let keys = KeySettings::from_env();
    let (sdk, store) = runtime::dynamo_store(StoreSettings::from_env()?).await;
    let (key, ()) = tokio::join!(runtime::signing_key(tokens.algorithm, &keys, &sdk), store.warm_up(1));
    let issuer = Arc::new(TokenIssuer::new(&tokens, key?));
    let deps = Login { store, issuer, passwords, throttle, clock: Arc::new(SystemClock) };
    run(service_fn(|req| login::handle(req, &deps))).await
}

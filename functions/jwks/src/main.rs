use jwks::Jwks;
use lambda_http::{Error, run, service_fn};
use shared::{KeySettings, TokenSettings, runtime};

#[tokio::main]
async fn main() -> Result<(), Error> {
    runtime::init_tracing();
    let tokens = TokenSettings::from_env()?;
    let verifier = runtime::verifier(&tokens, &KeySettings::from_env(), None)?;
    let deps = Jwks::new(verifier.keys());
    run(service_fn(|req| jwks::handle(req, &deps))).await
}

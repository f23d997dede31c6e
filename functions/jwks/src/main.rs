shared::lambda_main!(jwks::Jwks; no_aws);

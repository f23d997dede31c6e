shared::lambda_main!(discovery::Discovery; no_aws);

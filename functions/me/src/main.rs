shared::lambda_main!(me::Me<_>);

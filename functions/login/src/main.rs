shared::lambda_main!(login::Login<_>);

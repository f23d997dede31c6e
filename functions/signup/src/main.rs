shared::lambda_main!(signup::Signup<_>);

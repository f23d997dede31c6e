shared::lambda_main!(logout::Logout<_>);

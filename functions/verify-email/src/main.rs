shared::lambda_main!(verify_email::VerifyEmail<_>);

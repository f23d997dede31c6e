shared::lambda_main!(forgot_password::ForgotPassword);

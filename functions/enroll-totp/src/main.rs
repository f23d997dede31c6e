shared::lambda_main!(enroll_totp::EnrollTotp<_>);

shared::lambda_main!(login_mfa::LoginMfa<_>);

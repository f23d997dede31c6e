shared::lambda_main!(finish_passkey_login::FinishPasskeyLogin<_>);

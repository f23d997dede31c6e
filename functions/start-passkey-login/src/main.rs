shared::lambda_main!(start_passkey_login::StartPasskeyLogin<_>);

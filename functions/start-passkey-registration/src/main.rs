shared::lambda_main!(start_passkey_registration::StartPasskeyRegistration<_>);

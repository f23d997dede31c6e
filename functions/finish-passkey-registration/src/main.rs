shared::lambda_main!(finish_passkey_registration::FinishPasskeyRegistration<_>);

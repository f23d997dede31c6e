shared::lambda_main!(delete_passkey::DeletePasskey<_>);

shared::lambda_main!(list_passkeys::ListPasskeys<_>);

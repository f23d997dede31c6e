shared::lambda_main!(confirm_totp::ConfirmTotp<_>);

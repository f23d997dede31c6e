shared::lambda_main!(remove_totp::RemoveTotp<_>);

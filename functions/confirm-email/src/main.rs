shared::lambda_main!(confirm_email::ConfirmEmail<_>);

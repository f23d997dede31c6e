shared::lambda_main!(change_email::ChangeEmail<_>);

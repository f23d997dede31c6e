shared::lambda_main!(change_password::ChangePassword<_>);

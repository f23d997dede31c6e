shared::lambda_main!(reset_password::ResetPassword<_>);

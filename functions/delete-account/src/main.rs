shared::lambda_main!(delete_account::DeleteAccount<_>);

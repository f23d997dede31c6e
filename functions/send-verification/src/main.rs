shared::lambda_main!(send_verification::SendVerification);

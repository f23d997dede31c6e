shared::lambda_main!(end_session::EndSession<_>);

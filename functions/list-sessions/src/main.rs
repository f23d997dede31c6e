shared::lambda_main!(list_sessions::ListSessions<_>);

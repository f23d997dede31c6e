shared::lambda_main!(refresh::Refresh<_>);

shared::lambda_main!(token::Token<_>);

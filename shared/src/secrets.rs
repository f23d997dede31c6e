//! Reading the signing key from AWS Secrets Manager.

use crate::config::Secret;

pub async fn read_secret(sdk: &aws_config::SdkConfig, secret_id: &str) -> Result<Secret, String> {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let out = client.get_secret_value().secret_id(secret_id).send().await.map_err(|e| {
        use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
        e.code().unwrap_or("request failed").to_string()
    })?;
    out.secret_string.map(Secret::new).ok_or_else(|| "the secret has no string value".into())
}

//! The production `Vault` (Secrets Manager) and `Responder` (HTTPS PUT).

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use shared::Secret;

use crate::{Responder, Vault};

pub struct SecretsManager(pub Client);

impl SecretsManager {
    async fn stage(&self, secret_id: &str, stage: &str) -> Result<Option<Secret>, String> {
        match self.0.get_secret_value().secret_id(secret_id).version_stage(stage).send().await {
            Ok(out) => Ok(out.secret_string.map(Secret::new)),
            // A new secret has no value yet, and no previous one until the first rotation.
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(format!("GetSecretValue {stage}: {}", e.code().unwrap_or("request failed"))),
        }
    }
}

impl Vault for SecretsManager {
    async fn versions(&self, secret_id: &str) -> Result<(Option<Secret>, Option<Secret>), String> {
        Ok((self.stage(secret_id, "AWSCURRENT").await?, self.stage(secret_id, "AWSPREVIOUS").await?))
    }

    async fn put(&self, secret_id: &str, value: &Secret) -> Result<(), String> {
        self.0
            .put_secret_value()
            .secret_id(secret_id)
            .secret_string(value.expose())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("PutSecretValue: {}", e.code().unwrap_or("request failed")))
    }
}

/// PUTs the response document; HTTPS with the system's roots (and plain HTTP for tests).
pub struct Https(HttpClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>);

impl Https {
    pub fn new() -> Result<Self, String> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| e.to_string())?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self(HttpClient::builder(TokioExecutor::new()).build(connector)))
    }
}

impl Responder for Https {
    async fn put(&self, url: &str, body: String) -> Result<(), String> {
        // The pre-signed URL signs no content type, so none is sent.
        let request = hyper::Request::put(url)
            .header(hyper::header::CONTENT_LENGTH, body.len())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let response = self.0.request(request).await.map_err(|e| format!("response URL: {e}"))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("response URL answered {}", response.status()))
        }
    }
}

//! The AWS SDK configuration, loaded once per cold start and shared by every client.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};

/// The roots of Amazon Trust Services, which issue the certificates of every
/// AWS service endpoint (<https://www.amazontrust.com/repository/>).
const AMAZON_ROOTS: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// Short explicit timeouts, so a dead endpoint costs seconds rather than the
/// Lambda's whole timeout, and the SDK's standard retries for throttling and
/// transient errors. `endpoint` is a custom one such as DynamoDB Local's: it
/// accepts any credentials and region, so none are asked of the developer.
pub async fn sdk_config(endpoint: Option<&str>) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(3))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    match endpoint {
        None => {
            let client = aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .tls_context(amazon_roots_only())
                .build_https();
            loader = loader.http_client(client);
        }
        // Plain HTTP needs no trust store at all.
        Some(url) if url.starts_with("http://") => {
            loader = loader.http_client(aws_smithy_http_client::Builder::new().build_http());
        }
        // A custom HTTPS endpoint keeps the SDK's default client and the system roots.
        Some(_) => {}
    }
    if endpoint.is_some() {
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            loader = loader
                .credentials_provider(aws_credential_types::Credentials::new("local", "local", None, None, "local"));
        }
        if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none() {
            loader = loader.region(aws_config::Region::new("us-east-1"));
        }
    }
    loader.load().await
}

/// AWS endpoints are checked against the Amazon roots built into the binary
/// instead of the system store: loading the system store reads and parses
/// every root certificate on disk during each cold start (4–5 ms here), for
/// endpoints that only ever present Amazon-issued chains.
fn amazon_roots_only() -> TlsContext {
    let trust = TrustStore::empty().with_pem_certificate(AMAZON_ROOTS);
    TlsContext::builder().with_trust_store(trust).build().expect("a trust store of PEM roots always builds")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_built_in_roots_are_the_five_amazon_trust_services_certificates() {
        let pem = std::str::from_utf8(super::AMAZON_ROOTS).unwrap();
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        assert_eq!(pem.matches("-----END CERTIFICATE-----").count(), 5);
    }

    #[test]
    fn a_connector_trusting_only_the_amazon_roots_builds() {
        use super::*;
        // Building the connector parses every root and panics on one that does not parse.
        let _ = aws_smithy_http_client::Connector::builder()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(amazon_roots_only())
            .build();
    }
}

//! Every file in `events/jwks/` goes through the handler and gets the status its name declares.

use jwks::*;
use shared::{Algorithm, testing};

#[tokio::test]
async fn every_sample_event_gets_its_declared_status() {
    for event in testing::sample_events("jwks") {
        let (_, verifier) = testing::tokens(Algorithm::RS256, Some(&testing::sample_jwks()));
        let deps = Jwks::new(verifier.keys());
        let request = lambda_http::request::from_str(&event.json).expect("an API Gateway event");
        let response = handle(request, &deps).await.expect("a response");
        assert_eq!(response.status().as_u16().to_string(), event.expected, "{}", event.path.display());
    }
}

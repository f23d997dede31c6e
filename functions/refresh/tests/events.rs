//! Every file in `events/refresh/` goes through the handler and gets the status its name declares.

use std::sync::Arc;

use refresh::*;
use shared::{Algorithm, SystemClock, testing};

#[tokio::test]
async fn every_sample_event_gets_its_declared_status() {
    for event in testing::sample_events("refresh") {
        let (issuer, _) = testing::tokens(Algorithm::RS256, Some(&testing::sample_jwks()));
        let deps = Refresh { store: testing::sample_store().await, issuer, grace: 10, clock: Arc::new(SystemClock) };
        let request = lambda_http::request::from_str(&event.json).expect("an API Gateway event");
        let response = handle(request, &deps).await.expect("a response");
        assert_eq!(response.status().as_u16().to_string(), event.expected, "{}", event.path.display());
    }
}

//! Every file in `events/logout/` goes through the handler and gets the status its name declares.

use std::sync::Arc;

use logout::*;
use shared::{SystemClock, testing};

#[tokio::test]
async fn every_sample_event_gets_its_declared_status() {
    for event in testing::sample_events("logout") {
        let deps = Logout { store: testing::sample_store().await, clock: Arc::new(SystemClock) };
        let request = lambda_http::request::from_str(&event.json).expect("an API Gateway event");
        let response = handle(request, &deps).await.expect("a response");
        assert_eq!(response.status().as_u16().to_string(), event.expected, "{}", event.path.display());
    }
}

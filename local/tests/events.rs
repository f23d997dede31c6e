//! Every file in `events/<function>/`, for every function of the route
//! table, goes through that function's handler as its Lambda binary would get
//! it, and gets the status its name declares; the store operations it used
//! are among those the function declares in its `NEEDS`. A routed function
//! without sample events fails here, naming its folder.

use std::collections::BTreeSet;

use local_api::App;
use local_api::app::needs;
use shared::routes::{Function, ROUTES};
use shared::testing;

#[tokio::test]
async fn every_sample_event_of_every_routed_function_gets_its_declared_status() {
    let services = testing::sample_services();
    let functions: BTreeSet<Function> = ROUTES.iter().map(|r| r.function).collect();
    for function in functions {
        let declared: BTreeSet<_> = needs(function).store.iter().copied().collect();
        for event in testing::sample_events(function.name()) {
            let store = testing::sample_store().await;
            store.take_operations_used();
            let app = App::new(store.clone(), &services);
            let request = lambda_http::request::from_str(&event.json).expect("an API Gateway event");
            let response = app.invoke(function, request).await;
            let path = event.path.display();
            assert_eq!(response.status().as_u16().to_string(), event.expected, "{path}");
            let undeclared: Vec<_> = store.take_operations_used().difference(&declared).copied().collect();
            assert!(undeclared.is_empty(), "{path}: {function:?} calls {undeclared:?}, missing from its NEEDS");
        }
    }
}

//! Creating the table from its one definition, for tests and local runs.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
};

use super::super::table::{PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};

#[cfg(any(test, feature = "testing"))]
use super::DynamoStore;
#[cfg(any(test, feature = "testing"))]
use crate::config::StoreSettings;
use crate::store::StoreError;

fn build_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn admin_unavailable<E: std::error::Error + 'static, R: std::fmt::Debug>(
    what: &str,
    err: &SdkError<E, R>,
) -> StoreError {
    StoreError::Unavailable(format!("{what}: {}", DisplayErrorContext(err)))
}

/// Creates the table (on-demand, with TTL) unless it exists.
pub async fn ensure_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let attribute =
        |name: &str| AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build();
    let key = |name: &str, key_type| KeySchemaElement::builder().attribute_name(name).key_type(key_type).build();
    let created = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(PARTITION_KEY).map_err(build_error)?)
        .attribute_definitions(attribute(SORT_KEY).map_err(build_error)?)
        .key_schema(key(PARTITION_KEY, KeyType::Hash).map_err(build_error)?)
        .key_schema(key(SORT_KEY, KeyType::Range).map_err(build_error)?)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => return Ok(()),
        Err(err) => return Err(admin_unavailable("create_table", &err)),
    }
    let ttl =
        TimeToLiveSpecification::builder().attribute_name(TTL_ATTRIBUTE).enabled(true).build().map_err(build_error)?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(ttl)
        .send()
        .await
        .map_err(|e| admin_unavailable("update_time_to_live", &e))?;
    Ok(())
}

/// The one gate of every DynamoDB Local test: its endpoint, or `None` with
/// the reason printed when `DYNAMODB_ENDPOINT` is unset. `./scripts/test`
/// sets `REQUIRE_DYNAMODB=1`, which turns a missing endpoint into a failure.
#[cfg(any(test, feature = "testing"))]
pub fn local_endpoint() -> Option<String> {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|e| !e.is_empty());
    if endpoint.is_none() {
        assert!(
            std::env::var_os("REQUIRE_DYNAMODB").is_none(),
            "REQUIRE_DYNAMODB is set but DYNAMODB_ENDPOINT is not: start DynamoDB Local (scripts/dynamodb-local)"
        );
        eprintln!("skipped: DYNAMODB_ENDPOINT is not set (./scripts/test starts DynamoDB Local and sets it)");
    }
    endpoint
}

/// A store on a fresh table named `<prefix>-<random>` at `endpoint`.
#[cfg(any(test, feature = "testing"))]
pub async fn fresh_table(endpoint: &str, prefix: &str) -> DynamoStore {
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    let settings = StoreSettings { table_name: table.clone(), endpoint: Some(endpoint.to_string()) };
    let store = DynamoStore::connect(&settings).await;
    ensure_table(store.client(), &table).await.expect("DynamoDB Local must accept CreateTable");
    store
}

/// A store on a fresh table in DynamoDB Local for one test (see `local_endpoint`).
#[cfg(any(test, feature = "testing"))]
pub async fn test_store() -> Option<DynamoStore> {
    Some(fresh_table(&local_endpoint()?, "test").await)
}

//! DynamoDB read and write units per call of every endpoint, measured: each
//! success event of `events/` goes through its function, on a freshly seeded
//! table of DynamoDB Local, behind a loopback proxy that asks every call for
//! `ReturnConsumedCapacity: TOTAL` and adds up what comes back. A
//! transaction counts as DynamoDB bills it, two units per item (DynamoDB
//! Local's own figure for one is not per item), whether it commits or is
//! cancelled; a write refused by its condition returns no figure but is
//! billed: it counts one unit.
//! The mailer's work is its own function's: jobs are recorded, not sent.
//!
//! `DYNAMODB_ENDPOINT=http://127.0.0.1:8000 cargo run -p local-api --example units` prints JSON.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use local_api::App;
use serde_json::{Value, json};
use shared::routes::{Function, ROUTES};
use shared::store::dynamo::{DynamoStore, fresh_table};
use shared::{StoreSettings, testing};

/// Units and calls since the last `take`.
#[derive(Default, Clone, Debug)]
struct Meter {
    reads: f64,
    /// Reads that asked for strong consistency.
    consistent: u32,
    writes: f64,
    calls: BTreeMap<String, u32>,
}

const READS: [&str; 4] = ["GetItem", "Query", "Scan", "TransactGetItems"];

fn units_in(response: &Value) -> f64 {
    let one = |c: &Value| c["CapacityUnits"].as_f64().unwrap_or(0.0);
    match &response["ConsumedCapacity"] {
        Value::Array(all) => all.iter().map(one).sum(),
        Value::Object(_) => one(&response["ConsumedCapacity"]),
        _ => 0.0,
    }
}

/// The items of a transaction.
fn items_in(request: &Value) -> f64 {
    request["TransactItems"].as_array().map_or(1.0, |items| items.len() as f64)
}

async fn forward(
    req: Request<Incoming>,
    meter: &Mutex<Meter>,
    client: &Client<HttpConnector, Full<Bytes>>,
    upstream: &str,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let operation = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split('.').nth(1))
        .unwrap_or_default()
        .to_string();
    let (mut parts, body) = req.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    let mut request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if request.is_object() && operation != "CreateTable" && operation != "DescribeTable" {
        request["ReturnConsumedCapacity"] = json!("TOTAL");
    }
    let body = Bytes::from(serde_json::to_vec(&request).map_err(std::io::Error::other)?);
    parts.headers.insert("content-length", body.len().into());
    parts.uri = format!("{upstream}{}", parts.uri.path()).parse().map_err(std::io::Error::other)?;
    let response = client.request(Request::from_parts(parts, Full::new(body))).await.map_err(std::io::Error::other)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // DynamoDB bills a transaction two units per item (of up to 1 KB, as all
    // of this table's are); DynamoDB Local's figure for one is not per item.
    let refused = answer["__type"].as_str().is_some_and(|t| t.contains("ConditionalCheckFailed"));
    let units = if operation.starts_with("Transact") {
        2.0 * items_in(&request)
    } else if refused {
        1.0
    } else {
        units_in(&answer)
    };
    {
        let mut m = meter.lock().unwrap();
        if READS.contains(&operation.as_str()) {
            m.reads += units;
            m.consistent += u32::from(request["ConsistentRead"] == json!(true));
        } else {
            m.writes += units;
        }
        *m.calls.entry(operation).or_default() += 1;
    }
    Ok(Response::from_parts(parts, Full::new(body)))
}

async fn proxy(upstream: &str) -> (String, Arc<Mutex<Meter>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let meter = Arc::new(Mutex::new(Meter::default()));
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let (kept, upstream) = (meter.clone(), upstream.to_string());
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (meter, client, upstream) = (kept.clone(), client.clone(), upstream.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let (meter, client, upstream) = (meter.clone(), client.clone(), upstream.clone());
                    async move { forward(req, &meter, &client, &upstream).await }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    (endpoint, meter)
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT: DynamoDB Local's URL");
    let (through, meter) = proxy(&endpoint).await;
    let services = testing::sample_services();
    let passwords = testing::cheap_passwords();
    let functions: std::collections::BTreeSet<Function> = ROUTES.iter().map(|r| r.function).collect();
    let mut results = serde_json::Map::new();
    for function in functions {
        let mut per_event = serde_json::Map::new();
        for event in testing::sample_events(function.name()).into_iter().filter(|e| e.expected.starts_with('2')) {
            let direct = fresh_table(&endpoint, "units").await;
            shared::samples::seed(&direct, &passwords).await.expect("seed the samples");
            let settings = StoreSettings { table_name: direct.table().to_string(), endpoint: Some(through.clone()) };
            let app = App::without_mailer(DynamoStore::connect(&settings).await, &services);
            std::mem::take(&mut *meter.lock().unwrap());
            let request = lambda_http::request::from_str(&event.json).expect("an API Gateway event");
            let status = app.invoke(function, request).await.status();
            let used = std::mem::take(&mut *meter.lock().unwrap());
            let name = event.path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            assert_eq!(status.as_u16().to_string(), event.expected, "{name}");
            per_event.insert(name, json!({"reads": used.reads, "consistent_reads": used.consistent, "writes": used.writes, "calls": used.calls}));
        }
        if function == Function::Refresh {
            let (name, used) = later_refresh(&endpoint, &through, &meter, &services, &passwords).await;
            per_event.insert(name, used);
        }
        if !per_event.is_empty() {
            results.insert(function.name().to_string(), Value::Object(per_event));
        }
    }
    println!("{}", serde_json::to_string_pretty(&results).unwrap());
}

/// A session's first refresh has no predecessor to displace; every later one
/// does (and writes it an item of its own): the refresh of the sample event's
/// successor, metered alone.
async fn later_refresh(
    endpoint: &str,
    through: &str,
    meter: &Mutex<Meter>,
    services: &shared::Services,
    passwords: &shared::Passwords,
) -> (String, Value) {
    let event = testing::sample_events("refresh").into_iter().find(|e| e.expected == "200").expect("a refresh event");
    let direct = fresh_table(endpoint, "units").await;
    shared::samples::seed(&direct, passwords).await.expect("seed the samples");
    let settings = StoreSettings { table_name: direct.table().to_string(), endpoint: Some(through.to_string()) };
    let app = App::without_mailer(DynamoStore::connect(&settings).await, services);
    let request = lambda_http::request::from_str(&event.json).expect("an API Gateway event");
    let first = app.invoke(Function::Refresh, request).await;
    let answer: Value = serde_json::from_slice(first.body().as_ref()).expect("a TOKENS body");
    let (presented, successor) =
        (shared::samples::REFRESH_TOKEN, answer["refresh_token"].as_str().expect("a successor"));
    let request = lambda_http::request::from_str(&event.json.replace(presented, successor)).expect("an event");
    std::mem::take(&mut *meter.lock().unwrap());
    let status = app.invoke(Function::Refresh, request).await.status();
    let used = std::mem::take(&mut *meter.lock().unwrap());
    assert_eq!(status.as_u16(), 200, "the successor refreshes");
    (
        "a-later-refresh.200".into(),
        json!({"reads": used.reads, "consistent_reads": used.consistent, "writes": used.writes, "calls": used.calls}),
    )
}

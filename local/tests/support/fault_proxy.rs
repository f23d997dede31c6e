//! A loopback proxy in front of DynamoDB Local that injects the failures
//! DynamoDB can produce, on every operation or on one (by `X-Amz-Target`).
//! A fault is injected before the request is forwarded, so the failed call
//! itself has written nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `ProvisionedThroughputExceededException`, as when a table is throttled.
    Throttle,
    /// `InternalServerError` with status 500.
    ServerError,
    /// The connection closes without an answer.
    Drop,
    /// No answer for longer than the SDK's timeouts.
    Delay,
    /// `TransactionCanceledException` (a conflicting transaction) on transactions.
    CancelTransactions,
}

pub const ALL: [Fault; 5] = [Fault::Throttle, Fault::ServerError, Fault::Drop, Fault::Delay, Fault::CancelTransactions];

#[derive(Default)]
struct State {
    fault: Option<Fault>,
    /// Only this operation (e.g. "TransactWriteItems"), or every one.
    operation: Option<&'static str>,
}

#[derive(Clone)]
pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

fn amz_error(status: StatusCode, kind: &str, extra: &str) -> Response<Full<Bytes>> {
    let body = format!(
        r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{kind}","message":"injected by the fault proxy"{extra}}}"#
    );
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-errortype", kind)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

impl FaultProxy {
    pub async fn start(upstream: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let proxy = Self { endpoint, state: Arc::default() };
        let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let (state, upstream) = (proxy.state.clone(), upstream.to_string());
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (state, client, upstream) = (state.clone(), client.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let (state, client, upstream) = (state.clone(), client.clone(), upstream.clone());
                        async move { handle(req, &state, &client, &upstream).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        proxy
    }

    pub fn inject(&self, fault: Fault, operation: Option<&'static str>) {
        *self.state.lock().unwrap() = State { fault: Some(fault), operation };
    }

    pub fn heal(&self) {
        *self.state.lock().unwrap() = State::default();
    }
}

async fn handle(
    req: Request<Incoming>,
    state: &Mutex<State>,
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
    let fault = {
        let s = state.lock().unwrap();
        s.fault.filter(|_| s.operation.is_none_or(|o| o == operation))
    };
    match fault {
        Some(Fault::Throttle) => {
            return Ok(amz_error(StatusCode::BAD_REQUEST, "ProvisionedThroughputExceededException", ""));
        }
        Some(Fault::ServerError) => return Ok(amz_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", "")),
        Some(Fault::Drop) => return Err(std::io::Error::other("connection dropped by the fault proxy")),
        Some(Fault::Delay) => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            return Err(std::io::Error::other("too late"));
        }
        Some(Fault::CancelTransactions) if operation == "TransactWriteItems" => {
            let reasons = r#","CancellationReasons":[{"Code":"TransactionConflict","Message":"injected"}]"#;
            return Ok(amz_error(StatusCode::BAD_REQUEST, "TransactionCanceledException", reasons));
        }
        _ => {}
    }
    let (mut parts, body) = req.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    parts.uri = format!("{upstream}{}", parts.uri.path()).parse().unwrap();
    let response = client.request(Request::from_parts(parts, Full::new(body))).await.map_err(std::io::Error::other)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}

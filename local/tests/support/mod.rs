//! Starts the real `local-api` binary on a free loopback port and talks HTTP to it.

#![allow(dead_code)]

pub mod fault_proxy;
pub mod maildev;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub struct Server {
    child: Child,
    pub url: String,
    client: Client<HttpConnector, Full<Bytes>>,
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_string()
    }
}

impl Server {
    /// Starts `local-api --port 0` with `args` and `env`, and waits for its
    /// "listening" log line to learn the URL.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_local-api"));
        command.args(["--port", "0"]).args(args).stdout(Stdio::piped()).stderr(Stdio::inherit());
        // The store is the test's choice (`--dynamodb-endpoint` in `args`), never
        // an endpoint that happens to be in the environment (./scripts/test exports one).
        command.env_remove("DYNAMODB_ENDPOINT").env_remove("TABLE_NAME");
        // Cheap argon2 keeps the suite fast; cost is measured by the benches.
        command.env("ARGON2_MEMORY_KIB", "8192").env("ARGON2_ITERATIONS", "1");
        // Every test client is one loopback address; the tests of per-address
        // limits set these themselves.
        command.env("SIGNUP_SOURCE_MAX", "100000").env("LOGIN_SOURCE_MAX_FAILURES", "100000");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("local-api starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let parsed: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                if parsed["fields"]["message"] == "local-api listening" {
                    let _ = tx.send(parsed["fields"]["url"].as_str().unwrap_or_default().to_string());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(60)).expect("local-api logs the URL it listens on");
        let client = Client::builder(TokioExecutor::new()).build_http();
        Self { child, url, client, logs }
    }

    /// Every line local-api has logged so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    pub async fn send(&self, method: Method, path: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
        let mut request = Request::builder().method(method).uri(format!("{}{}", self.url, path));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let response =
            self.client.request(request.body(Full::new(body.into())).unwrap()).await.expect("HTTP round trip");
        let (parts, body) = response.into_parts();
        Reply { status: parts.status, headers: parts.headers, body: body.collect().await.unwrap().to_bytes() }
    }

    /// A JSON POST from another loopback address (127.0.0.2, …), as a
    /// different client would send it.
    pub async fn post_from(
        &self,
        source: std::net::IpAddr,
        path: &str,
        json: Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut connector = HttpConnector::new();
        connector.set_local_address(Some(source));
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
        let mut request = Request::builder().method(Method::POST).uri(format!("{}{}", self.url, path));
        for (k, v) in [("content-type", "application/json")].iter().chain(headers) {
            request = request.header(*k, *v);
        }
        let response = client.request(request.body(Full::new(json.to_string().into())).unwrap()).await.expect("HTTP");
        let (parts, body) = response.into_parts();
        Reply { status: parts.status, headers: parts.headers, body: body.collect().await.unwrap().to_bytes() }
    }

    pub async fn post(&self, path: &str, json: Value) -> Reply {
        self.send(Method::POST, path, &[("content-type", "application/json")], json.to_string()).await
    }

    pub async fn form(&self, path: &str, body: &str) -> Reply {
        self.send(Method::POST, path, &[("content-type", "application/x-www-form-urlencoded")], body.to_string()).await
    }

    pub async fn get(&self, path: &str, authorization: Option<&str>) -> Reply {
        match authorization {
            Some(a) => self.send(Method::GET, path, &[("authorization", a)], Bytes::new()).await,
            None => self.send(Method::GET, path, &[], Bytes::new()).await,
        }
    }
}

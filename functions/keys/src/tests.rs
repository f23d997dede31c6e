use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use shared::{KeySettings, Secret, SigningKey, TokenIssuer, VerificationKeys};

use super::*;
use crate::aws::Https;

/// Secrets Manager's staging labels: the last value is AWSCURRENT, the one before AWSPREVIOUS.
#[derive(Default)]
struct MemoryVault {
    versions: Mutex<Vec<Secret>>,
    broken: bool,
}

impl Vault for MemoryVault {
    async fn versions(&self, _: &str) -> Result<(Option<Secret>, Option<Secret>), String> {
        if self.broken {
            return Err("GetSecretValue: AccessDeniedException".into());
        }
        let v = self.versions.lock().unwrap();
        Ok((v.last().cloned(), v.len().checked_sub(2).map(|i| v[i].clone())))
    }
    async fn put(&self, _: &str, value: &Secret) -> Result<(), String> {
        self.versions.lock().unwrap().push(value.clone());
        Ok(())
    }
}

/// A loopback stand-in for CloudFormation's pre-signed response URL.
struct ResponseUrl {
    url: String,
    bodies: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn response_url() -> ResponseUrl {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cloudformation-response", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let seen = seen.clone();
                    async move {
                        let method = req.method().to_string();
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        seen.lock().unwrap().push((method, serde_json::from_slice(&body).unwrap()));
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::new())))
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    ResponseUrl { url, bodies }
}

const SECRET: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-auth-signing-key-AbCdEf";

fn event(kind: &str, url: &str, props: Value, old: Option<Value>) -> LambdaEvent<Request> {
    let mut e = json!({
        "RequestType": kind,
        "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:keys",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/jwt-auth/1",
        "RequestId": "req-1",
        "ResourceType": "Custom::SigningKey",
        "LogicalResourceId": "SigningKey",
        "ResourceProperties": props,
    });
    if kind != "Create" {
        e["PhysicalResourceId"] = json!(format!("{SECRET}/signing-key"));
    }
    if let Some(old) = old {
        e["OldResourceProperties"] = old;
    }
    LambdaEvent::new(serde_json::from_value(e).unwrap(), lambda_runtime::Context::default())
}

fn props(algorithm: &str, rotation: &str) -> Value {
    json!({"ServiceToken": "x", "SecretArn": SECRET, "Algorithm": algorithm, "Rotation": rotation})
}

async fn run(vault: &MemoryVault, url: &ResponseUrl, e: LambdaEvent<Request>) -> Value {
    handle(e, vault, &Https::new().unwrap()).await.unwrap();
    let (method, body) = url.bodies.lock().unwrap().pop().expect("CloudFormation was answered");
    assert_eq!(method, "PUT");
    body
}

fn kids(answer: &Value) -> Vec<String> {
    let jwks: Value = serde_json::from_str(answer["Data"]["Jwks"].as_str().unwrap()).unwrap();
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn create_generates_a_key_and_publishes_only_its_public_half() {
    let (vault, url) = (MemoryVault::default(), response_url().await);
    let answer = run(&vault, &url, event("Create", &url.url, props("RS256", "1"), None)).await;
    assert_eq!(answer["Status"], "SUCCESS");
    assert_eq!(
        (answer["RequestId"].clone(), answer["LogicalResourceId"].clone()),
        (json!("req-1"), json!("SigningKey"))
    );
    assert_eq!(answer["PhysicalResourceId"], format!("{SECRET}/signing-key"));
    let stored = vault.versions.lock().unwrap().last().cloned().unwrap();
    let key = SigningKey::from_material(shared::Algorithm::RS256, stored.expose()).unwrap();
    assert_eq!(answer["Data"]["Kid"], key.kid());
    assert_eq!(answer["Data"]["SecretArn"], SECRET);
    assert_eq!(kids(&answer), vec![key.kid().to_string()]);
    let jwks = answer["Data"]["Jwks"].as_str().unwrap();
    assert!(!jwks.contains("\"d\"") && !jwks.contains("PRIVATE"), "public keys only");
}

#[tokio::test]
async fn rotation_publishes_the_new_and_the_previous_key_so_old_tokens_still_verify() {
    let (vault, url) = (MemoryVault::default(), response_url().await);
    let created = run(&vault, &url, event("Create", &url.url, props("RS256", "1"), None)).await;
    let old_material = vault.versions.lock().unwrap().last().cloned().unwrap();
    let settings = shared::testing::token_settings(shared::Algorithm::RS256);
    let old_issuer = TokenIssuer::new(
        &settings,
        SigningKey::from_material(shared::Algorithm::RS256, old_material.expose()).unwrap(),
    );
    let old_token = old_issuer
        .issue_access(shared::store::Subject::new("user-1", "a@b.co"), None, "", 1_800_000_000)
        .unwrap()
        .token;

    let rotated = run(&vault, &url, event("Update", &url.url, props("RS256", "2"), Some(props("RS256", "1")))).await;
    assert_eq!(rotated["Status"], "SUCCESS");
    assert_ne!(rotated["Data"]["Kid"], created["Data"]["Kid"]);
    assert_eq!(
        kids(&rotated),
        vec![
            rotated["Data"]["Kid"].as_str().unwrap().to_string(),
            created["Data"]["Kid"].as_str().unwrap().to_string()
        ]
    );

    let jwks = rotated["Data"]["Jwks"].as_str().unwrap().to_string();
    let keys = VerificationKeys::from_settings(
        shared::Algorithm::RS256,
        &KeySettings { verify_keys: Some(jwks), ..KeySettings::default() },
        None,
    )
    .unwrap();
    assert!(shared::TokenVerifier::new(&settings, keys).verify_access(&old_token, 1_800_000_000).is_ok());

    let unchanged = run(&vault, &url, event("Update", &url.url, props("RS256", "2"), Some(props("RS256", "2")))).await;
    assert_eq!(kids(&unchanged), kids(&rotated), "an update without rotation keeps both keys");
    assert_eq!(vault.versions.lock().unwrap().len(), 2, "and generates nothing");
}

#[tokio::test]
async fn an_algorithm_change_drops_keys_that_cannot_verify_any_more() {
    let (vault, url) = (MemoryVault::default(), response_url().await);
    run(&vault, &url, event("Create", &url.url, props("RS256", "1"), None)).await;
    let changed = run(&vault, &url, event("Update", &url.url, props("EdDSA", "1"), Some(props("RS256", "1")))).await;
    assert_eq!(changed["Status"], "SUCCESS");
    assert_eq!(kids(&changed).len(), 1);
    assert!(changed["Data"]["Jwks"].as_str().unwrap().contains("\"OKP\""));
}

#[tokio::test]
async fn delete_succeeds_and_leaves_the_secret_to_cloudformation() {
    let (vault, url) = (MemoryVault::default(), response_url().await);
    let answer = run(&vault, &url, event("Delete", &url.url, props("RS256", "1"), None)).await;
    assert_eq!(answer["Status"], "SUCCESS");
    assert_eq!(answer["PhysicalResourceId"], format!("{SECRET}/signing-key"));
}

#[tokio::test]
async fn failures_are_reported_to_cloudformation_not_left_hanging() {
    let (vault, url) = (MemoryVault::default(), response_url().await);
    let bad = run(&vault, &url, event("Create", &url.url, props("HS256", "1"), None)).await;
    assert_eq!(bad["Status"], "FAILED");
    assert!(bad["Reason"].as_str().unwrap().contains("RS256 or EdDSA"));
    let broken = MemoryVault { broken: true, ..MemoryVault::default() };
    let denied = run(&broken, &url, event("Create", &url.url, props("RS256", "1"), None)).await;
    assert_eq!(denied["Status"], "FAILED");
    assert!(denied["Reason"].as_str().unwrap().contains("AccessDenied"));
}

//! The CloudFormation custom resource behind `template.yaml`'s signing key:
//! no human ever handles a private key.
//!
//! - Create: generate a key pair, store the private half in the stack's secret.
//! - Update: when `Rotation` or `Algorithm` changes, generate a new key; the
//!   replaced secret version becomes `AWSPREVIOUS`, so its public key stays
//!   in the published JWKS and tokens signed before the rotation keep verifying.
//! - Delete: nothing; CloudFormation deletes the secret with the stack.
//!
//! The result (`Jwks`, `Kid`) is PUT to CloudFormation's response URL; the
//! functions that verify tokens get the JWKS, public keys only.

use std::future::Future;

use aws_lambda_events::cloudformation::{
    CloudFormationCustomResourceRequest, CloudFormationCustomResourceResponse,
    CloudFormationCustomResourceResponseStatus,
};
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};
use shared::{Algorithm, Needs, Secret, SigningKey};

/// Reads the current key's secret and writes a new version of it; no store.
pub const NEEDS: Needs =
    Needs { other_actions: &["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"], ..Needs::NOTHING };

/// Where the private key lives: Secrets Manager in AWS, memory in tests.
pub trait Vault: Send + Sync {
    /// The `AWSCURRENT` and `AWSPREVIOUS` values, when they exist.
    fn versions(
        &self,
        secret_id: &str,
    ) -> impl Future<Output = Result<(Option<Secret>, Option<Secret>), String>> + Send;
    /// Stores a new current value; the old one becomes `AWSPREVIOUS`.
    fn put(&self, secret_id: &str, value: &Secret) -> impl Future<Output = Result<(), String>> + Send;
}

/// Sends the outcome to CloudFormation's pre-signed response URL.
pub trait Responder: Send + Sync {
    fn put(&self, url: &str, body: String) -> impl Future<Output = Result<(), String>> + Send;
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct KeyProperties {
    pub secret_arn: String,
    pub algorithm: String,
    /// Any value; changing it generates a new key.
    #[serde(default)]
    pub rotation: String,
}

pub type Request = CloudFormationCustomResourceRequest<KeyProperties, KeyProperties>;

/// A key pair only: the public half goes into the JWKS, so no shared secret.
fn algorithm(name: &str) -> Result<Algorithm, String> {
    match name.parse::<Algorithm>() {
        Ok(algorithm) if !algorithm.is_symmetric() => Ok(algorithm),
        _ => Err(format!("Algorithm must be RS256 or EdDSA, not {name:?}")),
    }
}

pub struct Outcome {
    pub jwks: String,
    pub kid: String,
    pub secret_arn: String,
}

/// Generates a key, stores it, and returns the JWKS with the previous key.
async fn rotate<V: Vault>(vault: &V, props: &KeyProperties) -> Result<Outcome, String> {
    let alg = algorithm(&props.algorithm)?;
    let (key, material) = SigningKey::generate(alg).map_err(|e| e.to_string())?;
    let (current, _) = vault.versions(&props.secret_arn).await?;
    vault.put(&props.secret_arn, &material).await?;
    publish(props, alg, &key, current.as_ref())
}

/// The JWKS for what is stored now, without generating anything.
async fn republish<V: Vault>(vault: &V, props: &KeyProperties) -> Result<Outcome, String> {
    let alg = algorithm(&props.algorithm)?;
    let (current, previous) = vault.versions(&props.secret_arn).await?;
    let Some(current) = current else { return rotate(vault, props).await };
    let key = SigningKey::from_material(alg, current.expose()).map_err(|e| e.to_string())?;
    publish(props, alg, &key, previous.as_ref())
}

fn publish(
    props: &KeyProperties,
    alg: Algorithm,
    key: &SigningKey,
    previous: Option<&Secret>,
) -> Result<Outcome, String> {
    let mut keys = vec![key.verification_jwk().clone()];
    // A previous key of another algorithm cannot verify anything any more.
    if let Some(old) = previous.and_then(|m| SigningKey::from_material(alg, m.expose()).ok())
        && old.kid() != key.kid()
    {
        keys.push(old.verification_jwk().clone());
    }
    let jwks = serde_json::to_string(&serde_json::json!({ "keys": keys })).map_err(|e| e.to_string())?;
    Ok(Outcome { jwks, kid: key.kid().to_string(), secret_arn: props.secret_arn.clone() })
}

/// Decides, acts, and always answers CloudFormation (a missing answer would
/// leave the stack waiting for an hour).
pub async fn handle<V: Vault, R: Responder>(
    event: LambdaEvent<Request>,
    vault: &V,
    responder: &R,
) -> Result<(), String> {
    let (url, response) = match event.payload {
        CloudFormationCustomResourceRequest::Create(r) => {
            let physical = format!("{}/signing-key", r.resource_properties.secret_arn);
            let outcome = rotate(vault, &r.resource_properties).await;
            (r.response_url, response(outcome, physical, r.stack_id, r.request_id, r.logical_resource_id))
        }
        CloudFormationCustomResourceRequest::Update(r) => {
            let (new, old) = (&r.resource_properties, &r.old_resource_properties);
            let outcome =
                if new.rotation != old.rotation || new.algorithm != old.algorithm || new.secret_arn != old.secret_arn {
                    rotate(vault, new).await
                } else {
                    republish(vault, new).await
                };
            (r.response_url, response(outcome, r.physical_resource_id, r.stack_id, r.request_id, r.logical_resource_id))
        }
        CloudFormationCustomResourceRequest::Delete(r) => {
            let outcome = Ok(Outcome { jwks: String::new(), kid: String::new(), secret_arn: String::new() });
            (r.response_url, response(outcome, r.physical_resource_id, r.stack_id, r.request_id, r.logical_resource_id))
        }
        // CloudFormation sends only the three above.
        _ => return Err("unknown custom resource request type".into()),
    };
    let status = response.status.clone();
    let body = serde_json::to_string(&response).map_err(|e| e.to_string())?;
    responder.put(&url, body).await?;
    tracing::info!(?status, "answered CloudFormation");
    Ok(())
}

fn response(
    outcome: Result<Outcome, String>,
    physical_resource_id: String,
    stack_id: String,
    request_id: String,
    logical_resource_id: String,
) -> CloudFormationCustomResourceResponse {
    let mut response = CloudFormationCustomResourceResponse::default();
    response.physical_resource_id = physical_resource_id;
    response.stack_id = stack_id;
    response.request_id = request_id;
    response.logical_resource_id = logical_resource_id;
    match outcome {
        Ok(Outcome { jwks, kid, secret_arn }) => {
            response.status = CloudFormationCustomResourceResponseStatus::Success;
            if !jwks.is_empty() {
                response.data.insert("Jwks".into(), jwks);
                response.data.insert("Kid".into(), kid);
                // Functions that read the key take its ARN from here, so they
                // are created only once the key is in the secret.
                response.data.insert("SecretArn".into(), secret_arn);
            }
        }
        Err(reason) => {
            tracing::error!(%reason, "signing key resource failed");
            response.status = CloudFormationCustomResourceResponseStatus::Failed;
            response.reason = Some(reason);
        }
    }
    response
}

pub mod aws;

#[cfg(test)]
mod tests;

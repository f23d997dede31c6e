//! Passkeys: the WebAuthn ceremonies, done by `webauthn-rs` (audited), never
//! by code of ours. This module only carries its options and credentials
//! between the JSON the browser speaks (WebAuthn Level 3:
//! `parseCreationOptionsFromJSON`, `toJSON()`) and the text the store keeps,
//! so the functions stay stateless between a ceremony's two calls.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use webauthn_rs_proto::ResidentKeyRequirement;

use crate::amr;
use crate::config::PasskeySettings;
use crate::error::ApiError;
use crate::response::json_no_store;
use crate::store::{Ceremony, CeremonyKind, Store};

/// How long a ceremony's options are good for, in the browser and in the store.
pub const CEREMONY_SECONDS: i64 = 300;
/// Passkeys one account may hold: enough for every device, few enough that
/// a stolen session cannot flood the account's partition.
pub const MAX_PASSKEYS: usize = 20;
/// Longest passkey name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// The name a new passkey gets: trimmed, one line, `Passkey` if none is given.
pub fn passkey_name(given: Option<&str>) -> Result<String, &'static str> {
    let name = given.map(str::trim).filter(|n| !n.is_empty()).unwrap_or("Passkey");
    if name.chars().count() > MAX_NAME_CHARS {
        return Err("name: at most 64 characters");
    }
    if name.chars().any(char::is_control) {
        return Err("name: no control characters");
    }
    Ok(name.to_string())
}

/// A ceremony's `challenge_id`: 122 random bits, as unguessable as the challenge.
pub fn new_ceremony_id() -> String {
    Uuid::new_v4().simple().to_string()
}

/// Why a ceremony's second half was refused. The details go to the log only.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("the credential is not valid WebAuthn JSON: {0}")]
    Malformed(String),
    #[error("the ceremony state is unreadable")]
    State,
    #[error("webauthn-rs refused the credential: {0}")]
    Ceremony(String),
}

/// The relying party: this service, as browsers and authenticators know it.
pub struct RelyingParty {
    webauthn: Webauthn,
}

/// One half-done ceremony: the options for the browser and the state to keep.
pub struct Started {
    /// What goes under `publicKey` in the answer.
    pub options: Value,
    /// Kept in the store until the second half, never sent.
    pub state: String,
}

/// A registered passkey, ready to store.
pub struct Registered {
    /// The credential id, base64url without padding: how the API names it.
    pub id: String,
    /// The public key and its counter, as `webauthn-rs` serialises them.
    pub credential: String,
}

/// Who a login's credential says it is, before anything is verified.
pub struct Claimed {
    pub user_id: String,
    pub credential_id: String,
}

/// A verified login.
pub struct Verified {
    pub amr: &'static [&'static str],
    /// The credential with its new counter, when it changed.
    pub updated: Option<String>,
}

/// The answer to a ceremony's first half.
#[derive(Serialize)]
struct Begun {
    challenge_id: String,
    #[serde(rename = "publicKey")]
    public_key: Value,
}

/// The body of a ceremony's second half.
#[derive(Deserialize)]
pub struct Answer {
    pub challenge_id: String,
    /// What `PublicKeyCredential.toJSON()` gave.
    pub credential: Value,
}

/// Keeps the state of `started` for `CEREMONY_SECONDS` under a new
/// `challenge_id`, for `user_id` alone if given, and answers its options.
pub async fn begin<S: Store>(
    store: &S,
    kind: CeremonyKind,
    user_id: Option<String>,
    name: Option<String>,
    started: Started,
    now: i64,
) -> Result<Response<Body>, ApiError> {
    let id = new_ceremony_id();
    let ceremony =
        Ceremony { id: id.clone(), kind, user_id, name, state: started.state, expires_at: now + CEREMONY_SECONDS };
    store.begin_ceremony(&ceremony).await?;
    Ok(json_no_store(StatusCode::OK, &Begun { challenge_id: id, public_key: started.options }))
}

fn options(challenge: &impl serde::Serialize) -> Value {
    let mut value = serde_json::to_value(challenge).unwrap_or_default();
    value.get_mut("publicKey").map(Value::take).unwrap_or_default()
}

fn keep(state: &impl serde::Serialize) -> String {
    serde_json::to_string(state).unwrap_or_default()
}

pub fn credential_id(id: &CredentialID) -> String {
    URL_SAFE_NO_PAD.encode(id.as_ref())
}

/// The WebAuthn user handle of a user: our ids are UUIDs, whose 16 bytes it is.
pub fn user_handle(user_id: &str) -> Option<Uuid> {
    Uuid::parse_str(user_id).ok()
}

impl RelyingParty {
    pub fn new(settings: &PasskeySettings, name: &str) -> Result<Self, String> {
        let first = settings.origins.first().ok_or("WEBAUTHN_ORIGINS is empty")?;
        let parse = |origin: &str| Url::parse(origin).map_err(|e| format!("WEBAUTHN_ORIGINS: {origin}: {e}"));
        let first = parse(first)?;
        let mut builder = WebauthnBuilder::new(&settings.rp_id, &first)
            .map_err(|e| format!("WEBAUTHN_RP_ID {}: {e}", settings.rp_id))?
            .rp_name(name)
            .timeout(std::time::Duration::from_secs(CEREMONY_SECONDS as u64));
        let more = settings.origins[1..].iter().map(|o| parse(o)).collect::<Result<Vec<_>, _>>()?;
        for origin in &more {
            builder = builder.append_allowed_origin(origin);
        }
        builder.build().map(|webauthn| Self { webauthn }).map_err(|e| format!("WebAuthn settings: {e}"))
    }

    /// Options to create a discoverable passkey for the user, never one of
    /// the authenticators in `existing` again.
    pub fn start_registration(
        &self,
        user_id: &str,
        email: &str,
        display_name: &str,
        existing: &[String],
    ) -> Result<Started, Refused> {
        let handle = user_handle(user_id).ok_or(Refused::State)?;
        let exclude = existing
            .iter()
            .filter_map(|stored| serde_json::from_str::<Passkey>(stored).ok())
            .map(|key| key.cred_id().clone())
            .collect::<Vec<_>>();
        let (mut challenge, state) = self
            .webauthn
            .start_passkey_registration(handle, email, display_name, Some(exclude).filter(|e| !e.is_empty()))
            .map_err(|e| Refused::Ceremony(e.to_string()))?;
        // Login without an email needs the authenticator to keep the credential
        // (a discoverable one); webauthn-rs leaves that to the caller.
        if let Some(selection) = challenge.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        Ok(Started { options: options(&challenge), state: keep(&state) })
    }

    pub fn finish_registration(&self, state: &str, credential: &Value) -> Result<Registered, Refused> {
        let state: PasskeyRegistration = serde_json::from_str(state).map_err(|_| Refused::State)?;
        let credential: RegisterPublicKeyCredential =
            serde_json::from_value(credential.clone()).map_err(|e| Refused::Malformed(e.to_string()))?;
        let key = self
            .webauthn
            .finish_passkey_registration(&credential, &state)
            .map_err(|e| Refused::Ceremony(e.to_string()))?;
        Ok(Registered { id: credential_id(key.cred_id()), credential: keep(&key) })
    }

    /// Options for a login with any passkey of this service: no email asked.
    pub fn start_login(&self) -> Result<Started, Refused> {
        let (mut challenge, state) =
            self.webauthn.start_discoverable_authentication().map_err(|e| Refused::Ceremony(e.to_string()))?;
        // webauthn-rs asks for conditional mediation (autofill); the web app
        // asks from a button, and the mediation is the caller's choice anyway.
        challenge.mediation = None;
        Ok(Started { options: options(&challenge), state: keep(&state) })
    }

    /// The user and credential a login's credential names; verified only by [`Self::finish_login`].
    pub fn claimed(&self, credential: &Value) -> Result<(Claimed, PublicKeyCredential), Refused> {
        let credential: PublicKeyCredential =
            serde_json::from_value(credential.clone()).map_err(|e| Refused::Malformed(e.to_string()))?;
        let (handle, id) = self
            .webauthn
            .identify_discoverable_authentication(&credential)
            .map_err(|e| Refused::Malformed(e.to_string()))?;
        let claimed = Claimed { user_id: handle.hyphenated().to_string(), credential_id: URL_SAFE_NO_PAD.encode(id) };
        Ok((claimed, credential))
    }

    /// Verifies the assertion against the ceremony's challenge and the stored
    /// credential (signature, origin, user verification, counter).
    pub fn finish_login(
        &self,
        state: &str,
        credential: &PublicKeyCredential,
        stored: &str,
    ) -> Result<Verified, Refused> {
        let state: DiscoverableAuthentication = serde_json::from_str(state).map_err(|_| Refused::State)?;
        let mut key: Passkey = serde_json::from_str(stored).map_err(|_| Refused::State)?;
        let result = self
            .webauthn
            .finish_discoverable_authentication(credential, state, &[DiscoverableKey::from(&key)])
            .map_err(|e| Refused::Ceremony(e.to_string()))?;
        let updated = key.update_credential(&result).filter(|changed| *changed).map(|_| keep(&key));
        // A key that can be backed up is synced by a password manager: a
        // software key. One that cannot lives in its authenticator's hardware.
        let amr = if result.backup_eligible() { amr::SOFTWARE_KEY } else { amr::HARDWARE_KEY };
        Ok(Verified { amr, updated })
    }
}

#[cfg(test)]
mod tests;

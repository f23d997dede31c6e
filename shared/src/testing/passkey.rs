//! A software authenticator for the passkey tests (`webauthn-authenticator-rs`'s
//! soft passkey), standing in for a browser and a discoverable authenticator:
//! it takes the options the API answers and gives what `toJSON()` would.
//!
//! The soft passkey keeps no discoverable credentials, so it is shown options
//! as a browser would narrow them: registration without the resident-key
//! demand, login with the credential it is to use. It then hands back the
//! user handle, as a discoverable authenticator does (unsigned, in the clear).

use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::Url;

/// The web app's origin in the test services: authenticators insist on
/// https anywhere but on localhost.
pub const ORIGIN: &str = "https://app.test";

pub struct SoftAuthenticator {
    inner: WebauthnAuthenticator<SoftPasskey>,
    origin: Url,
}

impl SoftAuthenticator {
    /// An authenticator that claims user verification, used from `origin`.
    pub fn new(origin: &str) -> Self {
        let origin = Url::parse(origin).expect("an origin");
        Self { inner: WebauthnAuthenticator::new(SoftPasskey::new(true)), origin }
    }

    /// The same authenticator, used from another origin (a phishing page).
    pub fn at(mut self, origin: &str) -> Self {
        self.origin = Url::parse(origin).expect("an origin");
        self
    }

    /// The `credential` for `POST /passkeys/register/finish`, from the `publicKey` options.
    pub fn register(&mut self, public_key: &Value) -> Value {
        let mut options = public_key.clone();
        options["authenticatorSelection"]["requireResidentKey"] = json!(false);
        if let Some(selection) = options["authenticatorSelection"].as_object_mut() {
            selection.remove("residentKey");
        }
        let options = serde_json::from_value(json!({ "publicKey": options })).expect("creation options");
        let credential = self.inner.do_registration(self.origin.clone(), options).expect("the soft passkey registers");
        serde_json::to_value(credential).expect("a credential")
    }

    /// The `credential` for `POST /login/passkey/finish`: an assertion by
    /// the credential `credential_id` for the user `user_id`.
    pub fn login(&mut self, public_key: &Value, credential_id: &str, user_id: &str) -> Value {
        let mut options = public_key.clone();
        options["allowCredentials"] = json!([{ "type": "public-key", "id": credential_id }]);
        let options = serde_json::from_value(json!({ "publicKey": options })).expect("request options");
        let assertion = self.inner.do_authentication(self.origin.clone(), options).expect("the soft passkey signs");
        let mut credential = serde_json::to_value(assertion).expect("an assertion");
        let handle = crate::passkey::user_handle(user_id).expect("a UUID user id");
        credential["response"]["userHandle"] = json!(base64_url(handle.as_bytes()));
        credential
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Registers a passkey of `authenticator` for the user straight through the
/// relying party and the store, as `/passkeys/register/finish` would.
pub async fn add_passkey<S: crate::store::Store>(
    store: &S,
    services: &crate::Services,
    authenticator: &mut SoftAuthenticator,
    user_id: &str,
    now: i64,
) -> crate::store::PasskeyRecord {
    let party = services.relying_party();
    let started = party.start_registration(user_id, "user@example.com", "User", &[]).expect("options");
    let registered =
        party.finish_registration(&started.state, &authenticator.register(&started.options)).expect("registered");
    let record = crate::store::PasskeyRecord {
        id: registered.id,
        user_id: user_id.to_string(),
        name: "Test key".into(),
        created_at: now,
        last_used_at: None,
        credential: registered.credential,
    };
    assert!(store.add_passkey(&record).await.expect("the store"), "the passkey is stored");
    record
}

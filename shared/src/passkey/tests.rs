use serde_json::Value;

use super::*;
use crate::testing::passkey::SoftAuthenticator;

const ORIGIN: &str = "https://app.example.com";
const USER: &str = "0b6f3b3e-8d39-4d7e-9a7b-2d8a7c1f5e11";

fn party() -> RelyingParty {
    let settings = PasskeySettings { rp_id: "example.com".into(), origins: vec![ORIGIN.into()] };
    RelyingParty::new(&settings, "Example").unwrap()
}

fn registered(party: &RelyingParty, key: &mut SoftAuthenticator) -> Registered {
    let started = party.start_registration(USER, "ada@example.com", "Ada", &[]).unwrap();
    party.finish_registration(&started.state, &key.register(&started.options)).unwrap()
}

fn login(party: &RelyingParty, key: &mut SoftAuthenticator, stored: &Registered) -> (Started, Value) {
    let started = party.start_login().unwrap();
    let credential = key.login(&started.options, &stored.id, USER);
    (started, credential)
}

#[test]
fn registration_options_ask_for_a_discoverable_credential_with_user_verification() {
    let started = party().start_registration(USER, "ada@example.com", "Ada", &[]).unwrap();
    let selection = &started.options["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["userVerification"], "required");
    assert_eq!(started.options["rp"]["id"], "example.com");
    let handle = started.options["user"]["id"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(handle).unwrap(), user_handle(USER).unwrap().as_bytes());
    assert!(started.options["challenge"].as_str().is_some_and(|c| c.len() >= 43), "a base64url challenge");
}

#[test]
fn a_registered_passkey_logs_in_and_names_its_user() {
    let (party, mut key) = (party(), SoftAuthenticator::new(ORIGIN));
    let stored = registered(&party, &mut key);
    let (started, credential) = login(&party, &mut key, &stored);
    assert!(started.options["allowCredentials"].as_array().is_none_or(Vec::is_empty), "discoverable: no list");
    let (claimed, credential) = party.claimed(&credential).unwrap();
    assert_eq!((claimed.user_id.as_str(), claimed.credential_id.as_str()), (USER, stored.id.as_str()));
    let verified = party.finish_login(&started.state, &credential, &stored.credential).unwrap();
    assert_eq!(verified.amr, amr::HARDWARE_KEY, "the soft passkey is not backup eligible");
    assert!(verified.updated.is_some(), "its counter moved");
}

#[test]
fn an_assertion_for_one_challenge_is_refused_for_another() {
    let (party, mut key) = (party(), SoftAuthenticator::new(ORIGIN));
    let stored = registered(&party, &mut key);
    let (_, credential) = login(&party, &mut key, &stored);
    let other = party.start_login().unwrap();
    let (_, credential) = party.claimed(&credential).unwrap();
    assert!(party.finish_login(&other.state, &credential, &stored.credential).is_err());
}

#[test]
fn a_counter_that_goes_back_is_refused() {
    let (party, mut key) = (party(), SoftAuthenticator::new(ORIGIN));
    let stored = registered(&party, &mut key);
    let (first, older) = login(&party, &mut key, &stored);
    let (second, newer) = login(&party, &mut key, &stored);
    let (_, newer) = party.claimed(&newer).unwrap();
    let moved = party.finish_login(&second.state, &newer, &stored.credential).unwrap().updated.unwrap();
    let (_, older) = party.claimed(&older).unwrap();
    assert!(party.finish_login(&first.state, &older, &moved).is_err(), "an earlier counter after a later one");
}

#[test]
fn an_origin_not_listed_is_refused_at_both_ceremonies() {
    // Browsers refuse origins off the RP ID's domain themselves; a page on a
    // sibling subdomain is what only the server's list stops.
    let party = party();
    let mut phished = SoftAuthenticator::new("https://pages.example.com");
    let started = party.start_registration(USER, "ada@example.com", "Ada", &[]).unwrap();
    assert!(party.finish_registration(&started.state, &phished.register(&started.options)).is_err());

    let mut key = SoftAuthenticator::new(ORIGIN);
    let stored = registered(&party, &mut key);
    let mut key = key.at("https://pages.example.com");
    let (started, credential) = login(&party, &mut key, &stored);
    let (_, credential) = party.claimed(&credential).unwrap();
    assert!(party.finish_login(&started.state, &credential, &stored.credential).is_err());
}

#[test]
fn another_users_passkey_does_not_verify_this_assertion() {
    let party = party();
    let (mut ada, mut eve) = (SoftAuthenticator::new(ORIGIN), SoftAuthenticator::new(ORIGIN));
    let ada_key = registered(&party, &mut ada);
    let eve_key = registered(&party, &mut eve);
    let (started, credential) = login(&party, &mut eve, &eve_key);
    let (_, credential) = party.claimed(&credential).unwrap();
    assert!(party.finish_login(&started.state, &credential, &ada_key.credential).is_err());
}

#[test]
fn registration_excludes_the_users_existing_passkeys() {
    let (party, mut key) = (party(), SoftAuthenticator::new(ORIGIN));
    let stored = registered(&party, &mut key);
    let started = party.start_registration(USER, "ada@example.com", "Ada", &[stored.credential]).unwrap();
    assert_eq!(started.options["excludeCredentials"][0]["id"], stored.id);
}

#[test]
fn malformed_credentials_and_states_are_refusals_not_panics() {
    let party = party();
    let started = party.start_registration(USER, "ada@example.com", "Ada", &[]).unwrap();
    for junk in [Value::Null, serde_json::json!({"id": 1}), serde_json::json!("x")] {
        assert!(matches!(party.finish_registration(&started.state, &junk), Err(Refused::Malformed(_))));
        assert!(party.claimed(&junk).is_err());
    }
    assert!(matches!(party.finish_registration("{}", &Value::Null), Err(Refused::State)));
    assert!(party.start_registration("not-a-uuid", "a@b.c", "A", &[]).is_err());
}

#[test]
fn a_passkey_name_is_trimmed_one_line_and_bounded() {
    assert_eq!(passkey_name(None).unwrap(), "Passkey");
    assert_eq!(passkey_name(Some("  ")).unwrap(), "Passkey");
    assert_eq!(passkey_name(Some(" Work laptop ")).unwrap(), "Work laptop");
    assert_eq!(passkey_name(Some(&"é".repeat(64))).unwrap().chars().count(), 64);
    assert!(passkey_name(Some(&"x".repeat(65))).is_err());
    assert!(passkey_name(Some("two\nlines")).is_err());
}

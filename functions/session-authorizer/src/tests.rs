use std::sync::Arc;

use serde_json::{Value, json};
use shared::store::{MemoryStore, RefreshRecord, Subject};
use shared::testing::{self, forge, sample_events};
use shared::{ManualClock, RefreshToken, Services};

use super::*;

const ADA: &str = "6f1c2a9e-4b7d-4c36-9a0e-2d5b8f3e1c47";

struct World {
    store: MemoryStore,
    clock: Arc<ManualClock>,
    services: Services,
    deps: SessionAuthorizer<MemoryStore>,
}

fn world(cache_seconds: u64) -> World {
    let store = MemoryStore::new();
    let clock = Arc::new(testing::clock());
    let mut services = testing::services(&clock);
    services.clock = clock.clone();
    services.session_check = shared::SessionCheckSettings { enabled: true, cache_seconds };
    let deps = SessionAuthorizer::new(store.clone(), &services);
    World { store, clock, services, deps }
}

impl World {
    fn now(&self) -> i64 {
        shared::Clock::now(&*self.clock)
    }

    /// A session in the store and an access token naming it.
    async fn session(&self) -> (RefreshRecord, String) {
        let record = RefreshToken::first(ADA).record(self.now(), 86_400);
        self.store.create_session(&record).await.unwrap();
        (record.clone(), self.token(Some(&record.family_id)))
    }

    fn token(&self, session: Option<&str>) -> String {
        let issuer = self.services.signer.as_ref().unwrap().issuer.clone();
        issuer.issue_access(Subject::new(ADA, "ada@example.com"), session, "", self.now()).unwrap().token
    }

    async fn decide(&self, shape: &str, token: &str) -> (&'static str, Value) {
        let event = testing::authorizer_event(shape, &format!("Bearer {token}"));
        match authorize(&event, &self.deps).await {
            Err(Unauthorized) => ("unauthorized", Value::Null),
            Ok(json) => {
                let body: Value = serde_json::from_str(&json).unwrap();
                let allowed = body["isAuthorized"].as_bool().unwrap_or(false)
                    || body["policyDocument"]["Statement"][0]["Effect"] == "Allow";
                (if allowed { "allow" } else { "deny" }, body)
            }
        }
    }

    async fn allowed(&self, token: &str) -> bool {
        self.decide("http-v2.allow.json", token).await.0 == "allow"
    }
}

const SHAPES: [&str; 3] = ["http-v2.allow.json", "rest-token.allow.json", "rest-request.allow.json"];

#[tokio::test]
async fn a_live_session_is_allowed_in_every_event_shape_and_its_sid_passed_on() {
    let w = world(10);
    let (record, token) = w.session().await;
    for shape in SHAPES {
        let (outcome, body) = w.decide(shape, &token).await;
        assert_eq!(outcome, "allow", "{shape}: {body}");
        assert_eq!(body["context"]["sid"], record.family_id.as_str(), "{shape}");
    }
}

#[tokio::test]
async fn a_logged_out_session_is_denied_once_the_cached_answer_is_older_than_the_cache_time() {
    let w = world(10);
    let (record, token) = w.session().await;
    assert!(w.allowed(&token).await);
    w.store.revoke_family(ADA, &record.family_id, w.now()).await.unwrap();
    w.clock.advance(9);
    assert!(w.allowed(&token).await, "the answer read 9 s ago is still trusted");
    w.clock.advance(1);
    for shape in SHAPES {
        assert_eq!(w.decide(shape, &token).await.0, "deny", "{shape}");
    }
}

#[tokio::test]
async fn with_no_cache_a_logout_denies_the_next_request() {
    let w = world(0);
    let (record, token) = w.session().await;
    assert!(w.allowed(&token).await);
    w.store.revoke_family(ADA, &record.family_id, w.now()).await.unwrap();
    assert!(!w.allowed(&token).await);
}

#[tokio::test]
async fn a_cache_hit_reads_nothing_and_a_miss_is_one_read() {
    let w = world(10);
    let (_, token) = w.session().await;
    w.store.take_operations_used();
    assert!(w.allowed(&token).await);
    assert_eq!(w.store.take_operations_used().into_iter().collect::<Vec<_>>(), [Op::ReadSession]);
    assert!(w.allowed(&token).await);
    assert!(w.store.take_operations_used().is_empty(), "answered from the cache");
}

#[tokio::test]
async fn a_deleted_account_or_an_unknown_session_is_denied() {
    let w = world(10);
    assert!(!w.allowed(&w.token(Some("no-such-session"))).await);
    let (_, token) = w.session().await;
    w.store.revoke_all(ADA, w.now()).await.unwrap();
    assert!(!w.allowed(&token).await);
}

#[tokio::test]
async fn a_store_outage_denies_and_is_never_cached() {
    let w = world(10);
    let (_, token) = w.session().await;
    w.store.set_unavailable(true);
    for shape in SHAPES {
        assert_eq!(w.decide(shape, &token).await.0, "deny", "{shape}");
    }
    w.store.set_unavailable(false);
    assert!(w.allowed(&token).await, "allowed again as soon as the store answers");
}

#[tokio::test]
async fn a_token_from_before_sessions_were_named_is_allowed_until_it_expires() {
    let w = world(10);
    w.store.set_unavailable(true);
    assert!(w.allowed(&w.token(None)).await, "nothing to check, so nothing read");
}

#[tokio::test]
async fn an_allow_never_outlives_the_token_and_forged_tokens_are_never_looked_up() {
    let w = world(300);
    let (_, token) = w.session().await;
    assert!(w.allowed(&token).await);
    w.clock.advance(900 + 31);
    assert!(!w.allowed(&token).await, "expired, although the session answer is cached for 300 s");
    w.store.take_operations_used();
    for case in forge::negative_cases() {
        let (outcome, _) = w.decide("http-v2.allow.json", &case.token).await;
        assert_ne!(outcome, "allow", "{}", case.name);
    }
    assert!(w.store.take_operations_used().is_empty(), "a token that fails verification costs no read");
}

#[tokio::test]
async fn a_rest_event_without_a_token_is_unauthorized_as_before() {
    let w = world(10);
    let mut event: Value = serde_json::from_str(&testing::authorizer_event("rest-token.allow.json", "")).unwrap();
    event["authorizationToken"] = json!("");
    assert_eq!(authorize(&event.to_string(), &w.deps).await, Err(Unauthorized));
}

#[tokio::test]
async fn with_the_check_off_the_store_is_never_read() {
    let w = world(10);
    let (record, token) = w.session().await;
    let mut services = w.services.clone();
    services.session_check.enabled = false;
    let off = SessionAuthorizer::new(w.store.clone(), &services);
    w.store.revoke_family(ADA, &record.family_id, w.now()).await.unwrap();
    w.store.take_operations_used();
    let event = testing::authorizer_event("http-v2.allow.json", &format!("Bearer {token}"));
    assert!(authorize(&event, &off).await.unwrap().contains("\"isAuthorized\":true"));
    assert!(w.store.take_operations_used().is_empty());
}

#[tokio::test]
async fn every_sample_event_gets_its_declared_decision_against_the_sample_sessions() {
    let mut services = testing::sample_services();
    services.session_check = shared::SessionCheckSettings { enabled: true, cache_seconds: 10 };
    let deps = SessionAuthorizer::new(testing::sample_store().await, &services);
    for event in sample_events("session-authorizer").into_iter().chain(sample_events("authorizer")) {
        let outcome = match authorize(&event.json, &deps).await {
            Err(Unauthorized) => "unauthorized",
            Ok(json) if json.contains("\"isAuthorized\":true") || json.contains("\"Effect\":\"Allow\"") => "allow",
            Ok(_) => "deny",
        };
        assert_eq!(outcome, event.expected, "{}", event.path.display());
    }
}

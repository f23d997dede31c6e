use serde_json::json;
use shared::mail::{MailJob, Notice};
use shared::store::{MemoryStore, RecoveryCodeUse, Store};
use shared::test_with_both_stores;
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code};
use shared::totp::{Authenticator, TotpSecret, step_at};

use super::*;

fn confirm_as(user_id: &str, code: &str) -> Request {
    testing::as_authorized(testing::json_post("/mfa/totp/confirm", &json!({ "code": code })), user_id)
}

async fn a_code_from_the_pending_secret_turns_totp_on_and_returns_ten_recovery_codes_once<S: Store>(store: S) {
    let clock = testing::clock();
    let (handoff, jobs) = testing::recording_handoff();
    let services = shared::Services { handoff: Some(handoff), ..testing::services(&clock) };
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let secret = TotpSecret::generate();
    store.begin_totp(&ada.id, &secret.base32(), clock.now()).await.unwrap();
    let app = Authenticator::new(&secret, "", "");
    let deps = ConfirmTotp::new(store, &services);

    let wrong = handle(confirm_as(&ada.id, &testing::wrong_totp_code(&app, clock.now())), &deps).await.unwrap();
    assert_eq!((wrong.status().as_u16(), error_code(&wrong)), (400, "invalid_grant".to_string()));

    let response = handle(confirm_as(&ada.id, &testing::totp_code(&app, clock.now())), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = body_json(&response);
    let codes: Vec<String> =
        body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10);

    let factor = deps.store.totp_factor(&ada.id).await.unwrap().unwrap();
    assert_eq!(
        (factor.confirmed, factor.last_step, factor.recovery_codes_left),
        (true, Some(step_at(clock.now())), 10)
    );
    assert!(deps.store.profile(&ada.id).await.unwrap().unwrap().totp);
    let hash = shared::recovery::hash(&ada.id, &codes[0]).unwrap();
    assert_eq!(deps.store.spend_recovery_code(&ada.id, &hash).await.unwrap(), RecoveryCodeUse::Spent { left: 9 });
    assert_eq!(jobs.taken(), [MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::TotpEnabled }]);

    let again = handle(confirm_as(&ada.id, &testing::totp_code(&app, clock.now())), &deps).await.unwrap();
    assert_eq!((again.status().as_u16(), error_code(&again)), (400, "invalid_request".to_string()), "confirmed once");
}

async fn without_a_pending_enrolment_nothing_is_confirmed<S: Store>(store: S) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let deps = ConfirmTotp::new(store, &services);
    let response = handle(confirm_as(&ada.id, "123456"), &deps).await.unwrap();
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".to_string()));
    assert_eq!(deps.store.totp_factor(&ada.id).await.unwrap(), None);
}

test_with_both_stores!(
    a_code_from_the_pending_secret_turns_totp_on_and_returns_ten_recovery_codes_once,
    without_a_pending_enrolment_nothing_is_confirmed
);

#[tokio::test]
async fn a_malformed_body_is_400_and_a_store_outage_is_503() {
    let clock = testing::clock();
    let store = MemoryStore::new();
    let deps = ConfirmTotp::new(store.clone(), &testing::services(&clock));
    let bad = testing::as_authorized(testing::json_post("/mfa/totp/confirm", &json!({"cod": "1"})), "u");
    assert_eq!(error_code(&handle(bad, &deps).await.unwrap()), "invalid_request");
    store.set_unavailable(true);
    assert_eq!(handle(confirm_as("u", "123456"), &deps).await.unwrap().status(), 503);
}

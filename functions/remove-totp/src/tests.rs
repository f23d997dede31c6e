use serde_json::json;
use shared::mail::{MailJob, Notice};
use shared::store::{MemoryStore, Store};
use shared::test_with_both_stores;
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, error_code};

use super::*;

fn remove_as(user_id: &str, code: &str) -> Request {
    let req =
        testing::json_request(lambda_http::http::Method::DELETE, "/mfa/totp", &json!({ "code": code }).to_string());
    testing::as_authorized(req, user_id)
}

fn deps_with_jobs<S: Store>(store: S, clock: &shared::ManualClock) -> (RemoveTotp<S>, testing::Jobs) {
    let (handoff, jobs) = testing::recording_handoff();
    let services = shared::Services { handoff: Some(handoff), ..testing::services(clock) };
    (RemoveTotp::new(store, &services), jobs)
}

async fn a_current_code_removes_totp_and_a_wrong_or_spent_one_does_not<S: Store>(store: S) {
    let clock = testing::clock();
    let passwords = testing::cheap_passwords();
    let ada = testing::seed_user(&store, &passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let (app, _) = testing::enable_totp(&store, &ada.id, clock.now()).await;
    let (deps, jobs) = deps_with_jobs(store, &clock);

    let wrong = handle(remove_as(&ada.id, &testing::wrong_totp_code(&app, clock.now())), &deps).await.unwrap();
    assert_eq!((wrong.status().as_u16(), error_code(&wrong)), (400, "invalid_grant".to_string()));
    assert!(deps.store.profile(&ada.id).await.unwrap().unwrap().totp, "still on");
    let window = deps.store.counted(Counter::Email(ADA_EMAIL), clock.now(), deps.throttle.logins()).await.unwrap();
    assert_eq!(window.map(|c| c.count), Some(1), "a wrong code counts in the login-failure window");

    let code = testing::totp_code(&app, clock.now());
    assert_eq!(handle(remove_as(&ada.id, &code), &deps).await.unwrap().status(), 204);
    assert!(!deps.store.profile(&ada.id).await.unwrap().unwrap().totp);
    assert_eq!(deps.store.totp_factor(&ada.id).await.unwrap(), None, "secret and recovery codes gone");
    assert_eq!(jobs.taken(), [MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::TotpRemoved }]);
    let again = handle(remove_as(&ada.id, &code), &deps).await.unwrap();
    assert_eq!((again.status().as_u16(), error_code(&again)), (400, "invalid_request".to_string()), "already off");
}

async fn a_recovery_code_removes_it_too_and_both_notices_go_out<S: Store>(store: S) {
    let clock = testing::clock();
    let passwords = testing::cheap_passwords();
    let ada = testing::seed_user(&store, &passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let (_, codes) = testing::enable_totp(&store, &ada.id, clock.now()).await;
    let (deps, jobs) = deps_with_jobs(store, &clock);
    assert_eq!(handle(remove_as(&ada.id, &codes[2]), &deps).await.unwrap().status(), 204);
    assert_eq!(
        jobs.taken(),
        [
            MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::RecoveryCodeUsed { left: 9 } },
            MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::TotpRemoved },
        ]
    );
}

async fn the_same_totp_code_spent_at_login_cannot_remove_it<S: Store>(store: S) {
    let clock = testing::clock();
    let passwords = testing::cheap_passwords();
    let ada = testing::seed_user(&store, &passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let (app, _) = testing::enable_totp(&store, &ada.id, clock.now()).await;
    let code = testing::totp_code(&app, clock.now());
    assert!(store.spend_totp_step(&ada.id, shared::totp::step_at(clock.now())).await.unwrap());
    let (deps, _) = deps_with_jobs(store, &clock);
    let replay = handle(remove_as(&ada.id, &code), &deps).await.unwrap();
    assert_eq!(error_code(&replay), "invalid_grant");
    assert!(deps.store.profile(&ada.id).await.unwrap().unwrap().totp);
}

test_with_both_stores!(
    a_current_code_removes_totp_and_a_wrong_or_spent_one_does_not,
    a_recovery_code_removes_it_too_and_both_notices_go_out,
    the_same_totp_code_spent_at_login_cannot_remove_it
);

#[tokio::test]
async fn guesses_are_throttled_with_the_login_window() {
    let clock = testing::clock();
    let store = MemoryStore::new();
    let passwords = testing::cheap_passwords();
    let ada = testing::seed_user(&store, &passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let (app, _) = testing::enable_totp(&store, &ada.id, clock.now()).await;
    let (deps, _) = deps_with_jobs(store, &clock);
    let wrong = testing::wrong_totp_code(&app, clock.now());
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(handle(remove_as(&ada.id, &wrong), &deps).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 10, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429));
}

#[tokio::test]
async fn a_store_outage_is_503() {
    let clock = testing::clock();
    let store = MemoryStore::new();
    let (deps, _) = deps_with_jobs(store.clone(), &clock);
    store.set_unavailable(true);
    assert_eq!(handle(remove_as("u", "123456"), &deps).await.unwrap().status(), 503);
}

use std::collections::HashMap;

use lambda_http::http::Method;
use shared::mail::{MailJob, Notice};
use shared::store::{MemoryStore, Store};
use shared::test_with_both_stores;
use shared::testing::passkey::{ORIGIN, SoftAuthenticator, add_passkey};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, error_code};

use super::*;

fn delete_as(user_id: &str, id: &str) -> Request {
    let req = testing::as_authorized(testing::request(Method::DELETE, "/passkeys/{id}", None, ""), user_id);
    req.with_path_parameters(HashMap::from([("id".to_string(), id.to_string())]))
}

async fn a_passkey_is_removed_once_with_a_notice_and_another_users_is_not_found<S: Store>(store: S) {
    let clock = testing::clock();
    let (handoff, jobs) = testing::recording_handoff();
    let services = shared::Services { handoff: Some(handoff), ..testing::services(&clock) };
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let eve = testing::seed_user(&store, &services.passwords, "eve@example.com", ADA_PASSWORD, clock.now()).await;
    let key = add_passkey(&store, &services, &mut SoftAuthenticator::new(ORIGIN), &ada.id, clock.now()).await;
    let deps = DeletePasskey::new(store, &services);

    let theirs = handle(delete_as(&eve.id, &key.id), &deps).await.unwrap();
    assert_eq!((theirs.status().as_u16(), error_code(&theirs)), (404, "not_found".into()));
    assert!(deps.store.passkey(&ada.id, &key.id).await.unwrap().is_some(), "eve removed nothing");

    assert_eq!(handle(delete_as(&ada.id, &key.id), &deps).await.unwrap().status(), 204);
    assert_eq!(deps.store.passkey(&ada.id, &key.id).await.unwrap(), None);
    assert_eq!(deps.store.profile(&ada.id).await.unwrap().unwrap().passkeys, 0);
    let notice = Notice::PasskeyRemoved { name: key.name.clone() };
    assert_eq!(jobs.taken(), [MailJob::Notice { email: ADA_EMAIL.into(), notice }]);
    assert_eq!(handle(delete_as(&ada.id, &key.id), &deps).await.unwrap().status(), 404, "removed once");
    assert!(jobs.taken().is_empty());
}

test_with_both_stores!(a_passkey_is_removed_once_with_a_notice_and_another_users_is_not_found);

#[tokio::test]
async fn without_a_token_it_is_401_and_a_store_outage_is_503() {
    let clock = testing::clock();
    let store = MemoryStore::new();
    let deps = DeletePasskey::new(store.clone(), &testing::services(&clock));
    let anonymous = testing::request(Method::DELETE, "/passkeys/x", None, "");
    assert_eq!(handle(anonymous, &deps).await.unwrap().status(), 401);
    store.set_unavailable(true);
    assert_eq!(handle(delete_as("someone", "x"), &deps).await.unwrap().status(), 503);
}

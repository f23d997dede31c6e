use lambda_http::http::Method;
use shared::store::{MemoryStore, Store};
use shared::test_with_both_stores;
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code};
use shared::totp::TotpSecret;

use super::*;

fn enroll_as(user_id: &str) -> Request {
    testing::as_authorized(testing::request(Method::POST, "/mfa/totp/enroll", None, ""), user_id)
}

async fn an_enrolment_is_a_secret_its_uri_and_a_qr_code_and_stays_pending<S: Store>(store: S) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let deps = EnrollTotp::new(store, &services);

    let response = handle(enroll_as(&ada.id), &deps).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = body_json(&response);
    let secret = body["secret"].as_str().unwrap();
    assert!(TotpSecret::from_base32(secret).is_some(), "160 bits of base32: {secret}");
    let uri = body["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Example:ada%40example.com?"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")) && uri.contains("issuer=Example"), "{uri}");
    assert!(body["qr_svg"].as_str().unwrap().contains("<svg"));
    assert_eq!(body.as_object().unwrap().len(), 3);

    let factor = deps.store.totp_factor(&ada.id).await.unwrap().unwrap();
    assert_eq!((factor.secret.as_str(), factor.confirmed), (secret, false));
    assert!(!deps.store.profile(&ada.id).await.unwrap().unwrap().totp, "pending until confirmed");

    let again = body_json(&handle(enroll_as(&ada.id), &deps).await.unwrap());
    assert_ne!(again["secret"], body["secret"], "enrolling again replaces the pending secret");
}

async fn with_totp_on_enrolling_again_is_refused<S: Store>(store: S) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    testing::enable_totp(&store, &ada.id, clock.now()).await;
    let before = store.totp_factor(&ada.id).await.unwrap();
    let deps = EnrollTotp::new(store, &services);
    let response = handle(enroll_as(&ada.id), &deps).await.unwrap();
    assert_eq!((response.status().as_u16(), error_code(&response)), (400, "invalid_request".to_string()));
    assert_eq!(deps.store.totp_factor(&ada.id).await.unwrap(), before, "the confirmed factor is untouched");
}

test_with_both_stores!(
    an_enrolment_is_a_secret_its_uri_and_a_qr_code_and_stays_pending,
    with_totp_on_enrolling_again_is_refused
);

#[tokio::test]
async fn without_a_token_it_is_401_and_a_store_outage_is_503() {
    let clock = testing::clock();
    let store = MemoryStore::new();
    let deps = EnrollTotp::new(store.clone(), &testing::services(&clock));
    let response = handle(testing::request(Method::POST, "/mfa/totp/enroll", None, ""), &deps).await.unwrap();
    assert_eq!(response.status(), 401);
    store.set_unavailable(true);
    assert_eq!(handle(enroll_as("someone"), &deps).await.unwrap().status(), 503);
}

use serde_json::{Value, json};
use shared::mail::{MailJob, Notice};
use shared::store::{Counter, MemoryStore, Store};
use shared::testing::{self, ADA_EMAIL, ADA_PASSWORD, body_json, error_code};
use shared::totp::Authenticator;
use shared::{ManualClock, test_with_both_stores};

use super::*;

struct Fixture<S> {
    deps: Arc<LoginMfa<S>>,
    clock: ManualClock,
    user_id: String,
    app: Authenticator,
    codes: Vec<String>,
    jobs: testing::Jobs,
    verifier: Arc<shared::TokenVerifier>,
}

async fn fixture<S: Store>(store: S) -> Fixture<S> {
    let clock = testing::clock();
    let (handoff, jobs) = testing::recording_handoff();
    let services = shared::Services { handoff: Some(handoff), ..testing::services(&clock) };
    let ada = testing::seed_user(&store, &services.passwords, ADA_EMAIL, ADA_PASSWORD, clock.now()).await;
    let (app, codes) = testing::enable_totp(&store, &ada.id, clock.now()).await;
    let verifier = services.verifier();
    let deps = Arc::new(LoginMfa::new(store, &services));
    Fixture { deps, clock, user_id: ada.id, app, codes, jobs, verifier }
}

impl<S: Store> Fixture<S> {
    /// What the password step hands the client: a fresh mfa_token.
    async fn mfa_token(&self) -> String {
        let challenge = mfa::challenge(&self.deps.store, &self.user_id, self.clock.now()).await.unwrap();
        body_json(&challenge)["mfa_token"].as_str().unwrap().to_string()
    }

    async fn send(&self, body: Value) -> Response<Body> {
        handle(testing::json_post("/login/mfa", &body), &self.deps).await.unwrap()
    }

    fn code(&self) -> String {
        testing::totp_code(&self.app, self.clock.now())
    }

    fn amr(&self, response: &Response<Body>) -> Vec<String> {
        let token = body_json(response)["access_token"].as_str().unwrap().to_string();
        self.verifier.verify_access(&token, self.clock.now()).unwrap().amr.unwrap_or_default()
    }
}

async fn a_code_completes_the_login_with_otp_in_amr_and_works_once<S: Store>(store: S) {
    let f = fixture(store).await;
    let token = f.mfa_token().await;
    let response = f.send(json!({"mfa_token": token, "code": f.code()})).await;
    assert_eq!(response.status(), 200, "{}", body_json(&response));
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(f.amr(&response), ["pwd", "otp"]);
    assert!(response.headers().contains_key(shared::device::HEADER), "the device is remembered");

    let replayed = f.send(json!({"mfa_token": token, "code": f.code()})).await;
    assert_eq!((replayed.status().as_u16(), error_code(&replayed)), (400, "invalid_grant".to_string()));
    let fresh = f.mfa_token().await;
    let same_code = f.send(json!({"mfa_token": fresh, "code": f.code()})).await;
    assert_eq!(body_json(&same_code)["error_description"], WRONG_CODE, "the code's step is spent");
    f.clock.advance(30);
    let next = f.send(json!({"mfa_token": fresh, "code": f.code()})).await;
    assert_eq!(next.status(), 200, "the next step's code passes");
}

async fn a_refreshed_session_keeps_its_second_factor<S: Store>(store: S) {
    let f = fixture(store).await;
    let token = f.mfa_token().await;
    let tokens = body_json(&f.send(json!({"mfa_token": token, "code": f.code()})).await);
    let refresh = shared::RefreshToken::parse(tokens["refresh_token"].as_str().unwrap()).unwrap();
    let next = f.deps.sessions.rotate(&f.deps.store, &refresh, f.clock.now() + 1).await.unwrap();
    let claims = f.verifier.verify_access(&next.access_token, f.clock.now() + 1).unwrap();
    assert_eq!(claims.amr.unwrap(), ["pwd", "otp"]);
}

async fn a_recovery_code_logs_in_once_with_mfa_in_amr_and_a_notice<S: Store>(store: S) {
    let f = fixture(store).await;
    let response = f.send(json!({"mfa_token": f.mfa_token().await, "recovery_code": f.codes[0]})).await;
    assert_eq!(response.status(), 200, "{}", body_json(&response));
    assert_eq!(f.amr(&response), ["pwd", "mfa"]);
    assert_eq!(
        f.jobs.taken(),
        [MailJob::Notice { email: ADA_EMAIL.into(), notice: Notice::RecoveryCodeUsed { left: 9 } }]
    );
    let again = f.send(json!({"mfa_token": f.mfa_token().await, "recovery_code": f.codes[0]})).await;
    assert_eq!(body_json(&again)["error_description"], WRONG_CODE);
    let in_code_field = f.send(json!({"mfa_token": f.mfa_token().await, "code": f.codes[1]})).await;
    assert_eq!(in_code_field.status(), 200, "a recovery code in the code field passes too");
}

async fn five_wrong_codes_end_the_mfa_token_and_count_as_failed_logins<S: Store>(store: S) {
    let f = fixture(store).await;
    let token = f.mfa_token().await;
    let wrong = testing::wrong_totp_code(&f.app, f.clock.now());
    for _ in 0..5 {
        let response = f.send(json!({"mfa_token": token, "code": wrong})).await;
        assert_eq!(body_json(&response)["error_description"], WRONG_CODE);
    }
    let right = f.send(json!({"mfa_token": token, "code": f.code()})).await;
    assert_eq!(body_json(&right)["error_description"], ENDED, "the token died with the fifth wrong code");
    let limit = f.deps.throttle.logins();
    let window = f.deps.store.counted(Counter::Email(ADA_EMAIL), f.clock.now(), limit).await.unwrap();
    assert_eq!(window.map(|c| c.count), Some(5));
    let fresh = f.send(json!({"mfa_token": f.mfa_token().await, "code": f.code()})).await;
    assert_eq!(fresh.status(), 200, "a new password step starts a new count");
}

async fn two_racing_calls_with_one_code_log_in_once<S: Store>(store: S) {
    let f = fixture(store).await;
    let body = json!({"mfa_token": f.mfa_token().await, "code": f.code()});
    let (a, b) = tokio::join!(f.send(body.clone()), f.send(body.clone()));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400]);
}

test_with_both_stores!(
    a_code_completes_the_login_with_otp_in_amr_and_works_once,
    a_refreshed_session_keeps_its_second_factor,
    a_recovery_code_logs_in_once_with_mfa_in_amr_and_a_notice,
    five_wrong_codes_end_the_mfa_token_and_count_as_failed_logins,
    two_racing_calls_with_one_code_log_in_once
);

#[tokio::test]
async fn twenty_racers_with_one_code_get_one_session() {
    let f = fixture(MemoryStore::new()).await;
    let body = json!({"mfa_token": f.mfa_token().await, "code": f.code()});
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (deps, body) = (f.deps.clone(), body.clone());
        racers.spawn(async move { handle(testing::json_post("/login/mfa", &body), &deps).await.unwrap().status() });
    }
    let ok = racers.join_all().await.into_iter().filter(|s| *s == 200).count();
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn cookie_delivery_works_on_this_step_too() {
    let f = fixture(MemoryStore::new()).await;
    let body = json!({"mfa_token": f.mfa_token().await, "code": f.code()});
    let mut req = testing::json_post("/login/mfa", &body);
    req.headers_mut().insert(shared::delivery::HEADER, "cookie".parse().unwrap());
    let response = handle(req, &f.deps).await.unwrap();
    assert_eq!(response.status(), 200);
    let cookies: Vec<&str> = response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(cookies.iter().any(|c| c.starts_with(shared::delivery::ACCESS_COOKIE)), "{cookies:?}");
    assert!(body_json(&response).get("access_token").is_none(), "no token strings in the body");
}

#[tokio::test]
async fn malformed_steps_are_400_and_a_store_outage_is_503() {
    let f = fixture(MemoryStore::new()).await;
    let token = f.mfa_token().await;
    let both = f.send(json!({"mfa_token": token, "code": "123456", "recovery_code": "x"})).await;
    assert_eq!(error_code(&both), "invalid_request");
    let neither = f.send(json!({"mfa_token": token})).await;
    assert_eq!(error_code(&neither), "invalid_request");
    let forged = f.send(json!({"mfa_token": "ot1.mfa.abc.AAAA", "code": "123456"})).await;
    assert_eq!(error_code(&forged), "invalid_grant");
    let reset = shared::onetime::OneTimeToken::new(Purpose::ResetPassword, &f.user_id).encode();
    let other_purpose = f.send(json!({"mfa_token": reset, "code": f.code()})).await;
    assert_eq!(error_code(&other_purpose), "invalid_grant", "a token of another purpose is no mfa_token");
    f.deps.store.set_unavailable(true);
    assert_eq!(f.send(json!({"mfa_token": token, "code": f.code()})).await.status(), 503);
}

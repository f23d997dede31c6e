use shared::mail::{Outbox, Transport};
use shared::store::MemoryStore;
use shared::testing::{self, APP_URL};
use shared::{ManualClock, store::User};

use super::*;

struct Fixture {
    mailer: Mailer<MemoryStore>,
    outbox: Outbox,
    clock: ManualClock,
    ada: User,
}

async fn fixture() -> Fixture {
    let clock = testing::clock();
    let mut services = testing::services(&clock);
    let outbox = Outbox::new();
    services.mailing.as_mut().unwrap().transport = Transport::Outbox(outbox.clone());
    let store = MemoryStore::new();
    let ada =
        testing::seed_user(&store, &services.passwords, "ada@example.com", "unused password here", clock.now()).await;
    Fixture { mailer: Mailer::new(store, &services), outbox, clock, ada }
}

fn token_in(text: &str, page: &str) -> String {
    let start =
        text.find(&format!("{APP_URL}{page}#token=")).expect("a link to the page") + APP_URL.len() + page.len() + 7;
    text[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn a_reset_job_for_an_account_mails_a_link_whose_token_resets_once() {
    let f = fixture().await;
    let outcome = f.mailer.deliver(MailJob::ResetPassword { email: f.ada.email.clone() }).await.unwrap();
    assert_eq!(outcome, Outcome::Sent);
    let [mail] = f.outbox.messages().try_into().unwrap();
    assert_eq!((mail.to.as_str(), mail.subject.as_str()), ("ada@example.com", "Reset your password"));
    let token = OneTimeToken::parse(&token_in(&mail.text, "/reset-password"), Purpose::ResetPassword).unwrap();
    let hash = token.secret_hash();
    assert!(!mail.text.contains(&hash) && !mail.html.contains(&hash), "the stored hash never leaves");
    let store = &f.mailer.store;
    assert!(store.reset_password(token.proof(&hash, f.clock.now()), "$new").await.unwrap().is_some());
    assert!(store.reset_password(token.proof(&hash, f.clock.now()), "$new").await.unwrap().is_none());
}

#[tokio::test]
async fn an_unknown_address_gets_nothing() {
    let f = fixture().await;
    for job in [
        MailJob::ResetPassword { email: "nobody@example.com".into() },
        MailJob::VerifyEmail { email: "nobody@example.com".into() },
    ] {
        assert_eq!(f.mailer.deliver(job).await.unwrap(), Outcome::Skipped("no account"));
    }
    assert!(f.outbox.messages().is_empty());
}

#[tokio::test]
async fn a_verified_address_gets_no_verification_mail() {
    let f = fixture().await;
    f.mailer.deliver(MailJob::VerifyEmail { email: f.ada.email.clone() }).await.unwrap();
    let token = token_in(&f.outbox.messages()[0].text, "/verify-email");
    let token = OneTimeToken::parse(&token, Purpose::VerifyEmail).unwrap();
    f.mailer.store.verify_email(token.proof(&token.secret_hash(), f.clock.now())).await.unwrap().unwrap();
    f.clock.advance(120);
    let again = f.mailer.deliver(MailJob::VerifyEmail { email: f.ada.email.clone() }).await.unwrap();
    assert_eq!(again, Outcome::Skipped("already verified"));
}

#[tokio::test]
async fn one_address_gets_one_mail_of_a_kind_a_minute_and_five_an_hour() {
    let f = fixture().await;
    let reset = || MailJob::ResetPassword { email: f.ada.email.clone() };
    assert_eq!(f.mailer.deliver(reset()).await.unwrap(), Outcome::Sent);
    assert_eq!(f.mailer.deliver(reset()).await.unwrap(), Outcome::Skipped("sending limit"));
    let notice = MailJob::Notice { email: f.ada.email.clone(), notice: Notice::PasswordChanged };
    assert_eq!(f.mailer.deliver(notice).await.unwrap(), Outcome::Sent, "notices are not limited");
    for _ in 0..4 {
        f.clock.advance(61);
        assert_eq!(f.mailer.deliver(reset()).await.unwrap(), Outcome::Sent);
    }
    f.clock.advance(61);
    assert_eq!(f.mailer.deliver(reset()).await.unwrap(), Outcome::Skipped("sending limit"), "six within the hour");
    assert_eq!(f.outbox.messages().len(), 6);
}

#[tokio::test]
async fn an_email_change_mails_the_new_address_a_token_that_moves_the_account() {
    let f = fixture().await;
    let job = MailJob::ChangeEmail { user_id: f.ada.id.clone(), new_email: "ada@new.example".into() };
    assert_eq!(f.mailer.deliver(job).await.unwrap(), Outcome::Sent);
    let mail = &f.outbox.messages()[0];
    assert_eq!(mail.to, "ada@new.example");
    let token = OneTimeToken::parse(&token_in(&mail.text, "/confirm-email"), Purpose::ChangeEmail).unwrap();
    let changed = f.mailer.store.change_email(token.proof(&token.secret_hash(), f.clock.now())).await.unwrap();
    assert!(matches!(changed, shared::store::EmailChange::Changed { .. }), "{changed:?}");
}

#[tokio::test]
async fn a_transport_that_keeps_failing_is_logged_not_returned() {
    let mut f = fixture().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    f.mailer.transport = Transport::smtp(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let notice = MailJob::Notice { email: f.ada.email.clone(), notice: Notice::AccountDeleted };
    assert_eq!(f.mailer.deliver(notice).await.unwrap(), Outcome::NotSent);
}

#[tokio::test]
async fn a_store_failure_is_returned_so_lambda_retries() {
    let f = fixture().await;
    f.mailer.store.set_unavailable(true);
    let err = f.mailer.deliver(MailJob::ResetPassword { email: f.ada.email.clone() }).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)));
    assert!(f.outbox.messages().is_empty());
}

#[test]
fn a_job_parses_from_the_invocation_payload() {
    let job: MailJob = serde_json::from_str(r#"{"job":"verify_email","email":"ada@example.com"}"#).unwrap();
    assert_eq!(job, MailJob::VerifyEmail { email: "ada@example.com".into() });
}

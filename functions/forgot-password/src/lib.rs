//! `POST /password/forgot`: mails a password-reset link to the account of
//! an address, if there is one. The answer is `202 {}` whatever the
//! address: the handler only hands the job to the mailer, which looks the
//! address up off this path, so a known and an unknown address cost the same.

use lambda_http::{Body, Request, Response};
use shared::mail::{Handoff, MailJob, hand_off_for_address};
use shared::services::Mail;
use shared::{ApiError, Keys, Needs, Services};

pub const NEEDS: Needs =
    Needs { keys: Keys::None, store: &[], connections: 0, mail: Mail::HandsOff, other_actions: &[] };

pub struct ForgotPassword {
    pub handoff: Handoff,
}

impl ForgotPassword {
    /// Takes the store like every function, and never calls it.
    pub fn new<S>(_store: S, services: &Services) -> Self {
        Self { handoff: services.handoff() }
    }
}

pub async fn handle(req: Request, deps: &ForgotPassword) -> Result<Response<Body>, lambda_http::Error> {
    let response = hand_off_for_address(&req, &deps.handoff, |email| MailJob::ResetPassword { email }).await;
    Ok(response.unwrap_or_else(ApiError::into_response))
}

#[cfg(test)]
mod tests {
    use lambda_http::http::Method;
    use shared::testing::{self, json_request};

    use super::*;

    fn deps() -> (ForgotPassword, testing::Jobs) {
        let (handoff, jobs) = testing::recording_handoff();
        (ForgotPassword { handoff }, jobs)
    }

    #[tokio::test]
    async fn any_valid_address_gets_202_and_one_job_for_the_mailer() {
        let (deps, jobs) = deps();
        let response =
            handle(json_request(Method::POST, "/password/forgot", r#"{"email":" Ada@Example.com "}"#), &deps)
                .await
                .unwrap();
        assert_eq!(response.status(), 202);
        assert_eq!(testing::body_json(&response), serde_json::json!({}));
        assert_eq!(jobs.taken(), [MailJob::ResetPassword { email: "ada@example.com".into() }]);
    }

    #[tokio::test]
    async fn a_malformed_body_or_address_is_invalid_request_and_hands_nothing_off() {
        let (deps, jobs) = deps();
        for body in [r#"{}"#, r#"{"email":"nope"}"#, "not json"] {
            let response = handle(json_request(Method::POST, "/password/forgot", body), &deps).await.unwrap();
            assert_eq!(response.status(), 400, "{body}");
        }
        assert!(jobs.taken().is_empty());
    }
}

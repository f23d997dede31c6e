//! The routes that mail an address on request (`/email/verify/send`,
//! `/password/forgot`): read `{"email"}`, hand the job to the mailer, answer
//! `202 {}`. Nothing here looks the address up, so a known and an unknown
//! one take the same path and cost the same.

use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use super::{Handoff, MailJob};
use crate::email::normalize_email;
use crate::error::ApiError;
use crate::request::json_body;
use crate::response::accepted;

#[derive(Deserialize)]
struct EmailRequest {
    email: String,
}

/// One of those routes: where its jobs go, and which job it makes of an address.
pub struct AddressMail {
    pub handoff: Handoff,
    pub job: fn(String) -> MailJob,
}

impl AddressMail {
    /// Hands `job(email)` off for the request's address.
    pub async fn handle(&self, req: Request) -> Result<Response<Body>, lambda_http::Error> {
        Ok(self.hand_off(&req).await.unwrap_or_else(ApiError::into_response))
    }

    async fn hand_off(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let body: EmailRequest = json_body(req)?;
        let email =
            normalize_email(&body.email).map_err(|_| ApiError::invalid_request("email: not a valid address"))?;
        self.handoff.hand_off((self.job)(email)).await;
        Ok(accepted())
    }
}

#[cfg(test)]
mod tests {
    use lambda_http::http::Method;

    use super::*;
    use crate::testing::{self, json_request};

    fn forgot() -> (AddressMail, testing::Jobs) {
        let (handoff, jobs) = testing::recording_handoff();
        (AddressMail { handoff, job: |email| MailJob::ResetPassword { email } }, jobs)
    }

    #[tokio::test]
    async fn any_valid_address_gets_202_and_one_job_for_the_mailer() {
        let (route, jobs) = forgot();
        let response =
            route.handle(json_request(Method::POST, "/password/forgot", r#"{"email":" Ada@Example.com "}"#)).await;
        let response = response.unwrap();
        assert_eq!(response.status(), 202);
        assert_eq!(testing::body_json(&response), serde_json::json!({}));
        assert_eq!(jobs.taken(), [MailJob::ResetPassword { email: "ada@example.com".into() }]);
    }

    #[tokio::test]
    async fn a_malformed_body_or_address_is_invalid_request_and_hands_nothing_off() {
        let (route, jobs) = forgot();
        for body in [r#"{}"#, r#"{"email":"nope"}"#, "not json"] {
            let response = route.handle(json_request(Method::POST, "/password/forgot", body)).await.unwrap();
            assert_eq!(response.status(), 400, "{body}");
        }
        assert!(jobs.taken().is_empty());
    }
}

//! `POST /password/forgot`: mails a password-reset link to the account of an address, if there is one. The answer is `202 {}` whatever the address: the
//! handler only hands the job to the mailer, which looks the address up off
//! this path, so a known and an unknown address cost the same.

use lambda_http::{Body, Request, Response};
use shared::mail::{AddressMail, MailJob};
use shared::routes::Function;
use shared::{Endpoint, Mail, Needs, Services};

pub struct ForgotPassword(pub AddressMail);

impl<S> Endpoint<S> for ForgotPassword {
    const FUNCTION: Function = Function::ForgotPassword;
    const NEEDS: Needs = Needs { mail: Mail::HandsOff, ..Needs::NOTHING };

    /// Takes the store like every function, and never calls it.
    fn new(_store: S, services: &Services) -> Self {
        Self(AddressMail { handoff: services.handoff(), job: |email| MailJob::ResetPassword { email } })
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        self.0.handle(req)
    }
}

#[cfg(test)]
mod tests {
    use lambda_http::http::Method;
    use shared::testing::{self, json_request};

    use super::*;

    #[tokio::test]
    async fn an_address_becomes_a_reset_password_job_for_the_mailer() {
        let (handoff, jobs) = testing::recording_handoff();
        let mut services = testing::sample_services();
        services.handoff = Some(handoff);
        let endpoint = <ForgotPassword as Endpoint<()>>::new((), &services);
        let response =
            endpoint.0.handle(json_request(Method::POST, "/password/forgot", r#"{"email":"ada@example.com"}"#));
        assert_eq!(response.await.unwrap().status(), 202);
        assert_eq!(jobs.taken(), [MailJob::ResetPassword { email: "ada@example.com".into() }]);
    }
}

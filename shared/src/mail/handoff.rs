//! Handing a mail job off the request's path. In AWS it is an asynchronous
//! invocation of the mailer function (`InvocationType=Event`): one call of
//! the same cost whatever the job turns out to need, and Lambda retries a
//! mailer that fails. In local-api and tests it is a task in the process.
//! Either way the caller never waits for a mail and never fails because of one.

use std::sync::Arc;

use super::MailJob;

#[derive(Clone)]
pub enum Handoff {
    #[cfg(feature = "handoff")]
    Invoke {
        client: aws_sdk_lambda::Client,
        function: String,
    },
    Task(Arc<dyn Fn(MailJob) + Send + Sync>),
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(feature = "handoff")]
            Self::Invoke { function, .. } => write!(f, "Handoff::Invoke({function})"),
            Self::Task(_) => f.write_str("Handoff::Task"),
        }
    }
}

impl Handoff {
    pub fn task(run: impl Fn(MailJob) + Send + Sync + 'static) -> Self {
        Self::Task(Arc::new(run))
    }

    /// The mailer function `function` (its name or ARN), invoked asynchronously.
    #[cfg(feature = "handoff")]
    pub fn invoke(sdk: &aws_config::SdkConfig, function: String) -> Self {
        Self::Invoke { client: aws_sdk_lambda::Client::new(sdk), function }
    }

    /// Hands `job` off; a failure is logged (by kind, never the address), not returned.
    pub async fn hand_off(&self, job: MailJob) {
        match self {
            #[cfg(feature = "handoff")]
            Self::Invoke { client, function } => {
                let kind = job.kind();
                let Ok(payload) = serde_json::to_vec(&job) else { return };
                let sent = client
                    .invoke()
                    .function_name(function)
                    .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
                    .payload(aws_sdk_lambda::primitives::Blob::new(payload))
                    .send()
                    .await;
                if let Err(err) = sent {
                    let error = aws_sdk_lambda::error::DisplayErrorContext(&err).to_string();
                    tracing::error!(job = kind, %error, "mail job not handed off");
                }
            }
            Self::Task(run) => run(job),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[tokio::test]
    async fn a_task_handoff_gets_the_job() {
        let jobs = Arc::new(Mutex::new(Vec::new()));
        let seen = jobs.clone();
        let handoff = Handoff::task(move |job| seen.lock().unwrap().push(job));
        handoff.hand_off(MailJob::ResetPassword { email: "a@b.co".into() }).await;
        assert_eq!(jobs.lock().unwrap().as_slice(), [MailJob::ResetPassword { email: "a@b.co".into() }]);
    }
}

//! The real mail catcher (MailDev, started by `./scripts/test`): its SMTP
//! URL for local-api, and its HTTP API to read back what local-api sent.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub struct MailCatcher {
    pub smtp_url: String,
    api: String,
}

/// One mail as MailDev parsed it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The one-time token of the link to `page` (`/reset-password`, …).
    pub fn token(&self, page: &str) -> String {
        let marker = format!("{page}#token=");
        let start = self.text.find(&marker).unwrap_or_else(|| panic!("no link to {page} in {:?}", self.text));
        self.text[start + marker.len()..].split_whitespace().next().unwrap().to_string()
    }
}

impl MailCatcher {
    /// The catcher `./scripts/test` started, or `None` (a skip, with the
    /// reason printed) when it did not; `REQUIRE_MAILDEV=1` makes it a failure.
    pub fn from_env() -> Option<Self> {
        let (smtp, api) = (std::env::var("SMTP_URL").ok(), std::env::var("MAILDEV_URL").ok());
        let (Some(smtp_url), Some(api)) = (smtp.filter(|s| !s.is_empty()), api.filter(|s| !s.is_empty())) else {
            assert!(
                std::env::var_os("REQUIRE_MAILDEV").is_none(),
                "REQUIRE_MAILDEV is set but SMTP_URL or MAILDEV_URL is not: start it with scripts/maildev"
            );
            eprintln!("skipped: no mail catcher (./scripts/test starts MailDev and sets SMTP_URL and MAILDEV_URL)");
            return None;
        };
        Some(Self { smtp_url, api })
    }

    /// Every mail to `address` so far, oldest first.
    pub async fn to(&self, address: &str) -> Vec<Mail> {
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let uri = format!("{}/email", self.api).parse().unwrap();
        let response = client.get(uri).await.expect("MailDev answers");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let all: Vec<Value> = serde_json::from_slice(&body).expect("MailDev lists mail as JSON");
        all.iter()
            .filter(|m| m["to"].as_array().into_iter().flatten().any(|t| t["address"] == address))
            .map(|m| Mail {
                subject: m["subject"].as_str().unwrap_or_default().to_string(),
                text: m["text"].as_str().unwrap_or_default().to_string(),
                html: m["html"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    /// Waits until `address` has `count` mails (the mailer sends off the
    /// request's path) and returns them.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mails = self.to(address).await;
            if mails.len() >= count {
                return mails;
            }
            assert!(Instant::now() < deadline, "{address} got {} of {count} mails: {mails:?}", mails.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The newest mail to `address` once it has `count`.
    pub async fn nth(&self, address: &str, count: usize) -> Mail {
        self.wait_for(address, count).await.remove(count - 1)
    }

    /// Lets any mail still on its way arrive, then the number `address` has.
    pub async fn settled_count(&self, address: &str) -> usize {
        tokio::time::sleep(Duration::from_millis(800)).await;
        self.to(address).await.len()
    }
}

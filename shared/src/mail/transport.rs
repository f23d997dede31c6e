//! Delivering a `Message`: SES (v2 API, with the function's role), SMTP
//! (`lettre` over rustls, e.g. a relay or a local mail catcher), or
//! local-api's in-memory outbox. `MAIL_TRANSPORT` picks one.

use std::sync::{Arc, Mutex};

use super::Message;

/// Messages local-api kept instead of sending; the newest last.
#[derive(Clone, Default)]
pub struct Outbox {
    messages: Arc<Mutex<Vec<Message>>>,
}

/// An outbox nobody reads must not grow without bound.
const OUTBOX_KEEPS: usize = 500;

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn messages(&self) -> Vec<Message> {
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn keep(&self, message: &Message) {
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        if messages.len() >= OUTBOX_KEEPS {
            messages.remove(0);
        }
        messages.push(message.clone());
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mail not sent: {0}")]
pub struct SendError(pub String);

#[derive(Clone)]
pub enum Transport {
    Outbox(Outbox),
    #[cfg(feature = "mailer")]
    Smtp(Arc<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>>),
    #[cfg(feature = "mailer")]
    Ses(aws_sdk_sesv2::Client),
}

impl Transport {
    /// `smtp://host:port` (plain, as mail catchers speak), `smtps://…` or
    /// `smtp://…?tls=required`, with `user:password@` where the relay wants it.
    #[cfg(feature = "mailer")]
    pub fn smtp(url: &str) -> Result<Self, SendError> {
        let builder = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| SendError(format!("SMTP_URL: {e}")))?;
        Ok(Self::Smtp(Arc::new(builder.timeout(Some(std::time::Duration::from_secs(5))).build())))
    }

    #[cfg(feature = "mailer")]
    pub fn ses(sdk: &aws_config::SdkConfig) -> Self {
        Self::Ses(aws_sdk_sesv2::Client::new(sdk))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Outbox(_) => "outbox",
            #[cfg(feature = "mailer")]
            Self::Smtp(_) => "smtp",
            #[cfg(feature = "mailer")]
            Self::Ses(_) => "ses",
        }
    }

    /// Sends `message` from `from`. Errors name what failed, never the message.
    pub async fn send(&self, from: &str, message: &Message) -> Result<(), SendError> {
        match self {
            Self::Outbox(outbox) => {
                let _ = from;
                outbox.keep(message);
                Ok(())
            }
            #[cfg(feature = "mailer")]
            Self::Smtp(smtp) => {
                use lettre::AsyncTransport;
                let mail = smtp_message(from, message)?;
                smtp.send(mail).await.map(drop).map_err(|e| SendError(format!("smtp: {e}")))
            }
            #[cfg(feature = "mailer")]
            Self::Ses(client) => ses_send(client, from, message).await,
        }
    }
}

#[cfg(feature = "mailer")]
fn smtp_message(from: &str, message: &Message) -> Result<lettre::Message, SendError> {
    use lettre::message::{Mailbox, MultiPart};
    let from: Mailbox = from.parse().map_err(|e| SendError(format!("MAIL_FROM: {e}")))?;
    let to: Mailbox = message.to.parse().map_err(|e| SendError(format!("recipient: {e}")))?;
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(message.subject.clone())
        .multipart(MultiPart::alternative_plain_html(message.text.clone(), message.html.clone()))
        .map_err(|e| SendError(format!("message: {e}")))
}

#[cfg(feature = "mailer")]
async fn ses_send(client: &aws_sdk_sesv2::Client, from: &str, message: &Message) -> Result<(), SendError> {
    use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message as SesMessage};
    let content = |data: &str| {
        Content::builder().data(data).charset("UTF-8").build().map_err(|e| SendError(format!("message: {e}")))
    };
    let body = Body::builder().text(content(&message.text)?).html(content(&message.html)?).build();
    let simple = SesMessage::builder().subject(content(&message.subject)?).body(body).build();
    client
        .send_email()
        .from_email_address(from)
        .destination(Destination::builder().to_addresses(&message.to).build())
        .content(EmailContent::builder().simple(simple).build())
        .send()
        .await
        .map(drop)
        .map_err(|e| {
            use aws_sdk_sesv2::error::ProvideErrorMetadata;
            SendError(format!("ses: {}", e.code().unwrap_or("could not reach SES")))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(n: usize) -> Message {
        Message { to: "a@b.co".into(), subject: format!("s{n}"), text: "t".into(), html: "<p>t</p>".into() }
    }

    #[tokio::test]
    async fn the_outbox_keeps_what_it_is_given_and_only_the_newest_hundreds() {
        let outbox = Outbox::new();
        let transport = Transport::Outbox(outbox.clone());
        for n in 0..OUTBOX_KEEPS + 2 {
            transport.send("from@b.co", &message(n)).await.unwrap();
        }
        let kept = outbox.messages();
        assert_eq!(kept.len(), OUTBOX_KEEPS);
        assert_eq!(kept.last().unwrap().subject, format!("s{}", OUTBOX_KEEPS + 1));
    }

    #[test]
    fn an_smtp_message_has_a_text_and_an_html_part() {
        let mail = smtp_message("Auth <no-reply@example.com>", &message(1)).unwrap();
        let raw = String::from_utf8(mail.formatted()).unwrap();
        assert!(
            raw.contains("multipart/alternative") && raw.contains("text/plain") && raw.contains("text/html"),
            "{raw}"
        );
        assert!(smtp_message("not an address", &message(1)).is_err());
    }
}

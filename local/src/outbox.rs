//! The local-only outbox page: the mail local-api kept instead of sending
//! (`MAIL_TRANSPORT=outbox`, the default), newest first, with each mail's
//! link opening the web app. Never part of the deployed API.

use shared::mail::{Message, Outbox};

pub const PAGE: &str = "/_outbox";
pub const JSON: &str = "/_outbox.json";

/// The messages as JSON, newest first: `[{"to","subject","text","html"}]`.
pub fn json(outbox: &Outbox) -> String {
    let messages: Vec<serde_json::Value> = newest_first(outbox)
        .iter()
        .map(|m| serde_json::json!({"to": m.to, "subject": m.subject, "text": m.text, "html": m.html}))
        .collect();
    serde_json::Value::Array(messages).to_string()
}

pub fn page(outbox: &Outbox) -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Outbox</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}\
         article{border:1px solid #ccc;border-radius:6px;padding:0 1rem;margin:1rem 0}</style></head><body>\
         <h1>Outbox</h1><p>Mail local-api kept instead of sending, newest first. \
         Reload to see new mail.</p>",
    );
    let messages = newest_first(outbox);
    if messages.is_empty() {
        html.push_str("<p>No mail yet.</p>");
    }
    for message in messages {
        html.push_str(&format!(
            "<article><h2>{}</h2><p>To: {}</p>{}</article>",
            escape(&message.subject),
            escape(&message.to),
            body_of(&message.html)
        ));
    }
    html.push_str("</body></html>");
    html
}

fn newest_first(outbox: &Outbox) -> Vec<Message> {
    let mut messages = outbox.messages();
    messages.reverse();
    messages
}

/// The part between `<body>` and `</body>` of a message this product wrote.
fn body_of(html: &str) -> &str {
    let start = html.find("<body>").map_or(0, |i| i + "<body>".len());
    let end = html.rfind("</body>").unwrap_or(html.len());
    html.get(start..end).unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use shared::mail::{Letter, Letters, Transport};

    use super::*;

    #[tokio::test]
    async fn the_page_shows_each_mail_with_its_link_newest_first() {
        let outbox = Outbox::new();
        let transport = Transport::Outbox(outbox.clone());
        let letters = Letters::new("http://127.0.0.1:3000");
        for letter in [Letter::ResetPassword { token: "t1".into() }, Letter::PasswordReset] {
            transport.send("a@b.co", &letters.write("ada@example.com", &letter)).await.unwrap();
        }
        let page = page(&outbox);
        assert!(page.find("Your password was reset").unwrap() < page.find("Reset your password").unwrap());
        assert!(page.contains("href=\"http://127.0.0.1:3000/reset-password#token=t1\""), "{page}");
        let list: serde_json::Value = serde_json::from_str(&json(&outbox)).unwrap();
        assert_eq!(list[1]["subject"], "Reset your password");
    }
}

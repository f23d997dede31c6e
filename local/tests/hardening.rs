//! What an attacker tries against local-api over real HTTP: connections that
//! never finish their headers, bodies that are not text, error answers that
//! would echo a script back, and responses a browser might sniff.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;
use support::Server;

#[test]
fn connections_that_never_finish_their_headers_are_closed() {
    let api = Server::start(&["--header-read-timeout", "1"], &[]);
    let address = api.url.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let mut slow: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream.write_all(b"POST /login HTTP/1.1\r\nhost: local\r\ncontent-type: application/json\r\n").unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            stream
        })
        .collect();
    for stream in &mut slow {
        let mut rest = Vec::new();
        // The server closes the connection (perhaps after a 408): the read ends, it does not time out.
        let ended =
            stream.read_to_end(&mut rest).map(|_| true).unwrap_or_else(|e| e.kind() != std::io::ErrorKind::WouldBlock);
        assert!(ended, "a connection without complete headers was kept open");
    }
    assert!(started.elapsed() < Duration::from_secs(8), "closed after {:?}", started.elapsed());
}

#[tokio::test]
async fn answers_carry_nosniff_and_never_echo_the_input() {
    let api = Server::start(&[], &[]);
    let probe = "<script>alert(1)</script>";
    let logout = api.post("/logout", json!({"refresh_token": "x", "scope": probe})).await;
    assert_eq!(logout.status, 400);
    assert!(!String::from_utf8_lossy(&logout.body).contains("alert"), "{:?}", logout.json());
    let form = api.form("/login", &format!("grant_type=password&username={probe}&password=a&password=b")).await;
    assert_eq!(form.status, 400);
    assert!(!String::from_utf8_lossy(&form.body).contains("alert"), "{:?}", form.json());
    for reply in [&logout, &form, &api.get("/.well-known/jwks.json", None).await] {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    }
}

#[tokio::test]
async fn a_form_value_that_is_not_utf8_is_refused_not_decoded_lossily() {
    let api = Server::start(&[], &[]);
    let reply = api.form("/login", "grant_type=password&username=ada%FF%40example.com&password=x").await;
    assert_eq!((reply.status.as_u16(), reply.code()), (400, "invalid_request".to_string()));
}

const PASSWORD: &str = "tangerine walrus orbit quietly";

async fn signup(api: &Server, email: &str) -> u16 {
    api.post("/signup", json!({"email": email, "password": PASSWORD})).await.status.as_u16()
}

#[tokio::test]
async fn one_mailbox_makes_one_account_whatever_its_spelling() {
    let api = Server::start(&[], &[]);
    for (first, second) in [
        ("ada1@caf\u{e9}.example", "ada1@cafe\u{301}.example"),
        ("\u{ff41}\u{ff44}\u{ff41}\u{ff12}@example.com", "ada2@example.com"),
        ("ada3@b\u{fc}cher.example", "ada3@xn--bcher-kva.example"),
        ("Ada4@Example.COM", "ada4@example.com"),
    ] {
        assert_eq!(signup(&api, first).await, 201, "{first:?}");
        assert_eq!(signup(&api, second).await, 409, "{second:?} is the same mailbox as {first:?}");
    }
    assert_eq!(signup(&api, "i5@example.com").await, 201);
    assert_eq!(signup(&api, "\u{130}5@example.com").await, 400, "a dotted capital I is no other spelling of i");
    for refused in [
        "a\u{200b}da6@example.com",
        "a\u{ad}da6@example.com",
        "a\u{2060}da6@example.com",
        "\u{feff}ada6@example.com",
        "a\u{34f}da6@example.com",
        "ada6\u{202e}@example.com",
        "\"ada6\"@example.com",
        &format!("{}@example.com", "a".repeat(65)),
        &format!("ada6@{}.com", "b".repeat(64)),
        "ada6@_.1",
    ] {
        let reply = api.post("/signup", json!({"email": refused, "password": PASSWORD})).await;
        assert_eq!((reply.status.as_u16(), reply.code()), (400, "invalid_request".to_string()), "{refused:?}");
    }
}

#[tokio::test]
async fn racing_signups_of_different_spellings_of_one_mailbox_make_one_account() {
    let api = std::sync::Arc::new(Server::start(&[], &[]));
    let spellings = ["race@b\u{fc}cher.example", "RACE@xn--bcher-kva.example", "\u{ff52}ace@B\u{dc}CHER.example"];
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..4 {
        for spelling in spellings {
            let api = api.clone();
            tasks.spawn(async move { (round, signup(&api, spelling).await) });
        }
    }
    let statuses: Vec<u16> = tasks.join_all().await.into_iter().map(|(_, s)| s).collect();
    assert_eq!(statuses.iter().filter(|&&s| s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|&s| s == 201 || s == 409), "{statuses:?}");
}

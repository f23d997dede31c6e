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

fn from(last: u8) -> std::net::IpAddr {
    std::net::IpAddr::from([127, 0, 0, last])
}

#[tokio::test]
async fn one_address_cannot_spray_guesses_across_many_emails() {
    let api = Server::start(&[], &[("LOGIN_SOURCE_MAX_FAILURES", "5")]);
    let mut statuses = Vec::new();
    for i in 0..8 {
        let body = json!({"email": format!("target{i}@example.com"), "password": "guess number one two three"});
        let reply = api.post_from(from(2), "/login", body, &[]).await;
        statuses.push(reply.status.as_u16());
        if reply.status == 429 {
            assert!(
                reply.header("retry-after").is_some_and(|s| s.parse::<u64>().is_ok_and(|s| (1..=900).contains(&s)))
            );
        }
    }
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429, 429, 429]);
    let elsewhere =
        api.post_from(from(3), "/login", json!({"email": "target0@example.com", "password": "x"}), &[]).await;
    assert_eq!(elsewhere.status, 400, "another address has a counter of its own");
}

#[tokio::test]
async fn one_address_cannot_make_accounts_without_end() {
    let api = Server::start(&[], &[("SIGNUP_SOURCE_MAX", "3")]);
    let mut statuses = Vec::new();
    for i in 0..5 {
        let body = json!({"email": format!("bulk{i}@example.com"), "password": PASSWORD});
        statuses.push(api.post_from(from(4), "/signup", body, &[]).await.status.as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    let body = json!({"email": "bulk9@example.com", "password": PASSWORD});
    assert_eq!(api.post_from(from(5), "/signup", body, &[]).await.status, 201);
}

#[tokio::test]
async fn an_attacker_who_knows_the_email_cannot_lock_the_owner_out() {
    // A short cap keeps the new device's one wait short in real time.
    let api = Server::start(&[], &[("LOGIN_MAX_DELAY_SECONDS", "3")]);
    let owner = json!({"email": "victim@example.com", "password": PASSWORD});
    assert_eq!(api.post_from(from(6), "/signup", owner.clone(), &[]).await.status, 201);
    let first = api.post_from(from(6), "/login", owner.clone(), &[]).await;
    assert_eq!(first.status, 200);
    let device = first.header("x-device-token").expect("a device token").to_string();
    for _ in 0..25 {
        let guess = json!({"email": "victim@example.com", "password": "the attacker's guess, wrong"});
        api.post_from(from(7), "/login", guess, &[]).await;
    }
    let known = api.post_from(from(6), "/login", owner.clone(), &[("x-device-token", &device)]).await;
    assert_eq!(known.status, 200, "the owner's device logs in at once: {:?}", known.json());
    // A device the email never saw waits at most one bounded Retry-After
    // (none at all if the attacker's last counted guess is old enough).
    let new_device = api.post_from(from(8), "/login", owner.clone(), &[]).await;
    if new_device.status == 429 {
        let wait: u64 = new_device.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=3).contains(&wait), "one bounded wait: {wait}");
        std::thread::sleep(Duration::from_secs(wait));
        let again = api.post_from(from(8), "/login", owner, &[]).await;
        assert_eq!(again.status, 200, "after the one wait: {:?}", again.json());
    } else {
        assert_eq!(new_device.status, 200, "{:?}", new_device.json());
    }
}

#[tokio::test]
async fn failures_against_an_unregistered_email_do_not_follow_it_into_signup() {
    let api = Server::start(&[], &[]);
    for _ in 0..15 {
        api.post("/login", json!({"email": "future@example.com", "password": "guessing before it exists"})).await;
    }
    let future = json!({"email": "future@example.com", "password": PASSWORD});
    assert_eq!(api.post("/signup", future.clone()).await.status, 201);
    assert_eq!(api.post("/login", future).await.status, 200, "the new owner starts with a clean slate");
}

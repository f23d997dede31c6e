//! Many honest users behind one address (an office's NAT, a carrier's CGNAT)
//! against one noisy client among them, over real HTTP with each client bound
//! to its own loopback address: the per-address limit still stops a spray,
//! and no one behind the address is shut out by it.

mod support;

use std::net::IpAddr;
use std::time::Duration;

use serde_json::{Value, json};
use support::Server;

const PASSWORD: &str = "tangerine walrus orbit quietly";

fn from(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

/// The default per-address limits; the suite's servers otherwise lift them.
const DEFAULTS: [(&str, &str); 2] = [("LOGIN_SOURCE_MAX_FAILURES", "30"), ("LOGIN_SOURCE_MAX_DELAY_SECONDS", "60")];

fn guess(i: usize) -> Value {
    json!({"email": format!("target{i}@example.com"), "password": "one sprayed guess"})
}

async fn a_noisy_address_shuts_no_one_out_and_still_stops_a_spray(api: Server) {
    let (office, sprayer, elsewhere) = (from(20), from(21), from(22));
    let owner = json!({"email": "behind-nat@example.com", "password": PASSWORD});
    assert_eq!(api.post_from(office, "/signup", owner.clone(), &[]).await.status, 201);
    let first = api.post_from(office, "/login", owner.clone(), &[]).await;
    assert_eq!(first.status, 200);
    let device = first.header("x-device-token").expect("a device token").to_string();

    // 35 failed logins from the office's address, across many emails.
    let mut statuses = Vec::new();
    for i in 0..35 {
        statuses.push(api.post_from(office, "/login", guess(i), &[]).await.status.as_u16());
    }
    assert!(statuses[..30].iter().all(|&s| s == 400), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "the address is slowed: {statuses:?}");
    let meanwhile = api.post_from(elsewhere, "/login", owner.clone(), &[]).await;
    assert_eq!(meanwhile.status, 200, "another address is not slowed: {:?}", meanwhile.json());

    let known = api.post_from(office, "/login", owner.clone(), &[("x-device-token", &device)]).await;
    assert_eq!(known.status, 200, "the known device logs in at once: {:?}", known.json());

    let new_device = api.post_from(office, "/login", owner.clone(), &[]).await;
    if new_device.status == 429 {
        let wait: u64 = new_device.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "one wait of at most a minute: {wait}");
        tokio::time::sleep(Duration::from_secs(wait)).await;
        let again = api.post_from(office, "/login", owner.clone(), &[]).await;
        assert_eq!(again.status, 200, "after the one wait: {:?}", again.json());
    } else {
        assert_eq!(new_device.status, 200, "{:?}", new_device.json());
    }

    // 300 guesses across many emails from one address, as fast as it can.
    let mut checked = 0;
    let mut refused = 0;
    for i in 0..300 {
        match api.post_from(sprayer, "/login", guess(1000 + i), &[]).await.status.as_u16() {
            400 => checked += 1,
            429 => refused += 1,
            other => panic!("guess {i}: {other}"),
        }
    }
    // The free 30, and one more for each wait (2 s, 4 s, …) that passes during the loop.
    assert!((30..=33).contains(&checked), "{checked} checked, {refused} refused");

    let unaffected = api.post_from(elsewhere, "/login", owner, &[]).await;
    assert_eq!(unaffected.status, 200, "another address was never slowed: {:?}", unaffected.json());
}

#[tokio::test]
async fn a_noisy_address_shuts_no_one_out_and_still_stops_a_spray_in_memory() {
    a_noisy_address_shuts_no_one_out_and_still_stops_a_spray(Server::start(&[], &DEFAULTS)).await;
}

#[tokio::test]
async fn a_noisy_address_shuts_no_one_out_and_still_stops_a_spray_against_dynamodb_local() {
    let Some(endpoint) = shared::store::dynamo::local_endpoint() else { return };
    let table = format!("nat-{}", uuid::Uuid::new_v4().simple());
    let api = Server::start(&["--dynamodb-endpoint", &endpoint, "--table", &table], &DEFAULTS);
    a_noisy_address_shuts_no_one_out_and_still_stops_a_spray(api).await;
}

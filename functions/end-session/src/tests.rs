use std::collections::HashMap;

use lambda_http::RequestExt;
use lambda_http::http::Method;
use shared::store::{MemoryStore, Store};
use shared::testing::{self, ADA_PASSWORD, error_code};
use shared::{RefreshToken, TokenPair, test_with_both_stores};

use super::*;

fn delete(tokens: &TokenPair, id: &str) -> Request {
    let req = testing::request(Method::DELETE, "/sessions/{id}", None, "");
    let (mut parts, body) = req.into_parts();
    parts.headers.insert("authorization", format!("Bearer {}", tokens.access_token).parse().unwrap());
    Request::from_parts(parts, body).with_path_parameters(HashMap::from([("id".to_string(), id.to_string())]))
}

fn sid(tokens: &TokenPair) -> String {
    RefreshToken::parse(&tokens.refresh_token).unwrap().family_id
}

async fn one_session_ends_and_the_others_stay<S: Store>(store: S) {
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, "ada@example.com", ADA_PASSWORD, clock.now()).await;
    let bob = testing::seed_user(&store, &services.passwords, "bob@example.com", ADA_PASSWORD, clock.now()).await;
    let phone = testing::login(&store, &services.sessions(), &ada, clock.now()).await;
    let laptop = testing::login(&store, &services.sessions(), &ada, clock.now()).await;
    let bobs = testing::login(&store, &services.sessions(), &bob, clock.now()).await;
    let deps = EndSession::new(store, &services);

    assert_eq!(handle(delete(&laptop, &sid(&phone)), &deps).await.unwrap().status(), 204);
    let live: Vec<String> =
        deps.store.sessions(&ada.id, clock.now()).await.unwrap().into_iter().map(|s| s.id).collect();
    assert!(!live.contains(&sid(&phone)) && live.contains(&sid(&laptop)), "{live:?}");
    let presented = RefreshToken::parse(&phone.refresh_token).unwrap();
    let hash = presented.secret_hash();
    assert!(deps.store.refresh_state(presented.reference(&hash)).await.unwrap().unwrap().family_revoked);

    for id in [sid(&bobs), sid(&phone), "no-such-session".to_string()] {
        let refused = handle(delete(&laptop, &id), &deps).await.unwrap();
        assert_eq!((refused.status().as_u16(), error_code(&refused)), (404, "not_found".into()), "{id}");
    }
    assert_eq!(deps.store.sessions(&bob.id, clock.now()).await.unwrap().len(), 2, "bob's sessions untouched");
}

test_with_both_stores!(one_session_ends_and_the_others_stay);

#[tokio::test]
async fn a_store_outage_is_503() {
    let store = MemoryStore::new();
    let clock = testing::clock();
    let services = testing::services(&clock);
    let ada = testing::seed_user(&store, &services.passwords, "ada@example.com", ADA_PASSWORD, clock.now()).await;
    let tokens = testing::login(&store, &services.sessions(), &ada, clock.now()).await;
    let deps = EndSession::new(store.clone(), &services);
    store.set_unavailable(true);
    assert_eq!(handle(delete(&tokens, &sid(&tokens)), &deps).await.unwrap().status(), 503);
}

//! Sessions stored before a session's tokens lived on its family item (a
//! family item without a token, and one `TOKEN#` item per token) keep
//! working across the deploy: written here item by item as that layout did.

use aws_sdk_dynamodb::types::AttributeValue;
use shared::store::dynamo::DynamoStore;
use shared::store::{RefreshRecord, RefreshStatus, Rotation, Store};

use super::{GRACE, family_revoked, now, record, rotate, token_ref};

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

async fn put(store: &DynamoStore, item: Vec<(&str, AttributeValue)>) {
    let item = item.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    store.client().put_item().table_name(store.table()).set_item(Some(item)).send().await.unwrap();
}

/// A token item of the earlier layout, rotated to `successor` when given.
async fn put_token(store: &DynamoStore, token: &RefreshRecord, successor: Option<(&RefreshRecord, i64)>) {
    let mut item = vec![
        ("pk", s(format!("USER#{}", token.user_id))),
        ("sk", s(format!("TOKEN#{}", token.token_id))),
        ("family_id", s(&token.family_id)),
        ("secret_hash", s(&token.secret_hash)),
        ("issued_at", n(token.issued_at)),
        ("expires_at", n(token.expires_at)),
        ("ttl", n(token.expires_at)),
        ("amr", s("pwd otp")),
    ];
    if let Some((next, at)) = successor {
        item.extend([
            ("rotated_at", n(at)),
            ("successor_id", s(&next.token_id)),
            ("successor_secret_hash", s(&next.secret_hash)),
            ("successor_issued_at", n(next.issued_at)),
            ("successor_expires_at", n(next.expires_at)),
        ]);
    }
    put(store, item).await;
}

/// An earlier-layout session A → B: A retired at `now() + 5`, B live.
async fn earlier_session(store: &DynamoStore) -> (RefreshRecord, RefreshRecord) {
    let family = uuid::Uuid::new_v4().simple().to_string();
    let a = record("user-1", &family, now());
    let b = record("user-1", &family, now() + 5);
    put(
        store,
        vec![
            ("pk", s("USER#user-1")),
            ("sk", s(format!("FAMILY#{family}"))),
            ("created_at", n(a.issued_at)),
            ("expires_at", n(b.expires_at)),
            ("ttl", n(b.expires_at)),
        ],
    )
    .await;
    put_token(store, &a, Some((&b, now() + 5))).await;
    put_token(store, &b, None).await;
    (a, b)
}

pub async fn an_earlier_session_rotates_replays_and_detects_reuse(store: DynamoStore) {
    let (a, b) = earlier_session(&store).await;
    let state = store.refresh_state(token_ref(&b)).await.unwrap().unwrap();
    assert_eq!((state.status, state.token.amr.join(" ")), (RefreshStatus::Active, "pwd otp".into()));
    let Rotation::Rotated(c) = rotate(&store, &b, now() + 100).await else { panic!("B→C") };
    assert_eq!(c.amr, ["pwd", "otp"], "the methods move with the session");
    assert_eq!(rotate(&store, &b, now() + 101).await, Rotation::Replayed(c.clone()), "a retry of B");
    let Rotation::Rotated(d) = rotate(&store, &c, now() + 200).await else { panic!("C→D, on the family item") };
    assert_eq!(rotate(&store, &b, now() + 300).await, Rotation::Reused, "B, retired by the move");
    assert!(family_revoked(&store, &d).await);
    assert!(family_revoked(&store, &a).await);
}

pub async fn a_token_retired_before_the_deploy_is_still_reuse(store: DynamoStore) {
    let (a, b) = earlier_session(&store).await;
    assert_eq!(rotate(&store, &a, now() + 100).await, Rotation::Reused);
    assert!(family_revoked(&store, &b).await);
}

pub async fn twenty_racing_rotations_of_an_earlier_session_share_one_successor(store: DynamoStore) {
    let (_, b) = earlier_session(&store).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (store, b) = (store.clone(), b.clone());
        tasks.spawn(async move { rotate(&store, &b, now() + 10).await });
    }
    let results = tasks.join_all().await;
    assert_eq!(results.iter().filter(|r| matches!(r, Rotation::Rotated(_))).count(), 1, "{results:?}");
    let successors: Vec<_> = results
        .iter()
        .map(|r| match r {
            Rotation::Rotated(s) | Rotation::Replayed(s) => s.token_id.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(successors.iter().all(|s| *s == successors[0]));
    let next = record("user-1", &b.family_id, now() + 10);
    let raced = store.rotate_refresh(token_ref(&b), &next, now() + 10 + GRACE as i64 + 1, GRACE).await.unwrap();
    assert_eq!(raced, Rotation::Reused);
}

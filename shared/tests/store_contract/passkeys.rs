//! The contract for passkeys and WebAuthn ceremony states.

use shared::store::{Ceremony, CeremonyKind, CeremonyRef, PasskeyRecord, Store};

use super::{create_user, now, user};

fn ceremony(id: &str, kind: CeremonyKind, user_id: Option<&str>) -> Ceremony {
    Ceremony {
        id: id.into(),
        kind,
        user_id: user_id.map(String::from),
        name: user_id.map(|_| "Laptop".into()),
        state: format!("{{\"state-of\":\"{id}\"}}"),
        expires_at: now() + 300,
    }
}

fn passkey(user_id: &str, id: &str, created_at: i64) -> PasskeyRecord {
    PasskeyRecord {
        id: id.into(),
        user_id: user_id.into(),
        name: format!("key {id}"),
        created_at,
        last_used_at: None,
        credential: format!("{{\"counter\":0,\"of\":\"{id}\"}}"),
    }
}

fn taking<'a>(id: &'a str, kind: CeremonyKind, user_id: Option<&'a str>, at: i64) -> CeremonyRef<'a> {
    CeremonyRef { id, kind, user_id, now: at }
}

pub async fn a_ceremony_is_taken_once_by_its_kind_and_owner_before_it_expires<S: Store + Clone>(store: S) {
    use CeremonyKind::{Login, Registration};
    let ada = "ada-user-id";
    let registration = ceremony("reg-1", Registration, Some(ada));
    store.begin_ceremony(&registration).await.unwrap();
    assert_eq!(store.take_ceremony(taking("reg-1", Registration, Some("eve"), now())).await.unwrap(), None);
    assert_eq!(store.take_ceremony(taking("reg-1", Registration, None, now())).await.unwrap(), None);
    assert_eq!(store.take_ceremony(taking("reg-1", Login, Some(ada), now())).await.unwrap(), None);
    assert_eq!(store.take_ceremony(taking("reg-1", Registration, Some(ada), now() + 300)).await.unwrap(), None);
    let which = taking("reg-1", Registration, Some(ada), now() + 299);
    assert_eq!(store.take_ceremony(which).await.unwrap(), Some(registration), "refusals took nothing");
    assert_eq!(store.take_ceremony(which).await.unwrap(), None, "taken once");

    store.begin_ceremony(&ceremony("login-1", Login, None)).await.unwrap();
    assert_eq!(store.take_ceremony(taking("login-1", Login, Some(ada), now())).await.unwrap(), None);
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let store = store.clone();
        racers.spawn(async move { store.take_ceremony(taking("login-1", Login, None, now())).await.unwrap() });
    }
    let taken = racers.join_all().await.into_iter().flatten().collect::<Vec<_>>();
    assert_eq!(taken.len(), 1, "ten racers, one ceremony");
    assert_eq!(taken[0].state, "{\"state-of\":\"login-1\"}");
}

pub async fn passkeys_are_listed_oldest_first_counted_on_the_profile_and_removed<S: Store>(store: S) {
    let (ada, eve) = (user("ada@example.com"), user("eve@example.com"));
    create_user(&store, &ada).await.unwrap();
    create_user(&store, &eve).await.unwrap();
    assert!(store.add_passkey(&passkey(&ada.id, "key-b", now() + 5)).await.unwrap());
    assert!(store.add_passkey(&passkey(&ada.id, "key-a", now())).await.unwrap());
    assert!(!store.add_passkey(&passkey(&ada.id, "key-a", now() + 9)).await.unwrap(), "a credential once");
    assert!(!store.add_passkey(&passkey("no-such-user", "key-c", now())).await.unwrap(), "no user, no key");
    assert!(store.add_passkey(&passkey(&eve.id, "key-e", now())).await.unwrap());

    let listed = store.passkeys(&ada.id).await.unwrap();
    assert_eq!(listed.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["key-a", "key-b"]);
    assert_eq!(listed[0], passkey(&ada.id, "key-a", now()));
    assert_eq!(store.profile(&ada.id).await.unwrap().unwrap().passkeys, 2);
    assert_eq!(store.passkey(&ada.id, "key-e").await.unwrap(), None, "eve's key is not ada's");
    assert_eq!(store.passkey(&eve.id, "key-e").await.unwrap().map(|p| p.name), Some("key key-e".into()));

    assert!(!store.remove_passkey(&ada.id, "key-e").await.unwrap(), "nor can ada remove it");
    assert!(store.remove_passkey(&ada.id, "key-b").await.unwrap());
    assert!(!store.remove_passkey(&ada.id, "key-b").await.unwrap(), "removed once");
    assert_eq!(store.profile(&ada.id).await.unwrap().unwrap().passkeys, 1);
    assert_eq!(store.profile(&eve.id).await.unwrap().unwrap().passkeys, 1);

    assert!(store.delete_user(&ada.id).await.unwrap());
    assert!(store.passkeys(&ada.id).await.unwrap().is_empty(), "deleting the user deletes its passkeys");
    assert_eq!(store.passkeys(&eve.id).await.unwrap().len(), 1);
}

pub async fn of_two_logins_that_read_one_counter_only_one_moves_it<S: Store>(store: S) {
    let ada = user("ada@example.com");
    create_user(&store, &ada).await.unwrap();
    let read = passkey(&ada.id, "key-a", now());
    store.add_passkey(&read).await.unwrap();
    assert!(store.passkey_used(&read, Some("{\"counter\":1}"), now() + 1).await.unwrap());
    assert!(!store.passkey_used(&read, Some("{\"counter\":2}"), now() + 2).await.unwrap(), "read before the first");
    let stored = store.passkey(&ada.id, "key-a").await.unwrap().unwrap();
    assert_eq!((stored.credential.as_str(), stored.last_used_at), ("{\"counter\":1}", Some(now() + 1)));
    assert!(store.passkey_used(&stored, None, now() + 3).await.unwrap(), "a counterless key only notes the time");
    assert_eq!(store.passkey(&ada.id, "key-a").await.unwrap().unwrap().last_used_at, Some(now() + 3));
    store.remove_passkey(&ada.id, "key-a").await.unwrap();
    assert!(!store.passkey_used(&stored, None, now() + 4).await.unwrap(), "a removed key is not used");
}

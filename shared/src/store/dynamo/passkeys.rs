//! Passkeys, one item each in their user's partition (`PASSKEY#<cred id>`),
//! counted on the profile in the same transaction that adds or removes one;
//! and WebAuthn ceremony states in partitions of their own, taken by a
//! conditional delete that returns them, so each is used once.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem};

use super::account::built;
use super::items::{Item, get_n, get_s, key, n, opt_n, opt_s, s};
use super::{Action, DynamoStore, Op, calls, unavailable};
use crate::store::table::{
    CEREMONY_SK, PASSKEY_SK_PREFIX, PROFILE_SK, TTL_ATTRIBUTE, ceremony_pk, passkey_sk, user_pk,
};
use crate::store::{Ceremony, CeremonyKind, CeremonyRef, PasskeyRecord, StoreError};

fn passkey_key(user_id: &str, id: &str) -> Item {
    key(user_pk(user_id), passkey_sk(id))
}

fn passkey_from(item: &Item) -> Result<PasskeyRecord, StoreError> {
    Ok(PasskeyRecord {
        id: get_s(item, "id")?,
        user_id: get_s(item, "user_id")?,
        name: get_s(item, "name")?,
        created_at: get_n(item, "created_at")?,
        last_used_at: opt_n(item, "last_used_at"),
        credential: get_s(item, "credential")?,
    })
}

fn ceremony_from(item: &Item) -> Result<Ceremony, StoreError> {
    let kind = match get_s(item, "kind")?.as_str() {
        "registration" => CeremonyKind::Registration,
        "login" => CeremonyKind::Login,
        other => return Err(StoreError::Corrupt(format!("ceremony kind {other}"))),
    };
    Ok(Ceremony {
        id: get_s(item, "id")?,
        kind,
        user_id: opt_s(item, "user_id"),
        name: opt_s(item, "name"),
        state: get_s(item, "state")?,
        expires_at: get_n(item, "expires_at")?,
    })
}

fn conditional_failed<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("ConditionalCheckFailedException")
}

impl DynamoStore {
    pub(super) async fn put_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError> {
        calls(Op::BeginCeremony, Action::PutItem);
        let mut item = key(ceremony_pk(&ceremony.id), CEREMONY_SK);
        item.insert("id".into(), s(&ceremony.id));
        item.insert("kind".into(), s(ceremony.kind.name()));
        item.insert("state".into(), s(&ceremony.state));
        item.insert("expires_at".into(), n(ceremony.expires_at));
        item.insert(TTL_ATTRIBUTE.into(), n(ceremony.expires_at));
        if let Some(user_id) = &ceremony.user_id {
            item.insert("user_id".into(), s(user_id));
        }
        if let Some(name) = &ceremony.name {
            item.insert("name".into(), s(name));
        }
        let put = self.client.put_item().table_name(&self.table).set_item(Some(item));
        put.send().await.map(drop).map_err(|e| unavailable(Op::BeginCeremony, &e))
    }

    pub(super) async fn delete_ceremony(&self, which: CeremonyRef<'_>) -> Result<Option<Ceremony>, StoreError> {
        calls(Op::TakeCeremony, Action::DeleteItem);
        let owner = match which.user_id {
            Some(_) => "user_id = :owner",
            None => "attribute_not_exists(user_id)",
        };
        let mut delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(ceremony_pk(which.id), CEREMONY_SK)))
            .condition_expression(format!("kind = :kind AND expires_at > :now AND {owner}"))
            .expression_attribute_values(":kind", s(which.kind.name()))
            .expression_attribute_values(":now", n(which.now))
            .return_values(ReturnValue::AllOld);
        if let Some(user_id) = which.user_id {
            delete = delete.expression_attribute_values(":owner", s(user_id));
        }
        match delete.send().await {
            Ok(out) => out.attributes.as_ref().map(ceremony_from).transpose(),
            Err(err) if err.as_service_error().is_some_and(conditional_failed) => Ok(None),
            Err(err) => Err(unavailable(Op::TakeCeremony, &err)),
        }
    }

    pub(super) async fn put_passkey(&self, passkey: &PasskeyRecord) -> Result<bool, StoreError> {
        let mut item = passkey_key(&passkey.user_id, &passkey.id);
        item.insert("id".into(), s(&passkey.id));
        item.insert("user_id".into(), s(&passkey.user_id));
        item.insert("name".into(), s(&passkey.name));
        item.insert("created_at".into(), n(passkey.created_at));
        item.insert("credential".into(), s(&passkey.credential));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)");
        let count = self.set(
            key(user_pk(&passkey.user_id), PROFILE_SK),
            "ADD passkeys :one",
            "attribute_exists(pk)",
            vec![(":one", n(1))],
        )?;
        let items = vec![TransactWriteItem::builder().put(built(put.build())?).build(), count];
        self.transact_if(Op::AddPasskey, items).await
    }

    pub(super) async fn query_passkeys(&self, user_id: &str) -> Result<Vec<PasskeyRecord>, StoreError> {
        let op = Op::ListPasskeys;
        let (mut keys, mut start) = (Vec::new(), None);
        loop {
            calls(op, Action::Query);
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(user_pk(user_id)))
                .expression_attribute_values(":prefix", s(PASSKEY_SK_PREFIX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| unavailable(op, &e))?;
            for item in page.items() {
                keys.push(passkey_from(item)?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(keys)
    }

    pub(super) async fn read_passkey(&self, user_id: &str, id: &str) -> Result<Option<PasskeyRecord>, StoreError> {
        self.get(Op::ReadPasskey, passkey_key(user_id, id)).await?.as_ref().map(passkey_from).transpose()
    }

    pub(super) async fn mark_passkey_used(
        &self,
        used: &PasskeyRecord,
        updated: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut update = self.update(passkey_key(&used.user_id, &used.id)).expression_attribute_values(":now", n(now));
        update = match updated {
            Some(credential) => update
                .update_expression("SET last_used_at = :now, credential = :new")
                .condition_expression("credential = :old")
                .expression_attribute_values(":new", s(credential))
                .expression_attribute_values(":old", s(&used.credential)),
            None => update.update_expression("SET last_used_at = :now").condition_expression("attribute_exists(pk)"),
        };
        Ok(self.update_if(Op::PasskeyUsed, update).await?.is_some())
    }

    pub(super) async fn delete_passkey(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(passkey_key(user_id, id)))
            .condition_expression("attribute_exists(pk)");
        let count = self.set(
            key(user_pk(user_id), PROFILE_SK),
            "ADD passkeys :minus",
            "attribute_exists(pk)",
            vec![(":minus", AttributeValue::N("-1".into()))],
        )?;
        let items = vec![TransactWriteItem::builder().delete(built(delete.build())?).build(), count];
        self.transact_if(Op::RemovePasskey, items).await
    }
}

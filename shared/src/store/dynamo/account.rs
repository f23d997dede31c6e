//! The account-lifecycle writes: one-time tokens, and the flows that spend
//! one, each a single transaction that spends the token (a conditional
//! delete, so two racing uses cannot both succeed) together with its effect.
//! Deleting an account sweeps its two partitions and removes the profile and
//! email claim last, so a failure half-way leaves a logged-out account the
//! user can delete again, never an orphan without its owner.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, DeleteRequest, Put, TransactWriteItem, Update, WriteRequest};

use super::items::{self, Item, get_s, key, n, s};
use super::{Action, Cancelled, DynamoStore, MAX_RACE_ATTEMPTS, Op, backoff, calls, unavailable};
use crate::store::table::{
    EMAIL_SK, PARTITION_KEY, PROFILE_SK, SORT_KEY, TTL_ATTRIBUTE, address_pk, email_pk, onetime_sk, user_pk,
};
use crate::store::{EmailChange, OneTimeRecord, Profile, Proof, StoreError};

/// BatchWriteItem takes at most this many requests.
const BATCH: usize = 25;

pub(super) fn built<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, StoreError> {
    result.map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl DynamoStore {
    pub(super) async fn put_onetime(&self, token: &OneTimeRecord) -> Result<(), StoreError> {
        calls(Op::IssueToken, Action::PutItem);
        let mut item = key(user_pk(&token.user_id), onetime_sk(token.purpose));
        item.insert("secret_hash".into(), s(&token.secret_hash));
        item.insert("expires_at".into(), n(token.expires_at));
        item.insert(TTL_ATTRIBUTE.into(), n(token.expires_at));
        if let Some(new_email) = &token.new_email {
            item.insert("new_email".into(), s(new_email));
        }
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| unavailable(Op::IssueToken, &e))?;
        Ok(())
    }

    /// The user's stored token of `proof`'s purpose, whatever it holds.
    pub(super) async fn read_onetime(&self, op: Op, proof: Proof<'_>) -> Result<Option<OneTimeRecord>, StoreError> {
        let Some(item) = self.get(op, key(user_pk(proof.user_id), onetime_sk(proof.purpose))).await? else {
            return Ok(None);
        };
        Ok(Some(OneTimeRecord {
            user_id: proof.user_id.to_string(),
            purpose: proof.purpose,
            secret_hash: get_s(&item, "secret_hash")?,
            expires_at: items::get_n(&item, "expires_at")?,
            new_email: items::opt_s(&item, "new_email"),
        }))
    }

    /// Deletes the token `proof` presents, on condition it is that live token.
    fn spend(&self, proof: Proof<'_>) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(proof.user_id), onetime_sk(proof.purpose))))
            .condition_expression("secret_hash = :h AND expires_at > :now")
            .expression_attribute_values(":h", s(proof.secret_hash))
            .expression_attribute_values(":now", n(proof.now));
        Ok(TransactWriteItem::builder().delete(built(delete.build())?).build())
    }

    pub(super) fn set(
        &self,
        item_key: Item,
        expression: &str,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .update_expression(expression)
            .condition_expression(condition);
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        Ok(TransactWriteItem::builder().update(built(update.build())?).build())
    }

    /// Verification (no hash) or reset (a new hash): the address counts as
    /// verified either way, since the mailed link was opened.
    pub(super) async fn redeem(
        &self,
        op: Op,
        proof: Proof<'_>,
        password_hash: Option<&str>,
    ) -> Result<Option<Profile>, StoreError> {
        for attempt in 0..MAX_RACE_ATTEMPTS {
            let Some(item) = self.get(op, key(user_pk(proof.user_id), PROFILE_SK)).await? else { return Ok(None) };
            let mut profile = items::profile_from(&item)?;
            let verified = AttributeValue::Bool(true);
            let claim = match password_hash {
                None => self.set(
                    key(email_pk(&profile.email), EMAIL_SK),
                    "SET email_verified = :v",
                    "user_id = :uid",
                    vec![(":v", verified.clone()), (":uid", s(proof.user_id))],
                )?,
                Some(hash) => self.set(
                    key(email_pk(&profile.email), EMAIL_SK),
                    "SET email_verified = :v, password_hash = :ph",
                    "user_id = :uid",
                    vec![(":v", verified.clone()), (":uid", s(proof.user_id)), (":ph", s(hash))],
                )?,
            };
            let user = self.set(
                key(user_pk(proof.user_id), PROFILE_SK),
                "SET email_verified = :v",
                "email = :email",
                vec![(":v", verified), (":email", s(&profile.email))],
            )?;
            match self.transact(op, vec![self.spend(proof)?, claim, user]).await? {
                Ok(()) => {
                    profile.email_verified = true;
                    return Ok(Some(profile));
                }
                Err(Cancelled::Condition(failed)) if failed.contains(&0) => return Ok(None),
                // The email moved under us (or another transaction held an item): read again.
                Err(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Unavailable(format!("{op:?}: too much contention")))
    }

    pub(super) async fn move_claim(&self, proof: Proof<'_>) -> Result<EmailChange, StoreError> {
        let op = Op::ChangeEmail;
        let user = user_pk(proof.user_id);
        for attempt in 0..MAX_RACE_ATTEMPTS {
            let (record, profile) =
                tokio::try_join!(self.read_onetime(op, proof), self.get(op, key(user.clone(), PROFILE_SK)))?;
            let (Some(record), Some(profile)) = (record, profile) else { return Ok(EmailChange::Invalid) };
            let (true, Some(new_email)) = (proof.matches(&record), record.new_email) else {
                return Ok(EmailChange::Invalid);
            };
            let mut profile = items::profile_from(&profile)?;
            let Some(claim) = self.get(op, key(email_pk(&profile.email), EMAIL_SK)).await? else {
                return Err(StoreError::Corrupt("a profile without its email claim".into()));
            };
            let password_hash = get_s(&claim, "password_hash")?;
            let drop_old = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(email_pk(&profile.email), EMAIL_SK)))
                .condition_expression("user_id = :uid AND password_hash = :ph")
                .expression_attribute_values(":uid", s(proof.user_id))
                .expression_attribute_values(":ph", s(&password_hash));
            let mut new_claim = key(email_pk(&new_email), EMAIL_SK);
            new_claim.insert("user_id".into(), s(proof.user_id));
            new_claim.insert("password_hash".into(), s(&password_hash));
            new_claim.insert("email_verified".into(), AttributeValue::Bool(true));
            let claim_new = Put::builder()
                .table_name(&self.table)
                .set_item(Some(new_claim))
                .condition_expression("attribute_not_exists(pk)");
            let move_profile = self.set(
                key(user.clone(), PROFILE_SK),
                "SET email = :new, email_verified = :v",
                "email = :old",
                vec![(":new", s(&new_email)), (":v", AttributeValue::Bool(true)), (":old", s(&profile.email))],
            )?;
            let items = vec![
                self.spend(proof)?,
                TransactWriteItem::builder().delete(built(drop_old.build())?).build(),
                TransactWriteItem::builder().put(built(claim_new.build())?).build(),
                move_profile,
            ];
            match self.transact(op, items).await? {
                Ok(()) => {
                    let old_email = std::mem::replace(&mut profile.email, new_email);
                    profile.email_verified = true;
                    return Ok(EmailChange::Changed { profile, old_email });
                }
                Err(Cancelled::Condition(failed)) if failed.contains(&0) => return Ok(EmailChange::Invalid),
                Err(Cancelled::Condition(failed)) if failed.contains(&2) => return Ok(EmailChange::Taken),
                // A password change or another move raced us: read again.
                Err(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Unavailable("change_email: too much contention".into()))
    }

    pub(super) async fn remove_user(&self, user_id: &str) -> Result<bool, StoreError> {
        let op = Op::DeleteUser;
        for attempt in 0..MAX_RACE_ATTEMPTS {
            let Some(item) = self.get(op, key(user_pk(user_id), PROFILE_SK)).await? else { return Ok(false) };
            let email = get_s(&item, "email")?;
            self.sweep(&user_pk(user_id)).await?;
            self.sweep(&address_pk(&email)).await?;
            let drop_claim = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(email_pk(&email), EMAIL_SK)))
                .condition_expression("user_id = :uid")
                .expression_attribute_values(":uid", s(user_id));
            let drop_profile = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(user_pk(user_id), PROFILE_SK)))
                .condition_expression("email = :email")
                .expression_attribute_values(":email", s(&email));
            let items = vec![
                TransactWriteItem::builder().delete(built(drop_claim.build())?).build(),
                TransactWriteItem::builder().delete(built(drop_profile.build())?).build(),
            ];
            match self.transact(op, items).await? {
                Ok(()) => {
                    // A login that checked the password before the claim went
                    // may have stored a session since the first sweep.
                    self.sweep(&user_pk(user_id)).await?;
                    return Ok(true);
                }
                Err(_) => backoff(attempt).await,
            }
        }
        Err(StoreError::Unavailable("delete_user: too much contention".into()))
    }

    /// Deletes every item of partition `pk` but the profile.
    async fn sweep(&self, pk: &str) -> Result<(), StoreError> {
        let op = Op::DeleteUser;
        let mut start = None;
        loop {
            calls(op, Action::Query);
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("pk = :pk")
                .projection_expression("pk, sk")
                .expression_attribute_values(":pk", s(pk))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| unavailable(op, &e))?;
            let keys: Vec<Item> = page
                .items()
                .iter()
                .filter(|item| item.get(SORT_KEY).and_then(|v| v.as_s().ok()).is_some_and(|sk| sk != PROFILE_SK))
                .map(|item| {
                    item.iter()
                        .filter(|(k, _)| *k == PARTITION_KEY || *k == SORT_KEY)
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .collect();
            for chunk in keys.chunks(BATCH) {
                self.delete_batch(chunk.to_vec()).await?;
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(());
            }
        }
    }

    async fn delete_batch(&self, keys: Vec<Item>) -> Result<(), StoreError> {
        let op = Op::DeleteUser;
        let mut requests = keys
            .into_iter()
            .map(|k| {
                built(DeleteRequest::builder().set_key(Some(k)).build())
                    .map(|d| WriteRequest::builder().delete_request(d).build())
            })
            .collect::<Result<Vec<_>, _>>()?;
        for attempt in 0..MAX_RACE_ATTEMPTS {
            calls(op, Action::BatchWriteItem);
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(|e| unavailable(op, &e))?;
            requests = out.unprocessed_items.and_then(|mut u| u.remove(&self.table)).unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            backoff(attempt).await;
        }
        Err(StoreError::Unavailable("delete_user: batch writes left unprocessed".into()))
    }
}

//! The second factor: one item per user (`MFA#TOTP`) holding the secret,
//! whether it is confirmed, the last time step spent and the recovery-code
//! hashes as a string set. Spending a step or a code is one conditional
//! update of that item, so racing uses of one code cannot both pass;
//! confirming and removing also flip the profile's `mfa_totp` flag in the
//! same transaction, so `GET /me` never disagrees with login.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, ReturnValue, TransactWriteItem, Update};

use super::account::built;
use super::items::{flag, get_s, key, n, opt_n, s};
use super::{Action, Cancelled, DynamoStore, MAX_RACE_ATTEMPTS, Op, backoff, calls, unavailable};
use crate::store::table::{PROFILE_SK, TOTP_SK, TTL_ATTRIBUTE, onetime_sk, user_pk};
use crate::store::{Proof, RecoveryCodeUse, StoreError, TotpFactor};

/// A pending factor nobody confirms is cleaned up after a day.
const PENDING_TTL_SECONDS: i64 = 86_400;

fn factor_key(user_id: &str) -> super::Item {
    key(user_pk(user_id), TOTP_SK)
}

fn codes_in(item: &super::Item) -> u32 {
    let codes = item.get("recovery").and_then(|v| v.as_ss().ok()).map_or(0, Vec::len);
    u32::try_from(codes).unwrap_or(u32::MAX)
}

impl DynamoStore {
    pub(super) async fn put_pending_totp(&self, user_id: &str, secret: &str, now: i64) -> Result<bool, StoreError> {
        calls(Op::BeginTotp, Action::PutItem);
        let mut item = factor_key(user_id);
        item.insert("secret".into(), s(secret));
        item.insert("confirmed".into(), AttributeValue::Bool(false));
        item.insert("created_at".into(), n(now));
        item.insert(TTL_ATTRIBUTE.into(), n(now + PENDING_TTL_SECONDS));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR confirmed = :f")
            .expression_attribute_values(":f", AttributeValue::Bool(false));
        match put.send().await {
            Ok(_) => Ok(true),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(err) => Err(unavailable(Op::BeginTotp, &err)),
        }
    }

    pub(super) async fn read_totp(&self, user_id: &str) -> Result<Option<TotpFactor>, StoreError> {
        let Some(item) = self.get(Op::ReadTotp, factor_key(user_id)).await? else { return Ok(None) };
        Ok(Some(TotpFactor {
            secret: get_s(&item, "secret")?,
            confirmed: flag(&item, "confirmed"),
            last_step: opt_n(&item, "last_step").and_then(|step| u64::try_from(step).ok()),
            recovery_codes_left: codes_in(&item),
        }))
    }

    pub(super) async fn confirm_pending_totp(
        &self,
        user_id: &str,
        secret: &str,
        step: u64,
        recovery_hashes: &[String],
    ) -> Result<bool, StoreError> {
        let on = AttributeValue::Bool(true);
        // Confirmed factors live as long as the account: the pending TTL goes.
        let factor = Update::builder()
            .table_name(&self.table)
            .set_key(Some(factor_key(user_id)))
            .update_expression("SET confirmed = :t, last_step = :step, recovery = :codes REMOVE #ttl")
            .condition_expression("confirmed = :f AND secret = :secret")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":t", on.clone())
            .expression_attribute_values(":f", AttributeValue::Bool(false))
            .expression_attribute_values(":step", n(i64::try_from(step).unwrap_or(i64::MAX)))
            .expression_attribute_values(":codes", AttributeValue::Ss(recovery_hashes.to_vec()))
            .expression_attribute_values(":secret", s(secret));
        let factor = TransactWriteItem::builder().update(built(factor.build())?).build();
        let profile =
            self.set(key(user_pk(user_id), PROFILE_SK), "SET mfa_totp = :t", "attribute_exists(pk)", vec![(":t", on)])?;
        self.transact_if(Op::ConfirmTotp, vec![factor, profile]).await
    }

    pub(super) async fn spend_step(&self, user_id: &str, step: u64) -> Result<bool, StoreError> {
        let update = self
            .update(factor_key(user_id))
            .update_expression("SET last_step = :step")
            .condition_expression("confirmed = :t AND (attribute_not_exists(last_step) OR last_step < :step)")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":step", n(i64::try_from(step).unwrap_or(i64::MAX)));
        Ok(self.update_if(Op::SpendTotpStep, update).await?.is_some())
    }

    pub(super) async fn spend_code(&self, user_id: &str, hash: &str) -> Result<RecoveryCodeUse, StoreError> {
        let update = self
            .update(factor_key(user_id))
            .update_expression("DELETE recovery :codes")
            .condition_expression("confirmed = :t AND contains(recovery, :code)")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .expression_attribute_values(":codes", AttributeValue::Ss(vec![hash.to_string()]))
            .expression_attribute_values(":code", s(hash))
            .return_values(ReturnValue::AllNew);
        Ok(match self.update_if(Op::SpendRecoveryCode, update).await? {
            Some(item) => RecoveryCodeUse::Spent { left: codes_in(&item) },
            None => RecoveryCodeUse::Refused,
        })
    }

    pub(super) async fn delete_totp(&self, user_id: &str) -> Result<bool, StoreError> {
        let factor = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(factor_key(user_id)))
            .condition_expression("attribute_exists(pk)");
        let profile = self.set(
            key(user_pk(user_id), PROFILE_SK),
            "SET mfa_totp = :f",
            "attribute_exists(pk)",
            vec![(":f", AttributeValue::Bool(false))],
        )?;
        let items = vec![TransactWriteItem::builder().delete(built(factor.build())?).build(), profile];
        self.transact_if(Op::RemoveTotp, items).await
    }

    /// A conditional transaction: `false` when a condition failed, retried
    /// while other transactions hold its items.
    pub(super) async fn transact_if(&self, op: Op, items: Vec<TransactWriteItem>) -> Result<bool, StoreError> {
        for attempt in 0..MAX_RACE_ATTEMPTS {
            match self.transact(op, items.clone()).await? {
                Ok(()) => return Ok(true),
                Err(Cancelled::Condition(_)) => return Ok(false),
                Err(Cancelled::Conflict) => backoff(attempt).await,
            }
        }
        Err(StoreError::Unavailable(format!("{op:?}: too much contention")))
    }

    pub(super) async fn spend_onetime(&self, proof: Proof<'_>) -> Result<bool, StoreError> {
        calls(Op::RedeemToken, Action::DeleteItem);
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(user_pk(proof.user_id), onetime_sk(proof.purpose))))
            .condition_expression("secret_hash = :h AND expires_at > :now")
            .expression_attribute_values(":h", s(proof.secret_hash))
            .expression_attribute_values(":now", n(proof.now));
        match delete.send().await {
            Ok(_) => Ok(true),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(false),
            Err(err) => Err(unavailable(Op::RedeemToken, &err)),
        }
    }
}

//! The DynamoDB store: one table (see `table`), email uniqueness by a
//! transaction, refresh rotation by a conditional update of the session's
//! one item (`family`), strongly
//! consistent reads wherever a flow reads what it or a racing call just wrote.

mod account;
mod admin;
mod factor;
mod family;
mod items;
mod passkeys;

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem};

pub use admin::ensure_table;
#[cfg(any(test, feature = "testing"))]
pub use admin::{fresh_table, local_endpoint, test_store};
use items::{Item, get_n, get_s, key, n, s};

use super::ops::{Action, Op};
use super::table::{EMAIL_SK, FAMILY_SK_PREFIX, PROFILE_SK, SORT_KEY, counter_key, email_pk, family_sk, user_pk};
use super::{
    Attempt, Ceremony, CeremonyRef, Count, Counter, Credentials, EmailChange, Limit, OneTimeRecord, PasskeyRecord,
    Profile, Proof, RecoveryCodeUse, RefreshRecord, RefreshState, Rotation, SessionInfo, Store, StoreError, TokenRef,
    TotpFactor, User,
};
use crate::config::StoreSettings;

/// Attempts at an operation that lost a race (a transaction conflict or a
/// condition that another caller's write changed) before giving up with 503.
const MAX_RACE_ATTEMPTS: u32 = 16;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// Every DynamoDB call names the store operation it serves and the action it
/// is; in debug builds (every test) an action the operation does not declare
/// fails at once, so the declared actions, and the IAM policies made from
/// them, cover what the code really calls.
fn calls(op: Op, action: Action) {
    debug_assert!(op.actions().contains(&action), "store operation {op:?} calls {action:?}, which it does not declare");
}

fn unavailable<E: ProvideErrorMetadata, R>(operation: Op, err: &SdkError<E, R>) -> StoreError {
    let what = match err {
        SdkError::TimeoutError(_) => "timed out",
        SdkError::DispatchFailure(_) => "could not connect",
        SdkError::ResponseError(_) => "unreadable response",
        SdkError::ConstructionFailure(_) => "request could not be built",
        _ => err.code().unwrap_or("service error"),
    };
    tracing::warn!(?operation, error = what, "dynamodb call failed");
    StoreError::Unavailable(format!("{operation:?}: {what}"))
}

/// How a cancelled transaction went, from its per-item reasons.
enum Cancelled {
    /// A condition failed on the items at these positions.
    Condition(Vec<usize>),
    /// Another transaction held an item: try again.
    Conflict,
}

fn cancellation<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<Cancelled> {
    let TransactWriteItemsError::TransactionCanceledException(e) = err.as_service_error()? else {
        return err
            .as_service_error()
            .and_then(|e| e.is_transaction_in_progress_exception().then_some(Cancelled::Conflict));
    };
    let reasons = e.cancellation_reasons();
    let failed: Vec<usize> = reasons
        .iter()
        .enumerate()
        .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
        .map(|(i, _)| i)
        .collect();
    if !failed.is_empty() {
        return Some(Cancelled::Condition(failed));
    }
    reasons.iter().any(|r| r.code() == Some("TransactionConflict")).then_some(Cancelled::Conflict)
}

async fn backoff(attempt: u32) {
    let jitter = uuid::Uuid::new_v4().as_u128() as u64 % 20;
    tokio::time::sleep(Duration::from_millis(5 + jitter + u64::from(attempt) * 10)).await;
}

impl DynamoStore {
    /// The one place that pairs an SDK configuration with a table: the
    /// endpoint, when set, points the client at DynamoDB Local.
    pub fn from_sdk(sdk: &aws_config::SdkConfig, settings: &StoreSettings) -> Self {
        let mut config = aws_sdk_dynamodb::config::Builder::from(sdk);
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint);
        }
        Self { client: Client::from_conf(config.build()), table: settings.table_name.clone() }
    }

    /// Loads its own SDK configuration; for local use and tests. Lambdas
    /// share one `SdkConfig` between clients instead (`runtime::boot`).
    pub async fn connect(settings: &StoreSettings) -> Self {
        Self::from_sdk(&crate::aws::sdk_config(settings.endpoint.as_deref()).await, settings)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Opens `connections` connections (DNS, TCP, TLS) during init, as many
    /// as the handler makes calls at once (each HTTP/1.1 call holds its own),
    /// so the first event does not pay for them. Failures are logged, not
    /// fatal: the first real call retries and answers 503 if DynamoDB is still unreachable.
    pub async fn warm_up(&self, connections: usize) {
        let mut pings = tokio::task::JoinSet::new();
        for _ in 0..connections.max(1) {
            let store = self.clone();
            pings.spawn(async move { store.ping().await });
        }
        while let Some(result) = pings.join_next().await {
            if let Ok(Err(err)) = result {
                unavailable(Op::WarmUp, &err);
            }
        }
    }

    async fn ping(&self) -> Result<(), SdkError<GetItemError, HttpResponse>> {
        calls(Op::WarmUp, Action::GetItem);
        let ping = self.client.get_item().table_name(&self.table).set_key(Some(key("WARMUP".into(), "WARMUP")));
        ping.send().await.map(drop)
    }

    async fn get(&self, operation: Op, item_key: Item) -> Result<Option<Item>, StoreError> {
        self.read(operation, item_key, true).await
    }

    async fn read(&self, operation: Op, item_key: Item, consistent: bool) -> Result<Option<Item>, StoreError> {
        calls(operation, Action::GetItem);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| unavailable(operation, &e))?;
        Ok(out.item)
    }

    fn put(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    async fn transact(
        &self,
        operation: Op,
        items: Vec<TransactWriteItem>,
    ) -> Result<Result<(), Cancelled>, StoreError> {
        for item in &items {
            if item.put().is_some() {
                calls(operation, Action::PutItem);
            }
            if item.update().is_some() {
                calls(operation, Action::UpdateItem);
            }
            if item.delete().is_some() {
                calls(operation, Action::DeleteItem);
            }
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            // Makes the SDK's own retries of this call idempotent.
            .client_request_token(uuid::Uuid::new_v4().to_string())
            .send()
            .await
        {
            Ok(_) => Ok(Ok(())),
            Err(err) => cancellation(&err).map(Err).ok_or_else(|| unavailable(operation, &err)),
        }
    }

    fn update(&self, item_key: Item) -> UpdateItemFluentBuilder {
        self.client.update_item().table_name(&self.table).set_key(Some(item_key))
    }

    /// Sends a conditional update. A failed condition is an answer, not an
    /// error: `None`; otherwise the attributes it was asked to return (or none).
    async fn update_if(&self, operation: Op, update: UpdateItemFluentBuilder) -> Result<Option<Item>, StoreError> {
        Ok(self.update_or_current(operation, update).await?.ok())
    }

    /// Like `update_if`, but a failed condition gives the item as it is (when
    /// the update asked for it with `ReturnValuesOnConditionCheckFailure`),
    /// so deciding on it costs no second read.
    async fn update_or_current(
        &self,
        operation: Op,
        update: UpdateItemFluentBuilder,
    ) -> Result<Result<Item, Option<Item>>, StoreError> {
        calls(operation, Action::UpdateItem);
        match update.send().await {
            Ok(out) => Ok(Ok(out.attributes.unwrap_or_default())),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(e)) => Ok(Err(e.item().cloned())),
                _ => Err(unavailable(operation, &err)),
            },
        }
    }

    /// The user's families that are not revoked (and, with `now`, not
    /// expired by then), read strongly consistent, every page.
    async fn unrevoked_families(&self, op: Op, user_id: &str, now: Option<i64>) -> Result<Vec<Item>, StoreError> {
        calls(op, Action::Query);
        let filter = match now {
            Some(_) => "attribute_not_exists(revoked_at) AND expires_at > :now",
            None => "attribute_not_exists(revoked_at)",
        };
        let mut families = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .filter_expression(filter)
                .expression_attribute_values(":pk", s(user_pk(user_id)))
                .expression_attribute_values(":prefix", s(FAMILY_SK_PREFIX))
                .set_exclusive_start_key(start);
            if let Some(now) = now {
                query = query.expression_attribute_values(":now", n(now));
            }
            let page = query.send().await.map_err(|e| unavailable(op, &e))?;
            families.extend(page.items().iter().cloned());
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(families);
            }
        }
    }

    async fn live_families(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let items = self.unrevoked_families(Op::RevokeAll, user_id, None).await?;
        items.iter().map(family_id).collect()
    }

    /// An update of `counter` that counts at `now`: `:now` is the count's
    /// time and `#ttl = :ttl` lets DynamoDB drop the counter once it has reset.
    fn count_update(&self, counter: Counter<'_>, now: i64, limit: Limit) -> UpdateItemFluentBuilder {
        self.update(counter_item_key(counter))
            .expression_attribute_names("#ttl", super::table::TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":ttl", n(now + seconds(limit.window)))
    }

    /// One more count on a live counter under its free maximum; else the counter as it is.
    async fn count_freely(
        &self,
        counter: Counter<'_>,
        now: i64,
        limit: Limit,
    ) -> Result<Result<Item, Option<Item>>, StoreError> {
        let update = self
            .count_update(counter, now, limit)
            .update_expression("SET failures = failures + :one, last_at = :now, #ttl = :ttl")
            .condition_expression("last_at > :cutoff AND failures < :max")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cutoff", n(now - seconds(limit.window)))
            .expression_attribute_values(":max", n(i64::from(limit.max)))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        self.update_or_current(Op::Reserve, update).await
    }

    /// The count after `seen`, if nobody counted since it was read.
    async fn count_after(
        &self,
        counter: Counter<'_>,
        now: i64,
        limit: Limit,
        seen: Count,
    ) -> Result<Option<Item>, StoreError> {
        let update = self
            .count_update(counter, now, limit)
            .update_expression("SET failures = :next, last_at = :now, #ttl = :ttl")
            .condition_expression("failures = :seen AND last_at = :last")
            .expression_attribute_values(":next", n(i64::from(seen.count) + 1))
            .expression_attribute_values(":seen", n(i64::from(seen.count)))
            .expression_attribute_values(":last", n(seen.last_at))
            .return_values(ReturnValue::AllNew);
        self.update_if(Op::Reserve, update).await
    }

    /// The first count of a counter that is absent or has reset.
    async fn count_first(&self, counter: Counter<'_>, now: i64, limit: Limit) -> Result<Option<Item>, StoreError> {
        let update = self
            .count_update(counter, now, limit)
            .update_expression("SET failures = :one, last_at = :now, #ttl = :ttl")
            .condition_expression("attribute_not_exists(pk) OR attribute_not_exists(last_at) OR last_at <= :cutoff")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cutoff", n(now - seconds(limit.window)))
            .return_values(ReturnValue::AllNew);
        self.update_if(Op::Reserve, update).await
    }
}

/// The id of a family item, from its sort key.
fn family_id(item: &Item) -> Result<String, StoreError> {
    Ok(get_s(item, SORT_KEY)?.trim_start_matches(FAMILY_SK_PREFIX).to_string())
}

fn counter_item_key(counter: Counter<'_>) -> Item {
    let (pk, sk) = counter_key(counter);
    key(pk, sk)
}

/// A counter item as it stands; one written before counters had `last_at`
/// counts as reset.
fn count_from(item: &Item) -> Option<Count> {
    let count = u32::try_from(items::opt_n(item, "failures")?).unwrap_or(u32::MAX);
    Some(Count { count, last_at: items::opt_n(item, "last_at")? })
}

fn seconds(window: u64) -> i64 {
    i64::try_from(window).unwrap_or(i64::MAX / 2)
}

impl Store for DynamoStore {
    async fn create_user(&self, user: &User, first_session: Option<&RefreshRecord>) -> Result<(), StoreError> {
        for attempt in 0..MAX_RACE_ATTEMPTS {
            let mut items = vec![self.put(items::profile_item(user))?, self.put(items::credentials_item(user))?];
            if let Some(first) = first_session {
                items.push(self.put(family::family_item(first))?);
            }
            match self.transact(Op::CreateUser, items).await? {
                Ok(()) => return Ok(()),
                Err(Cancelled::Condition(_)) => return Err(StoreError::EmailTaken),
                Err(Cancelled::Conflict) => backoff(attempt).await,
            }
        }
        Err(StoreError::Unavailable("create_user: too much contention".into()))
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        self.get(Op::Credentials, key(email_pk(email), EMAIL_SK))
            .await?
            .map(|item| items::credentials_from(&item, email))
            .transpose()
    }

    async fn profile(&self, user_id: &str) -> Result<Option<Profile>, StoreError> {
        self.get(Op::Profile, key(user_pk(user_id), PROFILE_SK))
            .await?
            .map(|item| items::profile_from(&item))
            .transpose()
    }

    async fn profile_eventually(&self, user_id: &str) -> Result<Option<Profile>, StoreError> {
        self.read(Op::Profile, key(user_pk(user_id), PROFILE_SK), false)
            .await?
            .map(|item| items::profile_from(&item))
            .transpose()
    }

    async fn set_password_hash(&self, email: &str, hash: &str) -> Result<(), StoreError> {
        let update = self
            .update(key(email_pk(email), EMAIL_SK))
            .update_expression("SET password_hash = :h")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":h", s(hash));
        // No claim means no account any more: nothing to rehash.
        self.update_if(Op::SetPasswordHash, update).await.map(drop)
    }

    async fn create_session(&self, first: &RefreshRecord) -> Result<(), StoreError> {
        self.put_session(first).await
    }

    async fn refresh_state(&self, token: TokenRef<'_>) -> Result<Option<RefreshState>, StoreError> {
        self.token_state(token).await
    }

    async fn rotate_refresh(
        &self,
        presented: TokenRef<'_>,
        successor: &RefreshRecord,
        now: i64,
        grace: u64,
    ) -> Result<Rotation, StoreError> {
        self.rotate(presented, successor, now, grace).await
    }

    async fn revoke_family(&self, user_id: &str, family_id: &str, now: i64) -> Result<(), StoreError> {
        let update = self
            .update(key(user_pk(user_id), family_sk(family_id)))
            .update_expression("SET revoked_at = if_not_exists(revoked_at, :now)")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", n(now));
        // An unknown family has nothing to revoke.
        self.update_if(Op::RevokeFamily, update).await.map(drop)
    }

    async fn sessions(&self, user_id: &str, now: i64) -> Result<Vec<SessionInfo>, StoreError> {
        let items = self.unrevoked_families(Op::ListSessions, user_id, Some(now)).await?;
        let mut live = items
            .iter()
            .map(|item| {
                let created_at = get_n(item, "created_at")?;
                Ok(SessionInfo {
                    id: family_id(item)?,
                    created_at,
                    // Families from before last_used_at was kept: their login.
                    last_used_at: items::opt_n(item, "last_used_at").unwrap_or(created_at),
                    expires_at: get_n(item, "expires_at")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        live.sort_by(|a, b| b.last_used_at.cmp(&a.last_used_at).then_with(|| a.id.cmp(&b.id)));
        Ok(live)
    }

    async fn session_live(&self, user_id: &str, family_id: &str, now: i64) -> Result<Option<i64>, StoreError> {
        let family = self.get(Op::ReadSession, key(user_pk(user_id), family_sk(family_id))).await?;
        let Some(family) = family.filter(|f| !f.contains_key("revoked_at")) else { return Ok(None) };
        let expires_at = get_n(&family, "expires_at")?;
        Ok((now < expires_at).then_some(expires_at))
    }

    async fn revoke_all(&self, user_id: &str, now: i64) -> Result<u32, StoreError> {
        let families = self.live_families(user_id).await?;
        let mut tasks = tokio::task::JoinSet::new();
        for family in &families {
            let (store, user, family) = (self.clone(), user_id.to_string(), family.clone());
            tasks.spawn(async move { store.revoke_family(&user, &family, now).await });
        }
        while let Some(result) = tasks.join_next().await {
            result.map_err(|_| StoreError::Unavailable("revoke_all: task failed".into()))??;
        }
        Ok(u32::try_from(families.len()).unwrap_or(u32::MAX))
    }

    async fn reserve(&self, counter: Counter<'_>, now: i64, limit: Limit) -> Result<Attempt, StoreError> {
        let counted = |item: &Item| count_from(item).ok_or_else(|| StoreError::Corrupt("a counter item".into()));
        for attempt in 0..MAX_RACE_ATTEMPTS {
            match self.count_freely(counter, now, limit).await? {
                Ok(item) => return Ok(Attempt::Granted(counted(&item)?)),
                Err(Some(item)) if count_from(&item).is_some_and(|c| !limit.reset_by(c.last_at, now)) => {
                    let seen = counted(&item)?;
                    let retry_at = limit.next_at(seen.count, seen.last_at);
                    if now < retry_at {
                        return Ok(Attempt::Refused { count: seen, retry_at });
                    }
                    // Its wait is over: count it, unless a racing caller just did.
                    if let Some(item) = self.count_after(counter, now, limit, seen).await? {
                        return Ok(Attempt::Granted(counted(&item)?));
                    }
                }
                Err(_) => {
                    if let Some(item) = self.count_first(counter, now, limit).await? {
                        return Ok(Attempt::Granted(counted(&item)?));
                    }
                }
            }
            backoff(attempt).await;
        }
        Err(StoreError::Unavailable("reserve: too much contention".into()))
    }

    async fn release(&self, counter: Counter<'_>) -> Result<(), StoreError> {
        let update = self
            .update(counter_item_key(counter))
            .update_expression("SET failures = failures - :one")
            .condition_expression("failures > :zero")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":zero", n(0));
        self.update_if(Op::Release, update).await.map(drop)
    }

    async fn clear(&self, counter: Counter<'_>) -> Result<(), StoreError> {
        calls(Op::ClearCounter, Action::DeleteItem);
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(counter_item_key(counter)))
            .send()
            .await
            .map_err(|e| unavailable(Op::ClearCounter, &e))?;
        Ok(())
    }

    async fn counted(&self, counter: Counter<'_>, now: i64, limit: Limit) -> Result<Option<Count>, StoreError> {
        let item = self.get(Op::ReadCounter, counter_item_key(counter)).await?;
        Ok(item.as_ref().and_then(count_from).filter(|c| !limit.reset_by(c.last_at, now)))
    }

    async fn issue_token(&self, token: &OneTimeRecord) -> Result<(), StoreError> {
        self.put_onetime(token).await
    }

    async fn token_live(&self, proof: Proof<'_>) -> Result<bool, StoreError> {
        Ok(self.read_onetime(Op::ReadToken, proof).await?.is_some_and(|r| proof.matches(&r)))
    }

    async fn verify_email(&self, proof: Proof<'_>) -> Result<Option<Profile>, StoreError> {
        self.redeem(Op::VerifyEmail, proof, None).await
    }

    async fn reset_password(&self, proof: Proof<'_>, password_hash: &str) -> Result<Option<Profile>, StoreError> {
        self.redeem(Op::ResetPassword, proof, Some(password_hash)).await
    }

    async fn change_email(&self, proof: Proof<'_>) -> Result<EmailChange, StoreError> {
        self.move_claim(proof).await
    }

    async fn redeem_token(&self, proof: Proof<'_>) -> Result<bool, StoreError> {
        self.spend_onetime(proof).await
    }

    async fn delete_user(&self, user_id: &str) -> Result<bool, StoreError> {
        self.remove_user(user_id).await
    }

    async fn begin_totp(&self, user_id: &str, secret: &str, now: i64) -> Result<bool, StoreError> {
        self.put_pending_totp(user_id, secret, now).await
    }

    async fn totp_factor(&self, user_id: &str) -> Result<Option<TotpFactor>, StoreError> {
        self.read_totp(user_id).await
    }

    async fn confirm_totp(
        &self,
        user_id: &str,
        secret: &str,
        step: u64,
        recovery_hashes: &[String],
    ) -> Result<bool, StoreError> {
        self.confirm_pending_totp(user_id, secret, step, recovery_hashes).await
    }

    async fn spend_totp_step(&self, user_id: &str, step: u64) -> Result<bool, StoreError> {
        self.spend_step(user_id, step).await
    }

    async fn spend_recovery_code(&self, user_id: &str, hash: &str) -> Result<RecoveryCodeUse, StoreError> {
        self.spend_code(user_id, hash).await
    }

    async fn remove_totp(&self, user_id: &str) -> Result<bool, StoreError> {
        self.delete_totp(user_id).await
    }

    async fn begin_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError> {
        self.put_ceremony(ceremony).await
    }

    async fn take_ceremony(&self, which: CeremonyRef<'_>) -> Result<Option<Ceremony>, StoreError> {
        self.delete_ceremony(which).await
    }

    async fn add_passkey(&self, passkey: &PasskeyRecord) -> Result<bool, StoreError> {
        self.put_passkey(passkey).await
    }

    async fn passkeys(&self, user_id: &str) -> Result<Vec<PasskeyRecord>, StoreError> {
        self.query_passkeys(user_id).await
    }

    async fn passkey(&self, user_id: &str, id: &str) -> Result<Option<PasskeyRecord>, StoreError> {
        self.read_passkey(user_id, id).await
    }

    async fn passkey_used(&self, used: &PasskeyRecord, updated: Option<&str>, now: i64) -> Result<bool, StoreError> {
        self.mark_passkey_used(used, updated, now).await
    }

    async fn remove_passkey(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        self.delete_passkey(user_id, id).await
    }
}

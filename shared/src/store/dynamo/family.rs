//! Sessions. One item per token family (`FAMILY#<id>`) holds the family's
//! current refresh token and the one it replaced, so a refresh is one
//! strongly consistent read and one conditional update of that item: the
//! rotation, the grace interval's replay and reuse detection all read it, and
//! revoking the family marks it.
//!
//! A token older than the predecessor gets an item of its own (`TOKEN#<id>`,
//! naming the successor it was rotated to), written just before it leaves
//! the family item. Facts about a retired token never change, so racing
//! writers write the same item, and there is no moment at which a retired
//! token is in neither place: reuse of any of them is still detected, and a
//! retry within the grace interval still gets its own successor back.
//!
//! Sessions stored before this layout (a family item without a token, one
//! `TOKEN#` item per token) keep working: they are read from their token
//! items, and their next rotation moves them onto the family item in one
//! transaction that also retires the token item, so a function still running
//! the earlier code during a deploy cannot rotate that token a second time.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use super::account::built;
use super::items::{self, Item, get_n, get_s, key, n, opt_n, opt_s, s};
use super::{Action, DynamoStore, MAX_RACE_ATTEMPTS, Op, backoff, calls};
use crate::store::table::{TTL_ATTRIBUTE, family_sk, token_sk, user_pk};
use crate::store::{
    Decision, NO_SESSION_LIMIT, RefreshRecord, RefreshState, RefreshStatus, Refusal, Rotation, Store, StoreError,
    TokenRef, decide,
};

/// A new family whose current token is `first`.
pub(super) fn family_item(first: &RefreshRecord) -> Item {
    let mut item = key(user_pk(&first.user_id), family_sk(&first.family_id));
    item.insert("created_at".into(), n(first.issued_at));
    item.insert("expires_at".into(), n(first.expires_at));
    item.insert(TTL_ATTRIBUTE.into(), n(first.expires_at));
    item.insert("token_id".into(), s(&first.token_id));
    item.insert("secret_hash".into(), s(&first.secret_hash));
    item.insert("issued_at".into(), n(first.issued_at));
    item.insert("session_ends_at".into(), n(first.session_ends_at));
    if !first.amr.is_empty() {
        item.insert("amr".into(), s(first.amr.join(" ")));
    }
    item
}

/// The family's current token; `None` for a family stored before the
/// family item held it.
fn current(family: &Item, user_id: &str, family_id: &str) -> Result<Option<RefreshRecord>, StoreError> {
    let Some(token_id) = opt_s(family, "token_id") else { return Ok(None) };
    Ok(Some(RefreshRecord {
        user_id: user_id.to_string(),
        family_id: family_id.to_string(),
        token_id,
        secret_hash: get_s(family, "secret_hash")?,
        issued_at: get_n(family, "issued_at")?,
        expires_at: get_n(family, "expires_at")?,
        session_ends_at: get_n(family, "session_ends_at")?,
        amr: items::methods(family),
    }))
}

/// The token `current` replaced, and when.
fn previous(family: &Item, current: &RefreshRecord) -> Result<Option<(RefreshRecord, i64)>, StoreError> {
    let Some(token_id) = opt_s(family, "prev_id") else { return Ok(None) };
    let record = RefreshRecord {
        token_id,
        secret_hash: get_s(family, "prev_secret_hash")?,
        issued_at: get_n(family, "prev_issued_at")?,
        expires_at: get_n(family, "prev_expires_at")?,
        session_ends_at: get_n(family, "prev_session_ends_at")?,
        ..current.clone()
    };
    Ok(Some((record, get_n(family, "rotated_at")?)))
}

/// A token of its own item: a retired one, or any of a session stored
/// before the family item held its tokens.
fn token_item(record: &RefreshRecord) -> Item {
    let mut item = key(user_pk(&record.user_id), token_sk(&record.token_id));
    item.insert("family_id".into(), s(&record.family_id));
    item.insert("secret_hash".into(), s(&record.secret_hash));
    item.insert("issued_at".into(), n(record.issued_at));
    item.insert("expires_at".into(), n(record.expires_at));
    item.insert("session_ends_at".into(), n(record.session_ends_at));
    item.insert(TTL_ATTRIBUTE.into(), n(record.expires_at));
    if !record.amr.is_empty() {
        item.insert("amr".into(), s(record.amr.join(" ")));
    }
    item
}

/// The item of `retired`, rotated at `rotated_at` to `successor`.
fn retired_item(retired: &RefreshRecord, successor: &RefreshRecord, rotated_at: i64) -> Item {
    let mut item = token_item(retired);
    item.insert("rotated_at".into(), n(rotated_at));
    item.insert("successor_id".into(), s(&successor.token_id));
    item.insert("successor_secret_hash".into(), s(&successor.secret_hash));
    item.insert("successor_issued_at".into(), n(successor.issued_at));
    item.insert("successor_expires_at".into(), n(successor.expires_at));
    item.insert("successor_session_ends_at".into(), n(successor.session_ends_at));
    item
}

/// The update that makes `current` the family's token in place of
/// `previous`, which it replaced at `now`: its expression, names and values,
/// for a plain update and for one inside a transaction alike.
struct Swap {
    expression: String,
    names: HashMap<String, String>,
    values: Item,
}

impl Swap {
    fn new(current: &RefreshRecord, previous: &RefreshRecord, now: i64) -> Self {
        let mut expression = String::from(
            "SET token_id = :tid, secret_hash = :th, issued_at = :tia, expires_at = :exp, #ttl = :exp, \
             session_ends_at = :tse, last_used_at = :now, rotated_at = :now, prev_id = :pid, \
             prev_secret_hash = :ph, prev_issued_at = :pia, prev_expires_at = :pexp, prev_session_ends_at = :pse",
        );
        let mut values = HashMap::from([
            (":tid".to_string(), s(&current.token_id)),
            (":th".to_string(), s(&current.secret_hash)),
            (":tia".to_string(), n(current.issued_at)),
            (":exp".to_string(), n(current.expires_at)),
            (":tse".to_string(), n(current.session_ends_at)),
            (":now".to_string(), n(now)),
            (":pid".to_string(), s(&previous.token_id)),
            (":ph".to_string(), s(&previous.secret_hash)),
            (":pia".to_string(), n(previous.issued_at)),
            (":pexp".to_string(), n(previous.expires_at)),
            (":pse".to_string(), n(previous.session_ends_at)),
        ]);
        if !current.amr.is_empty() {
            expression.push_str(", amr = :amr");
            values.insert(":amr".into(), s(current.amr.join(" ")));
        }
        Self { expression, names: HashMap::from([("#ttl".to_string(), TTL_ATTRIBUTE.to_string())]), values }
    }
}

/// Where the state of a presented token came from, which decides how it is rotated.
enum Layout {
    /// The family item (as read) holds it as its current token.
    Current(Item),
    /// The predecessor, or a token of its own item; only a session stored
    /// before the family item held its tokens has a live one there.
    Elsewhere,
}

impl DynamoStore {
    /// The family item, if there is one.
    async fn family(&self, op: Op, token: TokenRef<'_>) -> Result<Option<Item>, StoreError> {
        self.get(op, key(user_pk(token.user_id), family_sk(token.family_id))).await
    }

    /// What `token` is within `family`: current or predecessor from the
    /// family item itself, else from its own item (one more read).
    async fn state_in(
        &self,
        op: Op,
        token: TokenRef<'_>,
        family: Option<Item>,
    ) -> Result<Option<(RefreshState, Layout)>, StoreError> {
        let Some(family) = family else { return Ok(None) };
        let family_revoked = family.contains_key("revoked_at");
        let current = current(&family, token.user_id, token.family_id)?;
        if let Some(current) = current.clone() {
            if current.token_id == token.token_id {
                let state = RefreshState { token: current, status: RefreshStatus::Active, family_revoked };
                return Ok(Some((state, Layout::Current(family))));
            }
            if let Some((previous, rotated_at)) = previous(&family, &current)?
                && previous.token_id == token.token_id
            {
                let status = RefreshStatus::Rotated { successor: current, rotated_at };
                return Ok(Some((RefreshState { token: previous, status, family_revoked }, Layout::Elsewhere)));
            }
        }
        let Some(item) = self.get(op, key(user_pk(token.user_id), token_sk(token.token_id))).await? else {
            return Ok(None);
        };
        let record = RefreshRecord {
            user_id: token.user_id.to_string(),
            family_id: get_s(&item, "family_id")?,
            token_id: token.token_id.to_string(),
            secret_hash: get_s(&item, "secret_hash")?,
            issued_at: get_n(&item, "issued_at")?,
            expires_at: get_n(&item, "expires_at")?,
            session_ends_at: opt_n(&item, "session_ends_at").unwrap_or(NO_SESSION_LIMIT),
            amr: items::methods(&item),
        };
        let status = match items::successor_from(&item, &record)? {
            Some((successor, rotated_at)) => RefreshStatus::Rotated { successor, rotated_at },
            // Only a session of the earlier layout has a live token of its own item.
            None if current.is_some() => return Ok(None),
            None => RefreshStatus::Active,
        };
        Ok(Some((RefreshState { token: record, status, family_revoked }, Layout::Elsewhere)))
    }

    pub(super) async fn token_state(&self, token: TokenRef<'_>) -> Result<Option<RefreshState>, StoreError> {
        let family = self.family(Op::RefreshState, token).await?;
        Ok(self.state_in(Op::RefreshState, token, family).await?.map(|(state, _)| state))
    }

    pub(super) async fn put_session(&self, first: &RefreshRecord) -> Result<(), StoreError> {
        calls(Op::CreateSession, Action::PutItem);
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(family_item(first)))
            .condition_expression("attribute_not_exists(pk)");
        match put.send().await {
            Ok(_) => Ok(()),
            // Fresh random ids cannot collide; a failed condition here is a bug elsewhere.
            Err(err) => Err(super::unavailable(Op::CreateSession, &err)),
        }
    }

    pub(super) async fn rotate(
        &self,
        presented: TokenRef<'_>,
        successor: &RefreshRecord,
        now: i64,
        grace: u64,
    ) -> Result<Rotation, StoreError> {
        let op = Op::RotateRefresh;
        let mut family = self.family(op, presented).await?;
        for attempt in 0..MAX_RACE_ATTEMPTS {
            let found = self.state_in(op, presented, family.take()).await?;
            let (state, layout) = found.unzip();
            match decide(presented, state.as_ref(), now, grace) {
                Decision::Rotate => {
                    let (Some(state), Some(layout)) = (state, layout) else {
                        return Ok(Rotation::Refused(Refusal::Unknown));
                    };
                    let successor = successor.clone().succeeding(&state.token);
                    let lost = match layout {
                        Layout::Current(item) => self.advance(&item, &state.token, &successor, now).await?,
                        Layout::Elsewhere => self.migrate(&state.token, &successor, now).await?,
                    };
                    let Some(now_stored) = lost else { return Ok(Rotation::Rotated(successor)) };
                    // Lost a race: what the winner stored decides between replay and refusal.
                    family = now_stored;
                    if family.is_none() {
                        backoff(attempt).await;
                        family = self.family(op, presented).await?;
                    }
                }
                Decision::Replay(existing) => return Ok(Rotation::Replayed(existing)),
                Decision::RevokeFamily => {
                    Store::revoke_family(self, presented.user_id, presented.family_id, now).await?;
                    return Ok(Rotation::Reused);
                }
                Decision::Refuse(why) => return Ok(Rotation::Refused(why)),
            }
        }
        Err(StoreError::Unavailable("rotate_refresh: too much contention".into()))
    }

    /// Makes `successor` the family's current token in place of `presented`,
    /// first giving the predecessor it displaces an item of its own. `None`
    /// when it did; else the family item as it now is (`Some(None)`: gone).
    async fn advance(
        &self,
        family: &Item,
        presented: &RefreshRecord,
        successor: &RefreshRecord,
        now: i64,
    ) -> Result<Option<Option<Item>>, StoreError> {
        if let Some((displaced, rotated_at)) = previous(family, presented)? {
            calls(Op::RotateRefresh, Action::PutItem);
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(retired_item(&displaced, presented, rotated_at)));
            put.send().await.map_err(|e| super::unavailable(Op::RotateRefresh, &e))?;
        }
        let swap = Swap::new(successor, presented, now);
        let update = self
            .update(key(user_pk(&presented.user_id), family_sk(&presented.family_id)))
            .update_expression(swap.expression)
            .set_expression_attribute_names(Some(swap.names))
            .set_expression_attribute_values(Some(swap.values))
            .condition_expression("token_id = :presented AND attribute_not_exists(revoked_at)")
            .expression_attribute_values(":presented", s(&presented.token_id))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        Ok(self.update_or_current(Op::RotateRefresh, update).await?.err())
    }

    /// The first rotation of a session stored as token items: retires the
    /// token's item and moves the session onto its family item, together.
    async fn migrate(
        &self,
        presented: &RefreshRecord,
        successor: &RefreshRecord,
        now: i64,
    ) -> Result<Option<Option<Item>>, StoreError> {
        let (user, family) = (user_pk(&presented.user_id), family_sk(&presented.family_id));
        let retire = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(user.clone(), token_sk(&presented.token_id))))
            .update_expression(
                "SET rotated_at = :now, successor_id = :sid, successor_secret_hash = :ssh, \
                 successor_issued_at = :sia, successor_expires_at = :sea, successor_session_ends_at = :sse",
            )
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(rotated_at)")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":sid", s(&successor.token_id))
            .expression_attribute_values(":ssh", s(&successor.secret_hash))
            .expression_attribute_values(":sia", n(successor.issued_at))
            .expression_attribute_values(":sea", n(successor.expires_at))
            .expression_attribute_values(":sse", n(successor.session_ends_at));
        let swap = Swap::new(successor, presented, now);
        let moved = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(user, family)))
            .update_expression(swap.expression)
            .set_expression_attribute_names(Some(swap.names))
            .set_expression_attribute_values(Some(swap.values))
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(revoked_at) AND attribute_not_exists(token_id)",
            );
        let items = vec![
            TransactWriteItem::builder().update(built(retire.build())?).build(),
            TransactWriteItem::builder().update(built(moved.build())?).build(),
        ];
        // Whoever won (either layout's code), the re-read sees it.
        Ok(match self.transact(Op::RotateRefresh, items).await? {
            Ok(()) => None,
            Err(_) => Some(None),
        })
    }
}

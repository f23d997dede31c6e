//! The one place that decides what presenting a refresh token means (README, "Tokens"),
//! used by every store so they cannot drift apart.

use super::{RefreshRecord, RefreshState, RefreshStatus, Refusal, TokenRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Live and current: retire it and store a successor.
    Rotate,
    /// Retired within the grace interval: answer with the existing successor.
    Replay(RefreshRecord),
    /// Retired before the grace interval: a stolen token; revoke the family.
    RevokeFamily,
    Refuse(Refusal),
}

/// Whether `presented` is the token `state` describes.
pub fn presents(presented: TokenRef<'_>, state: &RefreshState) -> bool {
    state.token.user_id == presented.user_id
        && state.token.family_id == presented.family_id
        && crate::crypto::same_hash(&state.token.secret_hash, presented.secret_hash)
}

pub fn decide(presented: TokenRef<'_>, state: Option<&RefreshState>, now: i64, grace: u64) -> Decision {
    let Some(state) = state else { return Decision::Refuse(Refusal::Unknown) };
    // The presented token must be the stored one, secret included.
    if !presents(presented, state) {
        return Decision::Refuse(Refusal::Unknown);
    }
    if state.family_revoked {
        return Decision::Refuse(Refusal::Revoked);
    }
    if state.token.expires_at <= now {
        return Decision::Refuse(Refusal::Expired);
    }
    match &state.status {
        RefreshStatus::Active => Decision::Rotate,
        RefreshStatus::Rotated { successor, rotated_at } => {
            if now.saturating_sub(*rotated_at) <= i64::try_from(grace).unwrap_or(i64::MAX) {
                Decision::Replay(successor.clone())
            } else {
                Decision::RevokeFamily
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, issued_at: i64) -> RefreshRecord {
        RefreshRecord {
            user_id: "u".into(),
            family_id: "f".into(),
            token_id: id.into(),
            secret_hash: format!("hash-of-{id}"),
            issued_at,
            expires_at: issued_at + 1000,
            session_ends_at: super::super::NO_SESSION_LIMIT,
            amr: Vec::new(),
        }
    }

    fn state(status: RefreshStatus) -> RefreshState {
        RefreshState { token: record("a", 0), status, family_revoked: false }
    }

    const A: TokenRef<'static> = TokenRef { user_id: "u", family_id: "f", token_id: "a", secret_hash: "hash-of-a" };

    #[test]
    fn an_active_token_is_rotated() {
        assert_eq!(decide(A, Some(&state(RefreshStatus::Active)), 10, 10), Decision::Rotate);
    }

    #[test]
    fn a_retry_on_the_grace_boundary_replays_the_successor() {
        let s = state(RefreshStatus::Rotated { successor: record("b", 50), rotated_at: 50 });
        assert_eq!(decide(A, Some(&s), 60, 10), Decision::Replay(record("b", 50)));
    }

    #[test]
    fn a_retired_token_after_the_grace_interval_is_reuse() {
        let s = state(RefreshStatus::Rotated { successor: record("b", 50), rotated_at: 50 });
        assert_eq!(decide(A, Some(&s), 61, 10), Decision::RevokeFamily);
    }

    #[test]
    fn a_token_at_its_expiry_second_is_refused() {
        assert_eq!(decide(A, Some(&state(RefreshStatus::Active)), 1000, 10), Decision::Refuse(Refusal::Expired));
    }

    #[test]
    fn a_revoked_family_refuses_even_its_current_token() {
        let s = RefreshState { family_revoked: true, ..state(RefreshStatus::Active) };
        assert_eq!(decide(A, Some(&s), 10, 10), Decision::Refuse(Refusal::Revoked));
    }

    #[test]
    fn a_wrong_secret_for_a_real_token_id_is_unknown() {
        let forged = TokenRef { secret_hash: "hash-of-something-else", ..A };
        assert_eq!(decide(forged, Some(&state(RefreshStatus::Active)), 10, 10), Decision::Refuse(Refusal::Unknown));
    }

    #[test]
    fn claims_that_do_not_match_the_item_are_unknown() {
        let other = TokenRef { family_id: "g", ..A };
        assert_eq!(decide(other, Some(&state(RefreshStatus::Active)), 10, 10), Decision::Refuse(Refusal::Unknown));
        assert_eq!(decide(A, None, 10, 10), Decision::Refuse(Refusal::Unknown));
    }
}

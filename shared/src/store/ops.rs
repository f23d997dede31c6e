//! Every store operation by name, with the DynamoDB actions its
//! implementation calls. A function declares the operations it uses (its
//! `NEEDS`); its IAM policy in `template.yaml` must grant exactly the union of
//! their actions, which a test checks both ways. The DynamoDB store checks,
//! in debug builds, that each call it makes is among its operation's actions,
//! and the in-memory store records the operations a test used, so neither
//! list can drift from the code.

/// A DynamoDB API action, as IAM names it without the `dynamodb:` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    GetItem,
    PutItem,
    UpdateItem,
    DeleteItem,
    Query,
    BatchWriteItem,
}

impl Action {
    pub fn iam(self) -> &'static str {
        match self {
            Self::GetItem => "dynamodb:GetItem",
            Self::PutItem => "dynamodb:PutItem",
            Self::UpdateItem => "dynamodb:UpdateItem",
            Self::DeleteItem => "dynamodb:DeleteItem",
            Self::Query => "dynamodb:Query",
            Self::BatchWriteItem => "dynamodb:BatchWriteItem",
        }
    }
}

/// One method of the `Store` trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    CreateUser,
    Credentials,
    Profile,
    SetPasswordHash,
    CreateSession,
    RefreshState,
    RotateRefresh,
    RevokeFamily,
    RevokeAll,
    ListSessions,
    ReadSession,
    Reserve,
    Release,
    ClearCounter,
    ReadCounter,
    IssueToken,
    ReadToken,
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
    DeleteUser,
    RedeemToken,
    BeginTotp,
    ReadTotp,
    ConfirmTotp,
    SpendTotpStep,
    SpendRecoveryCode,
    RemoveTotp,
    BeginCeremony,
    TakeCeremony,
    AddPasskey,
    ListPasskeys,
    ReadPasskey,
    PasskeyUsed,
    RemovePasskey,
    /// The read that opens connections during init; every function with a store makes it.
    WarmUp,
}

impl Op {
    /// `a`'s operations then `b`'s, as one array of their two lengths: what
    /// an endpoint that serves two others' requests calls.
    pub const fn both<const N: usize>(a: &[Op], b: &[Op]) -> [Op; N] {
        assert!(a.len() + b.len() == N, "N must be the two lengths together");
        let mut all = [Op::CreateUser; N];
        let mut i = 0;
        while i < N {
            all[i] = if i < a.len() { a[i] } else { b[i - a.len()] };
            i += 1;
        }
        all
    }
}

impl Op {
    /// What IAM must allow for this operation. A `TransactWriteItems` needs
    /// the action of each item it writes, not an action of its own.
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Self::CreateUser | Self::CreateSession => &[PutItem],
            Self::Credentials
            | Self::Profile
            | Self::RefreshState
            | Self::ReadSession
            | Self::ReadCounter
            | Self::ReadTotp
            | Self::ReadPasskey
            | Self::WarmUp => &[GetItem],
            Self::SetPasswordHash
            | Self::RevokeFamily
            | Self::Reserve
            | Self::Release
            | Self::SpendTotpStep
            | Self::SpendRecoveryCode
            | Self::PasskeyUsed => &[UpdateItem],
            Self::BeginCeremony => &[PutItem],
            // A conditional delete that returns what it deleted.
            Self::TakeCeremony => &[DeleteItem],
            // The passkey and the profile's count, in one transaction each way.
            Self::AddPasskey => &[PutItem, UpdateItem],
            Self::RemovePasskey => &[DeleteItem, UpdateItem],
            Self::ListPasskeys => &[Query],
            // A conditional put: no confirmed factor may be replaced.
            Self::BeginTotp => &[PutItem],
            // The factor and the profile's flag in one transaction.
            Self::ConfirmTotp => &[UpdateItem],
            Self::RemoveTotp => &[DeleteItem, UpdateItem],
            Self::RedeemToken => &[DeleteItem],
            // Reads the token and its family, then retires, writes and extends
            // in one transaction, or revokes the family on reuse.
            Self::RotateRefresh => &[GetItem, UpdateItem, PutItem],
            Self::RevokeAll => &[Query, UpdateItem],
            Self::ListSessions => &[Query],
            Self::ClearCounter => &[DeleteItem],
            Self::IssueToken => &[PutItem],
            Self::ReadToken => &[GetItem],
            // Read the profile (and for an email change the token and the old
            // claim), then spend the token and update in one transaction.
            Self::VerifyEmail | Self::ResetPassword => &[GetItem, DeleteItem, UpdateItem],
            Self::ChangeEmail => &[GetItem, DeleteItem, PutItem, UpdateItem],
            // Query both partitions, delete their items in batches, then the
            // profile and claim in one transaction.
            Self::DeleteUser => &[GetItem, Query, BatchWriteItem, DeleteItem],
        }
    }
}

/// The IAM actions of a set of operations, sorted and without repeats.
pub fn iam_actions(ops: &[Op]) -> Vec<&'static str> {
    let mut actions: Vec<&str> = ops.iter().flat_map(|op| op.actions()).map(|a| a.iam()).collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actions_of_several_operations_are_merged_and_sorted() {
        assert_eq!(
            iam_actions(&[Op::Profile, Op::RevokeAll, Op::Credentials]),
            ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"]
        );
        assert!(iam_actions(&[]).is_empty());
    }
}

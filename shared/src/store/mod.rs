//! Users, sessions (refresh-token families) and login counters.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Throttling, timeouts, refused connections: the caller answers 503.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// An item that does not have the shape this code writes.
    #[error("a stored item is malformed: {0}")]
    Corrupt(String),
}

//! The repository's own commands. Nothing here is deployed.

pub mod template;

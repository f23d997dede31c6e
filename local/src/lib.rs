//! `local-api`: every route of the API on one local HTTP server, with the
//! authorizer in front of protected routes exactly as API Gateway would. It
//! is an adapter only: each request goes to the same handler function the
//! Lambda binary calls.

pub mod app;
pub mod config;
pub mod cors;
pub mod docs;
pub mod gateway;
pub mod openapi;
pub mod outbox;
pub mod server;
pub mod web;

pub use app::App;

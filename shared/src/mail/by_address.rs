//! The routes that mail an address on request (`/email/verify/send`,
//! `/password/forgot`): read `{"email"}`, hand the job to the mailer, answer
//! `202 {}`. Nothing here looks the address up, so a known and an unknown
//! one take the same path and cost the same.

use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use super::{Handoff, MailJob};
use crate::email::normalize_email;
use crate::error::ApiError;
use crate::request::json_body;
use crate::response::accepted;

#[derive(Deserialize)]
struct EmailRequest {
    email: String,
}

/// Hands `job(email)` off for the request's address.
pub async fn hand_off_for_address(
    req: &Request,
    handoff: &Handoff,
    job: impl FnOnce(String) -> MailJob,
) -> Result<Response<Body>, ApiError> {
    let body: EmailRequest = json_body(req)?;
    let email = normalize_email(&body.email).map_err(|_| ApiError::invalid_request("email: not a valid address"))?;
    handoff.hand_off(job(email)).await;
    Ok(accepted())
}

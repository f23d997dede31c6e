//! `POST /mfa/totp/enroll` (behind the authorizer): a new 160-bit secret for
//! the caller's authenticator app, as base32, as an `otpauth://` URI and as
//! a QR code (SVG). It stays pending, and login unchanged, until
//! `/mfa/totp/confirm` gets a code from it; enrolling again before that
//! replaces the pending secret. With TOTP already on it is refused: remove
//! it first (`DELETE /mfa/totp`, which needs a code).

use std::sync::Arc;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use shared::Uses;
use shared::endpoint::Endpoint;
use shared::response::json_no_store;
use shared::routes::Function;
use shared::store::{Op, Store};
use shared::totp::{Authenticator, TotpSecret};
use shared::{ApiError, Clock, Keys, Needs, Services, TokenVerifier, caller};

pub const ALREADY_ON: &str = "TOTP is already on; remove it (DELETE /mfa/totp) before enrolling another authenticator";

pub struct EnrollTotp<S> {
    pub store: S,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
    /// The name the app shows beside the account.
    pub issuer: String,
}

impl<S: Store> Endpoint<S> for EnrollTotp<S> {
    const FUNCTION: Function = Function::EnrollTotp;
    const NEEDS: Needs = Needs {
        keys: Keys::Verify,
        store: &[Op::Profile, Op::BeginTotp],
        connections: 1,
        uses: &[Uses::TotpEnrolment],
        ..Needs::NOTHING
    };

    fn new(store: S, services: &Services) -> Self {
        Self {
            store,
            verifier: services.verifier(),
            clock: services.clock.clone(),
            issuer: services.totp_issuer.clone(),
        }
    }

    fn handle(&self, req: Request) -> impl Future<Output = Result<Response<Body>, lambda_http::Error>> + Send {
        handle(req, self)
    }
}

#[derive(Serialize)]
struct Enrolment {
    secret: String,
    otpauth_uri: String,
    qr_svg: String,
}

pub async fn handle<S: Store>(req: Request, deps: &EnrollTotp<S>) -> Result<Response<Body>, lambda_http::Error> {
    Ok(enroll(&req, deps).await.unwrap_or_else(ApiError::into_response))
}

async fn enroll<S: Store>(req: &Request, deps: &EnrollTotp<S>) -> Result<Response<Body>, ApiError> {
    let now = deps.clock.now();
    let user_id = caller::subject(req, &deps.verifier, now)?;
    let profile = deps.store.profile(&user_id).await?.ok_or(ApiError::InvalidToken(caller::GONE))?;
    if profile.totp {
        return Err(ApiError::invalid_request(ALREADY_ON));
    }
    let secret = TotpSecret::generate();
    // The store refuses too, should a confirmation have raced this read.
    if !deps.store.begin_totp(&user_id, &secret.base32(), now).await? {
        return Err(ApiError::invalid_request(ALREADY_ON));
    }
    let app = Authenticator::new(&secret, &deps.issuer, &profile.email);
    tracing::info!(%user_id, "TOTP enrolment started");
    let body = Enrolment { secret: secret.base32(), otpauth_uri: app.uri(), qr_svg: app.qr_svg() };
    Ok(json_no_store(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests;

//! Every function's handler with its dependencies, built once from one set
//! of services, and the one place that says how local-api calls each.

use std::sync::Arc;

use change_email::ChangeEmail;
use change_password::ChangePassword;
use confirm_email::ConfirmEmail;
use confirm_totp::ConfirmTotp;
use delete_account::DeleteAccount;
use delete_passkey::DeletePasskey;
use discovery::Discovery;
use end_session::EndSession;
use enroll_totp::EnrollTotp;
use finish_passkey_login::FinishPasskeyLogin;
use finish_passkey_registration::FinishPasskeyRegistration;
use forgot_password::ForgotPassword;
use jwks::Jwks;
use lambda_http::{Body, Request, Response};
use list_passkeys::ListPasskeys;
use list_sessions::ListSessions;
use login::Login;
use login_mfa::LoginMfa;
use logout::Logout;
use mailer::Mailer;
use me::Me;
use refresh::Refresh;
use remove_totp::RemoveTotp;
use reset_password::ResetPassword;
use send_verification::SendVerification;
use session_authorizer::SessionAuthorizer;
use shared::Services;
use shared::mail::{Handoff, Outbox, Transport};
use shared::routes::Function;
use shared::store::Store;
use signup::Signup;
use start_passkey_login::StartPasskeyLogin;
use start_passkey_registration::StartPasskeyRegistration;
use verify_email::VerifyEmail;

pub struct App<S> {
    pub signup: Signup<S>,
    pub login: Login<S>,
    pub refresh: Refresh<S>,
    pub logout: Logout<S>,
    pub me: Me<S>,
    pub jwks: Jwks,
    pub discovery: Discovery,
    pub send_verification: SendVerification,
    pub verify_email: VerifyEmail<S>,
    pub forgot_password: ForgotPassword,
    pub reset_password: ResetPassword<S>,
    pub change_password: ChangePassword<S>,
    pub change_email: ChangeEmail<S>,
    pub confirm_email: ConfirmEmail<S>,
    pub delete_account: DeleteAccount<S>,
    pub list_sessions: ListSessions<S>,
    pub end_session: EndSession<S>,
    pub enroll_totp: EnrollTotp<S>,
    pub confirm_totp: ConfirmTotp<S>,
    pub remove_totp: RemoveTotp<S>,
    pub login_mfa: LoginMfa<S>,
    pub start_passkey_registration: StartPasskeyRegistration<S>,
    pub finish_passkey_registration: FinishPasskeyRegistration<S>,
    pub list_passkeys: ListPasskeys<S>,
    pub delete_passkey: DeletePasskey<S>,
    pub start_passkey_login: StartPasskeyLogin<S>,
    pub finish_passkey_login: FinishPasskeyLogin<S>,
    /// The token checks, and the session check when `SESSION_CHECK` is on.
    pub authorizer: SessionAuthorizer<S>,
    /// `CORS_ALLOW_ORIGINS`, for the gateway's CORS answers.
    pub origins: shared::origins::AllowedOrigins,
    /// Where the mail went, when it was kept here rather than sent.
    pub outbox: Option<Outbox>,
    /// `openapi.yaml` as JSON, for `/openapi.json`.
    pub openapi: String,
}

impl<S: Store + Clone> App<S> {
    /// `services` must hold the mail settings and transport: the mailer runs
    /// here, each job a task, where in AWS it is an asynchronous invocation.
    pub fn new(store: S, services: &Services) -> Self {
        let mailer = Arc::new(Mailer::new(store.clone(), services));
        let outbox = match &mailer.transport {
            Transport::Outbox(outbox) => Some(outbox.clone()),
            _ => None,
        };
        let mut services = services.clone();
        services.handoff = Some(Handoff::task(move |job| {
            let mailer = mailer.clone();
            tokio::spawn(async move {
                if let Err(err) = mailer.deliver(job).await {
                    tracing::warn!(error = %err, "mail job failed");
                }
            });
        }));
        Self::assemble(store, &services, outbox)
    }

    /// The functions alone: mail jobs go to `services.handoff` as given,
    /// for measuring what each function does by itself.
    pub fn without_mailer(store: S, services: &Services) -> Self {
        Self::assemble(store, services, None)
    }

    fn assemble(store: S, services: &Services, outbox: Option<Outbox>) -> Self {
        Self {
            signup: Signup::new(store.clone(), services),
            login: Login::new(store.clone(), services),
            refresh: Refresh::new(store.clone(), services),
            logout: Logout::new(store.clone(), services),
            me: Me::new(store.clone(), services),
            jwks: Jwks::new(services),
            discovery: Discovery::new(services),
            send_verification: SendVerification::new(store.clone(), services),
            verify_email: VerifyEmail::new(store.clone(), services),
            forgot_password: ForgotPassword::new(store.clone(), services),
            reset_password: ResetPassword::new(store.clone(), services),
            change_password: ChangePassword::new(store.clone(), services),
            change_email: ChangeEmail::new(store.clone(), services),
            confirm_email: ConfirmEmail::new(store.clone(), services),
            delete_account: DeleteAccount::new(store.clone(), services),
            list_sessions: ListSessions::new(store.clone(), services),
            end_session: EndSession::new(store.clone(), services),
            enroll_totp: EnrollTotp::new(store.clone(), services),
            confirm_totp: ConfirmTotp::new(store.clone(), services),
            remove_totp: RemoveTotp::new(store.clone(), services),
            login_mfa: LoginMfa::new(store.clone(), services),
            start_passkey_registration: StartPasskeyRegistration::new(store.clone(), services),
            finish_passkey_registration: FinishPasskeyRegistration::new(store.clone(), services),
            list_passkeys: ListPasskeys::new(store.clone(), services),
            delete_passkey: DeletePasskey::new(store.clone(), services),
            start_passkey_login: StartPasskeyLogin::new(store.clone(), services),
            finish_passkey_login: FinishPasskeyLogin::new(store.clone(), services),
            authorizer: SessionAuthorizer::new(store, services),
            origins: services.origins.clone(),
            outbox,
            openapi: crate::openapi::json(),
        }
    }

    /// Calls the same handler the function's Lambda binary calls. Each
    /// handler's state is boxed: one state machine holding the largest of
    /// them all would be polled on the caller's stack, which debug builds
    /// with many functions outgrow.
    pub async fn invoke(&self, function: Function, request: Request) -> Response<Body> {
        let result = match function {
            Function::Signup => Box::pin(signup::handle(request, &self.signup)).await,
            Function::Login => Box::pin(login::handle(request, &self.login)).await,
            Function::Refresh => Box::pin(refresh::handle(request, &self.refresh)).await,
            Function::Logout => Box::pin(logout::handle(request, &self.logout)).await,
            Function::Me => Box::pin(me::handle(request, &self.me)).await,
            Function::Jwks => Box::pin(jwks::handle(request, &self.jwks)).await,
            Function::Discovery => Box::pin(discovery::handle(request, &self.discovery)).await,
            Function::SendVerification => Box::pin(send_verification::handle(request, &self.send_verification)).await,
            Function::VerifyEmail => Box::pin(verify_email::handle(request, &self.verify_email)).await,
            Function::ForgotPassword => Box::pin(forgot_password::handle(request, &self.forgot_password)).await,
            Function::ResetPassword => Box::pin(reset_password::handle(request, &self.reset_password)).await,
            Function::ChangePassword => Box::pin(change_password::handle(request, &self.change_password)).await,
            Function::ChangeEmail => Box::pin(change_email::handle(request, &self.change_email)).await,
            Function::ConfirmEmail => Box::pin(confirm_email::handle(request, &self.confirm_email)).await,
            Function::DeleteAccount => Box::pin(delete_account::handle(request, &self.delete_account)).await,
            Function::ListSessions => Box::pin(list_sessions::handle(request, &self.list_sessions)).await,
            Function::EndSession => Box::pin(end_session::handle(request, &self.end_session)).await,
            Function::EnrollTotp => Box::pin(enroll_totp::handle(request, &self.enroll_totp)).await,
            Function::ConfirmTotp => Box::pin(confirm_totp::handle(request, &self.confirm_totp)).await,
            Function::RemoveTotp => Box::pin(remove_totp::handle(request, &self.remove_totp)).await,
            Function::LoginMfa => Box::pin(login_mfa::handle(request, &self.login_mfa)).await,
            Function::StartPasskeyRegistration => {
                Box::pin(start_passkey_registration::handle(request, &self.start_passkey_registration)).await
            }
            Function::FinishPasskeyRegistration => {
                Box::pin(finish_passkey_registration::handle(request, &self.finish_passkey_registration)).await
            }
            Function::ListPasskeys => Box::pin(list_passkeys::handle(request, &self.list_passkeys)).await,
            Function::DeletePasskey => Box::pin(delete_passkey::handle(request, &self.delete_passkey)).await,
            Function::StartPasskeyLogin => {
                Box::pin(start_passkey_login::handle(request, &self.start_passkey_login)).await
            }
            Function::FinishPasskeyLogin => {
                Box::pin(finish_passkey_login::handle(request, &self.finish_passkey_login)).await
            }
        };
        // The handlers map every error to a response; this arm is unreachable in practice.
        result.unwrap_or_else(|_| shared::ApiError::Internal.into_response())
    }
}

/// What each function declares it uses, for the checks against `template.yaml`.
pub fn needs(function: Function) -> &'static shared::Needs {
    match function {
        Function::Signup => &signup::NEEDS,
        Function::Login => &login::NEEDS,
        Function::Refresh => &refresh::NEEDS,
        Function::Logout => &logout::NEEDS,
        Function::Me => &me::NEEDS,
        Function::Jwks => &jwks::NEEDS,
        Function::Discovery => &discovery::NEEDS,
        Function::SendVerification => &send_verification::NEEDS,
        Function::VerifyEmail => &verify_email::NEEDS,
        Function::ForgotPassword => &forgot_password::NEEDS,
        Function::ResetPassword => &reset_password::NEEDS,
        Function::ChangePassword => &change_password::NEEDS,
        Function::ChangeEmail => &change_email::NEEDS,
        Function::ConfirmEmail => &confirm_email::NEEDS,
        Function::DeleteAccount => &delete_account::NEEDS,
        Function::EnrollTotp => &enroll_totp::NEEDS,
        Function::ConfirmTotp => &confirm_totp::NEEDS,
        Function::RemoveTotp => &remove_totp::NEEDS,
        Function::LoginMfa => &login_mfa::NEEDS,
        Function::ListSessions => &list_sessions::NEEDS,
        Function::EndSession => &end_session::NEEDS,
        Function::StartPasskeyRegistration => &start_passkey_registration::NEEDS,
        Function::FinishPasskeyRegistration => &finish_passkey_registration::NEEDS,
        Function::ListPasskeys => &list_passkeys::NEEDS,
        Function::DeletePasskey => &delete_passkey::NEEDS,
        Function::StartPasskeyLogin => &start_passkey_login::NEEDS,
        Function::FinishPasskeyLogin => &finish_passkey_login::NEEDS,
    }
}

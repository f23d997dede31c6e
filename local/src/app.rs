//! Every function's handler with its dependencies, built once from one set
//! of services, and the one place that says how local-api calls each.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use mailer::Mailer;
use session_authorizer::SessionAuthorizer;
use shared::mail::{Handoff, Outbox, Transport};
use shared::routes::Function;
use shared::store::Store;
use shared::store::memory::MemoryStore;
use shared::{Endpoint, Needs, Services};

/// Every routed function, once: local-api builds and serves each, and the
/// checks against `template.yaml` and the crates read what each declares.
macro_rules! endpoints {
    ($($endpoint:ty),* $(,)?) => {
        fn handlers<S: Store + Clone>(store: &S, services: &Services) -> BTreeMap<Function, Handler> {
            let mut handlers = BTreeMap::new();
            $(
                let previous = handlers.insert(
                    <$endpoint as Endpoint<S>>::FUNCTION,
                    handler::<$endpoint, S>(<$endpoint as Endpoint<S>>::new(store.clone(), services)),
                );
                assert!(previous.is_none(), "two endpoints are {:?}", <$endpoint as Endpoint<S>>::FUNCTION);
            )*
            handlers
        }

        fn declared<S: Store + Clone>() -> Vec<(Function, Needs)> {
            vec![$((<$endpoint as Endpoint<S>>::FUNCTION, <$endpoint as Endpoint<S>>::NEEDS)),*]
        }
    };
}

endpoints![
    signup::Signup<S>,
    login::Login<S>,
    refresh::Refresh<S>,
    token::Token<S>,
    logout::Logout<S>,
    me::Me<S>,
    jwks::Jwks,
    discovery::Discovery,
    send_verification::SendVerification,
    verify_email::VerifyEmail<S>,
    forgot_password::ForgotPassword,
    reset_password::ResetPassword<S>,
    change_password::ChangePassword<S>,
    change_email::ChangeEmail<S>,
    confirm_email::ConfirmEmail<S>,
    delete_account::DeleteAccount<S>,
    list_sessions::ListSessions<S>,
    end_session::EndSession<S>,
    enroll_totp::EnrollTotp<S>,
    confirm_totp::ConfirmTotp<S>,
    remove_totp::RemoveTotp<S>,
    login_mfa::LoginMfa<S>,
    start_passkey_registration::StartPasskeyRegistration<S>,
    finish_passkey_registration::FinishPasskeyRegistration<S>,
    list_passkeys::ListPasskeys<S>,
    delete_passkey::DeletePasskey<S>,
    start_passkey_login::StartPasskeyLogin<S>,
    finish_passkey_login::FinishPasskeyLogin<S>,
];

type Answer = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// One function's handler. Each call's state is boxed: one state machine
/// holding the largest of them all would be polled on the caller's stack,
/// which debug builds with many functions outgrow.
type Handler = Box<dyn Fn(Request) -> Answer + Send + Sync>;

fn handler<E: Endpoint<S>, S>(endpoint: E) -> Handler {
    let endpoint = Arc::new(endpoint);
    Box::new(move |request| {
        let endpoint = endpoint.clone();
        Box::pin(async move {
            // The handlers map every error to a response; this arm is unreachable in practice.
            endpoint.handle(request).await.unwrap_or_else(|_| shared::ApiError::Internal.into_response())
        })
    })
}

/// What each function declares it uses, for the checks against
/// `template.yaml`, the crates' features and the deployment generator.
pub fn needs(function: Function) -> Needs {
    let declared = declared::<MemoryStore>();
    let found = declared.iter().find(|(f, _)| *f == function);
    found.map(|(_, needs)| *needs).unwrap_or_else(|| panic!("{function:?} is not in local-api's endpoints"))
}

/// Every routed function with what it declares, in the order of `endpoints!`.
pub fn all_needs() -> Vec<(Function, Needs)> {
    declared::<MemoryStore>()
}

pub struct App<S> {
    handlers: BTreeMap<Function, Handler>,
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
            handlers: handlers(&store, services),
            authorizer: SessionAuthorizer::new(store, services),
            origins: services.origins.clone(),
            outbox,
            openapi: crate::openapi::json(),
        }
    }

    /// Calls the same handler the function's Lambda binary calls.
    pub async fn invoke(&self, function: Function, request: Request) -> Response<Body> {
        let handler = self.handlers.get(&function).unwrap_or_else(|| panic!("{function:?} has no endpoint"));
        handler(request).await
    }
}

//! The one route table: every HTTP route, the function that serves it and
//! whether the authorizer guards it. local-api routes by it, and tests hold
//! `template.yaml`, `openapi.yaml`, `events/`, the fault-injection suite and
//! the IAM policies to it, each failing with the name of a route it lacks.

/// Declares `Function` from one list: each variant once, with its name.
macro_rules! functions {
    ($($variant:ident => $name:literal,)*) => {
        /// A Lambda function that serves HTTP routes. Its name is its crate,
        /// its binary, its folder in `events/` and its `CodeUri` in
        /// `template.yaml`; its variant is the `Endpoint::FUNCTION` of its crate.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Function {
            $($variant,)*
        }

        impl Function {
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

functions! {
    Signup => "signup",
    Login => "login",
    Refresh => "refresh",
    Token => "token",
    Logout => "logout",
    Me => "me",
    Jwks => "jwks",
    SendVerification => "send-verification",
    VerifyEmail => "verify-email",
    ForgotPassword => "forgot-password",
    ResetPassword => "reset-password",
    ChangePassword => "change-password",
    ChangeEmail => "change-email",
    ConfirmEmail => "confirm-email",
    DeleteAccount => "delete-account",
    ListSessions => "list-sessions",
    EndSession => "end-session",
    Discovery => "discovery",
    EnrollTotp => "enroll-totp",
    ConfirmTotp => "confirm-totp",
    RemoveTotp => "remove-totp",
    LoginMfa => "login-mfa",
    StartPasskeyRegistration => "start-passkey-registration",
    FinishPasskeyRegistration => "finish-passkey-registration",
    ListPasskeys => "list-passkeys",
    DeletePasskey => "delete-passkey",
    StartPasskeyLogin => "start-passkey-login",
    FinishPasskeyLogin => "finish-passkey-login",
}

impl Function {
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// `FinishPasskeyLogin`: the logical-name prefix of its resources in `template.yaml`.
    pub fn resource_name(self) -> String {
        self.name().split('-').map(|word| word[..1].to_uppercase() + &word[1..]).collect()
    }
}

/// The functions that serve no route: the authorizer and the authorizer
/// with the session check (invoked by the gateway), the signing-key custom resource (invoked by CloudFormation) and
/// the mailer (invoked asynchronously by the functions that mail).
pub const OTHER_FUNCTIONS: [&str; 4] = ["authorizer", "session-authorizer", "keys", "mailer"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    /// Behind the Lambda authorizer: the gateway answers 401/403 itself.
    pub protected: bool,
    pub function: Function,
    /// Checks a password, creates an account, sends mail or takes a second
    /// factor: the gateway holds it to the tighter credential rate limits.
    pub credential: bool,
}

const fn open(method: &'static str, path: &'static str, function: Function) -> Route {
    Route { method, path, protected: false, function, credential: false }
}

const fn guarded(method: &'static str, path: &'static str, function: Function) -> Route {
    Route { method, path, protected: true, function, credential: false }
}

impl Route {
    const fn credential(self) -> Self {
        Self { credential: true, ..self }
    }
}

pub const ROUTES: &[Route] = &[
    open("POST", "/signup", Function::Signup).credential(),
    open("POST", "/login", Function::Login).credential(),
    open("POST", "/refresh", Function::Refresh),
    open("POST", "/token", Function::Token).credential(),
    open("POST", "/logout", Function::Logout),
    guarded("GET", "/me", Function::Me),
    open("GET", "/.well-known/jwks.json", Function::Jwks),
    open("GET", "/.well-known/openid-configuration", Function::Discovery),
    open("POST", "/email/verify/send", Function::SendVerification).credential(),
    open("POST", "/email/verify", Function::VerifyEmail),
    open("POST", "/password/forgot", Function::ForgotPassword).credential(),
    open("POST", "/password/reset", Function::ResetPassword).credential(),
    guarded("POST", "/password/change", Function::ChangePassword).credential(),
    guarded("POST", "/email/change", Function::ChangeEmail).credential(),
    open("POST", "/email/change/confirm", Function::ConfirmEmail),
    guarded("DELETE", "/me", Function::DeleteAccount).credential(),
    guarded("GET", "/sessions", Function::ListSessions),
    guarded("DELETE", "/sessions/{id}", Function::EndSession),
    open("POST", "/login/mfa", Function::LoginMfa).credential(),
    guarded("POST", "/mfa/totp/enroll", Function::EnrollTotp),
    guarded("POST", "/mfa/totp/confirm", Function::ConfirmTotp),
    guarded("DELETE", "/mfa/totp", Function::RemoveTotp).credential(),
    guarded("POST", "/passkeys/register/start", Function::StartPasskeyRegistration),
    guarded("POST", "/passkeys/register/finish", Function::FinishPasskeyRegistration),
    guarded("GET", "/passkeys", Function::ListPasskeys),
    guarded("DELETE", "/passkeys/{id}", Function::DeletePasskey),
    open("POST", "/login/passkey/start", Function::StartPasskeyLogin).credential(),
    open("POST", "/login/passkey/finish", Function::FinishPasskeyLogin).credential(),
];

pub fn find(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

/// The route a request's path takes, as API Gateway matches it: literal
/// segments exactly, a `{name}` segment any one non-empty segment, which
/// comes back as the path parameter `name`.
pub fn resolve(method: &str, path: &str) -> Option<(&'static Route, Vec<(&'static str, String)>)> {
    ROUTES.iter().filter(|r| r.method == method).find_map(|route| {
        let (mut wanted, mut given) = (route.path.split('/'), path.split('/'));
        let mut parameters = Vec::new();
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return Some((route, parameters)),
                (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {
                    parameters.push((&w[1..w.len() - 1], g.to_string()));
                }
                (Some(w), Some(g)) if w == g => {}
                _ => return None,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_serves_a_route_and_names_round_trip() {
        for &function in Function::ALL {
            assert!(ROUTES.iter().any(|r| r.function == function), "{function:?} serves no route");
            assert_eq!(Function::from_name(function.name()), Some(function));
        }
    }

    #[test]
    fn no_route_is_listed_twice() {
        for (i, a) in ROUTES.iter().enumerate() {
            assert!(!ROUTES[i + 1..].iter().any(|b| (a.method, a.path) == (b.method, b.path)), "{a:?}");
        }
    }

    #[test]
    fn a_parameter_segment_matches_one_segment_and_comes_back_by_name() {
        let (route, parameters) = resolve("DELETE", "/sessions/abc123").unwrap();
        assert_eq!((route.function, parameters), (Function::EndSession, vec![("id", "abc123".to_string())]));
        assert!(resolve("DELETE", "/sessions/").is_none());
        assert!(resolve("DELETE", "/sessions/a/b").is_none());
        assert_eq!(resolve("GET", "/sessions").map(|(r, p)| (r.function, p.len())), Some((Function::ListSessions, 0)));
        assert_eq!(resolve("DELETE", "/me").map(|(r, _)| r.function), Some(Function::DeleteAccount));
    }

    #[test]
    fn routes_are_found_by_method_and_exact_path() {
        assert_eq!(find("GET", "/me").map(|r| r.function), Some(Function::Me));
        assert!(find("POST", "/me").is_none());
        assert!(find("GET", "/me/").is_none());
    }
}

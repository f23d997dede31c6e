//! The one route table: every HTTP route, the function that serves it and
//! whether the authorizer guards it. local-api routes by it, and tests hold
//! `template.yaml`, `openapi.yaml`, `events/`, the fault-injection suite and
//! the IAM policies to it, each failing with the name of a route it lacks.

/// A Lambda function that serves HTTP routes. Its name is its crate, its
/// binary, its folder in `events/` and its `Binary` in `template.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Function {
    Signup,
    Login,
    Refresh,
    Logout,
    Me,
    Jwks,
    SendVerification,
    VerifyEmail,
    ForgotPassword,
    ResetPassword,
    ChangePassword,
    ChangeEmail,
    ConfirmEmail,
    DeleteAccount,
}

impl Function {
    pub const ALL: [Self; 14] = [
        Self::Signup,
        Self::Login,
        Self::Refresh,
        Self::Logout,
        Self::Me,
        Self::Jwks,
        Self::SendVerification,
        Self::VerifyEmail,
        Self::ForgotPassword,
        Self::ResetPassword,
        Self::ChangePassword,
        Self::ChangeEmail,
        Self::ConfirmEmail,
        Self::DeleteAccount,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Login => "login",
            Self::Refresh => "refresh",
            Self::Logout => "logout",
            Self::Me => "me",
            Self::Jwks => "jwks",
            Self::SendVerification => "send-verification",
            Self::VerifyEmail => "verify-email",
            Self::ForgotPassword => "forgot-password",
            Self::ResetPassword => "reset-password",
            Self::ChangePassword => "change-password",
            Self::ChangeEmail => "change-email",
            Self::ConfirmEmail => "confirm-email",
            Self::DeleteAccount => "delete-account",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The functions that serve no route: the authorizer (invoked by the
/// gateway), the signing-key custom resource (invoked by CloudFormation) and
/// the mailer (invoked asynchronously by the functions that mail).
pub const OTHER_FUNCTIONS: [&str; 3] = ["authorizer", "keys", "mailer"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    /// Behind the Lambda authorizer: the gateway answers 401/403 itself.
    pub protected: bool,
    pub function: Function,
}

const fn open(method: &'static str, path: &'static str, function: Function) -> Route {
    Route { method, path, protected: false, function }
}

const fn guarded(method: &'static str, path: &'static str, function: Function) -> Route {
    Route { method, path, protected: true, function }
}

pub const ROUTES: &[Route] = &[
    open("POST", "/signup", Function::Signup),
    open("POST", "/login", Function::Login),
    open("POST", "/refresh", Function::Refresh),
    open("POST", "/logout", Function::Logout),
    guarded("GET", "/me", Function::Me),
    open("GET", "/.well-known/jwks.json", Function::Jwks),
    open("POST", "/email/verify/send", Function::SendVerification),
    open("POST", "/email/verify", Function::VerifyEmail),
    open("POST", "/password/forgot", Function::ForgotPassword),
    open("POST", "/password/reset", Function::ResetPassword),
    guarded("POST", "/password/change", Function::ChangePassword),
    guarded("POST", "/email/change", Function::ChangeEmail),
    open("POST", "/email/change/confirm", Function::ConfirmEmail),
    guarded("DELETE", "/me", Function::DeleteAccount),
];

pub fn find(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_serves_a_route_and_names_round_trip() {
        for function in Function::ALL {
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
    fn routes_are_found_by_method_and_exact_path() {
        assert_eq!(find("GET", "/me").map(|r| r.function), Some(Function::Me));
        assert!(find("POST", "/me").is_none());
        assert!(find("GET", "/me/").is_none());
    }
}

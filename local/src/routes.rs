//! The routes of `template.yaml`, as the local server serves them. A test
//! checks that both lists agree.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Signup,
    Login,
    Refresh,
    Logout,
    Me,
    Jwks,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    /// Behind the Lambda authorizer.
    pub protected: bool,
    pub function: Function,
}

pub const ROUTES: &[Route] = &[
    Route { method: "POST", path: "/signup", protected: false, function: Function::Signup },
    Route { method: "POST", path: "/login", protected: false, function: Function::Login },
    Route { method: "POST", path: "/refresh", protected: false, function: Function::Refresh },
    Route { method: "POST", path: "/logout", protected: false, function: Function::Logout },
    Route { method: "GET", path: "/me", protected: true, function: Function::Me },
    Route { method: "GET", path: "/.well-known/jwks.json", protected: false, function: Function::Jwks },
];

pub fn find(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

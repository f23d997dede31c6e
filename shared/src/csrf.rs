//! Cross-site request forgery: a request that a cookie authenticates, with a
//! method that may change something, must carry `X-CSRF-Protection: 1` (which
//! no cross-site form can send, and no cross-site script can without a CORS
//! preflight that names it), must not come `Sec-Fetch-Site: cross-site`, and,
//! when it names its `Origin`, must come from the API's own origin or an
//! allowed one. The functions that read the refresh cookie and the
//! authorizer apply this one rule.

use lambda_http::http::{HeaderMap, Method};

use crate::origins::AllowedOrigins;

pub const HEADER: &str = "x-csrf-protection";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    MissingHeader,
    CrossSite,
    ForeignOrigin,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::MissingHeader => "no X-CSRF-Protection: 1 header",
            Self::CrossSite => "Sec-Fetch-Site is cross-site",
            Self::ForeignOrigin => "the Origin is neither the API's own nor an allowed one",
        }
    }
}

/// Whether a cookie-authenticated request may go on.
pub fn check(method: &Method, headers: &HeaderMap, allowed: &AllowedOrigins) -> Result<(), Refusal> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if text(HEADER) != Some("1") {
        return Err(Refusal::MissingHeader);
    }
    if text("sec-fetch-site").is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return Err(Refusal::CrossSite);
    }
    match text("origin") {
        None => Ok(()),
        Some(origin)
            if allowed.lists(origin) || own_origin(headers).is_some_and(|own| own.eq_ignore_ascii_case(origin)) =>
        {
            Ok(())
        }
        Some(_) => Err(Refusal::ForeignOrigin),
    }
}

/// `scheme://host` the request was sent to, as API Gateway reports it
/// (`Host`, `X-Forwarded-Proto`; https when no proxy says otherwise).
fn own_origin(headers: &HeaderMap) -> Option<String> {
    let host = headers.get("host")?.to_str().ok()?;
    let scheme = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).unwrap_or("https");
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    const OWN: [(&str, &str); 2] = [("host", "api.example.com"), ("x-forwarded-proto", "https")];

    #[test]
    fn safe_methods_need_nothing() {
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert_eq!(check(&method, &headers(&[]), &AllowedOrigins::default()), Ok(()));
        }
    }

    #[test]
    fn an_unsafe_request_without_the_header_is_refused() {
        let h = headers(&[OWN[0], OWN[1], ("x-csrf-protection", "0")]);
        assert_eq!(check(&Method::POST, &h, &AllowedOrigins::default()), Err(Refusal::MissingHeader));
        assert_eq!(check(&Method::DELETE, &headers(&OWN), &AllowedOrigins::default()), Err(Refusal::MissingHeader));
    }

    #[test]
    fn the_header_from_the_apis_own_origin_or_an_allowed_one_passes() {
        let allowed = AllowedOrigins::parse("https://app.example.com").unwrap();
        let own = headers(&[OWN[0], OWN[1], ("x-csrf-protection", "1"), ("origin", "https://api.example.com")]);
        assert_eq!(check(&Method::POST, &own, &allowed), Ok(()));
        let app = headers(&[OWN[0], ("x-csrf-protection", "1"), ("origin", "https://app.example.com")]);
        assert_eq!(check(&Method::POST, &app, &allowed), Ok(()));
        let no_origin = headers(&[OWN[0], ("x-csrf-protection", "1"), ("sec-fetch-site", "same-origin")]);
        assert_eq!(check(&Method::POST, &no_origin, &allowed), Ok(()));
    }

    #[test]
    fn a_cross_site_fetch_or_a_foreign_origin_is_refused_even_with_the_header() {
        let allowed = AllowedOrigins::parse("https://app.example.com").unwrap();
        let cross = headers(&[OWN[0], ("x-csrf-protection", "1"), ("sec-fetch-site", "cross-site")]);
        assert_eq!(check(&Method::POST, &cross, &allowed), Err(Refusal::CrossSite));
        for origin in ["https://evil.example", "null", "http://api.example.com"] {
            let h = headers(&[OWN[0], OWN[1], ("x-csrf-protection", "1"), ("origin", origin)]);
            assert_eq!(check(&Method::POST, &h, &allowed), Err(Refusal::ForeignOrigin), "{origin}");
        }
        let star = AllowedOrigins::parse("*").unwrap();
        let h = headers(&[OWN[0], ("x-csrf-protection", "1"), ("origin", "https://evil.example")]);
        assert_eq!(check(&Method::POST, &h, &star), Err(Refusal::ForeignOrigin), "* lets no origin send cookies");
    }
}

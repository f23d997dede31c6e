//! The signing algorithms this service offers, in one place: their JOSE
//! names, their JWK `alg`, how configuration spells them, and the
//! `jsonwebtoken` algorithm behind each. No other algorithm can be named, so
//! no code needs a fallback arm for one.

use std::fmt;
use std::str::FromStr;

use jsonwebtoken::jwk::KeyAlgorithm;

#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    RS256,
    EdDSA,
    HS256,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not one of RS256, EdDSA, HS256")]
pub struct UnknownAlgorithm(pub String);

impl Algorithm {
    pub const ALL: [Self; 3] = [Self::RS256, Self::EdDSA, Self::HS256];

    /// The JOSE `alg` value, compared as an exact string on verification.
    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::EdDSA => "EdDSA",
            Self::HS256 => "HS256",
        }
    }

    pub fn jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::RS256 => jsonwebtoken::Algorithm::RS256,
            Self::EdDSA => jsonwebtoken::Algorithm::EdDSA,
            Self::HS256 => jsonwebtoken::Algorithm::HS256,
        }
    }

    pub fn jwk(self) -> KeyAlgorithm {
        match self {
            Self::RS256 => KeyAlgorithm::RS256,
            Self::EdDSA => KeyAlgorithm::EdDSA,
            Self::HS256 => KeyAlgorithm::HS256,
        }
    }

    /// A shared secret, not a key pair: nothing of it may be published.
    pub fn is_symmetric(self) -> bool {
        self == Self::HS256
    }
}

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|a| a.name() == s).ok_or_else(|| UnknownAlgorithm(s.to_string()))
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_parses_back_from_its_name() {
        for algorithm in Algorithm::ALL {
            assert_eq!(algorithm.name().parse(), Ok(algorithm));
            assert_eq!(format!("{:?}", algorithm.jwt()), algorithm.name());
        }
    }

    #[test]
    fn names_are_exact_strings() {
        for other in ["rs256", "none", "HS384", "EDDSA", " RS256", ""] {
            assert!(other.parse::<Algorithm>().is_err(), "{other:?}");
        }
    }
}

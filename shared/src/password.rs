//! Password policy and argon2id hashing (PHC strings), always off the async thread.

mod memory;

use std::sync::Arc;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

use crate::config::PasswordSettings;
use memory::BlockPool;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2 parameters are invalid: {0}")]
    Params(String),
    #[error("password hashing failed")]
    Hashing,
    #[error("the hashing task stopped unexpectedly")]
    Task,
}

/// Why a candidate password is refused; the text is shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    #[error("password must be at least {0} characters long")]
    TooShort(usize),
    #[error("password must be at most {0} characters long")]
    TooLong(usize),
    /// zxcvbn found it among common passwords, names, dates or patterns.
    #[error("password is too easy to guess ({0}); use a longer phrase of unrelated words")]
    TooGuessable(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NewPasswordError {
    #[error(transparent)]
    Policy(PolicyViolation),
    #[error("the password check stopped unexpectedly")]
    Task,
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheck {
    pub matches: bool,
    /// The stored hash uses other parameters than the configured ones.
    pub needs_rehash: bool,
}

#[derive(Clone)]
pub struct Passwords {
    settings: PasswordSettings,
    argon: Argon2<'static>,
    memory: Arc<BlockPool>,
    /// As many hashes run at once as the pool keeps buffers for: a burst
    /// queues here instead of allocating 19 MiB per extra blocking thread.
    permits: Arc<Semaphore>,
    /// A well-formed hash with the current parameters that no password matches:
    /// verifying against it costs what a real verification costs.
    decoy: String,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").field("settings", &self.settings).finish()
    }
}

/// zxcvbn judges the longest prefix of a new password with at most this many
/// characters, of which at most `STRENGTH_CHECKED_SUBSTITUTES` are ones its
/// l33t table reads as letters. Its cost grows with the substitutions it
/// enumerates (`benches/strength.rs`: 2.5 ms for 16 such characters in a
/// row, 47 ms for 40, up to a second for 128). A prefix that is hard to guess
/// makes the whole password at least as hard, so nothing weak passes; a
/// password whose judged prefix is weak is refused as weak.
pub const STRENGTH_CHECKED_CHARS: usize = 40;
pub const STRENGTH_CHECKED_SUBSTITUTES: usize = 16;
/// What zxcvbn's l33t table substitutes for letters.
const L33T: &str = "4@8({[<3691!|70$5+%2";

fn judged_prefix(normalized: &str) -> String {
    let mut substitutes = 0;
    normalized
        .chars()
        .take(STRENGTH_CHECKED_CHARS)
        .take_while(|&c| {
            substitutes += usize::from(L33T.contains(c));
            substitutes <= STRENGTH_CHECKED_SUBSTITUTES
        })
        .collect()
}

/// NIST SP 800-63B: normalise Unicode so the same password typed on another
/// keyboard or platform still matches. Never truncates.
fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

impl Passwords {
    pub fn new(settings: PasswordSettings) -> Result<Self, PasswordError> {
        let params = Params::new(settings.memory_kib, settings.iterations, settings.parallelism, None)
            .map_err(|e| PasswordError::Params(e.to_string()))?;
        let decoy = format!(
            "$argon2id$v=19$m={},t={},p={}$ZGVjb3lzYWx0ZGVjb3lzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            settings.memory_kib, settings.iterations, settings.parallelism
        );
        // One buffer per core at most: more concurrent hashes than cores only queue.
        let keep = std::thread::available_parallelism().map_or(1, usize::from);
        let memory = Arc::new(BlockPool::new(params.block_count(), keep));
        let permits = Arc::new(Semaphore::new(keep));
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        Ok(Self { settings, argon, memory, permits, decoy })
    }

    pub fn settings(&self) -> &PasswordSettings {
        &self.settings
    }

    /// Length, counted in the code points given (as NIST SP 800-63B asks,
    /// and as the OpenAPI `minLength` counts them: normalisation can lengthen
    /// a password, "¼" becoming "1⁄4"), then guessability of the normalised
    /// form: common and predictable passwords are refused, with no composition
    /// rules. `context` holds what the user gave besides (email, name), which a
    /// password must not be built on.
    pub fn check_policy(&self, password: &str, context: &[&str]) -> Result<(), PolicyViolation> {
        self.check_length(password)?;
        if self.settings.min_strength == 0 {
            // Every score passes; skip zxcvbn and the 8 MB of dictionaries it loads.
            return Ok(());
        }
        let estimate = zxcvbn::zxcvbn(&judged_prefix(&normalize(password)), context);
        if u8::from(estimate.score()) < self.settings.min_strength {
            let why = estimate.feedback().and_then(|f| f.warning()).map_or_else(
                || "it follows a common pattern".to_string(),
                |w| w.to_string().trim_end_matches('.').to_lowercase(),
            );
            return Err(PolicyViolation::TooGuessable(why));
        }
        Ok(())
    }

    /// The cheap part of the policy, for checking before anything costly.
    pub fn check_length(&self, password: &str) -> Result<(), PolicyViolation> {
        let chars = password.chars().count();
        if chars < self.settings.min_chars {
            return Err(PolicyViolation::TooShort(self.settings.min_chars));
        }
        if chars > self.settings.max_chars {
            return Err(PolicyViolation::TooLong(self.settings.max_chars));
        }
        Ok(())
    }

    /// `check_policy` on a blocking thread: the strength estimate is CPU work
    /// (a few milliseconds at most) that must not stall other requests.
    pub async fn check_new(&self, password: &str, context: Vec<String>) -> Result<(), NewPasswordError> {
        let (passwords, password) = (self.clone(), password.to_string());
        tokio::task::spawn_blocking(move || {
            let context: Vec<&str> = context.iter().map(String::as_str).collect();
            passwords.check_policy(&password, &context)
        })
        .await
        .map_err(|_| NewPasswordError::Task)?
        .map_err(NewPasswordError::Policy)
    }

    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let (argon, memory) = (self.argon.clone(), self.memory.clone());
        let password = normalize(password);
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Task)?;
        tokio::task::spawn_blocking(move || hash_with(&argon, &memory, password.as_bytes()))
            .await
            .map_err(|_| PasswordError::Task)?
    }

    /// Verifies against `stored`, or against the decoy when there is no user,
    /// so both cases take the same time and give the same answer shape.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<PasswordCheck, PasswordError> {
        let is_real = stored.is_some();
        let phc = stored.unwrap_or(&self.decoy).to_string();
        let needs_rehash = is_real && self.needs_rehash(&phc);
        let memory = self.memory.clone();
        let password = normalize(password);
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Task)?;
        let matched = tokio::task::spawn_blocking(move || verify_with(&memory, password.as_bytes(), &phc))
            .await
            .map_err(|_| PasswordError::Task)?;
        Ok(PasswordCheck { matches: matched && is_real, needs_rehash })
    }

    /// True when `phc` was made with other than the configured algorithm,
    /// version or cost, so a successful login should store a fresh hash.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else { return true };
        let Ok(params) = Params::try_from(&parsed) else { return true };
        parsed.algorithm != Algorithm::Argon2id.ident()
            || parsed.version != Some(Version::V0x13.into())
            || params.m_cost() != self.settings.memory_kib
            || params.t_cost() != self.settings.iterations
            || params.p_cost() != self.settings.parallelism
    }
}

/// What `argon2`'s `PasswordHasher` does, with working memory from the pool.
fn hash_with(argon: &Argon2<'_>, memory: &BlockPool, password: &[u8]) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|_| PasswordError::Hashing)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    memory
        .with(argon.params().block_count(), |blocks| {
            argon.hash_password_into_with_memory(password, salt_bytes, &mut out, blocks)
        })
        .map_err(|_| PasswordError::Hashing)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params()).map_err(|_| PasswordError::Hashing)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|_| PasswordError::Hashing)?),
    };
    Ok(phc.to_string())
}

/// What `argon2`'s `PasswordVerifier` does: the stored string's own algorithm,
/// version and cost; a constant-time comparison. Anything malformed fails closed.
fn verify_with(memory: &BlockPool, password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else { return false };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else { return false };
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let hashed = memory.with(argon.params().block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, salt_bytes, &mut out, blocks)
    });
    hashed.is_ok() && Output::new(&out).is_ok_and(|actual| actual == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters keep the unit tests fast; the defaults are benchmarked.
    fn cheap() -> PasswordSettings {
        PasswordSettings { memory_kib: 8 * 1024, iterations: 1, ..PasswordSettings::default() }
    }

    const GOOD: &str = "correct horse battery staple";

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let p = Passwords::new(cheap()).unwrap();
        let phc = p.hash(GOOD).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=8192,t=1,p=1$"));
        assert!(p.verify(GOOD, Some(&phc)).await.unwrap().matches);
        assert!(!p.verify("correct horse battery stapler", Some(&phc)).await.unwrap().matches);
    }

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crates_own_hasher_and_verifier() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let p = Passwords::new(cheap()).unwrap();
        let ours = p.hash(GOOD).await.unwrap();
        assert!(p.argon.verify_password(GOOD.as_bytes(), &PasswordHash::new(&ours).unwrap()).is_ok());
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = p.argon.hash_password(GOOD.as_bytes(), &salt).unwrap().to_string();
        assert!(p.verify(GOOD, Some(&theirs)).await.unwrap().matches);
        assert!(!p.verify("wrong horse battery staple", Some(&theirs)).await.unwrap().matches);
    }

    #[tokio::test]
    async fn a_hash_stored_with_a_higher_cost_still_verifies() {
        let costly = Passwords::new(PasswordSettings { memory_kib: 16 * 1024, ..cheap() }).unwrap();
        let phc = costly.hash(GOOD).await.unwrap();
        let p = Passwords::new(cheap()).unwrap();
        assert_eq!(p.verify(GOOD, Some(&phc)).await.unwrap(), PasswordCheck { matches: true, needs_rehash: true });
    }

    #[test]
    fn length_counts_the_code_points_given_not_their_normalised_form() {
        let p = Passwords::new(PasswordSettings { min_strength: 0, ..cheap() }).unwrap();
        // 14 code points; NFKC turns each "¼" into three.
        let short = "¼¼¼¼ abcdefghi";
        assert_eq!(short.chars().count(), 14);
        assert_eq!(p.check_policy(short, &[]), Err(PolicyViolation::TooShort(15)));
    }

    #[tokio::test]
    async fn an_unknown_user_never_matches_even_with_any_password() {
        let p = Passwords::new(cheap()).unwrap();
        let v = p.verify(GOOD, None).await.unwrap();
        assert_eq!(v, PasswordCheck { matches: false, needs_rehash: false });
    }

    #[tokio::test]
    async fn the_decoy_hash_is_well_formed_with_the_current_parameters() {
        let p = Passwords::new(cheap()).unwrap();
        let parsed = PasswordHash::new(&p.decoy).unwrap();
        assert!(!p.needs_rehash(&p.decoy));
        assert_eq!(parsed.hash.unwrap().len(), 32);
    }

    #[tokio::test]
    async fn changed_parameters_ask_for_a_rehash_on_the_next_login() {
        let old = Passwords::new(cheap()).unwrap();
        let phc = old.hash(GOOD).await.unwrap();
        let new = Passwords::new(PasswordSettings { iterations: 2, ..cheap() }).unwrap();
        let v = new.verify(GOOD, Some(&phc)).await.unwrap();
        assert_eq!(v, PasswordCheck { matches: true, needs_rehash: true });
        assert!(!old.needs_rehash(&phc));
    }

    #[tokio::test]
    async fn a_garbage_stored_hash_fails_closed() {
        let p = Passwords::new(cheap()).unwrap();
        assert!(!p.verify(GOOD, Some("not-a-phc-string")).await.unwrap().matches);
        assert!(p.needs_rehash("not-a-phc-string"));
    }

    #[tokio::test]
    async fn unicode_forms_of_the_same_password_match() {
        let p = Passwords::new(cheap()).unwrap();
        let composed = "caf\u{e9} au lait, s'il vous pla\u{ee}t";
        let decomposed = "cafe\u{301} au lait, s'il vous plai\u{302}t";
        let phc = p.hash(composed).await.unwrap();
        assert!(p.verify(decomposed, Some(&phc)).await.unwrap().matches);
    }

    #[test]
    fn the_policy_counts_characters_not_bytes() {
        let p = Passwords::new(cheap()).unwrap();
        assert_eq!(p.check_policy("short", &[]), Err(PolicyViolation::TooShort(15)));
        assert_eq!(p.check_policy("Ünïcödé pässwörd", &[]), Ok(()), "16 characters, more bytes");
        assert_eq!(p.check_policy("Ünïcödé päss", &[]), Err(PolicyViolation::TooShort(15)), "12 characters");
        let long = "tangerine walrus ".repeat(8);
        assert_eq!(p.check_policy(&long[..128], &[]), Ok(()));
        assert_eq!(p.check_policy(&long[..129], &[]), Err(PolicyViolation::TooLong(128)));
    }

    #[test]
    fn common_and_repetitive_passwords_are_too_guessable_whatever_their_length() {
        let p = Passwords::new(cheap()).unwrap();
        for weak in ["passwordpassword", "123456789012345", "qwertyuiopasdfgh", "aaaaaaaaaaaaaaaaaaaa"] {
            assert!(matches!(p.check_policy(weak, &[]), Err(PolicyViolation::TooGuessable(_))), "{weak}");
        }
    }

    #[test]
    fn a_password_built_on_the_users_own_words_is_too_guessable() {
        let p = Passwords::new(cheap()).unwrap();
        let context = ["margaret.hamilton@example.com", "margaret.hamilton", "margaret", "hamilton"];
        assert_eq!(p.check_policy("margaret.hamilton2024", &[]), Ok(()), "the control");
        assert!(matches!(p.check_policy("margaret.hamilton2024", &context), Err(PolicyViolation::TooGuessable(_))));
    }

    #[test]
    fn only_a_bounded_prefix_is_judged_and_a_weak_prefix_makes_a_weak_password() {
        assert_eq!(judged_prefix(&"a".repeat(128)).len(), STRENGTH_CHECKED_CHARS);
        assert_eq!(judged_prefix(&"x1".repeat(64)), format!("{}x", "x1".repeat(16)));
        let p = Passwords::new(cheap()).unwrap();
        let weak_start = format!("{}{}", "a".repeat(STRENGTH_CHECKED_CHARS), "tangerine walrus orbit");
        assert!(matches!(p.check_policy(&weak_start, &[]), Err(PolicyViolation::TooGuessable(_))));
        assert_eq!(p.check_policy("tangerine walrus orbit, then forty more characters of anything", &[]), Ok(()));
    }

    #[test]
    fn ordinary_passphrases_pass() {
        let p = Passwords::new(cheap()).unwrap();
        for good in [GOOD, "a ship in port is safe", "tangerine walrus orbit"] {
            assert_eq!(p.check_policy(good, &[]), Ok(()), "{good}");
        }
    }

    #[test]
    fn the_strength_threshold_is_configurable() {
        let lenient = Passwords::new(PasswordSettings { min_strength: 0, ..cheap() }).unwrap();
        assert_eq!(lenient.check_policy("passwordpassword", &[]), Ok(()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_hashes_never_use_more_buffers_than_the_pool_keeps() {
        let p = Passwords::new(cheap()).unwrap();
        let phc = p.hash(GOOD).await.unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (p, phc) = (p.clone(), phc.clone());
            tasks.spawn(async move { p.verify(GOOD, Some(&phc)).await.unwrap().matches });
        }
        assert!(tasks.join_all().await.into_iter().all(|m| m));
        assert!(p.memory.peak_in_use() <= p.memory.keep(), "{} > {}", p.memory.peak_in_use(), p.memory.keep());
    }

    #[tokio::test]
    async fn long_passwords_are_not_truncated() {
        let p = Passwords::new(cheap()).unwrap();
        let a = format!("{}a", "x".repeat(100));
        let b = format!("{}b", "x".repeat(100));
        let phc = p.hash(&a).await.unwrap();
        assert!(!p.verify(&b, Some(&phc)).await.unwrap().matches);
    }
}

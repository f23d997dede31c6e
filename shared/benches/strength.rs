//! The password strength check on the worst inputs found (l33t-heavy and
//! repetitive, up to the 128-character maximum) beside ordinary passphrases
//! and one argon2id verify: the check must stay at a few milliseconds
//! whatever the input (README, `PASSWORD_MIN_STRENGTH`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use shared::{PasswordSettings, Passwords};

/// Characters with several l33t readings each, which multiply zxcvbn's substitutions.
const LEET: &str = "1|!7@4$5+0(3<8{9[6%2";

pub fn inputs() -> Vec<(&'static str, String)> {
    let leet = |n: usize| LEET.chars().cycle().take(n).collect::<String>();
    vec![
        ("passphrase_30", "correct horse battery staple!!".to_string()),
        ("leet_40", leet(40)),
        ("leet_128", leet(128)),
        ("leet_words_128", "p@$$w0rd|1!7".chars().cycle().take(128).collect()),
        ("leet_between_letters_128", "a1b|c!d7e@f4g$h5".chars().cycle().take(128).collect()),
        ("repeat_128", "a".repeat(128)),
        ("digits_128", "0123456789".chars().cycle().take(128).collect()),
    ]
}

fn bench(c: &mut Criterion) {
    let passwords = Passwords::new(PasswordSettings::default()).expect("argon2 parameters");
    let phc = tokio::runtime::Runtime::new().unwrap().block_on(passwords.hash("correct horse battery staple")).unwrap();
    let mut group = c.benchmark_group("strength");
    group.bench_function("argon2id_verify", |b| b.iter(|| passwords_verify(&passwords, &phc)));
    group.sample_size(20);
    for (name, password) in inputs() {
        group.bench_function(name, |b| b.iter(|| passwords.check_policy(black_box(&password), &[]).is_ok()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

fn passwords_verify(passwords: &Passwords, phc: &str) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(passwords.verify("correct horse battery staple", Some(phc))).unwrap().matches
}

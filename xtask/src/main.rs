//! `cargo run -p xtask -- template`: writes template.yaml's generated parts.
//! `cargo run -p xtask -- template --check`: exits 1 if they are out of date.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let path = xtask::template::path();
    let result = match args.as_slice() {
        ["template"] => xtask::template::write(&path).map(|changed| {
            println!("template.yaml: {}", if changed { "written" } else { "already up to date" });
        }),
        ["template", "--check"] => xtask::template::check(&path),
        _ => Err("usage: cargo run -p xtask -- template [--check]".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn main() {
    eprintln!("local-api: not built yet");
    std::process::exit(1)
}

//! What each function crate's files must say, derived from what the
//! function declares: its `shared` features (the AWS clients its calls take
//! and the parts it uses, so a binary links nothing it never calls) and,
//! for a routed function, its one-line `main.rs`.

use std::collections::BTreeSet;

use local_api::app::all_needs;
use shared::Needs;

fn crate_file(name: &str, file: &str) -> String {
    let path = format!("{}/../functions/{name}/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The features of its `shared = { … features = [...] }` dependency line.
fn shared_features(name: &str) -> BTreeSet<String> {
    let manifest = crate_file(name, "Cargo.toml");
    let dependencies = manifest.split("[dependencies]").nth(1).expect("a [dependencies] table");
    let dependencies = dependencies.split("\n[").next().unwrap();
    let line = dependencies.lines().find(|l| l.starts_with("shared")).unwrap_or_else(|| panic!("{name}: no shared"));
    let Some(list) = line.split("features = [").nth(1) else { return BTreeSet::new() };
    let list = list.split(']').next().unwrap();
    list.split(',').map(|f| f.trim().trim_matches('"').to_string()).filter(|f| !f.is_empty()).collect()
}

fn every_function() -> Vec<(String, Needs)> {
    let mut functions: Vec<(String, Needs)> =
        all_needs().into_iter().map(|(function, needs)| (function.name().to_string(), needs)).collect();
    functions.push(("authorizer".into(), authorizer::NEEDS));
    functions.push(("session-authorizer".into(), session_authorizer::NEEDS));
    functions.push(("keys".into(), keys::NEEDS));
    functions.push(("mailer".into(), mailer::NEEDS));
    functions
}

#[test]
fn every_function_crate_enables_exactly_the_shared_features_its_needs_imply() {
    let mut drift = Vec::new();
    for (name, needs) in every_function() {
        let wanted: BTreeSet<String> = needs.features().into_iter().map(str::to_string).collect();
        let enabled = shared_features(&name);
        for extra in enabled.difference(&wanted) {
            drift.push(format!("functions/{name}/Cargo.toml enables shared's `{extra}`, which its NEEDS do not use"));
        }
        for missing in wanted.difference(&enabled) {
            drift.push(format!("functions/{name}: its NEEDS use shared's `{missing}`, which its Cargo.toml lacks"));
        }
    }
    assert!(drift.is_empty(), "features differ from what the functions declare:\n{}", drift.join("\n"));
}

#[test]
fn every_crate_in_functions_is_a_routed_function_or_one_of_the_four_others() {
    let listed: BTreeSet<String> = every_function().into_iter().map(|(name, _)| name).collect();
    let dir = format!("{}/../functions", env!("CARGO_MANIFEST_DIR"));
    let present: BTreeSet<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(present, listed, "functions/ against the route table, local-api's endpoints! and the other four");
}

#[test]
fn every_routed_function_main_is_the_one_line_its_needs_imply() {
    for (function, needs) in all_needs() {
        let name = function.name();
        let main = crate_file(name, "src/main.rs");
        let module = name.replace('-', "_");
        let kind = function.resource_name();
        let wanted = if needs.calls_aws() {
            let generic = crate_file(name, "src/lib.rs").contains(&format!("pub struct {kind}<S>"));
            format!("shared::lambda_main!({module}::{kind}{});\n", if generic { "<_>" } else { "" })
        } else {
            format!("shared::lambda_main!({module}::{kind}; no_aws);\n")
        };
        assert_eq!(main, wanted, "functions/{name}/src/main.rs");
    }
}

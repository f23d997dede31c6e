//! `template.yaml` is the one list of routes: the local server serves exactly
//! those (each by the same function, behind the authorizer exactly where the
//! template puts it), and `openapi.yaml` describes exactly those.

use local_api::routes::{Function, ROUTES};
use yaml_rust2::{Yaml, YamlLoader};

fn load(file: &str) -> Yaml {
    let text = std::fs::read_to_string(format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn function_of(binary: &str) -> Function {
    match binary {
        "signup" => Function::Signup,
        "login" => Function::Login,
        "refresh" => Function::Refresh,
        "logout" => Function::Logout,
        "me" => Function::Me,
        "jwks" => Function::Jwks,
        other => panic!("template routes to an unknown function {other}"),
    }
}

/// (method, path, protected, function), sorted.
fn template_routes() -> Vec<(String, String, bool, Function)> {
    let template = load("template.yaml");
    let mut routes = Vec::new();
    for (_, resource) in template["Resources"].as_hash().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap();
        let Some(events) = resource["Properties"]["Events"].as_hash() else { continue };
        for (_, event) in events.iter().filter(|(_, e)| e["Type"].as_str() == Some("HttpApi")) {
            let p = &event["Properties"];
            let protected = p["Auth"]["Authorizer"].as_str().is_some_and(|a| a != "NONE");
            let method = p["Method"].as_str().unwrap().to_uppercase();
            routes.push((method, p["Path"].as_str().unwrap().to_string(), protected, function_of(binary)));
        }
    }
    routes.sort_by_key(|r| (r.1.clone(), r.0.clone()));
    routes
}

#[test]
fn the_local_route_table_is_the_templates() {
    let mut local: Vec<_> =
        ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string(), r.protected, r.function)).collect();
    local.sort_by_key(|r| (r.1.clone(), r.0.clone()));
    assert_eq!(local, template_routes());
}

#[test]
fn the_openapi_document_describes_the_templates_routes() {
    let openapi = load("openapi.yaml");
    let mut described = Vec::new();
    for (path, operations) in openapi["paths"].as_hash().unwrap() {
        for (method, operation) in operations.as_hash().unwrap() {
            let secured = operation["security"].as_vec().is_some_and(|s| !s.is_empty());
            described.push((method.as_str().unwrap().to_uppercase(), path.as_str().unwrap().to_string(), secured));
        }
    }
    described.sort_by_key(|r| (r.1.clone(), r.0.clone()));
    let template: Vec<_> = template_routes().into_iter().map(|(m, p, protected, _)| (m, p, protected)).collect();
    assert_eq!(described, template);
}

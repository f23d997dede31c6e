//! The local server serves exactly the routes of `template.yaml`, each by the
//! same function and behind the authorizer exactly where the template says.

use local_api::routes::{Function, ROUTES};
use yaml_rust2::YamlLoader;

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

#[test]
fn the_local_route_table_is_the_templates() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let template = YamlLoader::load_from_str(&text).unwrap().remove(0);
    let mut from_template = Vec::new();
    for (_, resource) in template["Resources"].as_hash().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap();
        let Some(events) = resource["Properties"]["Events"].as_hash() else { continue };
        for (_, event) in events {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let p = &event["Properties"];
            let authorizer = p["Auth"]["Authorizer"].as_str().filter(|a| *a != "NONE");
            from_template.push((
                p["Method"].as_str().unwrap().to_uppercase(),
                p["Path"].as_str().unwrap().to_string(),
                authorizer.is_some(),
                function_of(binary),
            ));
        }
    }
    let mut local: Vec<_> =
        ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string(), r.protected, r.function)).collect();
    let key = |r: &(String, String, bool, Function)| (r.1.clone(), r.0.clone());
    from_template.sort_by_key(key);
    local.sort_by_key(key);
    assert_eq!(local, from_template);
}

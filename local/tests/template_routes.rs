//! The route table (`shared::routes`) against `template.yaml` and
//! `openapi.yaml`: the template routes exactly the table's routes to the
//! table's functions, behind the authorizer exactly where the table says;
//! the OpenAPI document describes exactly those routes, secured where they
//! are protected; and every function's IAM policy grants exactly the actions
//! its `NEEDS` declare. Each failure names the route or function it is about.

use std::collections::BTreeSet;

use local_api::app::needs;
use shared::Needs;
use shared::routes::{Function, OTHER_FUNCTIONS, ROUTES};
use yaml_rust2::{Yaml, YamlLoader};

fn load(file: &str) -> Yaml {
    let text = std::fs::read_to_string(format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

/// `(binary, resource)` of every function in the template.
fn template_functions(template: &Yaml) -> Vec<(String, Yaml)> {
    let mut functions = Vec::new();
    for (_, resource) in template["Resources"].as_hash().unwrap() {
        if resource["Type"].as_str() == Some("AWS::Serverless::Function") {
            let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_string();
            functions.push((binary, resource.clone()));
        }
    }
    functions
}

type RouteRow = (String, String, bool, String);

fn table_routes() -> BTreeSet<RouteRow> {
    ROUTES.iter().map(|r| (r.method.into(), r.path.into(), r.protected, r.function.name().into())).collect()
}

fn template_routes() -> BTreeSet<RouteRow> {
    let mut routes = BTreeSet::new();
    for (binary, resource) in template_functions(&load("template.yaml")) {
        let Some(events) = resource["Properties"]["Events"].as_hash() else { continue };
        for (_, event) in events.iter().filter(|(_, e)| e["Type"].as_str() == Some("HttpApi")) {
            let p = &event["Properties"];
            let protected = p["Auth"]["Authorizer"].as_str().is_some_and(|a| a != "NONE");
            let method = p["Method"].as_str().unwrap().to_uppercase();
            routes.insert((method, p["Path"].as_str().unwrap().to_string(), protected, binary.clone()));
        }
    }
    routes
}

fn differences<T: Ord + std::fmt::Debug + Clone>(want: &BTreeSet<T>, have: &BTreeSet<T>) -> (Vec<T>, Vec<T>) {
    (want.difference(have).cloned().collect(), have.difference(want).cloned().collect())
}

#[test]
fn the_template_routes_exactly_the_route_table() {
    let (missing, extra) = differences(&table_routes(), &template_routes());
    assert!(missing.is_empty(), "routes of the table missing from template.yaml: {missing:?}");
    assert!(extra.is_empty(), "routes in template.yaml that the table lacks: {extra:?}");
}

#[test]
fn the_openapi_document_describes_exactly_the_route_table() {
    let openapi = load("openapi.yaml");
    let mut described = BTreeSet::new();
    for (path, operations) in openapi["paths"].as_hash().unwrap() {
        for (method, operation) in operations.as_hash().unwrap() {
            let secured = operation["security"].as_vec().is_some_and(|s| !s.is_empty());
            described.insert((method.as_str().unwrap().to_uppercase(), path.as_str().unwrap().to_string(), secured));
        }
    }
    let table: BTreeSet<_> = table_routes().into_iter().map(|(m, p, protected, _)| (m, p, protected)).collect();
    let (missing, extra) = differences(&table, &described);
    assert!(
        missing.is_empty(),
        "routes of the table missing from openapi.yaml (or not secured as they should be): {missing:?}"
    );
    assert!(extra.is_empty(), "operations in openapi.yaml that the table lacks: {extra:?}");
}

fn declared(binary: &str) -> &'static Needs {
    match binary {
        "authorizer" => &authorizer::NEEDS,
        "session-authorizer" => &session_authorizer::NEEDS,
        "keys" => &keys::NEEDS,
        "mailer" => &mailer::NEEDS,
        other => needs(
            Function::from_name(other).unwrap_or_else(|| panic!("template.yaml builds {other}, which is no function")),
        ),
    }
}

/// Every action an `Allow` statement of the function's policies names.
fn granted(resource: &Yaml) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for policy in resource["Properties"]["Policies"].as_vec().into_iter().flatten() {
        for statement in policy["Statement"].as_vec().into_iter().flatten() {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"), "only Allow statements are expected");
            match &statement["Action"] {
                Yaml::String(action) => {
                    actions.insert(action.clone());
                }
                Yaml::Array(list) => actions.extend(list.iter().filter_map(|a| a.as_str()).map(str::to_string)),
                other => panic!("an Action of {other:?}"),
            }
        }
    }
    actions
}

#[test]
fn every_function_in_the_template_is_one_of_ours_and_every_one_of_ours_is_deployed() {
    let deployed: BTreeSet<String> = template_functions(&load("template.yaml")).into_iter().map(|(b, _)| b).collect();
    let ours: BTreeSet<String> =
        Function::ALL.iter().map(|f| f.name()).chain(OTHER_FUNCTIONS).map(str::to_string).collect();
    let (missing, extra) = differences(&ours, &deployed);
    assert!(missing.is_empty(), "functions template.yaml does not deploy: {missing:?}");
    assert!(extra.is_empty(), "functions in template.yaml that are not ours: {extra:?}");
}

#[test]
fn every_iam_policy_grants_exactly_what_its_function_declares() {
    let mut drift = Vec::new();
    for (binary, resource) in template_functions(&load("template.yaml")) {
        let wanted: BTreeSet<String> = declared(&binary).iam_actions().into_iter().map(str::to_string).collect();
        let (missing, unused) = differences(&wanted, &granted(&resource));
        if !missing.is_empty() {
            drift.push(format!("{binary}: its policy in template.yaml lacks {missing:?}"));
        }
        if !unused.is_empty() {
            drift.push(format!("{binary}: its policy in template.yaml grants {unused:?}, which it never uses"));
        }
    }
    assert!(drift.is_empty(), "IAM policies differ from what the functions declare:\n{}", drift.join("\n"));
}

#[test]
fn the_gateway_throttles_every_route_and_logs_every_request_as_json() {
    let template = load("template.yaml");
    let api = &template["Resources"]["HttpApi"]["Properties"];
    for limit in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
        assert!(!api["DefaultRouteSettings"][limit].is_badvalue(), "DefaultRouteSettings lacks {limit}");
    }
    let table = table_routes();
    for (route, settings) in api["RouteSettings"].as_hash().expect("RouteSettings") {
        let route = route.as_str().unwrap();
        let (method, path) = route.split_once(' ').unwrap();
        assert!(table.iter().any(|r| r.0 == method && r.1 == path), "RouteSettings names {route}, which no route is");
        assert!(!settings["ThrottlingRateLimit"].is_badvalue(), "{route}");
    }
    let logs = &api["AccessLogSettings"];
    let format = logs["Format"].as_str().expect("an access log format");
    let line = format.replace("\n", "");
    let parsed: serde_json::Value = serde_json::from_str(&line).expect("the access log format is one JSON object");
    for field in ["requestId", "sourceIp", "routeKey", "status"] {
        assert!(parsed.get(field).is_some(), "the access log lacks {field}");
    }
    // `!GetAtt ApiAccessLogs.Arn`: a log group of this template, with the retention parameter.
    let target = logs["DestinationArn"].as_str().expect("a log group's Arn");
    let group = &template["Resources"][target.trim_end_matches(".Arn")];
    assert_eq!(group["Type"].as_str(), Some("AWS::Logs::LogGroup"), "{target}");
    assert_eq!(group["Properties"]["RetentionInDays"].as_str(), Some("LogRetentionDays"));
}

/// Tags are dropped when the template is read here: `!Ref X` reads as "X",
/// `!If [c, a, b]` as the list `[c, a, b]`.
fn strings(yaml: &Yaml) -> Vec<String> {
    yaml.as_vec().into_iter().flatten().map(|v| v.as_str().map_or_else(|| format!("{v:?}"), str::to_string)).collect()
}

#[test]
fn the_templates_cors_configuration_is_local_apis() {
    use shared::origins::{ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE_SECONDS};
    let template = load("template.yaml");
    let cors = &template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    assert_eq!(cors["AllowOrigins"].as_str(), Some("CorsAllowOrigins"), "the one parameter");
    assert_eq!(strings(&cors["AllowHeaders"]), ALLOW_HEADERS);
    assert_eq!(strings(&cors["AllowMethods"]), ALLOW_METHODS);
    assert_eq!(strings(&cors["ExposeHeaders"]), EXPOSE_HEADERS);
    assert_eq!(cors["MaxAge"].as_i64(), i64::try_from(MAX_AGE_SECONDS).ok());
    // Credentials exactly when the origins are named one by one, as `AllowedOrigins::credentials`.
    let credentials = cors["AllowCredentials"].as_vec().expect("!If [AnyOrigin, false, true]");
    assert_eq!(
        (credentials[0].as_str(), credentials[1].as_bool(), credentials[2].as_bool()),
        (Some("AnyOrigin"), Some(false), Some(true))
    );
    let any = strings(&template["Conditions"]["AnyOrigin"]);
    assert_eq!(any[1], "*");
    // The functions and the authorizer read the same list for the CSRF check.
    let env = &template["Globals"]["Function"]["Environment"]["Variables"]["CORS_ALLOW_ORIGINS"];
    assert_eq!(env[0].as_str(), Some(","));
    assert_eq!(env[1].as_str(), Some("CorsAllowOrigins"));
}

#[test]
fn the_authorizer_is_the_built_in_jwt_one_or_ours_and_cookie_sessions_turn_the_gateway_cache_off() {
    let template = load("template.yaml");
    let transforms = strings(&template["Transform"]);
    assert_eq!(transforms, ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"], "the !If in Auth needs both");
    let authorizer = template["Resources"]["HttpApi"]["Properties"]["Auth"]["Authorizers"]["TokenAuthorizer"].clone();
    let kinds = authorizer.as_vec().expect("TokenAuthorizer: !If [BuiltInJwtAuthorizer, jwt, lambda]");
    assert_eq!(kinds[0].as_str(), Some("BuiltInJwtAuthorizer"));
    let jwt = &kinds[1]["JwtConfiguration"];
    assert_eq!((jwt["issuer"].as_str(), strings(&jwt["audience"])), (Some("Issuer"), vec!["Audience".to_string()]));
    let rule = &template["Rules"]["JwtAuthorizerNeedsAnHttpsIssuer"];
    assert!(!rule["Assertions"].is_badvalue(), "the jwt authorizer refuses to deploy without an Issuer");
    let choice = kinds[2]["Identity"].as_vec().expect("Identity: !If [CookieSessionsOn, cookies, bearer]");
    assert_eq!(choice[0].as_str(), Some("CookieSessionsOn"));
    assert!(choice[1]["Headers"].is_badvalue(), "no identity source with cookies");
    assert_eq!(choice[1]["ReauthorizeEvery"].as_i64(), Some(0), "no gateway cache with cookies");
    assert_eq!(strings(&choice[2]["Headers"]), ["Authorization"]);
}

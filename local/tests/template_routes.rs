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

/// The crate a function resource is built from: its `CodeUri`, `functions/<crate>/`.
fn crate_of(resource: &Yaml) -> Option<&str> {
    resource["Properties"]["CodeUri"].as_str()?.strip_prefix("functions/")?.strip_suffix('/')
}

/// `(crate, resource)` of every function in the template.
fn template_functions(template: &Yaml) -> Vec<(String, Yaml)> {
    let mut functions = Vec::new();
    for (_, resource) in template["Resources"].as_hash().unwrap() {
        if resource["Type"].as_str() == Some("AWS::Serverless::Function") {
            functions.push((crate_of(resource).unwrap().to_string(), resource.clone()));
        }
    }
    functions
}

type RouteRow = (String, String, bool, String);

fn table_routes() -> BTreeSet<RouteRow> {
    ROUTES.iter().map(|r| (r.method.into(), r.path.into(), r.protected, r.function.name().into())).collect()
}

/// The logical names a `Fn::ForEach::<name>` loop of the template's resources runs over.
fn looped(template: &Yaml, name: &str) -> Vec<String> {
    let each = &template["Resources"][format!("Fn::ForEach::{name}").as_str()];
    assert_eq!(each[0].as_str(), Some("Name"), "Fn::ForEach::{name} loops over Name");
    let names = each[1].as_vec().unwrap_or_else(|| panic!("Fn::ForEach::{name} has no list of names"));
    names.iter().map(|n| n.as_str().unwrap().to_string()).collect()
}

/// What the loop makes of one name: the fragment, with `${Name}` in its keys.
fn fragment<'a>(template: &'a Yaml, name: &str, key: &str) -> &'a Yaml {
    &template["Resources"][format!("Fn::ForEach::{name}").as_str()][2][key]
}

fn route_key(template: &Yaml, name: &str) -> String {
    let key = &template["Mappings"]["Routes"][name]["Key"];
    key.as_str().unwrap_or_else(|| panic!("Mappings.Routes has no Key for {name}")).to_string()
}

fn template_routes() -> BTreeSet<RouteRow> {
    let template = load("template.yaml");
    let mut routes = BTreeSet::new();
    for (each, protected) in [("OpenRoutes", false), ("GuardedRoutes", true)] {
        for name in looped(&template, each) {
            let key = route_key(&template, &name);
            let (method, path) = key.split_once(' ').unwrap();
            let function = &template["Resources"][format!("{name}Function").as_str()];
            let binary =
                crate_of(function).unwrap_or_else(|| panic!("{key} is served by {name}Function, which is no function"));
            routes.insert((method.to_string(), path.to_string(), protected, binary.to_string()));
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
fn every_route_reaches_its_function_through_an_integration_and_a_permission_for_that_route_alone() {
    let template = load("template.yaml");
    let routed: BTreeSet<String> =
        ["OpenRoutes", "GuardedRoutes"].iter().flat_map(|each| looped(&template, each)).collect();
    let integrated: BTreeSet<String> = looped(&template, "Integrations").into_iter().collect();
    let (missing, extra) = differences(&routed, &integrated);
    assert!(missing.is_empty(), "routes without an integration: {missing:?}");
    assert!(extra.is_empty(), "integrations without a route: {extra:?}");
    let mapped: BTreeSet<String> =
        template["Mappings"]["Routes"].as_hash().unwrap().keys().map(|k| k.as_str().unwrap().to_string()).collect();
    assert_eq!(mapped, routed, "Mappings.Routes has a row for each route and no other");
    for name in &routed {
        let key = route_key(&template, name);
        // The permission's execute-api ARN: METHOD/path, a path parameter as *.
        let (method, path) = key.split_once(' ').unwrap();
        let segments: Vec<&str> = path.split('/').map(|s| if s.starts_with('{') { "*" } else { s }).collect();
        let arn = format!("{method}{}", segments.join("/"));
        assert_eq!(template["Mappings"]["Routes"][name.as_str()]["Arn"].as_str(), Some(arn.as_str()), "{key}");
    }

    // Tags are dropped when the template is read here: `!GetAtt [!Sub "${Name}Function", Arn]`
    // reads as ["${Name}Function", "Arn"].
    let integration = &fragment(&template, "Integrations", "${Name}Integration")["Properties"];
    assert_eq!(strings(&integration["IntegrationUri"]), ["${Name}Function", "Arn"]);
    assert_eq!(integration["IntegrationType"].as_str(), Some("AWS_PROXY"));
    let permission = &fragment(&template, "Integrations", "${Name}Permission")["Properties"];
    assert_eq!(strings(&permission["FunctionName"]), ["${Name}Function", "Arn"]);
    assert_eq!(permission["Principal"].as_str(), Some("apigateway.amazonaws.com"));
    let source = &permission["SourceArn"];
    assert!(source[0].as_str().unwrap().ends_with(":${HttpApi}/*/${Path}"), "{source:?}");
    assert_eq!(strings(&source[1]["Path"]), ["Routes", "Name", "Arn"]);

    for (each, authorization) in [("OpenRoutes", "NONE"), ("GuardedRoutes", "")] {
        let route = &fragment(&template, each, "${Name}Route")["Properties"];
        assert_eq!(strings(&route["RouteKey"]), ["Routes", "Name", "Key"], "{each}");
        assert_eq!(route["Target"].as_str(), Some("integrations/${${Name}Integration}"), "{each}");
        if authorization == "NONE" {
            assert_eq!(route["AuthorizationType"].as_str(), Some("NONE"));
            assert!(route["AuthorizerId"].is_badvalue(), "an open route names no authorizer");
        } else {
            assert_eq!(strings(&route["AuthorizationType"]), ["BuiltInJwtAuthorizer", "JWT", "CUSTOM"]);
            assert_eq!(strings(&route["AuthorizerId"]), ["BuiltInJwtAuthorizer", "JwtAuthorizer", "LambdaAuthorizer"]);
        }
    }
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

fn declared(binary: &str) -> Needs {
    match binary {
        "authorizer" => authorizer::NEEDS,
        "session-authorizer" => session_authorizer::NEEDS,
        "keys" => keys::NEEDS,
        "mailer" => mailer::NEEDS,
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
    let stage = &template["Resources"]["HttpApiStage"];
    let api = &stage["Properties"];
    assert_eq!((api["StageName"].as_str(), api["AutoDeploy"].as_bool()), (Some("$default"), Some(true)));
    for limit in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
        assert!(!api["DefaultRouteSettings"][limit].is_badvalue(), "DefaultRouteSettings lacks {limit}");
    }
    let table = table_routes();
    let names: Vec<String> = looped(&template, "Integrations");
    let mut throttled = BTreeSet::new();
    for (route, settings) in api["RouteSettings"].as_hash().expect("RouteSettings") {
        let route = route.as_str().unwrap();
        let (method, path) = route.split_once(' ').unwrap();
        assert!(table.iter().any(|r| r.0 == method && r.1 == path), "RouteSettings names {route}, which no route is");
        assert!(!settings["ThrottlingRateLimit"].is_badvalue(), "{route}");
        let name = names.iter().find(|n| route_key(&template, n) == route).unwrap();
        throttled.insert(format!("{name}Route"));
    }
    // A stage's route settings may only name routes that exist already.
    let waits: BTreeSet<String> = strings(&stage["DependsOn"]).into_iter().collect();
    assert_eq!(waits, throttled, "HttpApiStage waits for exactly the routes its RouteSettings name");
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
    assert_eq!(transforms, ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"], "Fn::ForEach needs both");
    let resources = &template["Resources"];
    let jwt = &resources["JwtAuthorizer"];
    assert_eq!(jwt["Condition"].as_str(), Some("BuiltInJwtAuthorizer"));
    let config = &jwt["Properties"]["JwtConfiguration"];
    assert_eq!(strings(&config["Issuer"]), default_issuer());
    assert_eq!(strings(&config["Audience"]), ["Audience"]);
    let ours = &resources["LambdaAuthorizer"];
    assert_eq!(ours["Condition"].as_str(), Some("LambdaAuthorizerOn"));
    assert_eq!(strings(&template["Conditions"]["LambdaAuthorizerOn"]), ["BuiltInJwtAuthorizer"], "!Not [...]");
    let p = &ours["Properties"];
    assert_eq!(p["AuthorizerType"].as_str(), Some("REQUEST"));
    assert_eq!(p["EnableSimpleResponses"].as_bool(), Some(true));
    assert_eq!(p["AuthorizerPayloadFormatVersion"].as_str(), Some("2.0"));
    let function = &p["AuthorizerUri"][1]["Function"];
    assert_eq!(strings(function), ["SessionCheckOn", "SessionAuthorizerFunction.Arn", "AuthorizerFunction.Arn"]);
    // Cookies: no identity source and no gateway cache; else the header, cached.
    let identity = p["IdentitySource"].as_vec().expect("!If [CookieSessionsOn, none, header]");
    assert_eq!((identity[0].as_str(), identity[1].as_str()), (Some("CookieSessionsOn"), Some("AWS::NoValue")));
    assert_eq!(strings(&identity[2]), ["$request.header.Authorization"]);
    let ttl = p["AuthorizerResultTtlInSeconds"].as_vec().expect("!If [CookieSessionsOn, 0, ...]");
    assert_eq!((ttl[0].as_str(), ttl[1].as_i64()), (Some("CookieSessionsOn"), Some(0)));
    assert_eq!(strings(&ttl[2]), ["SessionCheckOn", "SessionCacheSeconds", "AuthorizerCacheTtl"]);
    let permission = &resources["LambdaAuthorizerPermission"]["Properties"];
    assert!(permission["SourceArn"].as_str().unwrap().ends_with("${HttpApi}/authorizers/${LambdaAuthorizer}"));
}

fn default_issuer() -> Vec<String> {
    ["DefaultIssuer", "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}", "Issuer"]
        .map(str::to_string)
        .to_vec()
}

#[test]
fn the_issuer_defaults_to_the_apis_url_which_the_api_can_give_without_a_cycle() {
    let template = load("template.yaml");
    let env = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(strings(&env["JWT_ISSUER"]), default_issuer());
    assert_eq!(strings(&template["Outputs"]["Issuer"]["Value"]), default_issuer());
    // The functions name the API; so the API must name none of them (its
    // routes, integrations and permissions are resources of their own).
    let mut api = String::new();
    yaml_rust2::YamlEmitter::new(&mut api).dump(&template["Resources"]["HttpApi"]).unwrap();
    assert!(!api.contains("Function"), "HttpApi refers to a function:\n{api}");
    assert_eq!(template["Resources"]["HttpApi"]["Type"].as_str(), Some("AWS::ApiGatewayV2::Api"));
    // sam expands Fn::ForEach only when asked; the repository's samconfig asks.
    let config = std::fs::read_to_string(format!("{}/../samconfig.toml", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for command in ["build", "package", "deploy", "sync"] {
        let section = config.split(&format!("[default.{command}.parameters]")).nth(1).expect(command);
        let section = section.split("\n[").next().unwrap();
        assert!(section.contains("language_extensions = true"), "samconfig.toml: sam {command}");
    }
}

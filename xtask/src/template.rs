//! template.yaml's per-function parts, written from the route table
//! (`shared::routes`) and what each function declares (`Endpoint::NEEDS`):
//! the `Routes` mapping, the lists the `Fn::ForEach` loops run over, each
//! routed function's resource (IAM policy, environment, size) and log group,
//! and the stage's route settings with what it waits for. Each part sits
//! between a `# generated: NAME` line and an `# end generated: NAME` line;
//! everything else in the file is hand-written and left as it is.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shared::routes::{Function, ROUTES, Route};
use shared::{Keys, Needs, Size};

pub const COMMAND: &str = "cargo run -p xtask -- template";

pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")
}

/// Rewrites the generated parts of the file at `path`; whether it changed.
pub fn write(path: &Path) -> Result<bool, String> {
    let current = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let wanted = generate(&current)?;
    if wanted == current {
        return Ok(false);
    }
    std::fs::write(path, wanted).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(true)
}

/// Fails, naming the command to run, when the file's generated parts are stale.
pub fn check(path: &Path) -> Result<(), String> {
    let current = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let wanted = generate(&current)?;
    match first_difference(&current, &wanted) {
        None => Ok(()),
        Some((line, have, want)) => Err(format!(
            "template.yaml differs from what `{COMMAND}` writes, first at line {line}:\n  have: {have}\n  want: {want}\n\
             Run `{COMMAND}` and commit the result."
        )),
    }
}

fn first_difference(have: &str, want: &str) -> Option<(usize, String, String)> {
    let (mut a, mut b) = (have.lines(), want.lines());
    for line in 1.. {
        match (a.next(), b.next()) {
            (None, None) => return None,
            (x, y) if x == y => {}
            (x, y) => {
                let show = |l: Option<&str>| l.map_or("(end of file)".to_string(), |l| l.trim_end().to_string());
                return Some((line, show(x), show(y)));
            }
        }
    }
    None
}

/// `text` with every generated part replaced by what it should hold now.
pub fn generate(text: &str) -> Result<String, String> {
    let functions = routed_functions()?;
    let mut out = String::new();
    let mut lines = text.lines();
    let mut seen = Vec::new();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let Some(name) = line.trim_start().strip_prefix("# generated: ") else { continue };
        let name = name.split_whitespace().next().unwrap_or_default().to_string();
        let indent = &line[..line.len() - line.trim_start().len()];
        let end = format!("# end generated: {name}");
        if !lines.by_ref().any(|l| l.trim() == end) {
            return Err(format!("template.yaml: `# generated: {name}` has no `{end}` line"));
        }
        for part_line in part(&name, &functions)?.lines() {
            if !part_line.is_empty() {
                out.push_str(indent);
            }
            out.push_str(part_line);
            out.push('\n');
        }
        out.push_str(indent);
        out.push_str(&end);
        out.push('\n');
        seen.push(name);
    }
    let missing: Vec<&str> = PARTS.iter().copied().filter(|p| !seen.iter().any(|s| s == p)).collect();
    if !missing.is_empty() {
        return Err(format!("template.yaml lacks the generated parts {missing:?}"));
    }
    Ok(out)
}

const PARTS: [&str; 7] =
    ["routes", "integrations", "open-routes", "guarded-routes", "stage-routes", "route-settings", "functions"];

/// A routed function, its one route and what it declares.
struct Routed {
    function: Function,
    route: &'static Route,
    needs: Needs,
}

impl Routed {
    fn resource(&self) -> String {
        self.function.resource_name()
    }
}

fn routed_functions() -> Result<Vec<Routed>, String> {
    let mut functions = Vec::new();
    for route in ROUTES {
        if functions.iter().any(|f: &Routed| f.function == route.function) {
            return Err(format!(
                "{} serves two routes; the template gives each function one route (its Mappings.Routes row)",
                route.function.name()
            ));
        }
        functions.push(Routed { function: route.function, route, needs: local_api::app::needs(route.function) });
    }
    Ok(functions)
}

fn part(name: &str, functions: &[Routed]) -> Result<String, String> {
    let mut out = String::new();
    let names = |keep: &dyn Fn(&Routed) -> bool| -> Vec<String> {
        functions.iter().filter(|f| keep(f)).map(Routed::resource).collect()
    };
    match name {
        "routes" => {
            for f in functions {
                let (method, path) = (f.route.method, f.route.path);
                // The execute-api ARN's part: METHOD/path, a path parameter as *.
                let arn: Vec<&str> = path.split('/').map(|s| if s.starts_with('{') { "*" } else { s }).collect();
                let arn = arn.join("/");
                writeln!(out, "{}: {{Key: \"{method} {path}\", Arn: \"{method}{arn}\"}}", f.resource()).unwrap();
            }
        }
        "integrations" => out = flow_list(&names(&|_| true)),
        "open-routes" => out = flow_list(&names(&|f| !f.route.protected)),
        "guarded-routes" => out = flow_list(&names(&|f| f.route.protected)),
        "stage-routes" => {
            for name in names(&|f| f.route.credential) {
                writeln!(out, "- {name}Route").unwrap();
            }
        }
        "route-settings" => {
            for f in functions.iter().filter(|f| f.route.credential) {
                writeln!(out, "\"{} {}\":", f.route.method, f.route.path).unwrap();
                out.push_str("  ThrottlingRateLimit: !Ref CredentialRateLimit\n");
                out.push_str("  ThrottlingBurstLimit: !Ref CredentialBurstLimit\n");
            }
        }
        "functions" => {
            for (i, f) in functions.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                function_resource(&mut out, f)?;
            }
        }
        other => return Err(format!("template.yaml names a generated part `{other}` that does not exist")),
    }
    Ok(out)
}

/// `- [A, B, C]`, wrapped before 100 columns.
fn flow_list(names: &[String]) -> String {
    let mut out = String::from("- [");
    let mut column = out.len();
    for (i, name) in names.iter().enumerate() {
        let piece = if i + 1 == names.len() { format!("{name}]") } else { format!("{name},") };
        if i > 0 && column + 1 + piece.len() > 96 {
            out.push_str("\n   ");
            column = 3;
        } else if i > 0 {
            out.push(' ');
            column += 1;
        }
        out.push_str(&piece);
        column += piece.len();
    }
    if names.is_empty() {
        out.push(']');
    }
    out.push('\n');
    out
}

/// Every function is built by the repository's Makefile (`build-<LogicalId>`,
/// scripts/lambda-build): one cargo build for all of them.
pub const MAKEFILE_BUILD: &str =
    "  Metadata:\n    BuildMethod: makefile\n    ContextPath: .\n    WorkingDirectory: .\n";

fn function_resource(out: &mut String, f: &Routed) -> Result<(), String> {
    let (name, resource, needs) = (f.function.name(), f.resource(), &f.needs);
    let guarded = if f.route.protected { ", behind the authorizer" } else { "" };
    writeln!(out, "{resource}Function:").unwrap();
    out.push_str("  Type: AWS::Serverless::Function\n");
    out.push_str(MAKEFILE_BUILD);
    out.push_str("  Properties:\n");
    writeln!(out, "    CodeUri: functions/{name}/").unwrap();
    writeln!(out, "    Description: {} {}{guarded}", f.route.method, f.route.path).unwrap();
    // The template's Globals give every function Lambda's smallest size.
    if needs.size.memory_mb != Size::SMALL.memory_mb {
        writeln!(out, "    MemorySize: {}", needs.size.memory_mb).unwrap();
    }
    if needs.size.timeout_seconds != Size::SMALL.timeout_seconds {
        writeln!(out, "    Timeout: {}", needs.size.timeout_seconds).unwrap();
    }
    writeln!(out, "    LoggingConfig:\n      LogFormat: JSON\n      LogGroup: !Ref {resource}Logs").unwrap();
    let settings = needs.settings();
    if !settings.is_empty() {
        out.push_str("    Environment:\n      Variables:\n");
        for var in settings {
            writeln!(out, "        {var}: {}", setting(var).ok_or_else(|| unknown(name, "setting", var))?).unwrap();
        }
    }
    let statements = statements(name, needs)?;
    if !statements.is_empty() {
        out.push_str("    Policies:\n      - Statement:\n");
        for (actions, target) in statements {
            let actions = if actions.len() == 1 { actions[0].to_string() } else { format!("[{}]", actions.join(", ")) };
            writeln!(out, "          - Effect: Allow\n            Action: {actions}\n            Resource: {target}")
                .unwrap();
        }
    }
    writeln!(out, "\n{resource}Logs:").unwrap();
    out.push_str("  Type: AWS::Logs::LogGroup\n  Properties:\n    RetentionInDays: !Ref LogRetentionDays\n");
    Ok(())
}

fn unknown(function: &str, what: &str, name: &str) -> String {
    format!("{function} declares the {what} {name}, which xtask/src/template.rs does not know how to deploy")
}

/// Where the template gets each setting a function may read.
fn setting(var: &str) -> Option<&'static str> {
    Some(match var {
        "TABLE_NAME" => "!Ref Table",
        "JWT_SIGNING_KEY_SECRET_ARN" => "!GetAtt SigningKey.SecretArn",
        "JWT_VERIFY_KEYS" => "!GetAtt SigningKey.Jwks",
        "MAILER_FUNCTION" => "!Ref MailerFunction",
        "PASSWORD_MIN_LENGTH" => "!Ref PasswordMinLength",
        "TOTP_ISSUER" => "!Ref TotpIssuer",
        "WEBAUTHN_RP_ID" => "!Ref WebAuthnRpId",
        "WEBAUTHN_ORIGINS" => "!Ref WebAuthnOrigins",
        "APP_URL" => "!Ref AppUrl",
        _ => return None,
    })
}

/// The policy's statements: each resource with the actions allowed on it.
fn statements(function: &str, needs: &Needs) -> Result<Vec<(Vec<&'static str>, &'static str)>, String> {
    let mut statements: Vec<(Vec<&'static str>, &'static str)> = Vec::new();
    for action in needs.iam_actions() {
        let target = match action {
            a if a.starts_with("dynamodb:") => "!GetAtt Table.Arn",
            "secretsmanager:GetSecretValue" if needs.keys == Keys::Sign => "!Ref SigningKeySecret",
            "lambda:InvokeFunction" => "!GetAtt MailerFunction.Arn",
            other => return Err(unknown(function, "AWS action", other)),
        };
        match statements.iter_mut().find(|(_, t)| *t == target) {
            Some((actions, _)) => actions.push(action),
            None => statements.push((vec![action], target)),
        }
    }
    // The table first, then the key, then the mailer, as a reader expects them.
    let order = ["!GetAtt Table.Arn", "!Ref SigningKeySecret", "!GetAtt MailerFunction.Arn"];
    statements.sort_by_key(|(_, target)| order.iter().position(|t| t == target));
    Ok(statements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_template_is_what_the_generator_writes() {
        if let Err(message) = check(&path()) {
            panic!("{message}");
        }
    }

    #[test]
    fn a_route_removed_by_hand_is_put_back() {
        let text = std::fs::read_to_string(path()).unwrap();
        let edited = text.replace("    Me: {Key: \"GET /me\", Arn: \"GET/me\"}\n", "");
        assert_ne!(edited, text, "the Me row is where this test expects it");
        assert_eq!(generate(&edited).unwrap(), generate(&text).unwrap());
        let (line, have, want) = first_difference(&edited, &generate(&edited).unwrap()).unwrap();
        assert!(line > 1 && have != want);
    }

    #[test]
    fn a_part_without_its_end_line_or_a_missing_part_is_an_error() {
        let text = std::fs::read_to_string(path()).unwrap();
        let cut = text.replace("# end generated: routes", "");
        assert!(generate(&cut).unwrap_err().contains("has no `# end generated: routes` line"));
        let gone = text.replace("# generated: functions", "# (was generated)");
        assert!(generate(&gone).unwrap_err().contains("\"functions\""));
    }

    #[test]
    fn a_long_list_wraps_before_a_hundred_columns() {
        let names: Vec<String> = (0..40).map(|i| format!("Function{i}")).collect();
        let list = flow_list(&names);
        assert!(list.lines().all(|l| l.len() < 100), "{list}");
        assert!(list.starts_with("- [Function0, ") && list.trim_end().ends_with("Function39]"));
        assert_eq!(flow_list(&[]), "- []\n");
    }
}

//! The repository's own commands. Nothing here is deployed.

pub mod template;

#[cfg(test)]
mod tests {
    /// The README's contents list, kept with its sections.
    #[test]
    fn the_readmes_contents_list_every_section_in_order() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        let sections: Vec<&str> = readme.lines().filter_map(|l| l.strip_prefix("## ")).collect();
        let listed: Vec<&str> = readme
            .split("Contents:\n\n")
            .nth(1)
            .expect("a Contents: list")
            .lines()
            .map_while(|l| l.strip_prefix("- ["))
            .map(|l| l.split("](#").next().unwrap())
            .collect();
        assert_eq!(listed, sections, "README.md: the Contents list against its ## sections");
    }

    /// The Makefile's one rule (`build-%`) finds a function's crate from its
    /// resource's name, as scripts/lambda-build does: every function resource
    /// must be built that way and be named after its crate, and every crate
    /// under functions/ must have a resource.
    #[test]
    fn every_function_resource_is_built_by_the_makefile_from_the_crate_it_is_named_after() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let template = std::fs::read_to_string(format!("{root}/template.yaml")).unwrap();
        let mut built = Vec::new();
        for (resource, block) in
            resources(&template).filter(|(_, b)| b.contains("\n    Type: AWS::Serverless::Function\n"))
        {
            let crate_name = crate_of(resource);
            let metadata = crate::template::MAKEFILE_BUILD.replace("\n  ", "\n    ");
            assert!(block.contains(&metadata), "{resource}: its Metadata is not the Makefile build:\n{metadata}");
            assert!(
                block.contains(&format!("CodeUri: functions/{crate_name}/\n")),
                "{resource}: the Makefile builds functions/{crate_name}, which is not its CodeUri"
            );
            built.push(crate_name);
        }
        let mut crates: Vec<String> = std::fs::read_dir(format!("{root}/functions"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        built.sort();
        crates.sort();
        assert_eq!(built, crates, "function resources in template.yaml against the crates under functions/");
    }

    /// scripts/lambda-build builds the functions that call no AWS service in
    /// a cargo invocation of their own, so that no SDK feature reaches them
    /// (the authorizer's size is its cold start): its groups against NEEDS.
    #[test]
    fn the_functions_that_call_no_aws_service_are_built_apart_from_the_others() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/lambda-build");
        let out = std::process::Command::new("bash").args([script, "--groups"]).env_remove("LAMBDA_BUILD").output();
        let out = String::from_utf8(out.expect("bash runs scripts/lambda-build").stdout).unwrap();
        let group = |name: &str| -> Vec<String> {
            let line = out.lines().find_map(|l| l.strip_prefix(name)).unwrap_or_else(|| panic!("no {name} in {out}"));
            line.split_whitespace().map(str::to_string).collect()
        };
        let (without, with) = (group("without-aws:"), group("with-aws:"));
        for (function, needs) in local_api::app::all_needs() {
            let (name, apart) = (function.name().to_string(), !needs.calls_aws());
            assert_eq!(without.contains(&name), apart, "{name}: calls AWS: {}; built apart: {without:?}", !apart);
            assert_eq!(with.contains(&name), !apart, "{name}: with the SDK functions: {with:?}");
        }
        assert!(without.contains(&"authorizer".to_string()), "the authorizer calls no AWS service");
        for sdk in ["keys", "mailer", "session-authorizer"] {
            assert!(with.contains(&sdk.to_string()), "{sdk} calls AWS");
        }
    }

    /// Each top-level resource's name and its lines (those indented by two spaces, then deeper).
    fn resources(template: &str) -> impl Iterator<Item = (&str, String)> {
        let mut blocks: Vec<(&str, String)> = Vec::new();
        for line in template.lines() {
            match line.strip_prefix("  ").and_then(|l| l.strip_suffix(':')) {
                Some(name) if !name.starts_with(' ') && !name.contains(' ') => blocks.push((name, String::new())),
                _ => {}
            }
            if let Some((_, block)) = blocks.last_mut() {
                block.push_str(line);
                block.push('\n');
            }
        }
        blocks.into_iter()
    }

    /// SignupFunction -> signup, FinishPasskeyLoginFunction -> finish-passkey-login.
    fn crate_of(resource: &str) -> String {
        let mut name = String::new();
        for (i, c) in resource.trim_end_matches("Function").chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                name.push('-');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }

    #[test]
    fn a_resource_name_becomes_its_crates_name() {
        assert_eq!(crate_of("FinishPasskeyLoginFunction"), "finish-passkey-login");
        assert_eq!(crate_of("MeFunction"), "me");
    }
}

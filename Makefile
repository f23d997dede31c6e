# sam build's makefile build method calls build-<LogicalId> for each function
# in template.yaml (Metadata: BuildMethod: makefile); scripts/lambda-build
# turns the resource's name into its crate's (SignupFunction is functions/signup).
build-%:
	@scripts/lambda-build "$*" "$(ARTIFACTS_DIR)"

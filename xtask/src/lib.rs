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
}

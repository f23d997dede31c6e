//! `template.yaml`'s table has the keys, indexes and TTL attribute that the
//! store's one definition (`shared::store::table`) says it has.

use shared::store::table::{GLOBAL_SECONDARY_INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE};
use yaml_rust2::{Yaml, YamlLoader};

fn table() -> Yaml {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml");
    let template = YamlLoader::load_from_str(&text).expect("valid YAML").remove(0);
    template["Resources"]["Table"].clone()
}

fn strings(items: &Yaml, a: &str, b: &str) -> Vec<(String, String)> {
    items
        .as_vec()
        .expect("a list")
        .iter()
        .map(|i| (i[a].as_str().unwrap().to_string(), i[b].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn the_template_table_has_the_stores_keys() {
    let props = &table()["Properties"];
    assert_eq!(
        strings(&props["KeySchema"], "AttributeName", "KeyType"),
        vec![(PARTITION_KEY.to_string(), "HASH".to_string()), (SORT_KEY.to_string(), "RANGE".to_string())]
    );
    let mut attributes = strings(&props["AttributeDefinitions"], "AttributeName", "AttributeType");
    attributes.sort();
    assert_eq!(attributes, vec![(PARTITION_KEY.to_string(), "S".to_string()), (SORT_KEY.to_string(), "S".to_string())]);
}

#[test]
fn the_template_table_has_the_stores_ttl_attribute_and_indexes() {
    let props = &table()["Properties"];
    assert_eq!(props["TimeToLiveSpecification"]["AttributeName"].as_str(), Some(TTL_ATTRIBUTE));
    assert_eq!(props["TimeToLiveSpecification"]["Enabled"].as_bool(), Some(true));
    let indexes: Vec<&str> = props["GlobalSecondaryIndexes"]
        .as_vec()
        .map(|v| v.iter().filter_map(|i| i["IndexName"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(indexes, GLOBAL_SECONDARY_INDEXES);
}

#[test]
fn the_template_table_is_on_demand_recoverable_and_retained() {
    let table = table();
    assert_eq!(table["Properties"]["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(table["DeletionPolicy"].as_str(), Some("Retain"));
}

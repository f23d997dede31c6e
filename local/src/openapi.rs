//! `openapi.yaml`, embedded at build time and served as JSON at `/openapi.json`.

use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

pub const PATH: &str = "/openapi.json";
const SOURCE: &str = include_str!("../../openapi.yaml");

/// The document as JSON, rendered once.
pub fn json() -> String {
    let document = YamlLoader::load_from_str(SOURCE).ok().and_then(|mut d| d.pop()).unwrap_or(Yaml::Null);
    to_json(&document).to_string()
}

fn to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Hash(map) => Value::Object(
            map.iter().filter_map(|(k, v)| k.as_str().map(|k| (k.to_string(), to_json(v)))).collect::<Map<_, _>>(),
        ),
        Yaml::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::Number((*i).into()),
        Yaml::Real(r) => r.parse::<f64>().ok().and_then(Number::from_f64).map_or(Value::Null, Value::Number),
        Yaml::Boolean(b) => Value::Bool(*b),
        _ => Value::Null,
    }
}

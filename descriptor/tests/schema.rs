//! The JSON Schema: the committed copy is current, and it agrees with the
//! decoder on generated and hand-written descriptors.

use std::path::PathBuf;
use std::sync::OnceLock;

use abi_descriptor::{Descriptor, json_schema};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::strategies::descriptor;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/descriptor.schema.json")
}

/// `docs/descriptor.schema.json` is `json_schema()`. With `BLESS=1` the test
/// writes the file instead.
#[test]
fn committed_schema_is_current() {
    let path = committed_path();
    let schema = json_schema();
    if std::env::var("BLESS").as_deref() == Ok("1") {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create docs/");
        }
        std::fs::write(&path, &schema)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nrun `BLESS=1 cargo test -p abi-descriptor` to create it",
            path.display()
        )
    });
    assert!(
        committed == schema,
        "{} is out of date with `abi_descriptor::json_schema()`\n\
         run `BLESS=1 cargo test -p abi-descriptor` to update it",
        path.display()
    );
}

#[test]
fn schema_is_draft_2020_12() {
    let schema: Value = serde_json::from_str(&json_schema()).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"],
        json!("https://json-schema.org/draft/2020-12/schema")
    );
    assert_eq!(schema["title"], json!("Descriptor"));
    assert!(json_schema().ends_with("}\n"));
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(&json_schema()).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles")
    })
}

fn schema_errors(instance: &Value) -> Vec<String> {
    validator()
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn schema_accepts_generated_descriptors(d in descriptor()) {
        let json: Value = serde_json::from_str(&d.to_json().expect("to_json")).expect("JSON");
        let errors = schema_errors(&json);
        prop_assert!(errors.is_empty(), "{:#?}\n{}", errors, json);
    }
}

#[test]
fn schema_accepts_the_hand_written_fixtures() {
    for (name, text) in [
        ("base", crate::invalid::BASE),
        ("scrambled", crate::canonical::SCRAMBLED),
        ("ordered", crate::canonical::ORDERED),
        ("omitted defaults", crate::canonical::OMITTED_DEFAULTS),
    ] {
        Descriptor::from_json(text).expect("the fixture decodes");
        let value: Value = serde_json::from_str(text).expect("JSON");
        let errors = schema_errors(&value);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

/// Shapes the decoder refuses are refused by the schema too.
#[test]
fn schema_rejects_what_the_decoder_rejects() {
    let base: Value = serde_json::from_str(crate::invalid::BASE).expect("JSON");
    type Case = (&'static str, fn(&mut Value));
    let cases: [Case; 9] = [
        ("no format", |v| {
            v.as_object_mut().expect("object").remove("format");
        }),
        ("format with three parts", |v| v["format"] = json!("1.0.0")),
        ("unknown type kind", |v| {
            v["types"][0]["kind"] = json!("vector")
        }),
        ("pointer without mutability", |v| {
            v["types"][1]
                .as_object_mut()
                .expect("object")
                .remove("mutability");
        }),
        ("pointer width as a string", |v| {
            v["target"]["pointer_width"] = json!("64")
        }),
        ("integer constant as a string", |v| {
            v["constants"][0]["value"] = json!({ "int": "100" })
        }),
        ("unknown endian", |v| {
            v["target"]["endian"] = json!("middle")
        }),
        ("negative struct size", |v| {
            v["types"][0]["size"] = json!(-16)
        }),
        ("code without final", |v| {
            v["code_tables"][0]["codes"][0]
                .as_object_mut()
                .expect("object")
                .remove("final");
        }),
    ];
    for (name, mutate) in cases {
        let mut v = base.clone();
        mutate(&mut v);
        assert!(
            Descriptor::from_json(&v.to_string()).is_err(),
            "{name}: the decoder accepts it"
        );
        assert!(
            !schema_errors(&v).is_empty(),
            "{name}: the schema accepts it"
        );
    }
}

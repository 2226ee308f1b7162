//! The JSON Schema of the JSON form.

use crate::model::Descriptor;

/// The JSON Schema (draft 2020-12) of the descriptor's JSON form, pretty-printed
/// with a trailing newline. Committed as `docs/descriptor.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Descriptor);
    let mut text =
        serde_json::to_string_pretty(&schema).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

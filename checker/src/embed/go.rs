//! The Go file: a cgo preamble with the library's headers, `_Static_assert`
//! layout checks on their C types, and the blob.

use std::fmt::Write as _;

use abi_descriptor::{Descriptor, Index};

use super::{Blob, EmbedError, EmbedOptions, Plan, c, c_definitions, header_lines, is_c_ident};

/// Generates the `.go` file. It has no `//export`, because a file that
/// exports Go functions may only declare, not define, in its preamble.
pub(super) fn generate(
    d: &Descriptor,
    blob: &Blob,
    options: &EmbedOptions,
) -> Result<String, EmbedError> {
    let mut out = String::new();
    let mut lines = header_lines(d, blob, options).into_iter();
    // Go's marker of generated files: `^// Code generated .* DO NOT EDIT\.$`.
    let first = lines.next().unwrap_or_default();
    let first = first.trim_end_matches(": do not edit.");
    let _ = writeln!(out, "// Code {}. DO NOT EDIT.", lowercase_first(first));
    for line in lines {
        let _ = writeln!(out, "// {line}");
    }
    out.push_str(
        "//\n// Build it with the library (package main, go build -buildmode=c-shared). Its\n\
         // cgo preamble asserts, while the library compiles, that the layouts the\n\
         // descriptor states are the ones the included C headers give, and defines\n\
         // _abi_descriptor and _abi_descriptor_blob in C, so they need no Go runtime.\n\n\
         package main\n\n/*\n",
    );
    out.push_str(&c::includes(&options.includes, "go")?);
    out.push('\n');
    let index = Index::new(d);
    let plan = Plan::new(d, &index, options.value_checks, is_c_ident);
    out.push_str(&c::checks(&plan, options.tag_types));
    out.push_str(&c_definitions(blob));
    out.push_str("*/\nimport \"C\"\n");
    Ok(out)
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

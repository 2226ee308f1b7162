//! The bundled example: every planted change is found, once, at its leaf.

use abi_check::{Bump, RuleId, compare};
use abi_descriptor::Descriptor;

fn example(side: &str) -> Descriptor {
    let path = format!(
        "{}/../examples/libtile/{side}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let d = Descriptor::from_json(&text).unwrap();
    d.validate().unwrap();
    d
}

#[test]
fn example_findings_are_exactly_the_planted_changes() {
    let report = compare(&example("v1"), &example("v2")).unwrap();
    let mut got: Vec<(String, String, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str().to_owned(), f.path.clone(), f.detail.clone()))
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        (
            "constant_value_changed",
            "constant `TILE_MAX_ZOOM`",
            "22 -> 24",
        ),
        (
            "enum_variant_added_breaking",
            "enum `TileFormat` variant `TILE_FORMAT_AVIF`",
            "added (value 2)",
        ),
        (
            "wire_event_removed",
            "function `tile_add_event_listener` event `cache_full`",
            "removed",
        ),
        ("struct_size_changed", "struct `TileInfo`", "size 32 -> 40"),
        (
            "field_offset_changed",
            "struct `TileInfo` field `byte_size`",
            "offset 24 -> 32",
        ),
        (
            "field_added",
            "struct `TileInfo` field `dpi`",
            "added at offset 24",
        ),
        (
            "wire_required_field_added",
            "wire record `QueryReq` field `dpi`",
            "added (required, `u32`)",
        ),
        (
            "enum_variant_added",
            "enum `TileStatus` variant `TILE_ERR_BUSY`",
            "added (value -3)",
        ),
        (
            "extensible_field_appended",
            "extensible `TileOptions` field `prefetch`",
            "added at offset 12",
        ),
        (
            "threading_loosened",
            "function `tile_cache_close`",
            "context_thread -> any",
        ),
        ("function_added", "function `tile_cache_stats`", "added"),
        (
            "wire_field_added",
            "wire record `QueryReply` field `cursor`",
            "added (optional, `text`)",
        ),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(report.required_bump, Bump::Major);
    assert!(!report.compatible);
}

#[test]
fn struct_change_lists_the_items_it_reaches_once() {
    let report = compare(&example("v1"), &example("v2")).unwrap();
    let size = report
        .findings
        .iter()
        .filter(|f| f.rule == RuleId::StructSizeChanged)
        .collect::<Vec<_>>();
    assert_eq!(
        size.len(),
        1,
        "one finding for the struct, not one per function"
    );
    let items: Vec<String> = size[0].items.iter().map(|i| i.to_string()).collect();
    assert_eq!(items, ["function `tile_render`"]);
    // TileFormat reaches hosts both as a parameter and inside TileInfo.
    let format = report
        .findings
        .iter()
        .find(|f| f.rule == RuleId::EnumVariantAddedBreaking)
        .unwrap();
    let items: Vec<String> = format.items.iter().map(|i| i.to_string()).collect();
    assert_eq!(
        items,
        ["function `tile_format_name`", "function `tile_render`"]
    );
}

#[test]
fn comparing_a_descriptor_with_itself_finds_nothing() {
    let v1 = example("v1");
    let report = compare(&v1, &v1).unwrap();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert!(report.compatible);
    assert_eq!(report.required_bump, Bump::None);
}

#[test]
fn a_major_release_covers_breaking_changes_but_not_a_kept_soname() {
    let v1 = example("v1");
    let mut v2 = example("v2");
    v2.library.version = semver::Version::new(2, 0, 0);
    let report = compare(&v1, &v2).unwrap();
    let failing: Vec<RuleId> = report
        .findings
        .iter()
        .filter(|f| f.fails(report.version_change.bump()))
        .map(|f| f.rule)
        .collect();
    assert_eq!(failing, [RuleId::SonameUnchanged]);
    assert!(!report.compatible);

    v2.library.soname = Some("libtile.so.2".to_owned());
    let report = compare(&v1, &v2).unwrap();
    assert!(report.compatible, "{}", report.to_text());
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.rule == RuleId::SonameChanged)
    );
}

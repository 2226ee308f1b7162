//! The rule case table: for every rule of the catalogue, descriptor pairs that
//! trigger it and near misses that must not.
//!
//! `tests/cases/<rule_id>.json` holds the cases of one rule:
//!
//! ```json
//! {
//!   "rule": "field_added",
//!   "base": { "types": [ ... ], "functions": [ ... ] },
//!   "cases": [
//!     { "positive": "what the case shows",
//!       "new": { "add": { "types/S/fields": [ { "name": "b", "type": "u8", "offset": 4 } ] } },
//!       "bump": "major",
//!       "findings": [ "field_added: struct `S` field `b`: added at offset 4" ] },
//!     { "negative": "the near miss, and why it is judged otherwise",
//!       "both": { ... }, "old": { ... }, "new": { ... },
//!       "bump": "minor",
//!       "findings": [ "extensible_field_appended: ..." ] }
//!   ]
//! }
//! ```
//!
//! `base` is a descriptor fragment laid over a fixed envelope (format 1.0,
//! library `lib` 1.0.0, x86-64 Linux); objects merge key by key, anything
//! else replaces. Each side of a case is the base edited by `both`, then by
//! `old` or `new`. An edit removes (`remove`: paths), then sets (`set`: path
//! to value), then appends (`add`: path to a list of values). A path walks
//! objects by key and lists by the `id`, `symbol` or `name` of an entry (or
//! `#N`, the entry at index N): `types/TileInfo/fields/zoom/type`. The paths
//! of one edit apply in no set order, so none may depend on another (to swap
//! two entries, set the whole list).
//!
//! Both sides must validate. A positive case lists its rule among the
//! findings, a negative case does not; either way `findings` is every
//! finding `abi_check::compare` makes, as `rule: path: detail`, in any order,
//! and `bump` is the bump the report requires.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use abi_check::{RULES, RuleId, compare};
use abi_descriptor::Descriptor;
use serde_json::{Map, Value, json};

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// The envelope every case's descriptors share.
fn envelope() -> Value {
    json!({
        "format": "1.0",
        "library": { "name": "lib", "version": "1.0.0" },
        "producer": { "language": "c", "tool": "rule cases", "version": "1" },
        "target": {
            "triple": "x86_64-unknown-linux-gnu", "pointer_width": 64, "endian": "little",
            "c_int": 4, "c_long": 8, "size_t": 8, "c_char_signed": true,
            "default_abi": "sysv64"
        }
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Positive,
    Negative,
}

struct Case {
    /// The file it comes from, for messages.
    file: String,
    /// The rule whose file it is in.
    rule: String,
    kind: Kind,
    name: String,
    old: Value,
    new: Value,
    bump: String,
    findings: Vec<String>,
}

impl Case {
    fn label(&self) -> String {
        let kind = match self.kind {
            Kind::Positive => "positive",
            Kind::Negative => "negative",
        };
        format!("{} {kind} case \"{}\"", self.file, self.name)
    }
}

/// Every case file, parsed. Malformed files panic with their name.
fn load() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no case files in {}",
        cases_dir().display()
    );
    let mut cases = Vec::new();
    for path in paths {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("`{file}`: invalid JSON: {e}"));
        cases.extend(parse_file(&file, &doc).unwrap_or_else(|e| panic!("`{file}`: {e}")));
    }
    cases
}

fn parse_file(file: &str, doc: &Value) -> Result<Vec<Case>, String> {
    let rule = doc["rule"].as_str().ok_or("no `rule`")?.to_owned();
    if file != format!("{rule}.json") {
        return Err(format!(
            "the cases of rule `{rule}` belong in `{rule}.json`"
        ));
    }
    let mut base = envelope();
    merge(&mut base, doc.get("base").cloned().unwrap_or(json!({})));
    let mut cases = Vec::new();
    for (i, c) in doc["cases"]
        .as_array()
        .ok_or("no `cases` list")?
        .iter()
        .enumerate()
    {
        let (kind, name) = match (c.get("positive"), c.get("negative")) {
            (Some(Value::String(n)), None) => (Kind::Positive, n.clone()),
            (None, Some(Value::String(n))) => (Kind::Negative, n.clone()),
            _ => {
                return Err(format!(
                    "case {i} needs exactly one of `positive` or `negative`"
                ));
            }
        };
        let side = |key: &str| -> Result<Value, String> {
            let mut d = base.clone();
            for edit in ["both", key] {
                if let Some(e) = c.get(edit) {
                    apply(&mut d, e).map_err(|e| format!("case \"{name}\" `{edit}`: {e}"))?;
                }
            }
            Ok(d)
        };
        let findings = c["findings"]
            .as_array()
            .ok_or_else(|| format!("case \"{name}\" has no `findings` list"))?
            .iter()
            .map(|f| f.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| format!("case \"{name}\": findings are `rule: path: detail` texts"))?;
        cases.push(Case {
            file: file.to_owned(),
            rule: rule.clone(),
            kind,
            old: side("old")?,
            new: side("new")?,
            bump: c["bump"]
                .as_str()
                .ok_or_else(|| format!("case \"{name}\" has no `bump`"))?
                .to_owned(),
            findings,
            name,
        });
    }
    Ok(cases)
}

/// Lays `patch` over `target`: objects merge key by key, anything else
/// replaces.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p,
    }
}

/// Applies one edit: `remove`, then `set`, then `add`.
fn apply(d: &mut Value, edit: &Value) -> Result<(), String> {
    let edit = edit.as_object().ok_or("an edit is an object")?;
    if let Some(unknown) = edit
        .keys()
        .find(|k| !["remove", "set", "add"].contains(&k.as_str()))
    {
        return Err(format!("unknown edit `{unknown}`"));
    }
    for path in edit
        .get("remove")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let path = path.as_str().ok_or("`remove` lists paths")?;
        let (parent, last) = parent(d, path)?;
        let gone = match parent {
            Value::Object(m) => m.remove(last).is_some(),
            Value::Array(a) => match position(a, last) {
                Some(i) => {
                    a.remove(i);
                    true
                }
                None => false,
            },
            _ => false,
        };
        if !gone {
            return Err(format!("nothing to remove at `{path}`"));
        }
    }
    for (path, value) in edit
        .get("set")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let (parent, last) = parent(d, path)?;
        match parent {
            Value::Object(m) => {
                m.insert(last.to_owned(), value.clone());
            }
            Value::Array(a) => {
                let i = position(a, last).ok_or_else(|| format!("no entry at `{path}`"))?;
                a[i] = value.clone();
            }
            _ => return Err(format!("cannot set `{path}`")),
        }
    }
    for (path, values) in edit
        .get("add")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let values = values.as_array().ok_or("`add` maps a path to a list")?;
        let (parent, last) = parent(d, path)?;
        let list = match parent {
            Value::Object(m) => m.entry(last).or_insert_with(|| json!([])),
            Value::Array(a) => {
                let i = position(a, last).ok_or_else(|| format!("no entry at `{path}`"))?;
                &mut a[i]
            }
            _ => return Err(format!("cannot add at `{path}`")),
        };
        list.as_array_mut()
            .ok_or_else(|| format!("`{path}` is not a list"))?
            .extend(values.iter().cloned());
    }
    Ok(())
}

/// The value that holds the last segment of `path`, and that segment.
fn parent<'v, 'p>(d: &'v mut Value, path: &'p str) -> Result<(&'v mut Value, &'p str), String> {
    let (init, last) = path.rsplit_once('/').unwrap_or(("", path));
    let mut v = d;
    for seg in init.split('/').filter(|s| !s.is_empty()) {
        v = match v {
            Value::Object(m) => m.get_mut(seg),
            Value::Array(a) => match position(a, seg) {
                Some(i) => a.get_mut(i),
                None => None,
            },
            _ => None,
        }
        .ok_or_else(|| format!("no `{seg}` on the way to `{path}`"))?;
    }
    Ok((v, last))
}

/// The entry of a table named `seg` (by `id`, `symbol` or `name`), or `#N`.
fn position(a: &[Value], seg: &str) -> Option<usize> {
    if let Some(i) = seg.strip_prefix('#') {
        return i.parse().ok().filter(|&i| i < a.len());
    }
    let key = |e: &Value| {
        let e: &Map<String, Value> = e.as_object()?;
        ["id", "symbol", "name"]
            .iter()
            .find_map(|k| e.get(*k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    a.iter().position(|e| key(e).as_deref() == Some(seg))
}

/// One side of a case, decoded and validated.
fn descriptor(side: &str, v: &Value) -> Result<Descriptor, String> {
    let d = Descriptor::from_json(&v.to_string()).map_err(|e| format!("  {side}: {e}"))?;
    d.validate().map_err(|e| format!("  {side}: {e}"))?;
    Ok(d)
}

/// Runs one case; the text says what is wrong.
fn check(case: &Case) -> Result<(), String> {
    let old = descriptor("old", &case.old)?;
    let new = descriptor("new", &case.new)?;
    let report = compare(&old, &new).map_err(|e| e.to_string())?;
    let mut got: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{}: {}: {}", f.rule, f.path, f.detail))
        .collect();
    got.sort();
    let mut want = case.findings.clone();
    want.sort();
    let mut problems = String::new();
    let listed = |list: &[String]| {
        list.iter()
            .any(|f| f.split(": ").next() == Some(&case.rule))
    };
    match case.kind {
        Kind::Positive if !listed(&want) => {
            let _ = writeln!(problems, "  a positive case must expect `{}`", case.rule);
        }
        Kind::Negative if listed(&want) => {
            let _ = writeln!(
                problems,
                "  a negative case must not expect `{}`",
                case.rule
            );
        }
        _ => {}
    }
    if got != want {
        let _ = writeln!(problems, "  findings differ; the engine reports:");
        for f in &got {
            let _ = writeln!(problems, "    {}", serde_json::to_string(f).unwrap());
        }
        let missing: Vec<&String> = want.iter().filter(|f| !got.contains(f)).collect();
        for f in missing {
            let _ = writeln!(problems, "  expected, not reported: {f}");
        }
    }
    if report.required_bump.as_str() != case.bump {
        let _ = writeln!(
            problems,
            "  required bump is {}, the case expects {}",
            report.required_bump, case.bump
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[test]
fn every_case_holds() {
    let cases = load();
    let mut failures = String::new();
    for case in &cases {
        if let Err(e) = check(case) {
            let _ = writeln!(failures, "{}:\n{e}", case.label());
        }
    }
    assert!(failures.is_empty(), "failing rule cases:\n{failures}");
}

#[test]
fn every_rule_has_a_positive_and_a_negative_case() {
    let cases = load();
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for case in &cases {
        let c = counts.entry(case.rule.as_str()).or_default();
        match case.kind {
            Kind::Positive => c.0 += 1,
            Kind::Negative => c.1 += 1,
        }
    }
    let mut problems = Vec::new();
    for rule in RULES {
        let id = rule.id.as_str();
        match counts.get(id).copied().unwrap_or_default() {
            (0, 0) => problems.push(format!("`{id}` has no cases (add tests/cases/{id}.json)")),
            (0, _) => problems.push(format!("`{id}` has no positive case")),
            (_, 0) => problems.push(format!("`{id}` has no negative case")),
            _ => {}
        }
    }
    for rule in counts.keys() {
        if RuleId::parse(rule).is_none() {
            problems.push(format!(
                "tests/cases/{rule}.json names no rule of the catalogue"
            ));
        }
    }
    // Every finding a case expects names a rule, too.
    for case in &cases {
        for f in &case.findings {
            let id = f.split(": ").next().unwrap_or_default();
            if RuleId::parse(id).is_none() {
                problems.push(format!("{} expects `{f}`, of no rule", case.label()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn edits_walk_tables_by_key() {
    let mut d = json!({ "types": [ { "id": "S", "fields": [ { "name": "a", "offset": 0 } ] } ] });
    let edit = json!({
        "remove": [ "types/S/fields/a" ],
        "set": { "types/S/size": 8 },
        "add": { "types/S/fields": [ { "name": "b", "offset": 4 } ], "functions": [ { "symbol": "f" } ] }
    });
    apply(&mut d, &edit).unwrap();
    assert_eq!(
        d,
        json!({
            "types": [ { "id": "S", "size": 8, "fields": [ { "name": "b", "offset": 4 } ] } ],
            "functions": [ { "symbol": "f" } ]
        })
    );
    assert!(apply(&mut d, &json!({ "remove": [ "types/T" ] })).is_err());
    assert!(apply(&mut d, &json!({ "set": { "types/#3/size": 1 } })).is_err());
}

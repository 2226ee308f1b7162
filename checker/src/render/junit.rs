//! JUnit XML: one test suite, one test case per finding (a `<failure>` when
//! the finding fails the check) and a last test case for the version: it
//! fails when the report is incompatible.

use super::needs;
use std::fmt::Write as _;

use super::{abbreviate, label, reached};
use crate::report::Report;

pub(super) fn render(report: &Report) -> String {
    let actual = report.version_change.bump();
    let tests = report.findings.len() + 1;
    let failures = report.findings.iter().filter(|f| f.fails(actual)).count()
        + usize::from(!report.compatible);
    let skipped = report
        .findings
        .iter()
        .filter(|f| f.suppressed_by.is_some())
        .count();
    let suite = format!(
        "abi-check: {} {} -> {} {}",
        report.old.name, report.old.version, report.new.name, report.new.version
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"abi-check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        attr(&suite)
    );
    let _ = writeln!(out, "    <properties>");
    for (name, value) in [
        ("old", format!("{} {}", report.old.name, report.old.version)),
        ("new", format!("{} {}", report.new.name, report.new.version)),
        ("required_bump", report.required_bump.to_string()),
        ("version_change", report.version_change.bump().to_string()),
    ] {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            attr(&value)
        );
    }
    let _ = writeln!(out, "    </properties>");

    for f in &report.findings {
        let rule = f.rule.rule();
        let name = format!("{}: {}", f.path, f.detail);
        let mut body = format!(
            "{}[{}]: {}\n{} ({})\n",
            label(f.level),
            f.rule,
            name,
            rule.name,
            needs(f.bump)
        );
        let items = reached(f);
        if !items.is_empty() {
            let _ = writeln!(body, "reaches: {}", abbreviate(items, 6));
        }
        let _ = writeln!(
            out,
            "    <testcase classname=\"abi-check.{}\" name=\"{}\">",
            f.rule,
            attr(&name)
        );
        if let Some(s) = &f.suppressed_by {
            let _ = writeln!(
                out,
                "      <skipped message=\"{}\"/>",
                attr(&format!("suppressed at {}: {}", s.origin, s.reason))
            );
            let _ = writeln!(out, "      <system-out>{}</system-out>", text(&body));
        } else if f.fails(actual) {
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}\n{}</failure>",
                f.rule,
                attr(&format!("{} ({})", rule.name, needs(f.bump))),
                text(&body),
                text(rule.explanation)
            );
        } else {
            let _ = writeln!(out, "      <system-out>{}</system-out>", text(&body));
        }
        let _ = writeln!(out, "    </testcase>");
    }

    let _ = writeln!(
        out,
        "    <testcase classname=\"abi-check.version\" name=\"{}\">",
        attr(&format!(
            "version {} -> {}",
            report.old.version, report.new.version
        ))
    );
    let verdict = report.verdict();
    if report.compatible {
        let _ = writeln!(out, "      <system-out>{}</system-out>", text(&verdict));
    } else {
        let _ = writeln!(
            out,
            "      <failure type=\"version\" message=\"{}\">{}</failure>",
            attr(&verdict),
            text(&verdict)
        );
    }
    let _ = writeln!(out, "    </testcase>");
    if !report.unused_suppressions.is_empty() {
        let lines: Vec<String> = report
            .unused_suppressions
            .iter()
            .map(|u| format!("warning: {}", u.message()))
            .collect();
        let _ = writeln!(
            out,
            "    <system-err>{}</system-err>",
            text(&lines.join("\n"))
        );
    }
    let _ = writeln!(out, "  </testsuite>");
    let _ = writeln!(out, "</testsuites>");
    out
}

/// `s` as an XML 1.0 attribute value: markup characters as entities, line
/// breaks and tabs as character references (which attribute-value
/// normalization keeps), and characters XML 1.0 cannot hold as U+FFFD.
fn attr(s: &str) -> String {
    escape(s, true)
}

/// `s` as XML 1.0 character data: as [`attr`], but line feeds and tabs stay.
fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup_and_no_invalid_characters() {
        assert_eq!(
            attr("a<b>&\"c'\n\t\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;&#9;\u{FFFD}"
        );
        assert_eq!(text("two\nlines\r\u{0}"), "two\nlines&#13;\u{FFFD}");
        assert_eq!(text("plain `text`"), "plain `text`");
    }
}

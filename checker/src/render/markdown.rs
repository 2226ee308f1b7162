//! The Markdown report, for a pull-request comment or a CI job summary: the
//! verdict as a heading, the counts, a table of findings per level, and the
//! explanation of every rule involved in a collapsed `<details>` block.

use std::fmt::Write as _;

use super::{abbreviate, counts, covered, reached};
use crate::report::Report;
use crate::rules::{Level, RuleId};

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let (mark, verdict) = if report.compatible {
        ("✅", "compatible")
    } else {
        ("❌", "incompatible")
    };
    let change = format!(
        "{} {} → {} {}",
        report.old.name, report.old.version, report.new.name, report.new.version
    );
    let _ = writeln!(
        out,
        "## {mark} abi-check: {} is {verdict}\n",
        inline(&change, false)
    );
    let _ = writeln!(out, "**Verdict:** {}\n", inline(&report.verdict(), false));
    let _ = writeln!(
        out,
        "**Summary:** {}; required bump: {}\n",
        counts(report),
        report.required_bump
    );

    for (level, title) in [
        (Level::Deny, "Errors"),
        (Level::Warn, "Warnings"),
        (Level::Allow, "Notes"),
    ] {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.level == level)
            .collect();
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {title} ({})\n", findings.len());
        let _ = writeln!(out, "| rule | where | change | needs | reaches |");
        let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
        for f in findings {
            let needs = if f.suppressed_by.is_some() {
                format!("{} (suppressed)", f.bump)
            } else if covered(report, f) {
                format!("{} (covered by {})", f.bump, report.new.version)
            } else {
                f.bump.to_string()
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {needs} | {} |",
                f.rule,
                inline(&f.path, true),
                inline(&f.detail, true),
                inline(&abbreviate(reached(f), 6), true)
            );
        }
        out.push('\n');
    }

    let suppressed: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| f.suppressed_by.as_ref().map(|s| (f, s)))
        .collect();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "### Suppressed ({})\n", suppressed.len());
        for (f, s) in suppressed {
            let _ = writeln!(
                out,
                "- `{}` {}: {} (suppressed at {})",
                f.rule,
                inline(&f.path, false),
                inline(&s.reason, false),
                inline(&s.origin.to_string(), false)
            );
        }
        out.push('\n');
    }
    if !report.unused_suppressions.is_empty() {
        let _ = writeln!(
            out,
            "### Unused suppressions ({})\n",
            report.unused_suppressions.len()
        );
        for u in &report.unused_suppressions {
            let _ = writeln!(out, "- {}", inline(&u.message(), false));
        }
        out.push('\n');
    }

    // In order of first appearance.
    let mut rules: Vec<RuleId> = Vec::new();
    for f in &report.findings {
        if !rules.contains(&f.rule) {
            rules.push(f.rule);
        }
    }
    if !rules.is_empty() {
        let _ = writeln!(out, "<details>\n<summary>What these rules mean</summary>\n");
        for id in rules {
            let rule = id.rule();
            let _ = writeln!(out, "#### `{id}`: {}\n", inline(rule.name, false));
            let _ = writeln!(
                out,
                "Requires a {} release; default level {}.\n",
                rule.bump, rule.level
            );
            let _ = writeln!(out, "{}\n", inline(rule.explanation, false));
            let example = format!("before: {}\nafter:  {}", rule.before, rule.after);
            let fence = fence_for(&example);
            let _ = writeln!(out, "{fence}text\n{example}\n{fence}\n");
        }
        let _ = writeln!(out, "</details>");
    }
    out
}

/// Inline Markdown for `s`: text between backticks stays a code span,
/// everything else is escaped so that it renders literally (no emphasis,
/// links, HTML, math or table cells). Line breaks become spaces; in a table
/// cell `|` is escaped, code spans included (GitHub's table rule).
pub(super) fn inline(s: &str, table: bool) -> String {
    let s = s.replace(['\r', '\n'], " ");
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(open) = rest.find('`') {
        escape_text(&rest[..open], &mut out);
        let after = &rest[open + 1..];
        match after.find('`') {
            Some(close) if close > 0 => {
                out.push('`');
                let code = &after[..close];
                if table {
                    out.push_str(&code.replace('|', "\\|"));
                } else {
                    out.push_str(code);
                }
                out.push('`');
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str("\\`");
                rest = after;
            }
        }
    }
    escape_text(rest, &mut out);
    out
}

fn escape_text(s: &str, out: &mut String) {
    // At the start of a list item, these would open a block: a quote, a
    // nested list, an ordered list (`1.`).
    let at_start = out.is_empty();
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    for (i, c) in s.char_indices() {
        let opens_block = at_start
            && (matches!((i, c), (0, '>' | '-' | '+'))
                || (digits > 0 && i == digits && matches!(c, '.' | ')')));
        if opens_block
            || matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '&' | '#' | '|' | '~' | '!' | '$'
            )
        {
            out.push('\\');
        }
        out.push(c);
    }
}

/// A code fence longer than any run of backticks in `s`.
pub(super) fn fence_for(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_stay_and_the_rest_is_escaped() {
        assert_eq!(
            inline("struct `TileInfo` field `byte_size`", true),
            "struct `TileInfo` field `byte_size`"
        );
        assert_eq!(
            inline("a *b* <script>&amp; [x](y) | $m$ -> _c_", false),
            "a \\*b\\* \\<script>\\&amp; \\[x\\](y) \\| \\$m\\$ -> \\_c\\_"
        );
        // What would open a block at the start of a list item.
        assert_eq!(inline("> quote", false), "\\> quote");
        assert_eq!(inline("- item", false), "\\- item");
        assert_eq!(inline("12. item", false), "12\\. item");
        assert_eq!(inline("12 items. 3.", false), "12 items. 3.");
        assert_eq!(inline("`a|b` | c", true), "`a\\|b` \\| c");
        assert_eq!(inline("`a|b`", false), "`a|b`");
        // An unmatched or empty pair of backticks is text.
        assert_eq!(inline("one ` tick", false), "one \\` tick");
        assert_eq!(inline("``", false), "\\`\\`");
        assert_eq!(inline("two\nlines", false), "two lines");
    }

    #[test]
    fn fences_outgrow_the_backticks_inside() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ```` b"), "`````");
    }
}

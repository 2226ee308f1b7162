//! GitHub Actions workflow commands: an annotation per finding (`::error`,
//! `::warning` or `::notice`), one for the verdict, and a plain summary
//! line for the log.

use super::needs;
use std::fmt::Write as _;
use std::path::Path;

use super::{abbreviate, counts, covered, reached, severity, slashed};
use crate::report::Report;
use crate::rules::Level;

pub(super) fn render(report: &Report, new_file: Option<&Path>) -> String {
    let file = new_file.map(|p| format!("file={},", property(&slashed(p))));
    let file = file.as_deref().unwrap_or("");
    let actual = report.version_change.bump();
    let mut out = String::new();
    for f in &report.findings {
        let command = match severity(report, f) {
            Level::Deny => "error",
            Level::Warn => "warning",
            Level::Allow => "notice",
        };
        let rule = f.rule.rule();
        let mut message = format!(
            "{}: {}\n{} ({})",
            f.path,
            f.detail,
            rule.name,
            needs(f.bump)
        );
        let items = reached(f);
        if !items.is_empty() {
            let _ = write!(message, "\nreaches: {}", abbreviate(items, 6));
        }
        if let Some(s) = &f.suppressed_by {
            let _ = write!(message, "\nsuppressed at {}: {}", s.origin, s.reason);
        } else if covered(report, f) {
            let _ = write!(message, "\ncovered by the {actual} version bump");
        }
        let _ = writeln!(
            out,
            "::{command} {file}title={}::{}",
            property(&format!("abi-check {}", f.rule)),
            data(&message)
        );
    }
    for u in &report.unused_suppressions {
        let origin = &u.suppression.origin;
        let _ = writeln!(
            out,
            "::warning file={},line={},col={},title={}::{}",
            property(&slashed(&origin.file)),
            origin.line,
            origin.column,
            property("abi-check unused suppression"),
            data(&u.message())
        );
    }
    let command = if report.compatible { "notice" } else { "error" };
    let _ = writeln!(
        out,
        "::{command} title={}::{}",
        property(&format!(
            "abi-check: {} {} -> {} {}",
            report.old.name, report.old.version, report.new.name, report.new.version
        )),
        data(&format!("{}\n{}", report.verdict(), counts(report)))
    );
    let _ = writeln!(
        out,
        "abi-check: {}; verdict: {}",
        counts(report),
        report.verdict()
    );
    out
}

/// A command's message: `%`, CR and LF percent-encoded.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: as [`data`], plus `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        // `%` first, so that the escapes themselves are not escaped again.
        assert_eq!(data("%0A"), "%250A");
    }
}

//! The text report: one block per finding, the summary and the verdict,
//! optionally coloured with ANSI escapes.

use super::needs;
use std::fmt::Write as _;

use super::{abbreviate, counts, label, reached};
use crate::report::Report;
use crate::rules::Level;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[1;32m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const CYAN: &str = "\x1b[1;36m";

/// Wraps text in an ANSI style, or not.
struct Paint(bool);

impl Paint {
    fn paint(&self, style: &str, text: &str) -> String {
        if self.0 {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }
}

pub(super) fn render(report: &Report, color: bool) -> String {
    let p = Paint(color);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} -> {} {}\n",
        report.old.name, report.old.version, report.new.name, report.new.version
    );
    let eq = p.paint(BLUE, "=");
    for f in &report.findings {
        let style = match f.level {
            Level::Deny => RED,
            Level::Warn => YELLOW,
            Level::Allow => CYAN,
        };
        let _ = writeln!(
            out,
            "{}{}{}: {}: {}",
            p.paint(style, &format!("{}[", label(f.level))),
            p.paint(BOLD, f.rule.as_str()),
            p.paint(style, "]"),
            f.path,
            f.detail
        );
        let _ = writeln!(out, "  {eq} {} ({})", f.rule.rule().name, needs(f.bump));
        let items = reached(f);
        if !items.is_empty() {
            let _ = writeln!(out, "  {eq} reaches: {}", abbreviate(items, 6));
        }
        if let Some(s) = &f.suppressed_by {
            let _ = writeln!(out, "  {eq} suppressed at {}: {}", s.origin, s.reason);
        }
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    for u in &report.unused_suppressions {
        let _ = writeln!(out, "{} {}", p.paint(YELLOW, "warning:"), u.message());
    }
    if !report.unused_suppressions.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{} {}", p.paint(BOLD, "summary:"), counts(report));
    let verdict_style = if report.compatible { GREEN } else { RED };
    let _ = writeln!(
        out,
        "{} {}",
        p.paint(BOLD, "verdict:"),
        p.paint(verdict_style, &report.verdict())
    );
    out
}

//! Renderings of a [`Report`]: one module per format, each reading the same
//! report.

use std::fmt;
use std::path::{Path, PathBuf};

use abi_descriptor::ItemRef;

use crate::report::{Finding, Report};
use crate::rules::Level;

mod github;
mod junit;
mod markdown;
mod sarif;
mod text;

/// An output format of a [`Report`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportFormat {
    /// For people: one block per finding, then the summary and the verdict.
    /// The only format that may be coloured.
    Text,
    /// The [`Report`] type serialized as JSON.
    Json,
    /// Markdown for a pull-request comment or a CI job summary.
    Markdown,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// JUnit XML: one test case per finding plus one for the version.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

impl ReportFormat {
    /// Every format.
    pub const ALL: [ReportFormat; 6] = [
        Self::Text,
        Self::Json,
        Self::Markdown,
        Self::Sarif,
        Self::Junit,
        Self::Github,
    ];

    /// The format's name, as `--format` takes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::Markdown => "markdown",
            Self::Sarif => "sarif",
            Self::Junit => "junit",
            Self::Github => "github",
        }
    }

    /// Parses a format name.
    pub fn parse(s: &str) -> Option<ReportFormat> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rendering needs besides the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenderOptions {
    /// Colour the text format with ANSI escapes. Other formats ignore it.
    pub color: bool,
    /// The file the new release was read from, as given: SARIF results and
    /// GitHub annotations point at it.
    pub new_file: Option<PathBuf>,
}

impl RenderOptions {
    /// No colour, no file.
    pub fn new() -> RenderOptions {
        RenderOptions::default()
    }

    /// With or without colour.
    pub fn color(mut self, color: bool) -> RenderOptions {
        self.color = color;
        self
    }

    /// With the file the new release was read from.
    pub fn new_file(mut self, path: impl Into<PathBuf>) -> RenderOptions {
        self.new_file = Some(path.into());
        self
    }
}

impl Report {
    /// The report in `format`.
    ///
    /// ```
    /// use abi_check::{RenderOptions, ReportFormat, compare};
    /// use abi_descriptor::Descriptor;
    ///
    /// let old = Descriptor::from_json(include_str!("../../../examples/libtile/v1.json"))?;
    /// let new = Descriptor::from_json(include_str!("../../../examples/libtile/v2.json"))?;
    /// let report = compare(&old, &new)?;
    /// let options = RenderOptions::new().new_file("examples/libtile/v2.json");
    /// let markdown = report.render(ReportFormat::Markdown, &options);
    /// assert!(markdown.starts_with("## ❌ abi-check: tile 1.4.0 → tile 1.5.0 is incompatible"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn render(&self, format: ReportFormat, options: &RenderOptions) -> String {
        match format {
            ReportFormat::Text => text::render(self, options.color),
            ReportFormat::Json => self.to_json(),
            ReportFormat::Markdown => markdown::render(self),
            ReportFormat::Sarif => sarif::render(self, options.new_file.as_deref()),
            ReportFormat::Junit => junit::render(self),
            ReportFormat::Github => github::render(self, options.new_file.as_deref()),
        }
    }
}

/// The label of a level in the human formats.
fn label(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "note",
    }
}

/// How an annotation (SARIF result, workflow command) should present a
/// finding: `deny` findings that fail the check are errors; a `deny`
/// finding the version bump covers is a warning, as it does not fail the
/// check; `warn` is a warning and `allow` a note. A suppressed finding is
/// a note.
fn severity(report: &Report, f: &Finding) -> Level {
    match f.level {
        _ if f.suppressed_by.is_some() => Level::Allow,
        Level::Deny if !f.fails(report.version_change.bump()) => Level::Warn,
        level => level,
    }
}

/// Whether `f` is a `deny` finding the version bump makes acceptable.
fn covered(report: &Report, f: &Finding) -> bool {
    f.level == Level::Deny && f.suppressed_by.is_none() && !f.fails(report.version_change.bump())
}

/// The exported items a finding reaches, when they say more than its path.
fn reached(f: &Finding) -> &[ItemRef] {
    match f.items.as_slice() {
        [item] if f.path.starts_with(&item.to_string()) => &[],
        items => items,
    }
}

/// At most `max` of `items`, then how many more (only those shown are
/// formatted: a changed struct may reach tens of thousands of functions).
fn abbreviate<T: fmt::Display>(items: &[T], max: usize) -> String {
    let shown: Vec<String> = items.iter().take(max).map(T::to_string).collect();
    match items.len().checked_sub(max) {
        Some(more) if more > 0 => format!("{} and {more} more", shown.join(", ")),
        _ => shown.join(", "),
    }
}

/// The summary counts, as the text and Markdown formats print them.
fn counts(report: &Report) -> String {
    let s = &report.summary;
    let mut counts = format!(
        "{} finding(s): {} error(s), {} warning(s), {} note(s)",
        report.findings.len(),
        s.deny,
        s.warn,
        s.allow
    );
    if s.suppressed > 0 {
        counts.push_str(&format!(", {} suppressed", s.suppressed));
    }
    counts
}

/// A path with `/` separators, as annotations and URIs want it.
fn slashed(path: &Path) -> String {
    let s = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// What a finding's bump asks of the release: "needs a major release", or
/// "needs no release" for changes no version number has to record.
pub(crate) fn needs(bump: crate::Bump) -> String {
    match bump {
        crate::Bump::None => "needs no release".to_owned(),
        bump => format!("needs a {bump} release"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in ReportFormat::ALL {
            assert_eq!(ReportFormat::parse(f.as_str()), Some(f));
        }
        assert_eq!(ReportFormat::parse("yaml"), None);
    }

    #[test]
    fn abbreviate_counts_what_it_leaves_out() {
        let items: Vec<String> = (0..8).map(|i| i.to_string()).collect();
        assert_eq!(abbreviate(&items[..2], 6), "0, 1");
        assert_eq!(abbreviate(&items, 6), "0, 1, 2, 3, 4, 5 and 2 more");
    }
}

//! `--config` and `--no-config`: where rule levels and suppressions come from.

use std::path::{Path, PathBuf};

use abi_check::Config;
use anyhow::Context;
use clap::Args;

/// Options that choose the configuration file.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Read rule levels and suppressions from this file.
    ///
    /// Without it, the nearest `abi-check.toml` in the current directory or
    /// one of its parents is used, if there is one.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Use no configuration file: every rule at its default level, nothing
    /// suppressed.
    #[arg(long)]
    no_config: bool,
}

impl ConfigArgs {
    /// The configuration these options select.
    pub fn load(&self) -> anyhow::Result<Config> {
        if self.no_config {
            return Ok(Config::default());
        }
        if let Some(path) = &self.config {
            return Ok(Config::from_path(path)?);
        }
        let cwd = std::env::current_dir().context("cannot find the current directory")?;
        match Config::find(&cwd) {
            // Relative to the current directory, as messages and
            // annotations should name it.
            Some(found) => Ok(Config::from_path(relative_to(&found, &cwd))?),
            None => Ok(Config::default()),
        }
    }
}

/// `file`, which is in `dir` or one of its ancestors, as a path relative to
/// `dir` (`abi-check.toml`, `../../abi-check.toml`).
fn relative_to(file: &Path, dir: &Path) -> PathBuf {
    let (Some(parent), Some(name)) = (file.parent(), file.file_name()) else {
        return file.to_owned();
    };
    match dir.strip_prefix(parent) {
        Ok(below) => below
            .components()
            .map(|_| Path::new(".."))
            .collect::<PathBuf>()
            .join(name),
        Err(_) => file.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn relative_to_climbs_to_the_file() {
        let rel = |f: &str, d: &str| super::relative_to(Path::new(f), Path::new(d));
        assert_eq!(rel("/w/abi-check.toml", "/w"), Path::new("abi-check.toml"));
        assert_eq!(
            rel("/w/abi-check.toml", "/w/a/b"),
            Path::new("../../abi-check.toml")
        );
        assert_eq!(
            rel("/x/abi-check.toml", "/w/a"),
            Path::new("/x/abi-check.toml")
        );
    }
}

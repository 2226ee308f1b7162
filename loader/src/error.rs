//! Errors: a refused library, a refused symbol, an unreadable expectation.
//!
//! Every error owns its data (strings and vectors copied out of the
//! descriptors and the library), so it stays valid after the library it is
//! about has been unloaded.

use std::fmt;
use std::path::PathBuf;

use abi_check::{Finding, HostCheck, ReadError, RuleId};
use abi_descriptor::{DecodeError, EncodeError, ItemRef, ValidationErrors};

/// One reason a library or a symbol is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Incompatibility {
    /// The rule of the checker's catalogue that the change breaks, or
    /// `None` for a problem of the file itself (its descriptor does not
    /// describe it).
    pub rule: Option<RuleId>,
    /// Where: `` struct `TileInfo` field `byte_size` ``, or `file`.
    pub path: String,
    /// What the host expects, when the finding states it (`offset 24`).
    pub expected: Option<String>,
    /// What the library has (`32`, `removed`, or the file problem).
    pub found: String,
    /// The host's items it reaches.
    pub items: Vec<ItemRef>,
}

impl Incompatibility {
    pub(crate) fn from_finding(f: &Finding) -> Incompatibility {
        let removed = matches!(
            f.rule,
            RuleId::FunctionRemoved | RuleId::VariableRemoved | RuleId::ConstantRemoved
        );
        let (expected, found) = if removed {
            (Some("present".to_owned()), "missing".to_owned())
        } else {
            match f.detail.split_once(" -> ") {
                Some((a, b)) => (Some(a.to_owned()), b.to_owned()),
                None => (None, f.detail.clone()),
            }
        };
        Incompatibility {
            rule: Some(f.rule),
            path: f.path.clone(),
            expected,
            found,
            items: f.items.clone(),
        }
    }

    pub(crate) fn from_problem(problem: &str) -> Incompatibility {
        Incompatibility {
            rule: None,
            path: "file".to_owned(),
            expected: None,
            found: problem.to_owned(),
            items: Vec::new(),
        }
    }

    /// The rule id (`field_offset_changed`), or `file` for a problem of
    /// the file.
    pub fn rule_id(&self) -> &'static str {
        self.rule.map_or("file", RuleId::as_str)
    }
}

impl fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.rule_id(), self.path)?;
        match &self.expected {
            Some(e) => write!(f, "expected {e}, found {}", self.found),
            None => f.write_str(&self.found),
        }
    }
}

/// A library refused because it does not provide what the host expects.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// The library file.
    pub path: PathBuf,
    /// Every incompatibility, file problems first.
    pub incompatibilities: Vec<Incompatibility>,
    /// The whole check, with every finding (also those that do not refuse).
    pub check: HostCheck,
    message: String,
}

impl Refusal {
    pub(crate) fn new(path: PathBuf, check: HostCheck) -> Refusal {
        let incompatibilities = check
            .file_problems
            .iter()
            .map(|p| Incompatibility::from_problem(p))
            .chain(check.refusals().map(Incompatibility::from_finding))
            .collect();
        let message = check.explain(&path.display().to_string());
        Refusal {
            path,
            incompatibilities,
            check,
            message,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A library could not be opened, or was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The path does not name a file that can be resolved.
    #[error("cannot find the library `{path}`")]
    Path {
        /// The path as given.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The descriptor cannot be read from the file without running it:
    /// there is none, it is garbage, or the file is not a library.
    #[error(
        "refusing `{path}`: no valid descriptor can be read from the file (nothing of it was run)"
    )]
    Read {
        /// The library file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: Box<ReadError>,
    },
    /// The file is built for another machine than this process.
    #[error(
        "refusing `{path}`: the file is built for {found}, this process for {host}; install the library built for {host}"
    )]
    Architecture {
        /// The library file.
        path: PathBuf,
        /// What the file is built for.
        found: String,
        /// What this process is.
        host: String,
    },
    /// The library does not provide what the host expects.
    #[error("refusing {0}")]
    Incompatible(Box<Refusal>),
    /// The descriptors could not be encoded for fingerprinting.
    #[error("cannot check `{path}`")]
    Encode {
        /// The library file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: EncodeError,
    },
    /// The dynamic loader failed to load the accepted library.
    #[error("cannot load `{path}`")]
    Open {
        /// The library file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: libloading::Error,
    },
    /// Once loaded, the library's `_abi_descriptor()` does not return the
    /// bytes that were checked; the library has been unloaded again.
    #[error(
        "refusing `{path}` (unloaded again): {problem}; the descriptor checked before loading is not the one the library reports at run time, so rebuild the library with a producer that follows the symbol contract"
    )]
    RuntimeDescriptor {
        /// The library file.
        path: PathBuf,
        /// What differs.
        problem: String,
    },
    /// The dynamic loader failed to unload the library.
    #[error("cannot unload `{path}`")]
    Close {
        /// The library file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: libloading::Error,
    },
}

impl LoadError {
    /// The incompatibilities, when the library was refused for them.
    pub fn incompatibilities(&self) -> &[Incompatibility] {
        match self {
            LoadError::Incompatible(r) => &r.incompatibilities,
            _ => &[],
        }
    }
}

/// An expectation could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExpectationError {
    /// The bytes are not a descriptor.
    #[error("the expected descriptor is not readable")]
    Decode(#[source] DecodeError),
    /// The descriptor is not valid.
    #[error("the expected descriptor is not valid")]
    Invalid(#[source] ValidationErrors),
    /// The descriptor cannot be encoded to be fingerprinted.
    #[error("the expected descriptor cannot be fingerprinted")]
    Encode(#[source] EncodeError),
    /// Narrowing named an item the descriptor does not have.
    #[error("the expected descriptor of `{library}` has no {item}")]
    UnknownItem {
        /// The item.
        item: ItemRef,
        /// The library the descriptor describes.
        library: String,
    },
}

/// A typed symbol lookup was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SymbolError {
    /// The descriptor does not describe a function of this name: symbols
    /// are handed out only for described functions.
    #[error(
        "`{symbol}` is not a function that `{path}` describes; only described functions are handed out"
    )]
    NotDescribed {
        /// The symbol asked for.
        symbol: String,
        /// The library file.
        path: PathBuf,
    },
    /// The Rust type is not a function pointer.
    #[error("`{rust_type}` is not a function pointer type (`extern \"C\" fn(..) -> ..`)")]
    NotAFunction {
        /// The Rust type.
        rust_type: &'static str,
    },
    /// The Rust type does not match the described signature.
    #[error("{message}")]
    Mismatch {
        /// The symbol.
        symbol: String,
        /// The Rust type.
        rust_type: &'static str,
        /// Every incompatibility.
        incompatibilities: Vec<Incompatibility>,
        /// The whole message.
        message: String,
    },
    /// The symbol name cannot be looked up (it holds a NUL byte) or the
    /// dynamic loader does not find it.
    #[error("cannot look up `{symbol}` in `{path}`")]
    Lookup {
        /// The symbol.
        symbol: String,
        /// The library file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: libloading::Error,
    },
    /// The library's descriptor, decoded only when a symbol the host's
    /// expectation does not name was asked for, cannot be read.
    #[error("cannot look `{symbol}` up: the library's descriptor cannot be read")]
    Descriptor {
        /// The symbol.
        symbol: String,
        /// The cause.
        #[source]
        source: Box<ReadError>,
    },
    /// The descriptors could not be encoded for fingerprinting.
    #[error("cannot check `{symbol}`")]
    Encode {
        /// The symbol.
        symbol: String,
        /// The cause.
        #[source]
        source: EncodeError,
    },
}

impl SymbolError {
    pub(crate) fn mismatch(
        symbol: &str,
        rust_type: &'static str,
        path: &std::path::Path,
        incompatibilities: Vec<Incompatibility>,
    ) -> SymbolError {
        use std::fmt::Write;
        let mut message = format!(
            "`{rust_type}` does not match function `{symbol}` as `{}` describes it:",
            path.display()
        );
        for i in &incompatibilities {
            let _ = write!(message, "\n  - {i}");
        }
        message.push_str(
            "\nchange the Rust type to the described signature (`abi-check dump` shows it), or pin the library to the release the host was written for",
        );
        SymbolError::Mismatch {
            symbol: symbol.to_owned(),
            rust_type,
            incompatibilities,
            message,
        }
    }
}

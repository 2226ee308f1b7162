//! Checking a library file and loading it.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use abi_check::{
    HostCheck, Judged, ReadError, RuleId, check_host, probe_library, read_library, refuses,
};
use abi_describe::Describe;
use abi_descriptor::{BLOB_HEADER_LEN, Descriptor};

use crate::described::Described;
use crate::error::{Incompatibility, LoadError, Refusal, SymbolError};
use crate::expectation::Expectation;
use crate::signature::function_descriptor;

/// A library file that passed the static check: its descriptor was read
/// from the file without running anything, and it provides what the host
/// expects. Nothing of it has been loaded yet; [`Checked::load`] loads it.
#[derive(Debug)]
pub struct Checked {
    path: PathBuf,
    /// What `_abi_descriptor()` must return once loaded: the whole blob,
    /// or on the fast path its header, whose hash stands for the body;
    /// empty when `described` keeps the blob.
    blob: Vec<u8>,
    described: Described,
    check: Arc<HostCheck>,
    identical: bool,
}

/// Checks the library at `path` against `expected` without loading it:
/// reads its descriptor statically, checks that the file is built for this
/// process's architecture and that the descriptor describes it, and judges
/// the items the host expects with the checker's rules (see
/// [`abi_check::refuses`]). When the library's fingerprints for those items
/// equal the host's, no structural comparison is made; when its blob holds
/// the host's entries byte for byte, the rest of its descriptor is not even
/// decoded until asked for ([`Checked::descriptor`]).
///
/// The fast path: when the library embeds, byte for byte, the blob of the
/// very descriptor `expected` was read from, the expectation has already
/// judged it. Then only the ELF headers, the exported-symbol hash table and
/// the blob are read ([`abi_check::probe_library`]); nothing is decoded,
/// hashed or compared structurally, and the descriptor's functions are not
/// looked up among the exports (a missing one fails at
/// [`Library::function`], never at a call).
///
/// `path` names a file (it is made absolute, so that the file checked is the
/// file loaded); it is not a name for the dynamic loader to search.
pub fn check(path: impl AsRef<Path>, expected: &Expectation) -> Result<Checked, LoadError> {
    let given = path.as_ref();
    let path = std::path::absolute(given).map_err(|source| LoadError::Path {
        path: given.to_owned(),
        source,
    })?;
    let read = |source| LoadError::Read {
        path: path.clone(),
        source: Box::new(source),
    };
    if let Some((source, known)) = expected.known()
        && let Some(probe) = probe_library(&path, &source.blob).map_err(read)?
    {
        check_architecture(
            &path,
            &probe.architecture,
            probe.pointer_width,
            probe.little_endian,
        )?;
        if probe.identical {
            return Ok(Checked {
                path,
                blob: probe.header_bytes.to_vec(),
                described: Described::Whole(source.descriptor.clone()),
                check: known.clone(),
                identical: true,
            });
        }
    }
    let file = read_library(&path).map_err(read)?;
    check_architecture(
        &path,
        &file.architecture,
        file.pointer_width,
        file.little_endian,
    )?;
    // When the blob is in the form every producer writes, only the host's
    // items that differ from what it expects are decoded and compared: the
    // others, and the rest of the library, are decoded only when asked for.
    let encode = |source| LoadError::Encode {
        path: path.clone(),
        source,
    };
    let host = expected.host();
    let (check, blob, described) = match file.skimmed().map_err(read)? {
        Some(skimmed) => {
            let (check, compared) = host.check_skimmed_into(&file, &skimmed).map_err(read)?;
            let held = host.shared_descriptor();
            let described = Described::lazily(file.blob, file.location, compared, held);
            (check, Vec::new(), described)
        }
        None => {
            let decoded = file.decoded().map_err(read)?;
            let (check, judged) = host.check_decoded_into(&file, decoded).map_err(encode)?;
            match judged {
                Judged::Whole(whole) => (check, file.blob, Described::Whole(Arc::new(whole))),
                // What the library says of the host's items, as compared;
                // the rest is decoded again when asked for.
                Judged::Narrowed(narrowed) => {
                    let held = host.shared_descriptor();
                    let described =
                        Described::lazily(file.blob, file.location, Some(narrowed), held);
                    (check, Vec::new(), described)
                }
            }
        }
    };
    if !check.accepted() {
        return Err(LoadError::Incompatible(Box::new(Refusal::new(path, check))));
    }
    Ok(Checked {
        path,
        blob,
        described,
        check: Arc::new(check),
        identical: false,
    })
}

/// Refuses a file built for another architecture than this process's.
fn check_architecture(
    path: &Path,
    architecture: &str,
    pointer_width: u16,
    little_endian: bool,
) -> Result<(), LoadError> {
    let Some(host) = host_architecture() else {
        return Ok(());
    };
    if architecture == host
        && usize::from(pointer_width) == usize::BITS as usize
        && little_endian == cfg!(target_endian = "little")
    {
        return Ok(());
    }
    let order = |little: bool| if little { "little" } else { "big" };
    Err(LoadError::Architecture {
        path: path.to_owned(),
        found: format!(
            "{architecture} ({pointer_width}-bit, {}-endian)",
            order(little_endian)
        ),
        host: format!(
            "{host} ({}-bit, {}-endian)",
            usize::BITS,
            order(cfg!(target_endian = "little"))
        ),
    })
}

/// The architecture of this process as the `object` crate names it (the
/// spelling of [`abi_check::LibraryFile::architecture`]), when known.
fn host_architecture() -> Option<&'static str> {
    Some(match std::env::consts::ARCH {
        "x86_64" => "X86_64",
        "x86" => "I386",
        "aarch64" => "Aarch64",
        "arm" => "Arm",
        "riscv64" => "Riscv64",
        "riscv32" => "Riscv32",
        "powerpc64" => "PowerPc64",
        "powerpc" => "PowerPc",
        "s390x" => "S390x",
        "mips" => "Mips",
        "mips64" => "Mips64",
        "loongarch64" => "LoongArch64",
        "sparc64" => "Sparc64",
        _ => return None,
    })
}

impl Checked {
    /// The library file (absolute).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The library's descriptor, read from the file. When the check found
    /// the host's items unchanged without decoding it, or kept only those
    /// items (see [`check`]), it is decoded and validated now, once; the
    /// error says why it cannot be.
    pub fn descriptor(&self) -> Result<&Descriptor, ReadError> {
        self.described.whole(&self.path)
    }

    /// What `_abi_descriptor()` must return once loaded.
    fn blob(&self) -> &[u8] {
        match &self.described {
            Described::Lazily(lazily) => &lazily.blob,
            Described::Whole(_) => &self.blob,
        }
    }

    /// The check that accepted it: every finding among the host's items,
    /// and whether the fingerprints matched.
    pub fn report(&self) -> &HostCheck {
        &self.check
    }

    /// Whether the library embeds exactly the descriptor the expectation
    /// was read from, so that the fast path accepted it (see [`check`]).
    pub fn identical(&self) -> bool {
        self.identical
    }

    /// Loads the checked library, then calls its `_abi_descriptor()` and
    /// compares the bytes it returns with the bytes checked: if they differ,
    /// the library is unloaded again and refused.
    ///
    /// # Safety
    ///
    /// Loading a library runs its initialisation code (ELF constructors and
    /// `.init_array`, `DllMain`, Rust and C++ static initialisers, language
    /// runtimes) and makes its functions callable: the caller must trust
    /// the library as it would with [`libloading::Library::new`], whose
    /// safety conditions apply. In particular the file must not be replaced
    /// between the check and the load (the run-time comparison of the
    /// descriptor catches a replacement by a library with another
    /// descriptor, after its initialisers have run), and the library must
    /// behave as its descriptor says.
    ///
    /// A library whose run-time descriptor differs has had its initialisers
    /// run and is unloaded (its finalisers run) before the error is returned.
    pub unsafe fn load(self) -> Result<Library, LoadError> {
        // SAFETY: the caller trusts the library (see above).
        let lib =
            unsafe { libloading::Library::new(&self.path) }.map_err(|source| LoadError::Open {
                path: self.path.clone(),
                source,
            })?;
        // SAFETY: `_abi_descriptor` has this signature by the symbol
        // contract, and is callable at any time.
        let problem =
            match unsafe { lib.get::<unsafe extern "C" fn() -> *const u8>(b"_abi_descriptor\0") } {
                Err(e) => Some(format!("`_abi_descriptor` cannot be found: {e}")),
                // SAFETY: as above; the pointer it returns addresses the blob,
                // whose header gives its length.
                Ok(f) => unsafe { runtime_difference(*f, self.blob()) },
            };
        if let Some(problem) = problem {
            // The message is owned; nothing refers to the library any more.
            lib.close().map_err(|source| LoadError::Close {
                path: self.path.clone(),
                source,
            })?;
            return Err(LoadError::RuntimeDescriptor {
                path: self.path,
                problem,
            });
        }
        Ok(Library {
            lib,
            path: self.path,
            described: self.described,
            check: self.check,
            identical: self.identical,
        })
    }
}

/// What differs between the blob `f` returns and `checked`, if anything.
///
/// # Safety
///
/// `f` must be a library's `_abi_descriptor`, returning null or a pointer to
/// at least a blob header and as many bytes as the header announces.
unsafe fn runtime_difference(
    f: unsafe extern "C" fn() -> *const u8,
    checked: &[u8],
) -> Option<String> {
    // SAFETY: the caller's contract.
    let ptr = unsafe { f() };
    if ptr.is_null() {
        return Some("`_abi_descriptor()` returned a null pointer".to_owned());
    }
    // SAFETY: a non-null return points at a blob, which starts with a header.
    let header = unsafe { std::slice::from_raw_parts(ptr, BLOB_HEADER_LEN) };
    let differ = |runtime: &[u8]| {
        runtime
            .iter()
            .zip(checked)
            .position(|(a, b)| a != b)
            .map(|at| {
                format!(
                    "`_abi_descriptor()` returns other bytes than the file holds (first difference at byte {at} of {})",
                    checked.len()
                )
            })
    };
    if let Some(problem) = differ(header) {
        return Some(problem);
    }
    // `checked` is the whole blob, or on the fast path its header only
    // (whose hash stands for the body); equal headers announce equal
    // lengths, so the blob at `ptr` has at least `checked.len()` bytes.
    // SAFETY: as just said.
    let blob = unsafe { std::slice::from_raw_parts(ptr, checked.len()) };
    differ(blob)
}

/// A library that was checked against the host's expectation and loaded.
/// Dropping it unloads it, like [`libloading::Library`].
#[derive(Debug)]
pub struct Library {
    lib: libloading::Library,
    path: PathBuf,
    described: Described,
    check: Arc<HostCheck>,
    identical: bool,
}

/// Rules about what a bare Rust function pointer type cannot state: who
/// owns a returned pointer, which threads may call, how a callback is kept,
/// which parameter is a length, whether payloads are encoded messages.
/// A typed lookup ([`Library::function`]) does not judge them; the check
/// against the host's expectation when the library was opened does.
const UNSTATED_BY_RUST_TYPES: &[RuleId] = &[
    RuleId::OwnershipChanged,
    RuleId::ThreadingTightened,
    RuleId::CallbackThreadChanged,
    RuleId::CallbackLifetimeChanged,
    RuleId::UserDataParamChanged,
    RuleId::BufferChanged,
    RuleId::WireContractChanged,
];

impl Library {
    /// Checks the library at `path` against `expected` ([`check`]) and, if
    /// it is accepted, loads it ([`Checked::load`]). A refused library is
    /// never loaded: none of its code runs.
    ///
    /// # Safety
    ///
    /// As [`Checked::load`]: loading runs the library's initialisers, and
    /// the caller must trust the library to be what its descriptor says.
    ///
    /// # Platform-specific behaviour
    ///
    /// The file is read statically with the `object` crate (ELF, Mach-O,
    /// PE), then loaded with `dlopen` (`RTLD_LAZY | RTLD_LOCAL`) or
    /// `LoadLibraryExW`. A library that is already loaded in the process is
    /// not loaded again (its initialisers do not run again); it is still
    /// checked, and its run-time descriptor compared.
    pub unsafe fn open(
        path: impl AsRef<Path>,
        expected: &Expectation,
    ) -> Result<Library, LoadError> {
        let checked = check(path, expected)?;
        // SAFETY: forwarded to the caller.
        unsafe { checked.load() }
    }

    /// The library file (absolute).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The library's descriptor. When the check found the host's items
    /// unchanged without decoding it, or kept only those items (see
    /// [`check`]), it is decoded and validated the first time it is asked
    /// for; the error says why it cannot be.
    pub fn descriptor(&self) -> Result<&Descriptor, ReadError> {
        self.described.whole(&self.path)
    }

    /// The library's descriptor when it describes what `describes` looks
    /// for, decoding it only when the host's items do not (see
    /// [`Described::describing`]).
    pub(crate) fn describing(
        &self,
        describes: impl Fn(&Descriptor) -> bool,
    ) -> Result<Option<&Descriptor>, ReadError> {
        self.described.describing(&self.path, describes)
    }

    /// The check that accepted it.
    pub fn report(&self) -> &HostCheck {
        &self.check
    }

    /// Whether the library embeds exactly the descriptor the expectation
    /// was read from, so that the fast path accepted it (see [`check`]).
    pub fn identical(&self) -> bool {
        self.identical
    }

    /// The function `symbol` as the Rust function pointer type `F`, after
    /// checking `F` against the function's description with the checker's
    /// rules: the parameter and return types (with their layouts, pointer
    /// mutability and nullability), the number of parameters and whether the
    /// function may unwind. Functions the descriptor does not describe are
    /// never handed out.
    ///
    /// `F` is an `extern "C" fn(..) -> ..` (or `unsafe`, or `"C-unwind"`)
    /// whose parameter and return types implement
    /// [`Describe`](abi_describe::Describe); derive it on your `#[repr(C)]`
    /// types, naming them as the library does (`#[abi(name = "...")]`).
    /// A pointer to bytes (`*const c_char`, `*mut u8`, `*const c_void`, or
    /// a reference) stands for a parameter or return value the library
    /// describes as a string or byte buffer. What a Rust type cannot state
    /// (ownership, threading, callback lifetimes, buffer encodings, length
    /// parameters, encoded messages) is not judged here; the check when the
    /// library was opened judges it for the items the host expects.
    ///
    /// # Safety
    ///
    /// The returned pointer is valid only while the library is loaded:
    /// copying it out of the [`Symbol`] escapes the borrow, and calling it
    /// after the library is dropped is undefined behaviour. Calling it is as
    /// safe as the library's description of the function is true.
    pub unsafe fn function<F: Describe + Copy>(
        &self,
        symbol: &str,
    ) -> Result<Symbol<'_, F>, SymbolError> {
        let rust_type = std::any::type_name::<F>();
        // A function the host expects is known without decoding the whole
        // library: the check kept the library narrowed to the host's
        // items, which holds it and all it reaches; or the library holds
        // them unchanged, and nothing the expectation leaves unresolved,
        // and narrowed to it the library is the expectation narrowed to
        // it, but for the envelope, which `F`'s description takes from the
        // same descriptor. Either way the findings are the same.
        let library = self
            .describing(|d| d.functions.iter().any(|f| f.symbol == symbol))
            .map_err(|source| SymbolError::Descriptor {
                symbol: symbol.to_owned(),
                source: Box::new(source),
            })?
            .ok_or_else(|| SymbolError::NotDescribed {
                symbol: symbol.to_owned(),
                path: self.path.clone(),
            })?;
        let check = check_function::<F>(symbol, library)?;
        let incompatibilities: Vec<Incompatibility> = check
            .findings
            .iter()
            .filter(|f| refuses(f) && !UNSTATED_BY_RUST_TYPES.contains(&f.rule))
            .map(Incompatibility::from_finding)
            .collect();
        if !incompatibilities.is_empty() {
            return Err(SymbolError::mismatch(
                symbol,
                rust_type,
                &self.path,
                incompatibilities,
            ));
        }
        let mut name = symbol.as_bytes().to_vec();
        name.push(0);
        // SAFETY: `F` is a function pointer type (its description is one,
        // and it is pointer-sized) matching the described signature; the
        // caller keeps it within the library's lifetime.
        let value = unsafe { self.lib.get::<F>(&name) }.map_err(|source| SymbolError::Lookup {
            symbol: symbol.to_owned(),
            path: self.path.clone(),
            source,
        })?;
        Ok(Symbol {
            value: *value,
            library: PhantomData,
        })
    }

    /// The address of `name` (NUL-terminated), for the C API, which checks
    /// that the descriptor describes it.
    ///
    /// # Safety
    ///
    /// The address is valid only while the library is loaded.
    pub(crate) unsafe fn raw_symbol(&self, name: &[u8]) -> Option<*mut std::ffi::c_void> {
        // SAFETY: a data or code address is only copied out, not used.
        unsafe { self.lib.get::<*mut std::ffi::c_void>(name) }
            .ok()
            .map(|s| *s)
    }

    /// Unloads the library, reporting the dynamic loader's error if any
    /// (dropping it ignores that error).
    pub fn close(self) -> Result<(), LoadError> {
        let path = self.path;
        self.lib
            .close()
            .map_err(|source| LoadError::Close { path, source })
    }
}

/// Checks the Rust function pointer type `F` against `symbol` as `library`
/// describes it.
fn check_function<F: Describe + Copy>(
    symbol: &str,
    library: &Descriptor,
) -> Result<HostCheck, SymbolError> {
    let expected = match function_descriptor(symbol, F::TY, library) {
        Some(d) if size_of::<F>() == size_of::<*const ()>() => d,
        _ => {
            return Err(SymbolError::NotAFunction {
                rust_type: std::any::type_name::<F>(),
            });
        }
    };
    check_host(&expected, library).map_err(|source| SymbolError::Encode {
        symbol: symbol.to_owned(),
        source,
    })
}

/// A function of a loaded [`Library`], checked against its Rust type `F`;
/// dereferences to `F`, so it is called like the function itself.
#[derive(Clone, Copy, Debug)]
pub struct Symbol<'lib, F> {
    value: F,
    library: PhantomData<&'lib Library>,
}

impl<F> std::ops::Deref for Symbol<'_, F> {
    type Target = F;

    fn deref(&self) -> &F {
        &self.value
    }
}

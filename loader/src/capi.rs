//! The C API, declared in `include/abi_loader.h`: the same check for hosts
//! written in other languages. Every function here is exported from the
//! `cdylib` under the name the header gives.

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::Path;
use std::ptr;

use crate::error::{Incompatibility, LoadError};
use crate::expectation::Expectation;
use crate::library::Library;

/// Outcome codes of `abi_loader_open`; the header's `abi_loader_status`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Checked and loaded.
    Ok = 0,
    /// Refused: the library does not provide what the host expects.
    Incompatible = 1,
    /// Refused: no valid descriptor can be read from the file.
    Unreadable = 2,
    /// Refused: the file is built for another machine.
    WrongArchitecture = 3,
    /// Refused after loading: `_abi_descriptor()` returns other bytes.
    RuntimeMismatch = 4,
    /// The expected descriptor is not valid.
    BadExpectation = 5,
    /// The file cannot be found or the dynamic loader failed.
    LoadFailed = 6,
    /// A null or malformed argument.
    InvalidArgument = 7,
}

/// One incompatibility, as the header's `abi_loader_incompatibility`.
#[repr(C)]
pub struct CIncompatibility {
    rule: *const c_char,
    path: *const c_char,
    expected: *const c_char,
    found: *const c_char,
}

/// The header's `abi_loader_error`: an owned copy of everything the error
/// says, valid until `abi_loader_error_free`.
pub struct CError {
    status: Status,
    message: CString,
    items: Vec<CIncompatibility>,
    /// Owns the strings `items` point into (a `CString` does not move its
    /// bytes when the vector grows).
    _strings: Vec<CString>,
}

/// `s` as a C string, with any NUL byte replaced.
fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{fffd}")).unwrap_or_default()
}

impl CError {
    fn new(status: Status, message: String, incompatibilities: &[Incompatibility]) -> CError {
        let mut strings = Vec::new();
        let mut items = Vec::new();
        let mut keep = |s: &str| {
            let c = cstring(s);
            let p = c.as_ptr();
            strings.push(c);
            p
        };
        for i in incompatibilities {
            items.push(CIncompatibility {
                rule: keep(i.rule_id()),
                path: keep(&i.path),
                expected: keep(i.expected.as_deref().unwrap_or("")),
                found: keep(&i.found),
            });
        }
        CError {
            status,
            message: cstring(&message),
            items,
            _strings: strings,
        }
    }

    fn boxed(status: Status, message: impl Into<String>) -> *mut CError {
        Box::into_raw(Box::new(CError::new(status, message.into(), &[])))
    }

    fn from_load(e: &LoadError) -> CError {
        let status = match e {
            LoadError::Incompatible(_) => Status::Incompatible,
            LoadError::Read { .. } => Status::Unreadable,
            LoadError::Architecture { .. } => Status::WrongArchitecture,
            LoadError::RuntimeDescriptor { .. } => Status::RuntimeMismatch,
            _ => Status::LoadFailed,
        };
        CError::new(status, chain(e), e.incompatibilities())
    }
}

/// The error's message followed by its causes, one per line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str("\ncaused by: ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Writes `value` through `out` when `out` is not null.
///
/// # Safety
///
/// `out` is null or valid for a write.
unsafe fn put<T>(out: *mut *mut T, value: *mut T) {
    if !out.is_null() {
        // SAFETY: the caller's contract.
        unsafe { out.write(value) };
    }
}

/// Checks the library at `path` against the expected descriptor
/// (`expected`, `expected_len` bytes: a blob, CBOR or JSON), narrowed to
/// the `function_count` functions named in `functions` (all of its items
/// when `function_count` is 0), and loads it if it is accepted.
///
/// # Safety
///
/// `path` is a NUL-terminated string; `expected` points to `expected_len`
/// readable bytes; `functions` points to `function_count` NUL-terminated
/// strings (or is null when the count is 0); `out_library` and `out_error`
/// are null or valid for a write. Loading runs the library's initialisers:
/// see `Library::open`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn abi_loader_open(
    path: *const c_char,
    expected: *const u8,
    expected_len: usize,
    functions: *const *const c_char,
    function_count: usize,
    out_library: *mut *mut Library,
    out_error: *mut *mut CError,
) -> Status {
    // SAFETY: the caller's contract for the out-pointers.
    unsafe {
        put(out_library, ptr::null_mut());
        put(out_error, ptr::null_mut());
    }
    let fail = |status: Status, message: String| {
        // SAFETY: as above.
        unsafe { put(out_error, CError::boxed(status, message)) };
        status
    };
    if path.is_null() || (expected.is_null() && expected_len > 0) {
        return fail(
            Status::InvalidArgument,
            "`path` and `expected` must not be null".into(),
        );
    }
    if functions.is_null() && function_count > 0 {
        return fail(
            Status::InvalidArgument,
            "`functions` is null but `function_count` is not 0".into(),
        );
    }
    // SAFETY: a NUL-terminated string, by the contract.
    let Ok(path) = unsafe { CStr::from_ptr(path) }.to_str() else {
        return fail(Status::InvalidArgument, "`path` is not UTF-8".into());
    };
    let bytes = if expected_len == 0 {
        &[][..]
    } else {
        // SAFETY: `expected_len` readable bytes, by the contract.
        unsafe { std::slice::from_raw_parts(expected, expected_len) }
    };
    let mut expectation = match Expectation::from_bytes(bytes) {
        Ok(e) => e,
        Err(e) => return fail(Status::BadExpectation, chain(&e)),
    };
    if function_count > 0 {
        let mut names = Vec::with_capacity(function_count);
        for i in 0..function_count {
            // SAFETY: `function_count` pointers, by the contract.
            let name = unsafe { *functions.add(i) };
            if name.is_null() {
                return fail(Status::InvalidArgument, format!("`functions[{i}]` is null"));
            }
            // SAFETY: NUL-terminated, by the contract.
            match unsafe { CStr::from_ptr(name) }.to_str() {
                Ok(n) => names.push(n),
                Err(_) => {
                    return fail(
                        Status::InvalidArgument,
                        format!("`functions[{i}]` is not UTF-8"),
                    );
                }
            }
        }
        expectation = match expectation.functions(&names) {
            Ok(e) => e,
            Err(e) => return fail(Status::BadExpectation, chain(&e)),
        };
    }
    // SAFETY: the caller trusts the library once it is accepted.
    match unsafe { Library::open(Path::new(path), &expectation) } {
        Ok(lib) => {
            // SAFETY: the caller's contract.
            unsafe { put(out_library, Box::into_raw(Box::new(lib))) };
            Status::Ok
        }
        Err(e) => {
            let error = CError::from_load(&e);
            let status = error.status;
            // SAFETY: the caller's contract.
            unsafe { put(out_error, Box::into_raw(Box::new(error))) };
            status
        }
    }
}

/// The address of the function or variable `name`, or null when the
/// library's descriptor does not describe it (or the dynamic loader does
/// not find it). Only described items are handed out.
///
/// # Safety
///
/// `library` is a handle from `abi_loader_open` not yet closed; `name` is a
/// NUL-terminated string. The address is valid until the library is closed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn abi_loader_symbol(
    library: *const Library,
    name: *const c_char,
) -> *mut c_void {
    if library.is_null() || name.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a live handle and a C string, by the contract.
    let (lib, name) = unsafe { (&*library, CStr::from_ptr(name)) };
    let Ok(symbol) = name.to_str() else {
        return ptr::null_mut();
    };
    // The host's items are known without decoding the library.
    let described = lib
        .describing(|d| {
            d.functions.iter().any(|f| f.symbol == symbol)
                || d.variables.iter().any(|v| v.symbol == symbol)
        })
        .is_ok_and(|d| d.is_some());
    if !described {
        return ptr::null_mut();
    }
    // SAFETY: the address is only handed out, not used here.
    unsafe { lib.raw_symbol(name.to_bytes_with_nul()) }.unwrap_or(ptr::null_mut())
}

/// Unloads a library opened by `abi_loader_open`; null is ignored.
///
/// # Safety
///
/// `library` is null or a handle not yet closed; no address obtained from
/// it is used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn abi_loader_close(library: *mut Library) {
    if !library.is_null() {
        // SAFETY: a live handle, by the contract; dropping unloads it.
        drop(unsafe { Box::from_raw(library) });
    }
}

/// The error's status code.
///
/// # Safety
///
/// `error` is null or an error not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn abi_loader_error_status(error: *const CError) -> Status {
    if error.is_null() {
        return Status::InvalidArgument;
    }
    // SAFETY: a live error, by the contract.
    unsafe { (*error).status }
}

/// The error's whole message: what happened, every incompatibility, what
/// to do, and the causes. Valid until the error is freed.
///
/// # Safety
///
/// `error` is null or an error not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn abi_loader_error_message(error: *const CError) -> *const c_char {
    if error.is_null() {
        return c"".as_ptr();
    }
    // SAFETY: a live error, by the contract.
    unsafe { (*error).message.as_ptr() }
}

/// How many incompatibilities the error lists (0 unless the library was
/// refused as incompatible).
///
/// # Safety
///
/// `error` is null or an error not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn abi_loader_error_count(error: *const CError) -> usize {
    if error.is_null() {
        return 0;
    }
    // SAFETY: a live error, by the contract.
    let error = unsafe { &*error };
    error.items.len()
}

/// The incompatibility at `index`, or null past the end. Valid until the
/// error is freed.
///
/// # Safety
///
/// `error` is null or an error not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn abi_loader_error_incompatibility(
    error: *const CError,
    index: usize,
) -> *const CIncompatibility {
    if error.is_null() {
        return ptr::null();
    }
    // SAFETY: a live error, by the contract.
    let error = unsafe { &*error };
    error
        .items
        .get(index)
        .map_or(ptr::null(), |i| i as *const _)
}

/// Frees an error; null is ignored.
///
/// # Safety
///
/// `error` is null or an error not yet freed; nothing obtained from it is
/// used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn abi_loader_error_free(error: *mut CError) {
    if !error.is_null() {
        // SAFETY: a live error, by the contract.
        drop(unsafe { Box::from_raw(error) });
    }
}

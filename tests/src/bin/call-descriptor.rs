//! Loads a library, calls its `_abi_descriptor()` and writes the blob the
//! call returns to stdout: the runtime half of the fixture checks, run in a
//! child process so that each library (and its language runtime) gets a
//! process of its own.
//!
//! Usage: `call-descriptor LIBRARY`. Exit status 0 on success, 2 with a
//! message on stderr otherwise.

use std::io::Write;
use std::process::ExitCode;

/// The blob header's length and the offset of its little-endian `u32` body
/// length, as `docs/descriptor-format.md` specifies.
const HEADER_LEN: usize = 48;
const BODY_LEN_AT: usize = 12;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let path = std::env::args_os()
        .nth(1)
        .ok_or("usage: call-descriptor LIBRARY")?;
    // SAFETY: this process exists to run the library's initialisers and its
    // `_abi_descriptor`, whose contract (docs/symbol-contract.md) is to take
    // no arguments and return a pointer to immutable static data.
    let blob = unsafe {
        let lib = libloading::Library::new(&path)
            .map_err(|e| format!("cannot load `{}`: {e}", path.to_string_lossy()))?;
        let f: libloading::Symbol<unsafe extern "C" fn() -> *const u8> = lib
            .get(b"_abi_descriptor\0")
            .map_err(|e| format!("no `_abi_descriptor`: {e}"))?;
        let p = f();
        if p.is_null() {
            return Err("`_abi_descriptor()` returned null".into());
        }
        let header = std::slice::from_raw_parts(p, HEADER_LEN);
        let mut len = [0u8; 4];
        len.copy_from_slice(&header[BODY_LEN_AT..BODY_LEN_AT + 4]);
        let total = HEADER_LEN + u32::from_le_bytes(len) as usize;
        let blob = std::slice::from_raw_parts(p, total).to_vec();
        // Go and Nim runtimes cannot always be unloaded; leave it mapped.
        std::mem::forget(lib);
        blob
    };
    std::io::stdout()
        .write_all(&blob)
        .map_err(|e| format!("cannot write: {e}"))
}

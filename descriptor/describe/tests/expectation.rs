//! `#[abi_describe::expectation]` on an `extern` block: the host's
//! declarations give the same description as the library's exports.

use abi_describe::Describe;
use abi_descriptor::{Descriptor, Mutability, Ownership, Threading, TypeKind};

#[derive(Describe)]
#[repr(C)]
pub struct Buf {
    pub len: usize,
    pub data: [u8; 16],
}

/// The library side, as a library would write it.
pub mod library {
    use super::Buf;

    #[abi_describe::export(threading = "main_thread", ret(owned(free = "buf_free")))]
    #[unsafe(no_mangle)]
    pub extern "C" fn buf_new(len: usize) -> *mut Buf {
        let _ = len;
        core::ptr::null_mut()
    }

    /// # Safety
    ///
    /// Test code: never called.
    #[abi_describe::export]
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn buf_free(#[abi(transferred)] buf: *mut Buf) {
        let _ = buf;
    }

    #[abi_describe::export]
    #[unsafe(no_mangle)]
    pub static BUF_LIMIT: usize = 4096;
}

/// The host side: the same functions, declared.
#[allow(dead_code, clashing_extern_declarations)]
mod host {
    use super::Buf;

    #[abi_describe::expectation(BUF_ABI, library = "buf", version = "1.2.0")]
    unsafe extern "C" {
        #[abi(threading = "main_thread", ret(owned(free = "buf_free")))]
        pub fn buf_new(len: usize) -> *mut Buf;
        pub fn buf_free(#[abi(transferred)] buf: *mut Buf);
        #[link_name = "BUF_LIMIT"]
        pub static limit: usize;
    }

    #[abi_describe::expectation(UNWINDING, library = "unwinding")]
    unsafe extern "C-unwind" {
        pub fn may_throw();
    }
}

fn decode(blob: &[u8]) -> Descriptor {
    let d = Descriptor::from_blob(blob).unwrap();
    d.validate().unwrap();
    d
}

#[test]
fn declarations_describe_what_the_exports_do() {
    let host = decode(&host::BUF_ABI);
    assert_eq!(host.library.name, "buf");
    assert_eq!(host.library.version.to_string(), "1.2.0");
    let exported = decode(abi_describe::descriptor_blob! {
        name = "buf",
        version = "1.2.0",
        functions = [library::buf_new, library::buf_free],
        variables = [library::BUF_LIMIT],
    });
    // Parameter names, contracts, types and the variable are all the same.
    assert_eq!(host.functions, exported.functions);
    assert_eq!(host.types, exported.types);
    assert_eq!(host.variables, exported.variables);
    assert_eq!(host.target, exported.target);

    let new = &host
        .functions
        .iter()
        .find(|f| f.symbol == "buf_new")
        .unwrap();
    assert_eq!(new.threading, Threading::MainThread);
    let ret = host
        .types
        .iter()
        .find(|t| t.id == new.ret.as_str())
        .unwrap();
    let TypeKind::Pointer(p) = &ret.kind else {
        panic!("{ret:?}")
    };
    assert_eq!(
        p.ownership,
        Ownership::CallerOwned {
            free: "buf_free".into()
        }
    );
    assert_eq!(host.variables[0].symbol, "BUF_LIMIT");
    assert_eq!(host.variables[0].mutability, Mutability::Const);
}

#[test]
fn the_blocks_abi_gives_unwinding() {
    let d = decode(&host::UNWINDING);
    assert!(d.functions[0].may_unwind);
    // Without `version`, the expectation does not name one.
    assert_eq!(d.library.version.to_string(), "0.0.0");
}

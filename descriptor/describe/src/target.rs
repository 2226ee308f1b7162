//! The target this crate is compiled for, which is the target of the
//! library that uses it: the triple from the build script, sizes and
//! alignments from the compiler.

use core::ffi::{c_char, c_int, c_long};
use core::mem::{align_of, size_of};

use crate::model::Primitive;

/// The target triple (`TARGET` of the build).
pub const TRIPLE: &str = env!("ABI_DESCRIBE_TARGET");
/// Pointer width in bits.
pub const POINTER_WIDTH: u64 = size_of::<usize>() as u64 * 8;
/// `little` or `big`.
pub const ENDIAN: &str = if cfg!(target_endian = "big") {
    "big"
} else {
    "little"
};
/// Size of C `int` in bytes.
pub const C_INT: u64 = size_of::<c_int>() as u64;
/// Size of C `long` in bytes.
pub const C_LONG: u64 = size_of::<c_long>() as u64;
/// Size of C `size_t` in bytes.
pub const SIZE_T: u64 = size_of::<usize>() as u64;
/// Whether C `char` is signed.
#[allow(clippy::absurd_extreme_comparisons, unused_comparisons)]
pub const C_CHAR_SIGNED: bool = c_char::MIN < 0;
/// The convention `extern "C"` means on this target, as a descriptor
/// `CallConv`: `sysv64` or `win64` on x86-64, `aapcs` on ARM and AArch64,
/// and `c` (no more precise name in the format) elsewhere.
pub const DEFAULT_ABI: &str = if cfg!(target_arch = "x86_64") {
    if cfg!(any(windows, target_os = "uefi")) {
        "win64"
    } else {
        "sysv64"
    }
} else if cfg!(any(target_arch = "aarch64", target_arch = "arm")) {
    "aapcs"
} else {
    "c"
};

const fn align_override<T>(p: Primitive) -> (Primitive, u64) {
    let (size, align) = (size_of::<T>(), align_of::<T>());
    (p, if size == align { 0 } else { align as u64 })
}

/// Every sized primitive with its alignment where that differs from its
/// size, 0 where it does not.
pub const PRIMITIVE_ALIGN: [(Primitive, u64); 16] = [
    align_override::<bool>(Primitive::Bool),
    align_override::<i8>(Primitive::I8),
    align_override::<i16>(Primitive::I16),
    align_override::<i32>(Primitive::I32),
    align_override::<i64>(Primitive::I64),
    align_override::<i128>(Primitive::I128),
    align_override::<u8>(Primitive::U8),
    align_override::<u16>(Primitive::U16),
    align_override::<u32>(Primitive::U32),
    align_override::<u64>(Primitive::U64),
    align_override::<u128>(Primitive::U128),
    align_override::<f32>(Primitive::F32),
    align_override::<f64>(Primitive::F64),
    align_override::<c_char>(Primitive::CChar),
    align_override::<isize>(Primitive::Isize),
    align_override::<usize>(Primitive::Usize),
];

/// Everything a descriptor's `target` says, as the encoder takes it.
#[derive(Clone, Copy)]
pub(crate) struct TargetInfo {
    pub triple: &'static str,
    pub pointer_width: u64,
    pub endian: &'static str,
    pub c_int: u64,
    pub c_long: u64,
    pub size_t: u64,
    pub c_char_signed: bool,
    pub default_abi: &'static str,
    /// Primitives with their alignment, 0 where it equals the size.
    pub primitive_align: &'static [(Primitive, u64)],
}

/// The target being compiled for.
pub(crate) const THIS: TargetInfo = TargetInfo {
    triple: TRIPLE,
    pointer_width: POINTER_WIDTH,
    endian: ENDIAN,
    c_int: C_INT,
    c_long: C_LONG,
    size_t: SIZE_T,
    c_char_signed: C_CHAR_SIGNED,
    default_abi: DEFAULT_ABI,
    primitive_align: &PRIMITIVE_ALIGN,
};

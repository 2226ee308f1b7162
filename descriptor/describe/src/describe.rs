//! The [`Describe`] trait and its implementations for the types the
//! language gives: primitives, pointers, references, arrays and function
//! pointers.

use core::ffi::c_void;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr::NonNull;

use crate::model::{Array, Callback, FnPtr, Ownership, Pointer, Primitive, Ty, TyRef};

/// A type whose C-level description is known at compile time.
///
/// Derive it with [`Describe`](macro@crate::Describe) for your own
/// `#[repr(C)]` structs, unions and fieldless enums. It is implemented here
/// for primitives, `()` (as `void`), `c_void`, raw pointers, references,
/// `NonNull`, `Option` of references and `NonNull`, arrays,
/// `ManuallyDrop`/`MaybeUninit` (as their content) and `extern "C"` /
/// `extern "C-unwind"` function pointers of up to 12 parameters, safe or
/// `unsafe`, bare or in an `Option`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no C ABI description",
    label = "no C ABI description for this type",
    note = "derive `abi_describe::Describe` on `#[repr(C)]` structs, unions and fieldless enums; primitives, raw pointers, references, arrays and `extern \"C\" fn` pointers are described already",
    note = "Rust types without a C layout (`String`, `Vec`, `&str`, slices, trait objects, `char`) cannot cross a C ABI"
)]
pub trait Describe {
    /// The description.
    const TY: TyRef;
}

macro_rules! primitives {
    ($($t:ty => $p:ident),* $(,)?) => {$(
        impl Describe for $t {
            const TY: TyRef = TyRef::inline(&Ty::Primitive(Primitive::$p));
        }
    )*};
}

primitives! {
    () => Void,
    c_void => Void,
    bool => Bool,
    i8 => I8,
    i16 => I16,
    i32 => I32,
    i64 => I64,
    i128 => I128,
    u8 => U8,
    u16 => U16,
    u32 => U32,
    u64 => U64,
    u128 => U128,
    f32 => F32,
    f64 => F64,
    isize => Isize,
    usize => Usize,
}

/// The description of a borrowed pointer to `T`.
const fn pointer<T: Describe>(mutable: bool, nullable: bool) -> Ty {
    Ty::Pointer(Pointer {
        pointee: T::TY,
        mutable,
        nullable,
        ownership: Ownership::Borrowed,
    })
}

macro_rules! pointers {
    ($($t:ty => ($mutable:literal, $nullable:literal)),* $(,)?) => {$(
        impl<T: Describe> Describe for $t {
            const TY: TyRef = TyRef::inline(&pointer::<T>($mutable, $nullable));
        }
    )*};
}

pointers! {
    *const T => (false, true),
    *mut T => (true, true),
    &T => (false, false),
    &mut T => (true, false),
    NonNull<T> => (true, false),
    Option<&T> => (false, true),
    Option<&mut T> => (true, true),
    Option<NonNull<T>> => (true, true),
}

impl<T: Describe, const N: usize> Describe for [T; N] {
    const TY: TyRef = TyRef::inline(&Ty::Array(Array {
        element: T::TY,
        len: N as u64,
    }));
}

impl<T: Describe> Describe for ManuallyDrop<T> {
    const TY: TyRef = T::TY;
}

impl<T: Describe> Describe for MaybeUninit<T> {
    const TY: TyRef = T::TY;
}

const fn fn_ptr(params: &'static [TyRef], ret: TyRef, may_unwind: bool, nullable: bool) -> Ty {
    Ty::FnPtr(FnPtr {
        params,
        ret,
        may_unwind,
        nullable,
        callback: Callback::DEFAULT,
    })
}

macro_rules! fn_ptrs {
    ($($a:ident)*) => {
        fn_ptrs!(@abi "C", false; $($a)*);
        fn_ptrs!(@abi "C-unwind", true; $($a)*);
    };
    (@abi $abi:literal, $unwind:literal; $($a:ident)*) => {
        impl<R: Describe, $($a: Describe),*> Describe for extern $abi fn($($a),*) -> R {
            const TY: TyRef = TyRef::inline(&fn_ptr(&[$($a::TY),*], R::TY, $unwind, false));
        }
        impl<R: Describe, $($a: Describe),*> Describe for unsafe extern $abi fn($($a),*) -> R {
            const TY: TyRef = TyRef::inline(&fn_ptr(&[$($a::TY),*], R::TY, $unwind, false));
        }
        impl<R: Describe, $($a: Describe),*> Describe for Option<extern $abi fn($($a),*) -> R> {
            const TY: TyRef = TyRef::inline(&fn_ptr(&[$($a::TY),*], R::TY, $unwind, true));
        }
        impl<R: Describe, $($a: Describe),*> Describe for Option<unsafe extern $abi fn($($a),*) -> R> {
            const TY: TyRef = TyRef::inline(&fn_ptr(&[$($a::TY),*], R::TY, $unwind, true));
        }
    };
}

fn_ptrs!();
fn_ptrs!(A1);
fn_ptrs!(A1 A2);
fn_ptrs!(A1 A2 A3);
fn_ptrs!(A1 A2 A3 A4);
fn_ptrs!(A1 A2 A3 A4 A5);
fn_ptrs!(A1 A2 A3 A4 A5 A6);
fn_ptrs!(A1 A2 A3 A4 A5 A6 A7);
fn_ptrs!(A1 A2 A3 A4 A5 A6 A7 A8);
fn_ptrs!(A1 A2 A3 A4 A5 A6 A7 A8 A9);
fn_ptrs!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10);
fn_ptrs!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11);
fn_ptrs!(A1 A2 A3 A4 A5 A6 A7 A8 A9 A10 A11 A12);

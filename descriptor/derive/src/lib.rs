//! Procedural macros of `abi-describe`; use them through that crate, which
//! re-exports them and documents them.

use proc_macro::TokenStream;

mod contract;
mod derive;
mod expectation;
mod export;
mod library;

/// Derives `abi_describe::Describe` for a `#[repr(C)]` struct or union or a
/// fieldless enum with `#[repr(C)]` or an integer representation.
#[proc_macro_derive(Describe, attributes(abi))]
pub fn derive_describe(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    derive::expand(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Describes an exported function, static or constant for `library!`.
#[proc_macro_attribute]
pub fn export(args: TokenStream, item: TokenStream) -> TokenStream {
    export::expand(args.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Embeds the library's descriptor and exports `_abi_descriptor_blob` and
/// `_abi_descriptor()`.
#[proc_macro]
pub fn library(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as library::Input);
    library::expand_library(input).into()
}

/// The descriptor blob of the listed items, as a `&'static [u8; N]`
/// expression, without exporting anything.
#[proc_macro]
pub fn descriptor_blob(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as library::Input);
    library::expand_blob(input).into()
}

/// Derives what a host expects of a library from an `extern` block's
/// declarations and defines it as a static blob in the host's expectation
/// section.
#[proc_macro_attribute]
pub fn expectation(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(args as expectation::Args);
    let block = syn::parse_macro_input!(item as syn::ItemForeignMod);
    expectation::expand(args, block)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

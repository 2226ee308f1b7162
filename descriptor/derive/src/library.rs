//! `library!` and `descriptor_blob!`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Path, Result, Token, bracketed};

use crate::contract::check_version;
use crate::export::{constant_const, function_const, variable_const};

/// The input: `name = "..", version = "..", soname = "..", functions = [..],
/// variables = [..], constants = [..]`, every key optional.
pub struct Input {
    name: Option<LitStr>,
    version: Option<LitStr>,
    soname: Option<LitStr>,
    functions: Vec<Path>,
    variables: Vec<Path>,
    constants: Vec<Path>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> Result<Self> {
        let mut out = Input {
            name: None,
            version: None,
            soname: None,
            functions: Vec::new(),
            variables: Vec::new(),
            constants: Vec::new(),
        };
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            let k = key.to_string();
            if seen.contains(&k) {
                return Err(syn::Error::new(key.span(), format!("`{k}` is given twice")));
            }
            seen.push(k.clone());
            if input.peek(Token![:]) {
                input.parse::<Token![:]>()?;
            } else {
                input.parse::<Token![=]>()?;
            }
            match k.as_str() {
                "name" | "version" | "soname" => {
                    let v: LitStr = input.parse()?;
                    match k.as_str() {
                        "name" => {
                            if v.value().is_empty() {
                                return Err(syn::Error::new(
                                    v.span(),
                                    "the library name must not be empty",
                                ));
                            }
                            out.name = Some(v);
                        }
                        "version" => {
                            check_version(&v)?;
                            out.version = Some(v);
                        }
                        _ => out.soname = Some(v),
                    }
                }
                "functions" | "variables" | "constants" => {
                    let content;
                    bracketed!(content in input);
                    let list: Punctuated<Path, Token![,]> =
                        content.parse_terminated(Path::parse, Token![,])?;
                    let list: Vec<Path> = list.into_iter().collect();
                    match k.as_str() {
                        "functions" => out.functions = list,
                        "variables" => out.variables = list,
                        _ => out.constants = list,
                    }
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown key `{k}`; expected `name`, `version`, `soname`, `functions`, `variables` or `constants`"
                        ),
                    ));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(out)
    }
}

/// `path` with its last segment replaced by the hidden constant's name.
fn hidden(path: &Path, name: fn(&Ident) -> Ident) -> Path {
    let mut p = path.clone();
    if let Some(last) = p.segments.last_mut() {
        last.ident = name(&last.ident);
    }
    p
}

/// An expression of type `abi_describe::Library`.
fn library(input: &Input) -> TokenStream {
    let name = match &input.name {
        Some(n) => quote!(#n),
        None => quote!(::core::env!("CARGO_PKG_NAME")),
    };
    let version = match &input.version {
        Some(v) => quote!(#v),
        None => quote!(::core::env!("CARGO_PKG_VERSION")),
    };
    let soname = match &input.soname {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    let functions = input.functions.iter().map(|p| hidden(p, function_const));
    let variables = input.variables.iter().map(|p| hidden(p, variable_const));
    let constants = input.constants.iter().map(|p| hidden(p, constant_const));
    quote! {
        ::abi_describe::Library {
            name: #name,
            version: #version,
            soname: #soname,
            functions: &[#(&#functions),*],
            variables: &[#(&#variables),*],
            constants: &[#(&#constants),*],
        }
    }
}

pub fn expand_library(input: Input) -> TokenStream {
    let lib = library(&input);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, deprecated)]
        const __ABI_LIBRARY: ::abi_describe::Library = #lib;

        /// The library's ABI descriptor blob (a 48-byte header and the
        /// canonical CBOR descriptor), computed at compile time by
        /// `abi_describe::library!` and placed in its own section.
        #[allow(non_upper_case_globals, long_running_const_eval, unsafe_code)]
        #[unsafe(no_mangle)]
        #[used]
        #[cfg_attr(target_vendor = "apple", unsafe(link_section = "__TEXT,__abi_descriptor"))]
        #[cfg_attr(windows, unsafe(link_section = ".abidesc"))]
        #[cfg_attr(
            not(any(target_vendor = "apple", windows)),
            unsafe(link_section = ".abi_descriptor")
        )]
        pub static _abi_descriptor_blob: [u8; ::abi_describe::blob_len(&__ABI_LIBRARY)] =
            ::abi_describe::blob(&__ABI_LIBRARY);

        /// Returns the address of the library's ABI descriptor blob,
        /// immutable static data; callable at any time from any thread.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn _abi_descriptor() -> *const u8 {
            _abi_descriptor_blob.as_ptr()
        }
    }
}

pub fn expand_blob(input: Input) -> TokenStream {
    let lib = library(&input);
    quote! {{
        #[allow(deprecated)]
        const LIBRARY: ::abi_describe::Library = #lib;
        #[allow(long_running_const_eval)]
        const LEN: usize = ::abi_describe::blob_len(&LIBRARY);
        #[allow(long_running_const_eval)]
        static BLOB: [u8; LEN] = ::abi_describe::blob(&LIBRARY);
        &BLOB
    }}
}

//! `#[abi_describe::expectation(NAME, library = "..")]` on an `extern`
//! block: what a host expects of a library, derived from its declarations.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, ForeignItem, Ident, ItemForeignMod, LitStr, Meta, Result, Token};

use crate::contract::{self, check_version, static_type, unsupported_type};
use crate::export::{Options, describe_signature, parse_options, reject};

/// The attribute's arguments: the name of the static to define, then
/// `library = ".."` and optionally `version = ".."`.
pub struct Args {
    name: Ident,
    library: LitStr,
    version: Option<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> Result<Self> {
        let name: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the name of the static to define first: `#[abi_describe::expectation(GEO_ABI, library = \"geo\")]`",
            )
        })?;
        let mut library = None;
        let mut version = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            match key.to_string().as_str() {
                "library" if library.is_none() => {
                    if value.value().is_empty() {
                        return Err(syn::Error::new(
                            value.span(),
                            "the library name must not be empty",
                        ));
                    }
                    library = Some(value);
                }
                "version" if version.is_none() => {
                    check_version(&value)?;
                    version = Some(value);
                }
                "library" | "version" => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("`{key}` is given twice"),
                    ));
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown key `{key}`; expected `library` or `version`"),
                    ));
                }
            }
        }
        let Some(library) = library else {
            return Err(syn::Error::new(
                name.span(),
                "name the library the block declares: `library = \"geo\"`",
            ));
        };
        Ok(Args {
            name,
            library,
            version,
        })
    }
}

/// The options of a declaration's `#[abi(...)]` attribute, which is removed.
fn take_options(attrs: &mut Vec<Attribute>) -> Result<Options> {
    let mut tokens = TokenStream::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("abi")) {
        match &attr.meta {
            Meta::List(list) => {
                if !tokens.is_empty() {
                    tokens.extend(quote!(,));
                }
                tokens.extend(list.tokens.clone());
            }
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "expected `#[abi(threading = \"...\", may_block, since = \"...\", ret(...))]`",
                ));
            }
        }
    }
    attrs.retain(|a| !a.path().is_ident("abi"));
    parse_options(tokens)
}

/// The symbol a declaration links to: its `link_name`, or its name.
fn link_name(attrs: &[Attribute], ident: &Ident) -> String {
    attrs
        .iter()
        .find_map(|a| match &a.meta {
            Meta::NameValue(nv) if nv.path.is_ident("link_name") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_else(|| ident.unraw().to_string())
}

pub fn expand(args: Args, mut block: ItemForeignMod) -> Result<TokenStream> {
    let may_unwind = match block.abi.name.as_ref().map(LitStr::value).as_deref() {
        None | Some("C") => false,
        Some("C-unwind") => true,
        Some(other) => {
            return Err(syn::Error::new(
                block.abi.span(),
                format!(
                    "`extern \"{other}\"` cannot be described: only `extern \"C\"` and `extern \"C-unwind\"` are part of the descriptor model"
                ),
            ));
        }
    };
    let mut functions = Vec::new();
    let mut variables = Vec::new();
    let mut fn_refs = Vec::new();
    let mut var_refs = Vec::new();
    for (i, item) in block.items.iter_mut().enumerate() {
        match item {
            ForeignItem::Fn(f) => {
                let opts = take_options(&mut f.attrs)?;
                reject(&opts, "a function", true, true, false)?;
                let symbol = link_name(&f.attrs, &f.sig.ident);
                let description =
                    describe_signature(&opts, &mut f.sig, &f.attrs, &symbol, may_unwind)?;
                let name = format_ident!("__F{i}");
                functions.push(quote! {
                    const #name: ::abi_describe::Function = #description;
                });
                fn_refs.push(name);
            }
            ForeignItem::Static(s) => {
                let opts = take_options(&mut s.attrs)?;
                reject(&opts, "a variable", false, false, false)?;
                if let Some(what) = unsupported_type(&s.ty) {
                    return Err(syn::Error::new(
                        s.ty.span(),
                        format!("{what} cannot cross a C ABI"),
                    ));
                }
                let symbol = link_name(&s.attrs, &s.ident);
                let mutable = matches!(s.mutability, syn::StaticMutability::Mut(_));
                let ty = static_type(&s.ty, None);
                let ty = quote_spanned!(s.ty.span()=> <#ty as ::abi_describe::Describe>::TY);
                let since = contract::opt_str(&opts.since);
                let deprecated = contract::deprecation(&s.attrs)?;
                let name = format_ident!("__V{i}");
                var_refs.push(name.clone());
                variables.push(quote! {
                    const #name: ::abi_describe::Variable = ::abi_describe::Variable {
                        symbol: #symbol,
                        ty: #ty,
                        mutable: #mutable,
                        since: #since,
                        deprecated: #deprecated,
                    };
                });
            }
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "only functions and statics of an `extern` block can be described",
                ));
            }
        }
    }
    let Args {
        name,
        library,
        version,
    } = args;
    let version = version.map_or_else(|| quote!("0.0.0"), |v| quote!(#v));
    let library_const = format_ident!("__ABI_EXPECTATION_{}", name.unraw());
    let doc = format!(
        "What this host expects of the library `{}`: an abi-check descriptor blob derived from the declarations of an `extern` block by `#[abi_describe::expectation]`, placed in the host's expectation section.",
        library.value()
    );
    Ok(quote! {
        #block

        #[doc(hidden)]
        #[allow(non_upper_case_globals, deprecated)]
        const #library_const: ::abi_describe::Library = {
            #(#functions)*
            #(#variables)*
            ::abi_describe::Library {
                name: #library,
                version: #version,
                soname: ::core::option::Option::None,
                functions: &[#(&#fn_refs),*],
                variables: &[#(&#var_refs),*],
                constants: &[],
            }
        };

        #[doc = #doc]
        #[allow(non_upper_case_globals, dead_code, long_running_const_eval, unsafe_code)]
        #[used]
        #[cfg_attr(target_vendor = "apple", unsafe(link_section = "__DATA,__abi_expect"))]
        #[cfg_attr(windows, unsafe(link_section = ".abiexp"))]
        #[cfg_attr(
            not(any(target_vendor = "apple", windows)),
            unsafe(link_section = ".abi_expectation")
        )]
        pub static #name: [u8; ::abi_describe::blob_len(&#library_const)] =
            ::abi_describe::blob(&#library_const);
    })
}

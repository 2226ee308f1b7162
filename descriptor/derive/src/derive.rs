//! `#[derive(Describe)]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr, Result};

use crate::contract::{self, Contract, check_version, opt_str, static_type};

/// What `#[repr(...)]` says.
#[derive(Default)]
struct ReprAttr {
    c: bool,
    transparent: bool,
    packed: bool,
    int: Option<syn::Ident>,
}

fn parse_repr(input: &DeriveInput) -> Result<ReprAttr> {
    let mut r = ReprAttr::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("repr")) {
        attr.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("C") {
                r.c = true;
            } else if p.is_ident("transparent") {
                r.transparent = true;
            } else if p.is_ident("packed") {
                r.packed = true;
                if meta.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let _: syn::LitInt = content.parse()?;
                }
            } else if p.is_ident("align") {
                let content;
                syn::parenthesized!(content in meta.input);
                let _: syn::LitInt = content.parse()?;
            } else if let Some(ident) = p.get_ident() {
                const INTS: [&str; 12] = [
                    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
                    "isize",
                ];
                if INTS.contains(&ident.to_string().as_str()) {
                    r.int = Some(ident.clone());
                }
            }
            Ok(())
        })?;
    }
    Ok(r)
}

/// `#[abi(...)]` on the type itself.
#[derive(Default)]
struct TypeAttr {
    name: Option<String>,
    since: Option<String>,
    opaque: bool,
    non_exhaustive: bool,
}

fn parse_type_attr(input: &DeriveInput) -> Result<TypeAttr> {
    let mut t = TypeAttr::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("abi")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                let v: LitStr = meta.value()?.parse()?;
                if v.value().is_empty() {
                    return Err(syn::Error::new(v.span(), "the C name must not be empty"));
                }
                t.name = Some(v.value());
            } else if meta.path.is_ident("since") {
                let v: LitStr = meta.value()?.parse()?;
                t.since = Some(check_version(&v)?);
            } else if meta.path.is_ident("opaque") {
                t.opaque = true;
            } else if meta.path.is_ident("non_exhaustive") {
                t.non_exhaustive = true;
            } else {
                return Err(meta.error(
                    "unknown `abi` key; expected `name = \"...\"`, `since = \"...\"`, `opaque` or `non_exhaustive`",
                ));
            }
            Ok(())
        })?;
    }
    if input
        .attrs
        .iter()
        .any(|a| a.path().is_ident("non_exhaustive"))
    {
        t.non_exhaustive = true;
    }
    Ok(t)
}

/// `since` of a field or variant, and its contract (fields only).
fn parse_member_attr(
    attrs: &[syn::Attribute],
    allow_contract: bool,
) -> Result<(Option<String>, Contract)> {
    let mut since = None;
    let mut contract = Contract::default();
    let mut ignore = Contract::default();
    contract::parse_abi_attrs(
        attrs,
        if allow_contract {
            &mut contract
        } else {
            &mut ignore
        },
        |meta| {
            if meta.path.is_ident("since") {
                let v: LitStr = meta.value()?.parse()?;
                since = Some(check_version(&v)?);
                Ok(true)
            } else {
                Ok(false)
            }
        },
        if allow_contract {
            "`since = \"...\"`, `nullable`, `nonnull`, `owned(free = \"...\")`, `transferred`, `callback(...)` or `pointee(...)`"
        } else {
            "`since = \"...\"`"
        },
    )?;
    if !allow_contract && !ignore.is_empty() {
        return Err(syn::Error::new(
            ignore.span.unwrap_or_else(proc_macro2::Span::call_site),
            "a variant takes only `since = \"...\"`",
        ));
    }
    if contract.length_of.is_some() {
        return Err(syn::Error::new(
            contract.span.unwrap_or_else(proc_macro2::Span::call_site),
            "`length_of` applies to function parameters, not fields",
        ));
    }
    Ok((since, contract))
}

pub fn expand(input: DeriveInput) -> Result<TokenStream> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            format!(
                "`Describe` cannot be derived for the generic type `{ident}`: a C type has one name and one layout; describe each instantiation as its own non-generic type"
            ),
        ));
    }
    let repr = parse_repr(&input)?;
    let attr = parse_type_attr(&input)?;
    let name = attr
        .name
        .clone()
        .unwrap_or_else(|| ident.unraw().to_string());
    check_name(&name, ident)?;
    let since = opt_str(&attr.since);
    let deprecated = contract::deprecation(&input.attrs)?;
    let mut items = Vec::new();

    let ty = if attr.opaque {
        quote! {
            ::abi_describe::Ty::Opaque(::abi_describe::Opaque {
                name: #name,
                since: #since,
                deprecated: #deprecated,
            })
        }
    } else {
        match &input.data {
            Data::Struct(data) => {
                let layout = if repr.transparent {
                    quote!(::abi_describe::Repr::Transparent)
                } else if repr.c && repr.packed {
                    quote!(::abi_describe::Repr::Packed)
                } else if repr.c {
                    quote!(::abi_describe::Repr::C)
                } else {
                    return Err(syn::Error::new(
                        ident.span(),
                        format!(
                            "`Describe` needs a defined layout: add `#[repr(C)]` to `{ident}` (Rust's default layout may reorder and pad fields differently in every build), or mark it `#[abi(opaque)]` if it is only handled through pointers"
                        ),
                    ));
                };
                let fields = fields(ident, &data.fields, &mut items)?;
                quote! {
                    ::abi_describe::Ty::Struct(::abi_describe::Struct {
                        name: #name,
                        size: ::core::mem::size_of::<#ident>() as u64,
                        align: ::core::mem::align_of::<#ident>() as u64,
                        repr: #layout,
                        fields: &[#(#fields),*],
                        since: #since,
                        deprecated: #deprecated,
                    })
                }
            }
            Data::Union(data) => {
                if !repr.c {
                    return Err(syn::Error::new(
                        ident.span(),
                        format!(
                            "`Describe` needs a defined layout: add `#[repr(C)]` to the union `{ident}`"
                        ),
                    ));
                }
                let mut members = Vec::new();
                for (i, f) in data.fields.named.iter().enumerate() {
                    let (since, contract) = parse_member_attr(&f.attrs, true)?;
                    if since.is_some() {
                        return Err(syn::Error::new(f.span(), "union members take no `since`"));
                    }
                    let fname = f
                        .ident
                        .as_ref()
                        .map(|i| i.unraw().to_string())
                        .unwrap_or_default();
                    let fty = static_type(&f.ty, Some(ident));
                    let base = quote_spanned!(f.ty.span()=> <#fty as ::abi_describe::Describe>::TY);
                    let (more, ty) = contract.apply(base, &format!("M{i}"));
                    items.extend(more);
                    members.push(quote! {
                        ::abi_describe::Member { name: #fname, ty: #ty }
                    });
                }
                quote! {
                    ::abi_describe::Ty::Union(::abi_describe::Union {
                        name: #name,
                        size: ::core::mem::size_of::<#ident>() as u64,
                        align: ::core::mem::align_of::<#ident>() as u64,
                        members: &[#(#members),*],
                        since: #since,
                        deprecated: #deprecated,
                    })
                }
            }
            Data::Enum(data) => {
                if let Some(v) = data.variants.iter().find(|v| !v.fields.is_empty()) {
                    return Err(syn::Error::new(
                        v.span(),
                        format!(
                            "`Describe` supports only fieldless enums: variant `{}` of `{ident}` carries data",
                            v.ident
                        ),
                    ));
                }
                let mut variants = Vec::new();
                for v in &data.variants {
                    let (vsince, _) = parse_member_attr(&v.attrs, false)?;
                    let vsince = opt_str(&vsince);
                    let vdep = contract::deprecation(&v.attrs)?;
                    let vname = v.ident.unraw().to_string();
                    let vident = &v.ident;
                    variants.push(quote! {
                        ::abi_describe::Variant {
                            name: #vname,
                            value: #ident::#vident as i128,
                            since: #vsince,
                            deprecated: #vdep,
                        }
                    });
                }
                let repr_ty = if let Some(int) = &repr.int {
                    let p = format_ident!("{}", capitalize(&int.to_string()));
                    quote!(::abi_describe::Primitive::#p)
                } else if repr.c {
                    quote!(::abi_describe::Primitive::for_c_enum(
                        ::core::mem::size_of::<#ident>(),
                        __ABI_VARIANTS,
                    ))
                } else {
                    return Err(syn::Error::new(
                        ident.span(),
                        format!(
                            "`Describe` needs a defined representation: add `#[repr(C)]` or an integer representation such as `#[repr(u8)]` or `#[repr(i32)]` to the enum `{ident}`"
                        ),
                    ));
                };
                let exhaustive = !attr.non_exhaustive;
                items.push(quote! {
                    const __ABI_VARIANTS: &[::abi_describe::Variant] = &[#(#variants),*];
                });
                quote! {
                    ::abi_describe::Ty::Enum(::abi_describe::Enum {
                        name: #name,
                        repr: #repr_ty,
                        variants: __ABI_VARIANTS,
                        exhaustive: #exhaustive,
                        since: #since,
                        deprecated: #deprecated,
                    })
                }
            }
        }
    };

    Ok(quote! {
        #[allow(deprecated, non_upper_case_globals, unsafe_code)]
        const _: () = {
            #(#items)*
            static __ABI_TYPE: ::abi_describe::Ty = #ty;
            #[automatically_derived]
            impl ::abi_describe::Describe for #ident {
                // SAFETY: `__ABI_TYPE` is an immutable static.
                const TY: ::abi_describe::TyRef =
                    unsafe { ::abi_describe::TyRef::named(&raw const __ABI_TYPE) };
            }
        };
    })
}

fn fields(
    ident: &syn::Ident,
    fields: &Fields,
    items: &mut Vec<TokenStream>,
) -> Result<Vec<TokenStream>> {
    let mut out = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let (since, contract) = parse_member_attr(&f.attrs, true)?;
        let since = opt_str(&since);
        let (fname, member) = match &f.ident {
            Some(id) => (id.unraw().to_string(), quote!(#id)),
            None => {
                let index = syn::Index::from(i);
                (i.to_string(), quote!(#index))
            }
        };
        let fty = static_type(&f.ty, Some(ident));
        let base = quote_spanned!(f.ty.span()=> <#fty as ::abi_describe::Describe>::TY);
        let (more, ty) = contract.apply(base, &format!("F{i}"));
        items.extend(more);
        out.push(quote! {
            ::abi_describe::Field {
                name: #fname,
                ty: #ty,
                offset: ::core::mem::offset_of!(#ident, #member) as u64,
                since: #since,
            }
        });
    }
    Ok(out)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The descriptor's primitive names, which no type may take.
const PRIMITIVES: [&str; 17] = [
    "void", "bool", "i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "f32",
    "f64", "c_char", "isize", "usize",
];

/// A type's C name must not be a primitive's, nor look like the id of an
/// anonymous type (pointers, arrays, function pointers).
fn check_name(name: &str, ident: &syn::Ident) -> Result<()> {
    if PRIMITIVES.contains(&name) {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "`{name}` is the name of a primitive; give the type another C name with `#[abi(name = \"...\")]`"
            ),
        ));
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || "*&[];(),<>\"".contains(c))
    {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "`{name}` is not a C type name: it must not contain spaces or any of `*&[];(),<>\"`"
            ),
        ));
    }
    Ok(())
}

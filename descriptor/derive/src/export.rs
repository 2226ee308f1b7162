//! `#[abi_describe::export]` on functions, statics and constants.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Item, Lit, LitStr, Meta, Result, Type};

use crate::contract::{
    self, Contract, check_version, flag, opt_str, static_type, unsupported_type,
};

/// The name of the hidden constant that describes the function `ident`.
pub fn function_const(ident: &syn::Ident) -> syn::Ident {
    format_ident!("__ABI_FUNCTION_{}", ident.unraw(), span = ident.span())
}

/// The name of the hidden constant that describes the static `ident`.
pub fn variable_const(ident: &syn::Ident) -> syn::Ident {
    format_ident!("__ABI_VARIABLE_{}", ident.unraw(), span = ident.span())
}

/// The name of the hidden constant that describes the constant `ident`.
pub fn constant_const(ident: &syn::Ident) -> syn::Ident {
    format_ident!("__ABI_CONSTANT_{}", ident.unraw(), span = ident.span())
}

/// The options of the attribute itself.
#[derive(Default)]
pub(crate) struct Options {
    threading: Option<(String, Span)>,
    may_block: bool,
    pub(crate) since: Option<String>,
    name: Option<(String, Span)>,
    ret: Contract,
}

pub(crate) fn parse_options(args: TokenStream) -> Result<Options> {
    let mut o = Options::default();
    let parser = syn::meta::parser(|meta: ParseNestedMeta| {
        if meta.path.is_ident("threading") {
            let v: LitStr = meta.value()?.parse()?;
            match v.value().as_str() {
                "any" | "context_thread" | "main_thread" => {
                    o.threading = Some((v.value(), v.span()));
                }
                _ => {
                    return Err(syn::Error::new(
                        v.span(),
                        "expected `\"any\"`, `\"context_thread\"` or `\"main_thread\"`",
                    ));
                }
            }
        } else if meta.path.is_ident("may_block") {
            o.may_block = flag(&meta)?;
        } else if meta.path.is_ident("since") {
            let v: LitStr = meta.value()?.parse()?;
            o.since = Some(check_version(&v)?);
        } else if meta.path.is_ident("name") {
            let v: LitStr = meta.value()?.parse()?;
            o.name = Some((v.value(), v.span()));
        } else if meta.path.is_ident("ret") {
            meta.parse_nested_meta(|m| {
                if o.ret.parse_item(&m)? && o.ret.length_of.is_none() {
                    Ok(())
                } else {
                    Err(m.error(
                        "expected `nullable`, `nonnull`, `owned(free = \"...\")`, `transferred`, `callback(...)` or `pointee(...)`",
                    ))
                }
            })?;
        } else {
            return Err(meta.error(
                "unknown `export` option; expected `threading = \"...\"`, `may_block`, `since = \"...\"`, `ret(...)` or, for constants, `name = \"...\"`",
            ));
        }
        Ok(())
    });
    parser.parse2(args)?;
    Ok(o)
}

/// The symbol an item is exported under: its `export_name`, or its name
/// with `no_mangle`; `None` when it is not exported.
fn exported_symbol(attrs: &[Attribute], ident: &syn::Ident) -> Result<Option<String>> {
    fn meta_symbol(meta: &Meta, ident: &syn::Ident) -> Result<Option<String>> {
        if meta.path().is_ident("no_mangle") {
            return Ok(Some(ident.unraw().to_string()));
        }
        if meta.path().is_ident("export_name")
            && let Meta::NameValue(nv) = meta
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            return Ok(Some(s.value()));
        }
        if meta.path().is_ident("unsafe")
            && let Meta::List(list) = meta
        {
            let inner: Meta = list.parse_args()?;
            return meta_symbol(&inner, ident);
        }
        Ok(None)
    }
    for attr in attrs {
        if let Some(s) = meta_symbol(&attr.meta, ident)? {
            return Ok(Some(s));
        }
    }
    Ok(None)
}

fn threading_tokens(t: &Option<(String, Span)>) -> TokenStream {
    match t.as_ref().map(|(s, _)| s.as_str()) {
        Some("context_thread") => quote!(::abi_describe::Threading::ContextThread),
        Some("main_thread") => quote!(::abi_describe::Threading::MainThread),
        _ => quote!(::abi_describe::Threading::Any),
    }
}

/// Visibility of the hidden constant: public for public items, visible in
/// the crate otherwise, so that `library!` can name it from anywhere.
fn hidden_vis(vis: &syn::Visibility) -> TokenStream {
    match vis {
        syn::Visibility::Public(_) => quote!(pub),
        _ => quote!(pub(crate)),
    }
}

pub fn expand(args: TokenStream, item: TokenStream) -> Result<TokenStream> {
    let opts = parse_options(args)?;
    let item: Item = syn::parse2(item)?;
    match item {
        Item::Fn(f) => function(opts, f),
        Item::Static(s) => variable(opts, s),
        Item::Const(c) => constant(opts, c),
        other => Err(syn::Error::new(
            other.span(),
            "`export` applies to `extern \"C\"` functions, `#[unsafe(no_mangle)]` statics and constants",
        )),
    }
}

pub(crate) fn reject(
    opts: &Options,
    what: &str,
    threading: bool,
    ret: bool,
    name: bool,
) -> Result<()> {
    if !threading && let Some((_, span)) = &opts.threading {
        return Err(syn::Error::new(
            *span,
            format!("{what} takes no `threading`"),
        ));
    }
    if !threading && opts.may_block {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("{what} takes no `may_block`"),
        ));
    }
    if !ret && !opts.ret.is_empty() {
        return Err(syn::Error::new(
            opts.ret.span.unwrap_or_else(Span::call_site),
            format!("{what} takes no `ret(...)`"),
        ));
    }
    if !name && let Some((_, span)) = &opts.name {
        return Err(syn::Error::new(*span, format!("{what} takes no `name`")));
    }
    Ok(())
}

fn function(opts: Options, mut f: syn::ItemFn) -> Result<TokenStream> {
    reject(&opts, "a function", true, true, false)?;
    let ident = f.sig.ident.clone();
    let Some(symbol) = exported_symbol(&f.attrs, &ident)? else {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "`{ident}` is not exported under a fixed name: add `#[unsafe(no_mangle)]` (or `#[unsafe(export_name = \"...\")]`)"
            ),
        ));
    };
    let abi = f
        .sig
        .abi
        .as_ref()
        .and_then(|a| a.name.as_ref().map(|n| n.value()));
    let may_unwind = match abi.as_deref() {
        Some("C") => false,
        Some("C-unwind") => true,
        // `extern fn` means `extern "C"`.
        None if f.sig.abi.is_some() => false,
        _ => {
            return Err(syn::Error::new(
                f.sig.fn_token.span(),
                format!(
                    "`{ident}` must be `extern \"C\"` or `extern \"C-unwind\"` to be described: other calling conventions are not part of the descriptor model"
                ),
            ));
        }
    };
    let description = describe_signature(&opts, &mut f.sig, &f.attrs, &symbol, may_unwind)?;
    let name = function_const(&ident);
    let vis = hidden_vis(&f.vis);
    Ok(quote! {
        #f

        #[doc(hidden)]
        #[allow(non_upper_case_globals, deprecated)]
        #vis const #name: ::abi_describe::Function = #description;
    })
}

/// The description of a function with signature `sig`, exported as
/// `symbol`: a block expression of type `abi_describe::Function`. Removes
/// the `#[abi(...)]` attributes of the parameters from `sig`. Used for
/// exported functions and for the declarations of an `extern` block.
pub(crate) fn describe_signature(
    opts: &Options,
    sig: &mut syn::Signature,
    attrs: &[Attribute],
    symbol: &str,
    may_unwind: bool,
) -> Result<TokenStream> {
    let ident = sig.ident.clone();
    if let Some(p) = sig
        .generics
        .params
        .iter()
        .find(|p| !matches!(p, syn::GenericParam::Lifetime(_)))
    {
        return Err(syn::Error::new(
            p.span(),
            format!("`{ident}` is generic: an exported C function has one signature"),
        ));
    }
    if let Some(v) = &sig.variadic {
        return Err(syn::Error::new(
            v.span(),
            "variadic functions are not supported",
        ));
    }
    let mut items = Vec::new();
    let mut params = Vec::new();
    let mut names = Vec::new();
    for input in &sig.inputs {
        if let syn::FnArg::Typed(pt) = input {
            names.push(match &*pt.pat {
                syn::Pat::Ident(pi) => pi.ident.unraw().to_string(),
                _ => String::new(),
            });
        }
    }
    for (i, input) in sig.inputs.iter_mut().enumerate() {
        let pt = match input {
            syn::FnArg::Typed(pt) => pt,
            syn::FnArg::Receiver(r) => {
                return Err(syn::Error::new(r.span(), "methods cannot be exported"));
            }
        };
        let mut c = Contract::default();
        contract::parse_abi_attrs(
            &pt.attrs,
            &mut c,
            |_| Ok(false),
            "`nullable`, `nonnull`, `owned(free = \"...\")`, `transferred`, `callback(...)`, `pointee(...)` or `length_of = \"param\"`",
        )?;
        pt.attrs.retain(|a| !a.path().is_ident("abi"));
        if let Some(what) = unsupported_type(&pt.ty) {
            return Err(syn::Error::new(
                pt.ty.span(),
                format!("{what} cannot cross a C ABI"),
            ));
        }
        if let Some(of) = &c.length_of
            && !names.iter().any(|n| n == of)
        {
            return Err(syn::Error::new(
                c.span.unwrap_or_else(Span::call_site),
                format!("`length_of = \"{of}\"` names no parameter of `{ident}`"),
            ));
        }
        let name = &names[i];
        let ty = static_type(&pt.ty, None);
        let base = quote_spanned!(pt.ty.span()=> <#ty as ::abi_describe::Describe>::TY);
        let (more, ty) = c.apply(base, &format!("P{i}"));
        items.extend(more);
        let length_of = opt_str(&c.length_of);
        params.push(quote! {
            ::abi_describe::Param { name: #name, ty: #ty, length_of: #length_of }
        });
    }
    let ret = match &sig.output {
        syn::ReturnType::Default => quote!(<() as ::abi_describe::Describe>::TY),
        syn::ReturnType::Type(_, ty) => {
            if let Type::Never(n) = &**ty {
                return Err(syn::Error::new(
                    n.span(),
                    "functions that never return are not supported",
                ));
            }
            if let Some(what) = unsupported_type(ty) {
                return Err(syn::Error::new(
                    ty.span(),
                    format!("{what} cannot cross a C ABI"),
                ));
            }
            let ty = static_type(ty, None);
            quote_spanned!(ty.span()=> <#ty as ::abi_describe::Describe>::TY)
        }
    };
    let (more, ret) = opts.ret.apply(ret, "RET");
    items.extend(more);
    let threading = threading_tokens(&opts.threading);
    let may_block = opts.may_block;
    let since = opt_str(&opts.since);
    let deprecated = contract::deprecation(attrs)?;
    Ok(quote! {{
        #(#items)*
        ::abi_describe::Function {
            symbol: #symbol,
            params: &[#(#params),*],
            ret: #ret,
            threading: #threading,
            may_block: #may_block,
            may_unwind: #may_unwind,
            since: #since,
            deprecated: #deprecated,
        }
    }})
}

fn variable(opts: Options, s: syn::ItemStatic) -> Result<TokenStream> {
    reject(&opts, "a variable", false, false, false)?;
    let ident = &s.ident;
    let Some(symbol) = exported_symbol(&s.attrs, ident)? else {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "`{ident}` is not exported under a fixed name: add `#[unsafe(no_mangle)]` (or `#[unsafe(export_name = \"...\")]`)"
            ),
        ));
    };
    if let Some(what) = unsupported_type(&s.ty) {
        return Err(syn::Error::new(
            s.ty.span(),
            format!("{what} cannot cross a C ABI"),
        ));
    }
    let mutable = matches!(s.mutability, syn::StaticMutability::Mut(_));
    let ty = static_type(&s.ty, None);
    let ty = quote_spanned!(s.ty.span()=> <#ty as ::abi_describe::Describe>::TY);
    let since = opt_str(&opts.since);
    let deprecated = contract::deprecation(&s.attrs)?;
    let name = variable_const(ident);
    let vis = hidden_vis(&s.vis);
    Ok(quote! {
        #s

        #[doc(hidden)]
        #[allow(non_upper_case_globals, deprecated)]
        #vis const #name: ::abi_describe::Variable = ::abi_describe::Variable {
            symbol: #symbol,
            ty: #ty,
            mutable: #mutable,
            since: #since,
            deprecated: #deprecated,
        };
    })
}

/// The last segment of a type path, if the type is a plain path.
fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Group(g) => last_ident(&g.elem),
        Type::Paren(p) => last_ident(&p.elem),
        _ => None,
    }
}

fn constant(opts: Options, c: syn::ItemConst) -> Result<TokenStream> {
    reject(&opts, "a constant", false, false, true)?;
    let ident = &c.ident;
    let cname = opts
        .name
        .as_ref()
        .map(|(n, _)| n.clone())
        .unwrap_or_else(|| ident.unraw().to_string());
    let ty = static_type(&c.ty, None);
    let (ty_ref, value) = match (&*c.ty, last_ident(&c.ty).as_deref()) {
        (Type::Reference(r), _) if last_ident(&r.elem).as_deref() == Some("str") => (
            quote!(<&'static u8 as ::abi_describe::Describe>::TY),
            quote!(::abi_describe::ConstValue::Text(#ident)),
        ),
        (_, Some("bool")) => (
            quote!(<bool as ::abi_describe::Describe>::TY),
            quote!(::abi_describe::ConstValue::Bool(#ident)),
        ),
        (_, Some(f @ ("f32" | "f64"))) => {
            let f = format_ident!("{}", f);
            (
                quote!(<#f as ::abi_describe::Describe>::TY),
                quote!(::abi_describe::ConstValue::Float(#ident as f64)),
            )
        }
        _ => (
            quote_spanned!(c.ty.span()=> <#ty as ::abi_describe::Describe>::TY),
            quote_spanned!(c.ty.span()=> ::abi_describe::ConstValue::Int(#ident as i128)),
        ),
    };
    let since = opt_str(&opts.since);
    let deprecated = contract::deprecation(&c.attrs)?;
    let name = constant_const(ident);
    let vis = hidden_vis(&c.vis);
    Ok(quote! {
        #c

        #[doc(hidden)]
        #[allow(non_upper_case_globals, deprecated)]
        #vis const #name: ::abi_describe::Constant = ::abi_describe::Constant {
            name: #cname,
            ty: #ty_ref,
            value: #value,
            since: #since,
            deprecated: #deprecated,
        };
    })
}

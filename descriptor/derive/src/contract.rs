//! Attribute grammar shared by the macros: `since`, `#[deprecated]`, and
//! the pointer and callback contract of a parameter, return value or field.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Expr, ExprLit, Lit, LitInt, LitStr, Meta, Result, Token, Type};

/// Checks that `v` is a semantic version (`MAJOR.MINOR.PATCH`, optional
/// `-pre` and `+build`).
pub fn check_version(lit: &LitStr) -> Result<String> {
    let v = lit.value();
    let bad = || {
        syn::Error::new(
            lit.span(),
            format!("`{v}` is not a semantic version such as `1.2.0`"),
        )
    };
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v.as_str(), None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numeric = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0'))
    };
    let idents = |s: &str| {
        s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) {
        return Err(bad());
    }
    // Numeric pre-release identifiers have no leading zeros.
    let pre_ok = |p: &str| {
        idents(p)
            && p.split('.')
                .all(|x| !x.bytes().all(|b| b.is_ascii_digit()) || numeric(x))
    };
    if pre.is_some_and(|p| !pre_ok(p)) || build.is_some_and(|b| !idents(b)) {
        return Err(bad());
    }
    Ok(v)
}

/// `Some("...")` / `None` as tokens.
pub fn opt_str(v: &Option<String>) -> TokenStream {
    match v {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

/// Rust's `#[deprecated]`, as a descriptor deprecation. Its `since` is
/// kept only when it is a semantic version.
pub fn deprecation(attrs: &[Attribute]) -> Result<TokenStream> {
    for attr in attrs {
        if !attr.path().is_ident("deprecated") {
            continue;
        }
        let mut since = None;
        let mut note = None;
        match &attr.meta {
            Meta::Path(_) => {}
            Meta::NameValue(nv) => {
                if let Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) = &nv.value
                {
                    note = Some(s.value());
                }
            }
            Meta::List(_) => {
                attr.parse_nested_meta(|meta| {
                    let value: LitStr = meta.value()?.parse()?;
                    if meta.path.is_ident("note") {
                        note = Some(value.value());
                    } else if meta.path.is_ident("since") {
                        since = check_version(&value).ok();
                    }
                    Ok(())
                })?;
            }
        }
        let (since, note) = (opt_str(&since), opt_str(&note));
        return Ok(
            quote!(::core::option::Option::Some(::abi_describe::Deprecation {
                since: #since,
                note: #note,
            })),
        );
    }
    Ok(quote!(::core::option::Option::None))
}

/// Replaces every lifetime with `'static` and `Self` with `name`, so that a
/// type written in a signature or a field can stand in a constant.
pub struct Staticize<'a> {
    pub self_name: Option<&'a syn::Ident>,
}

impl VisitMut for Staticize<'_> {
    fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
        *l = syn::Lifetime::new("'static", l.span());
    }

    fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
        if r.lifetime.is_none() {
            r.lifetime = Some(syn::Lifetime::new("'static", Span::call_site()));
        }
        syn::visit_mut::visit_type_reference_mut(self, r);
    }

    fn visit_type_path_mut(&mut self, p: &mut syn::TypePath) {
        if let Some(name) = self.self_name
            && p.qself.is_none()
            && p.path.is_ident("Self")
        {
            p.path = syn::Path::from(name.clone());
            return;
        }
        syn::visit_mut::visit_type_path_mut(self, p);
    }

    fn visit_type_bare_fn_mut(&mut self, f: &mut syn::TypeBareFn) {
        // Lifetimes inside a function pointer's signature are its own
        // (higher-ranked); leave them.
        let _ = f;
    }
}

/// A type with its lifetimes made `'static` and `Self` replaced.
pub fn static_type(ty: &Type, self_name: Option<&syn::Ident>) -> Type {
    let mut ty = ty.clone();
    Staticize { self_name }.visit_type_mut(&mut ty);
    ty
}

/// Whether the type mentions `impl Trait` or `_`.
pub fn unsupported_type(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::ImplTrait(_) => Some("`impl Trait`"),
        Type::Infer(_) => Some("`_`"),
        Type::TraitObject(_) => Some("a trait object"),
        Type::Slice(_) => Some("a slice"),
        _ => None,
    }
}

/// Ownership stated by a contract.
pub enum Own {
    CallerOwned(String),
    Transferred,
}

/// The contract of one use of a type.
#[derive(Default)]
pub struct Contract {
    pub nullable: Option<bool>,
    pub ownership: Option<Own>,
    pub callback: Option<Callback>,
    pub pointee: Option<Box<Contract>>,
    pub length_of: Option<String>,
    pub span: Option<Span>,
}

pub struct Callback {
    pub user_data: Option<u32>,
    pub lifetime: String,
    pub thread: String,
}

impl Contract {
    pub fn is_empty(&self) -> bool {
        self.nullable.is_none()
            && self.ownership.is_none()
            && self.callback.is_none()
            && self.pointee.is_none()
            && self.length_of.is_none()
    }

    /// Parses one item of the contract grammar, if `meta` is one; returns
    /// `false` for keys it does not know.
    pub fn parse_item(&mut self, meta: &ParseNestedMeta) -> Result<bool> {
        self.span.get_or_insert(meta.path.span_of());
        let p = &meta.path;
        if p.is_ident("nullable") {
            self.nullable = Some(true);
        } else if p.is_ident("nonnull") {
            self.nullable = Some(false);
        } else if p.is_ident("transferred") {
            self.ownership = Some(Own::Transferred);
        } else if p.is_ident("owned") {
            let mut free = None;
            meta.parse_nested_meta(|m| {
                if m.path.is_ident("free") {
                    let v: LitStr = m.value()?.parse()?;
                    free = Some(v.value());
                    Ok(())
                } else {
                    Err(m.error("expected `free = \"symbol\"`"))
                }
            })?;
            let free = free.ok_or_else(|| {
                meta.error("`owned` needs the releasing function: `owned(free = \"symbol\")`")
            })?;
            self.ownership = Some(Own::CallerOwned(free));
        } else if p.is_ident("callback") {
            let mut cb = Callback {
                user_data: None,
                lifetime: "call_scoped".to_owned(),
                thread: "caller".to_owned(),
            };
            meta.parse_nested_meta(|m| {
                if m.path.is_ident("user_data") {
                    let v: LitInt = m.value()?.parse()?;
                    cb.user_data = Some(v.base10_parse()?);
                } else if m.path.is_ident("lifetime") {
                    let v: LitStr = m.value()?.parse()?;
                    match v.value().as_str() {
                        "call_scoped" | "stored" => cb.lifetime = v.value(),
                        _ => {
                            return Err(syn::Error::new(
                                v.span(),
                                "expected `\"call_scoped\"` or `\"stored\"`",
                            ));
                        }
                    }
                } else if m.path.is_ident("thread") {
                    let v: LitStr = m.value()?.parse()?;
                    match v.value().as_str() {
                        "caller" | "library" | "any" => cb.thread = v.value(),
                        _ => {
                            return Err(syn::Error::new(
                                v.span(),
                                "expected `\"caller\"`, `\"library\"` or `\"any\"`",
                            ));
                        }
                    }
                } else {
                    return Err(m.error(
                        "expected `user_data = N`, `lifetime = \"...\"` or `thread = \"...\"`",
                    ));
                }
                Ok(())
            })?;
            self.callback = Some(cb);
        } else if p.is_ident("pointee") {
            let mut inner = Contract::default();
            meta.parse_nested_meta(|m| {
                if inner.parse_item(&m)? {
                    Ok(())
                } else {
                    Err(m.error(
                        "expected `nullable`, `nonnull`, `owned(free = \"...\")`, `transferred`, `callback(...)` or `pointee(...)`",
                    ))
                }
            })?;
            self.pointee = Some(Box::new(inner));
        } else if p.is_ident("length_of") {
            let v: LitStr = meta.value()?.parse()?;
            self.length_of = Some(v.value());
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// Items (constants) and an expression of type `TyRef` for `base` (an
    /// expression of type `TyRef`) under this contract. `prefix` names the
    /// constants.
    pub fn apply(&self, base: TokenStream, prefix: &str) -> (Vec<TokenStream>, TokenStream) {
        let span = self.span.unwrap_or_else(Span::call_site);
        let mut items = Vec::new();
        let mut cur = base;
        let mut step = 0usize;
        let mut fresh = |what: &str| {
            step += 1;
            format_ident!("__ABI_{}_{}_{}", prefix, what, step, span = span)
        };
        if let Some(inner) = &self.pointee {
            let name = fresh("POINTEE");
            let (inner_items, inner_expr) = inner.apply(
                quote!(::abi_describe::pointee(#cur)),
                &format!("{prefix}_P"),
            );
            items.extend(inner_items);
            items.push(quote_spanned! {span=>
                const #name: ::abi_describe::Ty = ::abi_describe::with_pointee(#cur, #inner_expr);
            });
            cur = quote!(::abi_describe::TyRef::inline(&#name));
        }
        if let Some(nullable) = self.nullable {
            let name = fresh("NULLABLE");
            items.push(quote_spanned! {span=>
                const #name: ::abi_describe::Ty = ::abi_describe::with_nullable(#cur, #nullable);
            });
            cur = quote!(::abi_describe::TyRef::inline(&#name));
        }
        if let Some(own) = &self.ownership {
            let name = fresh("OWNERSHIP");
            let own = match own {
                Own::CallerOwned(free) => {
                    quote!(::abi_describe::Ownership::CallerOwned { free: #free })
                }
                Own::Transferred => quote!(::abi_describe::Ownership::Transferred),
            };
            items.push(quote_spanned! {span=>
                const #name: ::abi_describe::Ty = ::abi_describe::with_ownership(#cur, #own);
            });
            cur = quote!(::abi_describe::TyRef::inline(&#name));
        }
        if let Some(cb) = &self.callback {
            let name = fresh("CALLBACK");
            let user_data = match cb.user_data {
                Some(i) => quote!(::core::option::Option::Some(#i)),
                None => quote!(::core::option::Option::None),
            };
            let lifetime = match cb.lifetime.as_str() {
                "stored" => quote!(::abi_describe::Lifetime::Stored),
                _ => quote!(::abi_describe::Lifetime::CallScoped),
            };
            let thread = match cb.thread.as_str() {
                "library" => quote!(::abi_describe::CallbackThread::Library),
                "any" => quote!(::abi_describe::CallbackThread::Any),
                _ => quote!(::abi_describe::CallbackThread::Caller),
            };
            items.push(quote_spanned! {span=>
                const #name: ::abi_describe::Ty = ::abi_describe::with_callback(
                    #cur,
                    ::abi_describe::Callback {
                        user_data: #user_data,
                        lifetime: #lifetime,
                        thread: #thread,
                    },
                );
            });
            cur = quote!(::abi_describe::TyRef::inline(&#name));
        }
        (items, cur)
    }
}

/// The span of a path, for error messages.
trait SpanOf {
    fn span_of(&self) -> Span;
}

impl SpanOf for syn::Path {
    fn span_of(&self) -> Span {
        self.segments
            .first()
            .map(|s| s.ident.span())
            .unwrap_or_else(Span::call_site)
    }
}

/// Parses `#[abi(...)]` attributes of a parameter or field into a contract
/// and other keys; `other` handles keys the contract does not know.
pub fn parse_abi_attrs(
    attrs: &[Attribute],
    contract: &mut Contract,
    mut other: impl FnMut(&ParseNestedMeta) -> Result<bool>,
    expected: &str,
) -> Result<()> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("abi")) {
        attr.parse_nested_meta(|meta| {
            if contract.parse_item(&meta)? || other(&meta)? {
                Ok(())
            } else {
                Err(meta.error(format!("unknown `abi` key; expected {expected}")))
            }
        })?;
    }
    Ok(())
}

/// A flag (`may_block`) or a boolean value (`may_block = false`).
pub fn flag(meta: &ParseNestedMeta) -> Result<bool> {
    if meta.input.peek(Token![=]) {
        let v: syn::LitBool = meta.value()?.parse()?;
        Ok(v.value)
    } else {
        Ok(true)
    }
}

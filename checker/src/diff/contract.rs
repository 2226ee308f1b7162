//! The contract of pointers, buffers and callbacks: constness, nullability,
//! ownership, encoding, lifetime and thread, judged for the receiver.

use abi_descriptor::{BufferType, FunctionPointerType, Mutability, Ownership, PointerType};

use super::flow::Flow;
use super::items::Signature;
use super::types::Site;
use super::{Engine, Owner, Path, opt_str, spelling};
use crate::rules::RuleId;

impl<'a> Engine<'a, '_> {
    /// Mutability, nullability and ownership, judged for the receiver.
    pub(super) fn contract(
        &mut self,
        owner: &Owner<'a>,
        path: &Path<'_>,
        flow: Flow,
        (om, nm): (Mutability, Mutability),
        (on, nn): (bool, bool),
        (oo, no): (&Ownership, &Ownership),
    ) {
        if om != nm {
            // The receiver of an incoming pointer is the library; a new
            // permission to write is a break for whoever sent read-only
            // memory. For outgoing pointers, losing permission breaks the host.
            let breaks = (flow.into_library && nm == Mutability::Mut)
                || (flow.out_of_library && nm == Mutability::Const);
            let rule = if breaks {
                RuleId::PointerMutabilityChanged
            } else {
                RuleId::PointerMutabilityRelaxed
            };
            self.report(
                rule,
                owner,
                path,
                format!("{} -> {}", mut_str(om), mut_str(nm)),
            );
        }
        if on != nn {
            // Null may now reach a receiver that does not expect it, or a
            // sender that passed null is now refused.
            let breaks = (flow.out_of_library && nn) || (flow.into_library && !nn);
            let rule = if breaks {
                RuleId::NullabilityChanged
            } else {
                RuleId::NullabilityRelaxed
            };
            let s = |b: bool| if b { "nullable" } else { "non-null" };
            self.report(rule, owner, path, format!("{} -> {}", s(on), s(nn)));
        }
        if oo != no {
            let s = |o: &Ownership| match o {
                Ownership::CallerOwned { free } => format!("caller_owned (freed with `{free}`)"),
                other => other.as_str().to_owned(),
            };
            self.report(
                RuleId::OwnershipChanged,
                owner,
                path,
                format!("{} -> {}", s(oo), s(no)),
            );
        }
    }

    pub(super) fn pointer(
        &mut self,
        x: &'a PointerType,
        y: &'a PointerType,
        site: Site,
        path: &Path<'_>,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        self.contract(
            owner,
            path,
            flow,
            (x.mutability, y.mutability),
            (x.nullable, y.nullable),
            (&x.ownership, &y.ownership),
        );
        let pointee_flow = flow.through(x.mutability.max_mut(y.mutability));
        self.use_site(
            &x.pointee,
            &y.pointee,
            site,
            &Path::Part(path, "pointee"),
            pointee_flow,
            owner,
        );
    }

    pub(super) fn buffer(
        &mut self,
        x: &BufferType,
        y: &BufferType,
        path: &Path<'_>,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        if x.encoding != y.encoding {
            self.report(
                RuleId::BufferChanged,
                owner,
                path,
                format!(
                    "encoding {} -> {}",
                    spelling(&x.encoding),
                    spelling(&y.encoding)
                ),
            );
        }
        if x.length != y.length {
            self.report(
                RuleId::BufferChanged,
                owner,
                path,
                format!(
                    "length {} -> {}",
                    length_str(&x.length),
                    length_str(&y.length)
                ),
            );
        }
        self.contract(
            owner,
            path,
            flow,
            (x.mutability, y.mutability),
            (x.nullable, y.nullable),
            (&x.ownership, &y.ownership),
        );
    }

    pub(super) fn callback(
        &mut self,
        x: &'a FunctionPointerType,
        y: &'a FunctionPointerType,
        path: &Path<'_>,
        flow: Flow,
        owner: &Owner<'a>,
    ) {
        let (ot, nt) = (&self.old.descriptor.target, &self.new.descriptor.target);
        // The callback's arguments flow against the callback's own flow.
        self.signature(
            owner,
            path,
            Signature::of_pointer(x, ot),
            Signature::of_pointer(y, nt),
            flow.flip(),
        );
        if x.user_data != y.user_data {
            self.report(
                RuleId::UserDataParamChanged,
                owner,
                path,
                format!(
                    "parameter {} -> {}",
                    opt_str(x.user_data),
                    opt_str(y.user_data)
                ),
            );
        }
        if x.lifetime != y.lifetime {
            let rule = match y.lifetime {
                abi_descriptor::CallbackLifetime::Stored => RuleId::CallbackLifetimeChanged,
                abi_descriptor::CallbackLifetime::CallScoped => RuleId::CallbackLifetimeRelaxed,
            };
            self.report(
                rule,
                owner,
                path,
                format!("{} -> {}", spelling(&x.lifetime), spelling(&y.lifetime)),
            );
        }
        if x.thread != y.thread {
            self.report(
                RuleId::CallbackThreadChanged,
                owner,
                path,
                format!("{} -> {}", spelling(&x.thread), spelling(&y.thread)),
            );
        }
        if x.nullable != y.nullable {
            // Treated like a pointer the library receives (flow in) or hands out.
            self.contract(
                owner,
                path,
                flow,
                (Mutability::Const, Mutability::Const),
                (x.nullable, y.nullable),
                (&Ownership::Borrowed, &Ownership::Borrowed),
            );
        }
    }
}

pub(super) trait MaxMut {
    fn max_mut(self, other: Mutability) -> Mutability;
}

impl MaxMut for Mutability {
    fn max_mut(self, other: Mutability) -> Mutability {
        if self == Mutability::Mut || other == Mutability::Mut {
            Mutability::Mut
        } else {
            Mutability::Const
        }
    }
}

pub(super) fn mut_str(m: Mutability) -> &'static str {
    match m {
        Mutability::Const => "const",
        Mutability::Mut => "mut",
    }
}

pub(super) fn length_str(l: &abi_descriptor::BufferLength) -> String {
    match l {
        abi_descriptor::BufferLength::NulTerminated => "nul_terminated".to_owned(),
        abi_descriptor::BufferLength::Separate => "separate".to_owned(),
        abi_descriptor::BufferLength::Inline(i) => format!(
            "inline (size {}, pointer @{}, length `{}` @{})",
            i.size, i.ptr_offset, i.len_type, i.len_offset
        ),
    }
}

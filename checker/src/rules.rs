//! The closed catalogue of compatibility rules.
//!
//! Every finding the engine reports is an instance of exactly one rule here.
//! Rule ids are stable: they appear in reports, configuration files and
//! suppressions, so an id is never reused or renamed.

use std::fmt;

use serde::{Serialize, Serializer};

/// The semver bump a change requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// No release is needed for ABI reasons (metadata, renames the ABI does
    /// not see).
    None,
    /// A patch release.
    Patch,
    /// A minor release: something was added, existing hosts keep working.
    Minor,
    /// A major release: existing hosts may crash, misbehave or fail to load.
    Major,
}

impl Bump {
    /// The bump's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a finding counts toward the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Reported; never fails the check.
    Allow,
    /// Reported prominently; never fails the check.
    Warn,
    /// Fails the check unless the library's version bump covers it.
    Deny,
}

impl Level {
    /// The level's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Warn => "warn",
            Self::Deny => "deny",
        }
    }

    /// Parses a level name.
    pub fn parse(s: &str) -> Option<Level> {
        [Self::Allow, Self::Warn, Self::Deny]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A compatibility rule.
#[derive(Debug)]
pub struct Rule {
    /// The rule's identity.
    pub id: RuleId,
    /// One-line name.
    pub name: &'static str,
    /// The bump a change of this kind requires.
    pub bump: Bump,
    /// The default level.
    pub level: Level,
    /// Who it breaks and how.
    pub explanation: &'static str,
    /// An example of the old interface.
    pub before: &'static str,
    /// The same interface after the change.
    pub after: &'static str,
}

macro_rules! catalogue {
    ($(
        $variant:ident = $id:literal {
            name: $name:literal,
            bump: $bump:ident,
            level: $level:ident,
            explanation: $explanation:literal,
            before: $before:literal,
            after: $after:literal $(,)?
        }
    )*) => {
        /// The identity of a rule. Its string form ([`RuleId::as_str`]) is the
        /// stable snake_case id.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum RuleId {
            $(
                #[doc = $name]
                $variant,
            )*
        }

        /// Every rule, in catalogue order.
        pub static RULES: &[Rule] = &[
            $(
                Rule {
                    id: RuleId::$variant,
                    name: $name,
                    bump: Bump::$bump,
                    level: Level::$level,
                    explanation: $explanation,
                    before: $before,
                    after: $after,
                },
            )*
        ];

        impl RuleId {
            /// The stable snake_case id.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $id, )*
                }
            }
        }
    };
}

impl RuleId {
    /// The rule's catalogue entry.
    pub fn rule(self) -> &'static Rule {
        // RULES lists every variant exactly once, in declaration order.
        &RULES[self as usize]
    }

    /// Looks a rule up by its id.
    pub fn parse(id: &str) -> Option<RuleId> {
        RULES.iter().map(|r| r.id).find(|r| r.as_str() == id)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

catalogue! {
    // -- library and target ----------------------------------------------
    TargetChanged = "target_changed" {
        name: "the target (triple, pointer width, endianness or C type sizes) changed",
        bump: Major, level: Deny,
        explanation: "A library built for another target cannot be loaded by, or exchange values with, hosts built for the old one: pointer and integer sizes, byte order or calling conventions differ.",
        before: "target x86_64-unknown-linux-gnu, pointers 64 bits",
        after: "target i686-unknown-linux-gnu, pointers 32 bits",
    }
    LibraryRenamed = "library_renamed" {
        name: "the library's name changed",
        bump: Major, level: Warn,
        explanation: "Hosts find and link the library by name; a renamed library is a different library to them.",
        before: "library `tile`",
        after: "library `tiles`",
    }
    SonameUnchanged = "soname_unchanged" {
        name: "an incompatible release kept the old SONAME",
        bump: Major, level: Deny,
        explanation: "The dynamic linker picks a library by SONAME. When an incompatible release keeps the old SONAME, hosts built against the old release load the new one and break at run time instead of failing to start.",
        before: "1.4.0, SONAME libtile.so.1",
        after: "2.0.0 with breaking changes, SONAME still libtile.so.1",
    }
    SonameChanged = "soname_changed" {
        name: "the SONAME changed",
        bump: Major, level: Warn,
        explanation: "Hosts linked against the old SONAME no longer find the library, which is correct for a major release and a mistake otherwise.",
        before: "SONAME libtile.so.1",
        after: "SONAME libtile.so.2",
    }

    // -- items -------------------------------------------------------------
    FunctionRemoved = "function_removed" {
        name: "an exported function was removed",
        bump: Major, level: Deny,
        explanation: "Hosts that call the function fail to load (unresolved symbol) or, when they look it up at run time, fail when they call it.",
        before: "void tile_flush(TileCache *cache);",
        after: "(no tile_flush)",
    }
    FunctionAdded = "function_added" {
        name: "a function was added",
        bump: Minor, level: Allow,
        explanation: "Existing hosts are unaffected; hosts that use the new function need the new release.",
        before: "(no tile_cache_stats)",
        after: "TileStatus tile_cache_stats(TileCache *cache, size_t *out_entries);",
    }
    VariableRemoved = "variable_removed" {
        name: "an exported variable was removed",
        bump: Major, level: Deny,
        explanation: "Hosts that read or write the variable fail to load with an unresolved symbol.",
        before: "extern const char *tile_version_string;",
        after: "(no tile_version_string)",
    }
    VariableAdded = "variable_added" {
        name: "a variable was added",
        bump: Minor, level: Allow,
        explanation: "Existing hosts are unaffected.",
        before: "(no tile_build_id)",
        after: "extern const char *tile_build_id;",
    }
    ConstantRemoved = "constant_removed" {
        name: "a constant was removed",
        bump: Major, level: Warn,
        explanation: "Constants are compiled into hosts, so existing binaries keep working, but hosts no longer compile against the new headers.",
        before: "#define TILE_SIZE 256",
        after: "(no TILE_SIZE)",
    }
    ConstantAdded = "constant_added" {
        name: "a constant was added",
        bump: Minor, level: Allow,
        explanation: "Existing hosts are unaffected.",
        before: "(no TILE_MAX_LAYERS)",
        after: "#define TILE_MAX_LAYERS 16",
    }
    ConstantValueChanged = "constant_value_changed" {
        name: "a constant's value changed",
        bump: Major, level: Deny,
        explanation: "Hosts compiled against the old value keep using it: a buffer size, limit or flag now disagrees with what the library assumes.",
        before: "#define TILE_MAX_ZOOM 22",
        after: "#define TILE_MAX_ZOOM 24",
    }
    ConstantTypeChanged = "constant_type_changed" {
        name: "a constant's type changed",
        bump: Major, level: Deny,
        explanation: "Hosts that pass the constant to the library pass a value of the old type.",
        before: "const uint32_t TILE_SIZE = 256;",
        after: "const uint16_t TILE_SIZE = 256;",
    }
    ItemDeprecated = "item_deprecated" {
        name: "an item or type was deprecated",
        bump: Minor, level: Allow,
        explanation: "Nothing breaks yet; hosts should move to the replacement before a later major release removes it.",
        before: "void tile_flush(TileCache *cache);",
        after: "void tile_flush(TileCache *cache) __attribute__((deprecated));",
    }
    MetadataChanged = "metadata_changed" {
        name: "metadata that does not affect the ABI changed",
        bump: None, level: Allow,
        explanation: "A `since` version or deprecation note changed, or a deprecation was lifted. No host is affected; the finding exists so that every difference between two descriptors is reported.",
        before: "since 1.2.0",
        after: "since 1.3.0",
    }

    // -- function signatures ---------------------------------------------
    ParamCountChanged = "param_count_changed" {
        name: "a function's parameter count changed",
        bump: Major, level: Deny,
        explanation: "Callers pass the old number of arguments: the callee reads garbage registers or stack slots for the missing ones, or ignores ones it no longer expects while the caller relies on them.",
        before: "int tile_destroy(void *ctx, FFICallBack cb, void *user_data);",
        after: "int tile_destroy(void *ctx);",
    }
    ParamsReordered = "params_reordered" {
        name: "a function's parameters were reordered",
        bump: Major, level: Deny,
        explanation: "Callers pass arguments in the old order, so each lands in the wrong parameter.",
        before: "void tile_move(int32_t x, int32_t y);",
        after: "void tile_move(int32_t y, int32_t x);",
    }
    ParamTypeChanged = "param_type_changed" {
        name: "a parameter's type changed",
        bump: Major, level: Deny,
        explanation: "Callers pass a value of the old type: a different width, signedness, register class or layout than the callee reads.",
        before: "void tile_scale(float factor);",
        after: "void tile_scale(double factor);",
    }
    ParamRenamed = "param_renamed" {
        name: "a parameter was renamed",
        bump: None, level: Allow,
        explanation: "Parameter names are not part of the binary interface; the finding exists so that every difference is reported, and because the wire layer refers to parameters by name.",
        before: "void tile_scale(float factor);",
        after: "void tile_scale(float scale);",
    }
    ReturnTypeChanged = "return_type_changed" {
        name: "a function's return type changed",
        bump: Major, level: Deny,
        explanation: "Callers read the result as the old type: from the wrong register, at the wrong width, or through a hidden pointer they did not pass.",
        before: "int32_t tile_count(void);",
        after: "int64_t tile_count(void);",
    }
    CallingConventionChanged = "calling_convention_changed" {
        name: "a function's calling convention changed",
        bump: Major, level: Deny,
        explanation: "Caller and callee disagree on where arguments go and who cleans the stack: corrupted arguments or a corrupted stack.",
        before: "int __cdecl tile_count(void);",
        after: "int __stdcall tile_count(void);",
    }
    VariadicChanged = "variadic_changed" {
        name: "a function became variadic or stopped being variadic",
        bump: Major, level: Deny,
        explanation: "Variadic and fixed calls pass arguments differently on several targets (e.g. floating-point arguments and `%al` on x86-64 System V).",
        before: "void tile_log(const char *msg);",
        after: "void tile_log(const char *fmt, ...);",
    }
    MayUnwindAdded = "may_unwind_added" {
        name: "a function may now unwind into hosts, or a callback hosts implement may no longer unwind",
        bump: Major, level: Deny,
        explanation: "An unwind (panic, C++ exception) crossing into a caller that was not built to unwind through this frame is undefined behaviour and typically aborts the process. For a callback hosts implement it is the library that is called: when it no longer lets the callback unwind, hosts whose callbacks do unwind break it.",
        before: "extern \"C\" fn tile_count() -> i32 // never unwinds",
        after: "extern \"C-unwind\" fn tile_count() -> i32 // may panic",
    }
    MayUnwindRemoved = "may_unwind_removed" {
        name: "a function no longer unwinds, or a callback hosts implement may now unwind",
        bump: None, level: Allow,
        explanation: "A narrower promise by the library, or a wider permission for hosts' callbacks: no host is affected.",
        before: "extern \"C-unwind\" fn tile_count() -> i32",
        after: "extern \"C\" fn tile_count() -> i32",
    }
    ThreadingTightened = "threading_tightened" {
        name: "a function may be called from fewer threads",
        bump: Major, level: Deny,
        explanation: "Hosts that call it from a thread that is no longer allowed race with the library's own state.",
        before: "threading: any",
        after: "threading: context_thread",
    }
    ThreadingLoosened = "threading_loosened" {
        name: "a function may be called from more threads",
        bump: Minor, level: Allow,
        explanation: "A wider promise: existing hosts are unaffected.",
        before: "threading: main_thread",
        after: "threading: any",
    }
    MayBlockAdded = "may_block_added" {
        name: "a function may now block",
        bump: Major, level: Warn,
        explanation: "Hosts that call it from an event loop or a real-time thread now stall.",
        before: "may_block: false",
        after: "may_block: true",
    }
    MayBlockRemoved = "may_block_removed" {
        name: "a function no longer blocks",
        bump: None, level: Allow,
        explanation: "A narrower promise: no host is affected.",
        before: "may_block: true",
        after: "may_block: false",
    }
    VariableTypeChanged = "variable_type_changed" {
        name: "a global variable's type or size changed",
        bump: Major, level: Deny,
        explanation: "Hosts read and write the variable with the old layout; with copy relocations the executable even reserves the old size, truncating the new one.",
        before: "extern int32_t tile_debug_level;",
        after: "extern int64_t tile_debug_level;",
    }
    VariableMadeConst = "variable_made_const" {
        name: "a writable global variable became read-only",
        bump: Major, level: Deny,
        explanation: "Hosts that write it now write into read-only memory and crash.",
        before: "extern int tile_debug_level;",
        after: "extern const int tile_debug_level;",
    }
    VariableMadeMutable = "variable_made_mutable" {
        name: "a read-only global variable became writable",
        bump: Minor, level: Allow,
        explanation: "A wider promise: existing hosts only read it.",
        before: "extern const int tile_debug_level;",
        after: "extern int tile_debug_level;",
    }

    // -- types at a use site ---------------------------------------------
    FieldTypeChanged = "field_type_changed" {
        name: "a struct or union field's type changed",
        bump: Major, level: Deny,
        explanation: "Both sides read and write the field with their own idea of its type: a different width, signedness or layout.",
        before: "struct TileInfo { uint32_t zoom; };",
        after: "struct TileInfo { uint8_t zoom; };",
    }
    TypeRenamed = "type_renamed" {
        name: "a type was replaced by an identically laid out type of another name",
        bump: None, level: Allow,
        explanation: "Binaries are unaffected because the layout is the same; source code that names the old type no longer compiles.",
        before: "void tile_draw(const TileRect *r);",
        after: "void tile_draw(const TileBox *r); // same layout",
    }
    TypeKindChanged = "type_kind_changed" {
        name: "a type changed kind (e.g. struct to union, enum to integer)",
        bump: Major, level: Deny,
        explanation: "Values of the type are laid out and passed in an entirely different way.",
        before: "struct TileId { uint32_t x, y; };",
        after: "union TileId { uint64_t packed; };",
    }

    // -- structs -----------------------------------------------------------
    StructSizeChanged = "struct_size_changed" {
        name: "a struct's size changed",
        bump: Major, level: Deny,
        explanation: "Hosts allocate, copy and index arrays of the struct with the old size: writes past the end, or fields read from the wrong element.",
        before: "struct TileInfo { ... }; // 32 bytes",
        after: "struct TileInfo { ...; float dpi; }; // 40 bytes",
    }
    StructAlignChanged = "struct_align_changed" {
        name: "a struct's alignment changed",
        bump: Major, level: Deny,
        explanation: "Embedding structs and arrays lay it out at the old alignment; misaligned access faults on strict targets and changes how it is passed in registers.",
        before: "struct TileRect { int32_t x, y; }; // align 4",
        after: "struct TileRect { int64_t x, y; }; // align 8",
    }
    StructReprChanged = "struct_repr_changed" {
        name: "a struct's layout rule changed (C, packed, transparent)",
        bump: Major, level: Deny,
        explanation: "Packing or transparency changes where fields sit and how the struct is passed.",
        before: "struct Header { uint8_t tag; uint32_t len; };",
        after: "struct __attribute__((packed)) Header { uint8_t tag; uint32_t len; };",
    }
    FieldOffsetChanged = "field_offset_changed" {
        name: "a field moved to another offset",
        bump: Major, level: Deny,
        explanation: "Hosts read and write the field at its old offset, which now holds another field or padding. Fields swapped in place are caught here too.",
        before: "struct TileInfo { uint32_t zoom; size_t byte_size; }; // byte_size at 24",
        after: "struct TileInfo { uint32_t zoom; float dpi; size_t byte_size; }; // byte_size at 32",
    }
    FieldRemoved = "field_removed" {
        name: "a struct field was removed",
        bump: Major, level: Deny,
        explanation: "Hosts still read and write the field; the bytes now belong to something else or lie outside the struct.",
        before: "struct TileInfo { uint32_t zoom; uint32_t dpi; };",
        after: "struct TileInfo { uint32_t zoom; };",
    }
    FieldAdded = "field_added" {
        name: "a field was added to a struct that is not extensible",
        bump: Major, level: Deny,
        explanation: "Hosts allocate the struct themselves and never set the new field, or copy it with the old size. Only extensible structs, which carry their own size or version, may grow.",
        before: "struct TileInfo { uint32_t zoom; };",
        after: "struct TileInfo { uint32_t zoom; float dpi; };",
    }
    FieldRenamed = "field_renamed" {
        name: "a field was renamed in place",
        bump: Major, level: Warn,
        explanation: "Same offset and type, so binaries are unaffected; source that names the field no longer compiles. (A rename that also moves the field is reported as a removal and an addition.)",
        before: "struct TileRect { uint32_t w; };",
        after: "struct TileRect { uint32_t width; };",
    }
    ExtensibleFieldAppended = "extensible_field_appended" {
        name: "a field was appended to an extensible struct",
        bump: Minor, level: Allow,
        explanation: "Extensible structs carry their size or version, so the library reads only what the host's version holds. Hosts built against the old version keep working; hosts that set the new field need the new release.",
        before: "struct TileOptions { uint32_t struct_size; uint32_t cache_mb; };",
        after: "struct TileOptions { uint32_t struct_size; uint32_t cache_mb; uint32_t prefetch; };",
    }
    ExtensibleShrunk = "extensible_shrunk" {
        name: "an extensible struct lost size",
        bump: Major, level: Deny,
        explanation: "Extensible structs may only grow: hosts fill in the old size and the library would read past its own idea of the end.",
        before: "struct TileOptions { ...; uint32_t prefetch; }; // 16 bytes",
        after: "struct TileOptions { ... }; // 12 bytes",
    }
    ExtensibleVersioningChanged = "extensible_versioning_changed" {
        name: "an extensible struct changed how it tells its version",
        bump: Major, level: Deny,
        explanation: "Hosts fill in the old size or version field; the library now reads another.",
        before: "versioning: size_field struct_size",
        after: "versioning: version_field version",
    }

    // -- unions ----------------------------------------------------------
    UnionSizeChanged = "union_size_changed" {
        name: "a union's size or alignment changed",
        bump: Major, level: Deny,
        explanation: "Hosts allocate and copy the union with the old size and alignment.",
        before: "union TileValue { int32_t i; float f; }; // 4 bytes",
        after: "union TileValue { int64_t i; double f; }; // 8 bytes",
    }
    UnionMemberRemoved = "union_member_removed" {
        name: "a union member was removed",
        bump: Major, level: Deny,
        explanation: "Hosts that store or read that member exchange bytes the library no longer interprets that way.",
        before: "union TileValue { int32_t i; float f; };",
        after: "union TileValue { int32_t i; };",
    }
    UnionMemberAdded = "union_member_added" {
        name: "a union member was added",
        bump: Minor, level: Warn,
        explanation: "Values written by the library through the new member reach hosts that cannot interpret them; hosts that only write old members are unaffected. When the member also grows the union, `union_size_changed` reports that.",
        before: "union TileValue { int32_t i; float f; };",
        after: "union TileValue { int32_t i; float f; uint32_t u; };",
    }
    UnionMemberTypeChanged = "union_member_type_changed" {
        name: "a union member's type changed",
        bump: Major, level: Deny,
        explanation: "Both sides reinterpret the shared bytes with different types.",
        before: "union TileValue { float f; };",
        after: "union TileValue { double f; };",
    }

    // -- enums -----------------------------------------------------------
    EnumReprChanged = "enum_repr_changed" {
        name: "an enum's integer representation changed",
        bump: Major, level: Deny,
        explanation: "Enum values are passed and stored with the old width and signedness.",
        before: "enum TileFormat : uint32_t { ... };",
        after: "enum TileFormat : uint8_t { ... };",
    }
    EnumVariantRemoved = "enum_variant_removed" {
        name: "an enum variant was removed",
        bump: Major, level: Deny,
        explanation: "Hosts still pass or expect the value; the library now rejects or misinterprets it.",
        before: "enum TileFormat { PNG = 0, WEBP = 1 };",
        after: "enum TileFormat { PNG = 0 };",
    }
    EnumVariantValueChanged = "enum_variant_value_changed" {
        name: "an enum variant's value changed",
        bump: Major, level: Deny,
        explanation: "Hosts compiled with the old value send and compare the wrong number.",
        before: "enum TileFormat { PNG = 0, WEBP = 1 };",
        after: "enum TileFormat { PNG = 1, WEBP = 2 };",
    }
    EnumVariantRenamed = "enum_variant_renamed" {
        name: "an enum variant was renamed (same value)",
        bump: Major, level: Warn,
        explanation: "Binaries are unaffected; source that names the variant no longer compiles.",
        before: "enum TileFormat { TILE_PNG = 0 };",
        after: "enum TileFormat { TILE_FORMAT_PNG = 0 };",
    }
    EnumVariantAddedBreaking = "enum_variant_added_breaking" {
        name: "a variant was added to an exhaustive enum the library passes to hosts",
        bump: Major, level: Deny,
        explanation: "Hosts that receive the enum (return values, out-parameters, callback arguments, struct fields written by the library) switch over the values they know, with no default: a new value reaches code that assumes it cannot happen. Mark the enum open (`exhaustive: false`) to promise hosts handle unknown values.",
        before: "enum TileFormat { PNG, WEBP }; // returned in TileInfo",
        after: "enum TileFormat { PNG, WEBP, AVIF };",
    }
    EnumVariantAdded = "enum_variant_added" {
        name: "a variant was added to an enum only hosts pass in, or to an open enum",
        bump: Minor, level: Allow,
        explanation: "Existing hosts never send the new value, and open enums promise that receivers handle unknown values.",
        before: "enum TileStatus { OK = 0, ERR_IO = -1 }; // open",
        after: "enum TileStatus { OK = 0, ERR_IO = -1, ERR_BUSY = -3 };",
    }
    EnumMadeOpen = "enum_made_open" {
        name: "an exhaustive enum or tagged union the library passes to hosts became open",
        bump: Major, level: Deny,
        explanation: "Hosts that receive the enum relied on the promise that no other value would arrive.",
        before: "exhaustive: true",
        after: "exhaustive: false",
    }
    EnumMadeExhaustive = "enum_made_exhaustive" {
        name: "an open enum or tagged union became exhaustive, or one only hosts pass in became open",
        bump: Minor, level: Allow,
        explanation: "A narrower promise for receivers (hosts that send values outside the list were already outside the contract), or the library now accepts values it did not list.",
        before: "exhaustive: false",
        after: "exhaustive: true",
    }

    // -- tagged unions ---------------------------------------------------
    TaggedUnionLayoutChanged = "tagged_union_layout_changed" {
        name: "a tagged union's size, alignment, tag or payload offset changed",
        bump: Major, level: Deny,
        explanation: "Both sides find the tag or the payload at different places.",
        before: "struct Shape { uint8_t tag; union { Circle c; Rect r; } u; }; // payload at 4",
        after: "struct Shape { uint32_t tag; union { Circle c; Rect r; } u; }; // payload at 8",
    }
    TaggedVariantRemoved = "tagged_variant_removed" {
        name: "a tagged union variant was removed",
        bump: Major, level: Deny,
        explanation: "Hosts still send the variant's tag.",
        before: "enum Shape { Circle(f64), Rect(Rect) }",
        after: "enum Shape { Circle(f64) }",
    }
    TaggedVariantChanged = "tagged_variant_changed" {
        name: "a tagged union variant's tag or payload type changed",
        bump: Major, level: Deny,
        explanation: "The same tag now selects a different payload layout, or the variant has another tag.",
        before: "enum Shape { Circle(f32) }",
        after: "enum Shape { Circle(f64) }",
    }
    TaggedVariantAddedBreaking = "tagged_variant_added_breaking" {
        name: "a variant was added to an exhaustive tagged union the library passes to hosts",
        bump: Major, level: Deny,
        explanation: "Hosts that receive the value meet a tag they do not know.",
        before: "enum Event { Opened, Closed } // returned",
        after: "enum Event { Opened, Closed, Evicted(u32) }",
    }
    TaggedVariantAdded = "tagged_variant_added" {
        name: "a variant was added to a tagged union only hosts pass in, or to an open one",
        bump: Minor, level: Allow,
        explanation: "Existing hosts never send the new tag, and open unions promise receivers handle unknown tags.",
        before: "enum Command { Open, Close } // host to library",
        after: "enum Command { Open, Close, Flush }",
    }

    // -- other types -----------------------------------------------------
    OpaqueSizeChanged = "opaque_size_changed" {
        name: "an opaque type's size or alignment changed, or it became pointer-only",
        bump: Major, level: Deny,
        explanation: "Hosts that hold the type by value reserve the old size.",
        before: "typedef struct { uint8_t bytes[64]; } TileHandle;",
        after: "typedef struct { uint8_t bytes[128]; } TileHandle;",
    }
    ArrayLengthChanged = "array_length_changed" {
        name: "a fixed array's length changed",
        bump: Major, level: Deny,
        explanation: "Hosts read and write the old number of elements; whatever follows the array moves.",
        before: "char name[32];",
        after: "char name[64];",
    }
    PointerMutabilityChanged = "pointer_mutability_changed" {
        name: "a pointer's constness changed so the receiver may now write",
        bump: Major, level: Deny,
        explanation: "Memory the sender passed as read-only (string literals, shared buffers) is now written by the receiver.",
        before: "void tile_draw(const TileRect *r);",
        after: "void tile_draw(TileRect *r);",
    }
    PointerMutabilityRelaxed = "pointer_mutability_relaxed" {
        name: "a pointer's constness changed so the receiver writes less",
        bump: Minor, level: Allow,
        explanation: "A narrower promise: the receiver no longer writes the pointee.",
        before: "void tile_draw(TileRect *r);",
        after: "void tile_draw(const TileRect *r);",
    }
    NullabilityChanged = "nullability_changed" {
        name: "a pointer may now be null where the receiver expects non-null",
        bump: Major, level: Deny,
        explanation: "The receiver dereferences without checking: a null now crashes it.",
        before: "TileInfo *tile_info(void); // never NULL",
        after: "TileInfo *tile_info(void); // may return NULL",
    }
    NullabilityRelaxed = "nullability_relaxed" {
        name: "a pointer's null contract changed in the receiver's favour",
        bump: Minor, level: Allow,
        explanation: "The receiver now accepts null, or the sender no longer sends it.",
        before: "void tile_draw(const TileRect *r); // r may not be NULL",
        after: "void tile_draw(const TileRect *r); // NULL means everything",
    }
    OwnershipChanged = "ownership_changed" {
        name: "who owns or frees a pointee changed",
        bump: Major, level: Deny,
        explanation: "One side frees memory the other still uses (use after free, double free), or nobody frees it (leak), or it is freed with the wrong function.",
        before: "char *tile_name(void); // borrowed, do not free",
        after: "char *tile_name(void); // caller frees with tile_string_free",
    }
    BufferChanged = "buffer_changed" {
        name: "a buffer's encoding or length convention changed",
        bump: Major, level: Deny,
        explanation: "The receiver looks for a terminator that is not there, reads a length from the wrong place, or decodes bytes as text.",
        before: "const char *name; // NUL-terminated",
        after: "const uint8_t *name; size_t name_len;",
    }
    CallbackThreadChanged = "callback_thread_changed" {
        name: "a callback is now called on another thread",
        bump: Major, level: Deny,
        explanation: "Hosts that touch thread-affine state (UI, interpreter locks) in the callback now do so from the wrong thread.",
        before: "callback runs on the caller's thread",
        after: "callback runs on a library thread",
    }
    CallbackLifetimeChanged = "callback_lifetime_changed" {
        name: "a callback is now stored beyond the call",
        bump: Major, level: Deny,
        explanation: "Hosts pass callbacks and user data that live only for the call; the library now calls them later, after they are gone.",
        before: "lifetime: call_scoped",
        after: "lifetime: stored",
    }
    CallbackLifetimeRelaxed = "callback_lifetime_relaxed" {
        name: "a stored callback is now only called during the call",
        bump: Minor, level: Allow,
        explanation: "A narrower promise: existing hosts keep their callbacks alive longer than needed.",
        before: "lifetime: stored",
        after: "lifetime: call_scoped",
    }
    UserDataParamChanged = "user_data_param_changed" {
        name: "which callback parameter carries the user data changed",
        bump: Major, level: Deny,
        explanation: "The host's callback looks for its context in the old parameter.",
        before: "void (*cb)(int ret, void *user_data)",
        after: "void (*cb)(void *user_data, int ret)",
    }
    TypedefTargetChanged = "typedef_target_changed" {
        name: "a typedef now names a differently laid out type",
        bump: Major, level: Deny,
        explanation: "Typedefs are judged on the type they name: every value of the typedef now has another width, signedness or layout, wherever it is used.",
        before: "typedef uint32_t tile_id;",
        after: "typedef uint64_t tile_id;",
    }
    TypedefChanged = "typedef_changed" {
        name: "a typedef now names another, identically laid out type",
        bump: None, level: Allow,
        explanation: "Typedefs are judged on the type they name: when that is laid out the same, no binary is affected.",
        before: "typedef uint32_t tile_id;",
        after: "typedef tile_id_t tile_id; // tile_id_t is uint32_t",
    }
    TypeRemoved = "type_removed" {
        name: "a type or code table that no item reaches was removed",
        bump: None, level: Allow,
        explanation: "No exported item uses it, so no binary is affected.",
        before: "struct TileDebug { ... };",
        after: "(no TileDebug)",
    }
    UnusedTypeChanged = "unused_type_changed" {
        name: "a type or code table that no item reaches changed",
        bump: None, level: Allow,
        explanation: "No exported item uses it, so no binary is affected.",
        before: "struct TileDebug { uint32_t level; };",
        after: "struct TileDebug { uint64_t level; };",
    }
    TypeAdded = "type_added" {
        name: "a type or code table that no item reaches was added",
        bump: None, level: Allow,
        explanation: "No exported item uses it, so no binary is affected.",
        before: "(no TileDebug)",
        after: "struct TileDebug { ... };",
    }

    // -- wire layer --------------------------------------------------------
    WireEncodingChanged = "wire_encoding_changed" {
        name: "a function's payload encoding changed",
        bump: Major, level: Deny,
        explanation: "Hosts send and expect payloads in the old encoding, or pass C structs where encoded bytes are now read (or the reverse).",
        before: "encoding: cbor",
        after: "encoding: json",
    }
    WireContractChanged = "wire_contract_changed" {
        name: "a function's message contract changed (request, reply, error type, callback or code table)",
        bump: Major, level: Deny,
        explanation: "Hosts encode requests or decode replies and errors according to the old contract.",
        before: "error: text",
        after: "error: ErrorInfo",
    }
    WireRequiredFieldAdded = "wire_required_field_added" {
        name: "a required field was added to a message hosts send",
        bump: Major, level: Deny,
        explanation: "Existing hosts do not send the field, so the library rejects their requests.",
        before: "QueryReq { zoom: u32 }",
        after: "QueryReq { zoom: u32, dpi: u32 }",
    }
    WireFieldAdded = "wire_field_added" {
        name: "an optional field was added, or a field was added to a message hosts receive",
        bump: Minor, level: Allow,
        explanation: "Hosts that do not know the field omit it (optional) or skip it when decoding.",
        before: "QueryReply { tiles: [TileRef] }",
        after: "QueryReply { tiles: [TileRef], cursor?: text }",
    }
    WireFieldRemoved = "wire_field_removed" {
        name: "a field hosts rely on was removed from a message they receive",
        bump: Major, level: Deny,
        explanation: "Hosts expect the key and fail to decode the reply or event.",
        before: "QueryReply { tiles: [TileRef], truncated: bool }",
        after: "QueryReply { tiles: [TileRef] }",
    }
    WireFieldDropped = "wire_field_dropped" {
        name: "a field was removed from a message hosts send, or an optional one from a message they receive",
        bump: Minor, level: Warn,
        explanation: "The library ignores what hosts still send, and receivers already handled the key being absent.",
        before: "QueryReq { zoom: u32, legacy?: bool }",
        after: "QueryReq { zoom: u32 }",
    }
    WireFieldTypeChanged = "wire_field_type_changed" {
        name: "a message field's type changed",
        bump: Major, level: Deny,
        explanation: "The receiver decodes the value as the old type: text as bytes, a list as a record, an integer that no longer fits.",
        before: "TileRef { etag: bytes }",
        after: "TileRef { etag: text }",
    }
    WireOptionalityChanged = "wire_optionality_changed" {
        name: "a message field changed between optional and required against the receiver",
        bump: Major, level: Deny,
        explanation: "A field the receiver required may now be missing, or a field hosts may omit is now required of them.",
        before: "QueryReq { layers?: [text] }",
        after: "QueryReq { layers: [text] }",
    }
    WireOptionalityRelaxed = "wire_optionality_relaxed" {
        name: "a message field changed between optional and required in the receiver's favour",
        bump: Minor, level: Allow,
        explanation: "The library now accepts requests without the field, or always sends a field hosts treated as optional.",
        before: "QueryReq { layers: [text] }",
        after: "QueryReq { layers?: [text] }",
    }
    WireEnumValueRemoved = "wire_enum_value_removed" {
        name: "a text enum lost a value hosts may send",
        bump: Major, level: Deny,
        explanation: "Hosts still send the value and the library rejects it.",
        before: "Format = \"png\" | \"webp\"",
        after: "Format = \"png\"",
    }
    WireEnumValueAddedBreaking = "wire_enum_value_added_breaking" {
        name: "an exhaustive text enum hosts receive gained a value or became open",
        bump: Major, level: Deny,
        explanation: "Hosts decode into a closed set and fail on the new name, or on any name an open enum may now bring.",
        before: "State = \"idle\" | \"busy\"",
        after: "State = \"idle\" | \"busy\" | \"draining\"",
    }
    WireEnumValueChanged = "wire_enum_value_changed" {
        name: "a text enum changed in a way existing hosts tolerate",
        bump: Minor, level: Allow,
        explanation: "A value hosts may send was added, an open enum hosts receive gained a value, or a value hosts only receive was dropped.",
        before: "Format = \"png\" | \"webp\"",
        after: "Format = \"png\" | \"webp\" | \"avif\"",
    }
    WireEventRemoved = "wire_event_removed" {
        name: "an event was removed",
        bump: Major, level: Deny,
        explanation: "Hosts that subscribe to the event are refused or wait for events that never come.",
        before: "events: tile_evicted, cache_full",
        after: "events: tile_evicted",
    }
    WireEventAdded = "wire_event_added" {
        name: "an event was added",
        bump: Minor, level: Allow,
        explanation: "Existing hosts do not subscribe to it.",
        before: "events: tile_evicted",
        after: "events: tile_evicted, cache_full",
    }
    WireEventPayloadChanged = "wire_event_payload_changed" {
        name: "an event's payload type changed",
        bump: Major, level: Deny,
        explanation: "Subscribed hosts decode the payload as the old type.",
        before: "tile_evicted: {x, y}",
        after: "tile_evicted: [TileRef]",
    }
    ReturnCodeRemoved = "return_code_removed" {
        name: "a return code was removed or changed value",
        bump: Major, level: Deny,
        explanation: "Hosts compare against the old value: success may read as failure, or the reverse.",
        before: "RET_STALE_WARN = 3",
        after: "(no RET_STALE_WARN)",
    }
    ReturnCodeFinalityChanged = "return_code_finality_changed" {
        name: "a return code changed between final and progress-only",
        bump: Major, level: Deny,
        explanation: "Hosts stop waiting after a code that is now followed by more, or wait forever after one that now ends the call.",
        before: "RET_STALE_WARN: not final",
        after: "RET_STALE_WARN: final",
    }
    ReturnCodeAdded = "return_code_added" {
        name: "a return code was added",
        bump: Minor, level: Warn,
        explanation: "Hosts that switch over the codes they know meet a new one; those that treat unknown codes as errors are unaffected.",
        before: "RET_OK, RET_ERR",
        after: "RET_OK, RET_ERR, RET_BUSY",
    }
    WireTypeKindChanged = "wire_type_kind_changed" {
        name: "a message type changed kind (record, list, map, option, result, enum)",
        bump: Major, level: Deny,
        explanation: "The encoded shape differs: a map where a list was, a value where an option was.",
        before: "tiles: [TileRef]",
        after: "tiles: {text: TileRef}",
    }
}

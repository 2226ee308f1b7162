/*
 * abi_loader.h: dlopen with validation, for hosts written in C, Go (cgo)
 * or any language with a C FFI. Link with the abi-loader cdylib
 * (libabi_loader.so, libabi_loader.dylib, abi_loader.dll).
 *
 * The host states what it expects of a library as the descriptor it was
 * built against (the `.abi` blob, CBOR or JSON bytes), optionally narrowed
 * to the functions it calls. abi_loader_open reads the library's descriptor
 * from the file without running anything, checks the items the host expects
 * with abi-check's rules, and only then loads the library. A refused library
 * has none of its code run. After loading, the bytes `_abi_descriptor()`
 * returns are compared with the bytes checked; a library whose bytes differ
 * is unloaded again and refused.
 *
 *     abi_loader_library *lib;
 *     abi_loader_error *err;
 *     const char *uses[] = { "calc_add" };
 *     if (abi_loader_open("./libcalc.so", expected, expected_len, uses, 1,
 *                         &lib, &err) != ABI_LOADER_OK) {
 *         fprintf(stderr, "%s\n", abi_loader_error_message(err));
 *         abi_loader_error_free(err);
 *         return 1;
 *     }
 *     int (*add)(int, int) = (int (*)(int, int))abi_loader_symbol(lib, "calc_add");
 *     ...
 *     abi_loader_close(lib);
 *
 * Strings are UTF-8 and NUL-terminated. Every pointer an error hands out is
 * valid until abi_loader_error_free; every address a library hands out is
 * valid until abi_loader_close.
 */
#ifndef ABI_LOADER_H
#define ABI_LOADER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A library that was checked and loaded. */
typedef struct abi_loader_library abi_loader_library;

/* Why a library was not opened: an owned copy of everything the check found. */
typedef struct abi_loader_error abi_loader_error;

/* The outcome of abi_loader_open (an int-sized C enum). */
typedef enum abi_loader_status {
    /* Checked and loaded. */
    ABI_LOADER_OK = 0,
    /* Refused, never loaded: the library does not provide what the host
       expects; abi_loader_error_incompatibility lists why. */
    ABI_LOADER_INCOMPATIBLE = 1,
    /* Refused, never loaded: no valid descriptor can be read from the file
       (none, garbage, or not a library). */
    ABI_LOADER_UNREADABLE = 2,
    /* Refused, never loaded: the file is built for another machine. */
    ABI_LOADER_WRONG_ARCHITECTURE = 3,
    /* Refused after loading, and unloaded again: `_abi_descriptor()`
       returns other bytes than the file holds. */
    ABI_LOADER_RUNTIME_MISMATCH = 4,
    /* The expected descriptor is not readable or not valid, or names a
       function it does not describe. */
    ABI_LOADER_BAD_EXPECTATION = 5,
    /* The file cannot be found, or the dynamic loader failed. */
    ABI_LOADER_LOAD_FAILED = 6,
    /* A null or malformed argument. */
    ABI_LOADER_INVALID_ARGUMENT = 7
} abi_loader_status;

/* One reason a library was refused. `rule` is the id of abi-check's rule
   (`function_removed`, `field_offset_changed`, ...) or "file" for a problem
   of the file itself; `path` says where (`struct `TileInfo` field `x``);
   `expected` is what the host expects ("" when the finding does not state
   it) and `found` what the library has. */
typedef struct abi_loader_incompatibility {
    const char *rule;
    const char *path;
    const char *expected;
    const char *found;
} abi_loader_incompatibility;

/* Checks the library file `path` against the expected descriptor
   (`expected_len` bytes at `expected`: a blob, CBOR or JSON), narrowed to
   the `function_count` functions named in `functions` (every item of the
   descriptor when `function_count` is 0, and `functions` may be NULL), and
   loads it if it is accepted. On ABI_LOADER_OK, `*out_library` is the
   library and `*out_error` NULL; otherwise `*out_library` is NULL and
   `*out_error` the error (free it with abi_loader_error_free). Either
   out-pointer may be NULL. Loading runs the library's initialisers. */
abi_loader_status abi_loader_open(const char *path,
                                  const uint8_t *expected, size_t expected_len,
                                  const char *const *functions, size_t function_count,
                                  abi_loader_library **out_library,
                                  abi_loader_error **out_error);

/* The address of the function or variable `name`, or NULL when the
   library's descriptor does not describe it: only described items are
   handed out. Cast it to the type the descriptor gives. */
void *abi_loader_symbol(const abi_loader_library *library, const char *name);

/* Unloads the library; NULL is ignored. */
void abi_loader_close(abi_loader_library *library);

/* The error's status (ABI_LOADER_INVALID_ARGUMENT for NULL). */
abi_loader_status abi_loader_error_status(const abi_loader_error *error);

/* The whole message: what happened, every incompatibility, what to do
   (rebuild the host, or pin the library version), and the causes. */
const char *abi_loader_error_message(const abi_loader_error *error);

/* How many incompatibilities the error lists. */
size_t abi_loader_error_count(const abi_loader_error *error);

/* The incompatibility at `index` (from 0), or NULL past the end. */
const abi_loader_incompatibility *abi_loader_error_incompatibility(
    const abi_loader_error *error, size_t index);

/* Frees the error and every string it handed out; NULL is ignored. */
void abi_loader_error_free(abi_loader_error *error);

#ifdef __cplusplus
}
#endif

#endif /* ABI_LOADER_H */

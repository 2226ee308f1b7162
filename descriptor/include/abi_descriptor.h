/*
 * abi_descriptor.h: the symbol contract of abi-check descriptors.
 *
 * Every library described by abi-check exports the function
 * `_abi_descriptor`, which returns the address of the library's descriptor
 * blob: a 48-byte header followed by the descriptor's canonical CBOR. The
 * same bytes are exported as the data symbol `_abi_descriptor_blob` and
 * placed in a dedicated section, so tools read them without running the
 * library. The full contract is docs/symbol-contract.md; the blob and the
 * CBOR are specified in docs/descriptor-format.md.
 *
 * Libraries rarely write the blob by hand: `abi-check embed DESCRIPTOR.json
 * --lang c -o abi_descriptor.c` generates a source file using the macros
 * below. Hosts include this header to read a loaded library's descriptor.
 *
 * C99 or later, or C++.
 */
#ifndef ABI_DESCRIPTOR_H
#define ABI_DESCRIPTOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The blob header, as bytes: all multi-byte fields are little-endian on
 * every target, so read them with the accessors below, not through a struct. */
#define ABI_DESCRIPTOR_MAGIC "\x89" "ABI\r\n\x1a\n" /* 8 bytes */
#define ABI_DESCRIPTOR_MAGIC_LEN 8
#define ABI_DESCRIPTOR_HEADER_VERSION 1 /* u16 LE at offset 8 */
#define ABI_DESCRIPTOR_HEADER_LEN 48    /* u16 LE at offset 10 */
#define ABI_DESCRIPTOR_BODY_LEN_OFFSET 12 /* u32 LE: body length */
#define ABI_DESCRIPTOR_HASH_OFFSET 16   /* 32 bytes: SHA-256 of the body */

/* The names of the contract. */
#define ABI_DESCRIPTOR_FUNCTION_NAME "_abi_descriptor"
#define ABI_DESCRIPTOR_BLOB_NAME "_abi_descriptor_blob"
#define ABI_DESCRIPTOR_SECTION_ELF ".abi_descriptor"
#define ABI_DESCRIPTOR_SEGMENT_MACHO "__TEXT"
#define ABI_DESCRIPTOR_SECTION_MACHO "__abi_descriptor"
#define ABI_DESCRIPTOR_SECTION_PE ".abidesc"

/* ABI_DESCRIPTOR_EXPORT: default visibility / dllexport.
 * ABI_DESCRIPTOR_BLOB_ATTRIBUTES: put before the blob's definition; exports
 * it, keeps it from being discarded, and places it in the section. */
#if defined(_WIN32) || defined(__CYGWIN__)
#  define ABI_DESCRIPTOR_EXPORT __declspec(dllexport)
#  if defined(_MSC_VER) && !defined(__clang__)
#    pragma section(".abidesc", read)
#    define ABI_DESCRIPTOR_BLOB_ATTRIBUTES \
       ABI_DESCRIPTOR_EXPORT __declspec(allocate(".abidesc"))
#  else
#    define ABI_DESCRIPTOR_BLOB_ATTRIBUTES \
       ABI_DESCRIPTOR_EXPORT __attribute__((used, section(".abidesc")))
#  endif
#elif defined(__APPLE__)
#  define ABI_DESCRIPTOR_EXPORT __attribute__((visibility("default")))
#  define ABI_DESCRIPTOR_BLOB_ATTRIBUTES \
     ABI_DESCRIPTOR_EXPORT __attribute__((used, section("__TEXT,__abi_descriptor")))
#else
#  define ABI_DESCRIPTOR_EXPORT __attribute__((visibility("default")))
#  define ABI_DESCRIPTOR_BLOB_ATTRIBUTES \
     ABI_DESCRIPTOR_EXPORT __attribute__((used, section(".abi_descriptor")))
#endif

/* The blob, exported as data. Its length is the header's 48 bytes plus the
 * body length the header gives. */
extern ABI_DESCRIPTOR_EXPORT const uint8_t _abi_descriptor_blob[];

/* Returns the address of the blob. Allocates nothing, needs no runtime
 * initialisation, may be called from any thread, at any time after the
 * library is loaded (before any other function of the library), any number of
 * times; always returns the same address. */
ABI_DESCRIPTOR_EXPORT const uint8_t *_abi_descriptor(void);

/* Defines the blob and the function. BYTES is a brace-enclosed initializer
 * list of the blob's bytes, LEN their count. Use once, in one file:
 *
 *     ABI_DESCRIPTOR_DEFINE(1234, { 0x89, 0x41, ... })
 */
#define ABI_DESCRIPTOR_DEFINE(LEN, ...)                                      \
  ABI_DESCRIPTOR_BLOB_ATTRIBUTES const uint8_t _abi_descriptor_blob[LEN] =  \
      __VA_ARGS__;                                                           \
  ABI_DESCRIPTOR_EXPORT const uint8_t *_abi_descriptor(void) {               \
    return _abi_descriptor_blob;                                             \
  }

/* The total length (header and body) of the blob at `blob`, or 0 when the
 * magic or header version is not the one this header knows. */
static inline size_t abi_descriptor_blob_len(const uint8_t *blob) {
  static const uint8_t magic[ABI_DESCRIPTOR_MAGIC_LEN + 1] = ABI_DESCRIPTOR_MAGIC;
  size_t i;
  uint32_t header_len, body_len;
  for (i = 0; i < ABI_DESCRIPTOR_MAGIC_LEN; i++) {
    if (blob[i] != magic[i]) return 0;
  }
  if ((uint32_t)blob[8] + ((uint32_t)blob[9] << 8) != ABI_DESCRIPTOR_HEADER_VERSION) return 0;
  header_len = (uint32_t)blob[10] + ((uint32_t)blob[11] << 8);
  body_len = (uint32_t)blob[12] + ((uint32_t)blob[13] << 8) +
             ((uint32_t)blob[14] << 16) + ((uint32_t)blob[15] << 24);
  if (header_len < ABI_DESCRIPTOR_HEADER_LEN) return 0;
  return (size_t)header_len + (size_t)body_len;
}

#ifdef __cplusplus
}
#endif

#endif /* ABI_DESCRIPTOR_H */

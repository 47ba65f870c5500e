/* fuzz.h - what the libFuzzer targets of tests/fuzz/ share.

   Each target is one .c file that includes this header and defines its entry
   with FUZZ_ENTRY(name). Built with -fsanitize=fuzzer it is a libFuzzer
   target (LLVMFuzzerTestOneInput); built with WSC_FUZZ_REPLAY defined it is a
   plain static function that tests/fuzz_regress.c calls on every file of the
   corpus and regression directories, so `make test` replays them without
   libFuzzer.

   Targets check invariants, not only crashes: FUZZ_CHECK aborts under
   libFuzzer (a finding, with the input saved) and counts a failure in the
   replay. */
#ifndef WSC_FUZZ_H
#define WSC_FUZZ_H

/* set here as wsclient.h would, since stdlib.h comes first for the allocator */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE) && !defined(_XOPEN_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The library's allocator: malloc, except that a request over
   FUZZ_ALLOC_LIMIT fails as a real malloc may. A frame header may claim
   any size up to max_message, but the library takes room for at most
   WSC__RX_PREALLOC on its word (the rest as the payload comes), so such a
   header alone must never fail: frame.c checks that (its model would
   predict 1011 otherwise). */
#define FUZZ_ALLOC_LIMIT ((size_t)16 * 1024 * 1024 + 1)
static void *fuzz_malloc(size_t n) { return n > FUZZ_ALLOC_LIMIT ? NULL : malloc(n); }
static void *fuzz_realloc(void *p, size_t n) { return n > FUZZ_ALLOC_LIMIT ? NULL : realloc(p, n); }
#define WSCLIENT_MALLOC(size, user) ((void)(user), fuzz_malloc(size))
#define WSCLIENT_REALLOC(ptr, size, user) ((void)(user), fuzz_realloc(ptr, size))
#define WSCLIENT_FREE(ptr, user) ((void)(user), free(ptr))

#ifndef WSCLIENT_IMPLEMENTATION
#define WSCLIENT_IMPLEMENTATION
#endif
#include "wsclient.h"

/* what the targets pass where the library wants its allocator's user pointer */
static wsc__mem fuzz_mem;

#ifdef WSC_FUZZ_REPLAY
static int fuzz_failures;
#define FUZZ_ENTRY(name) static int name(const uint8_t *data, size_t size)
#define FUZZ_FAILED() (fuzz_failures++)
#else
#define FUZZ_ENTRY(name) \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#define FUZZ_FAILED() abort()
#endif

#define FUZZ_CHECK(cond) do { \
    if (!(cond)) { \
        printf("fuzz check failed (%s:%d): %s\n", __FILE__, __LINE__, #cond); \
        fflush(stdout); \
        FUZZ_FAILED(); \
    } \
} while (0)

/* ---- reading structured fields from the input ---- */

typedef struct fuzz_in {
    const uint8_t *p;
    size_t n, pos;
} fuzz_in;

static unsigned fuzz_u8(fuzz_in *in) {
    return in->pos < in->n ? in->p[in->pos++] : 0u;
}

static unsigned fuzz_u16(fuzz_in *in) {
    unsigned hi = fuzz_u8(in);
    return (hi << 8) | fuzz_u8(in);
}

static uint32_t fuzz_u32(fuzz_in *in) {
    uint32_t hi = fuzz_u16(in);
    return (hi << 16) | fuzz_u16(in);
}

/* The bytes up to the next NUL (or the end), as a malloc'd C string of
   exactly that size, so ASan sees any read past its end. */
static char *fuzz_str(fuzz_in *in) {
    size_t s = in->pos, e = s;
    char *out;
    while (e < in->n && in->p[e] != 0) e++;
    in->pos = e < in->n ? e + 1 : e;
    out = (char *)malloc(e - s + 1);
    if (!out) abort();
    memcpy(out, in->p + s, e - s);
    out[e - s] = 0;
    return out;
}

/* The rest of the input, in a buffer of exactly its size (never NULL). */
static uint8_t *fuzz_rest(fuzz_in *in, size_t *len) {
    uint8_t *out;
    *len = in->n - in->pos;
    out = (uint8_t *)malloc(*len ? *len : 1);
    if (!out) abort();
    if (*len) memcpy(out, in->p + in->pos, *len);
    in->pos = in->n;
    return out;
}

/* ---- a UTF-8 validator written independently of wsc__utf8_step ----
   Decodes each sequence to its code point range. Returns FUZZ_UTF8_OK for
   complete valid text, FUZZ_UTF8_PARTIAL when it is valid but ends inside a
   sequence that some continuation could complete (*need: bytes missing), and
   FUZZ_UTF8_BAD when no continuation can make it valid (RFC 3629 §3, §4). */
enum { FUZZ_UTF8_OK, FUZZ_UTF8_PARTIAL, FUZZ_UTF8_BAD };

static int fuzz_utf8_ref(const uint8_t *p, size_t n, size_t *need) {
    size_t i = 0;
    if (need) *need = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len, have, k;
        uint32_t lo, hi, min;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0) { len = 2; lo = c & 0x1Fu; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { len = 3; lo = c & 0x0Fu; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { len = 4; lo = c & 0x07u; min = 0x10000; }
        else return FUZZ_UTF8_BAD;
        have = n - i < len ? n - i : len;
        for (k = 1; k < have; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return FUZZ_UTF8_BAD;
            lo = (lo << 6) | (p[i + k] & 0x3Fu);
        }
        /* the code points this sequence can still become */
        hi = lo;
        for (k = have; k < len; k++) { lo <<= 6; hi = (hi << 6) | 0x3F; }
        if (lo < min) lo = min;
        if (hi > 0x10FFFF) hi = 0x10FFFF;
        if (lo > hi) return FUZZ_UTF8_BAD;                         /* overlong, or past U+10FFFF */
        if (lo >= 0xD800 && hi <= 0xDFFF) return FUZZ_UTF8_BAD;    /* only surrogates left */
        if (have < len) {
            if (need) *need = len - have;
            return FUZZ_UTF8_PARTIAL;
        }
        i += len;
    }
    return FUZZ_UTF8_OK;
}

#endif

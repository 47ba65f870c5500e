/* utf8.c - libFuzzer target: the incremental UTF-8 validator
   (wsc__utf8_feed, wsc__utf8_step).

   Input: the low 3 bits of byte 0 give k, then k 16-bit split points; the
   rest is the text.

   Checks: the verdict matches fuzz_utf8_ref (an independent decoder),
   including how many bytes an unfinished sequence still needs; feeding in
   one call, byte by byte through wsc__utf8_step, and in pieces cut at the
   k points (each piece from its own exactly-sized buffer) gives the same
   state at every cut; the reject state stays. */
#include "fuzz.h"

/* Bytes still needed in each state of wsc__utf8_step (0: between characters). */
static size_t utf8_need(unsigned st) {
    switch (st) {
    case 0: return 0;
    case 1: return 1;
    case 2: case 4: case 5: return 2;
    case 3: case 6: case 7: return 3;
    default: return (size_t)-1;
    }
}

FUZZ_ENTRY(fuzz_utf8) {
    fuzz_in in = {data, size, 0};
    size_t k = fuzz_u8(&in) & 7, n, i, need = 0, pos, c;
    size_t cuts[8];
    uint8_t *text;
    unsigned whole, st, *prefix;
    int ref;
    for (i = 0; i < k; i++) cuts[i] = fuzz_u16(&in);
    text = fuzz_rest(&in, &n);
    for (i = 0; i < k; i++) cuts[i] %= n + 1;

    /* the state after every prefix, one byte at a time */
    prefix = (unsigned *)malloc((n + 1) * sizeof *prefix);
    if (!prefix) abort();
    prefix[0] = 0;
    for (i = 0; i < n; i++) {
        unsigned s = prefix[i] == WSC__UTF8_REJECT ? WSC__UTF8_REJECT : wsc__utf8_step(prefix[i], text[i]);
        FUZZ_CHECK(s <= WSC__UTF8_REJECT);
        prefix[i + 1] = s;
    }
    FUZZ_CHECK(wsc__utf8_step(WSC__UTF8_REJECT, n ? text[0] : 0x41) == WSC__UTF8_REJECT);

    whole = wsc__utf8_feed(0, text, n);
    FUZZ_CHECK(whole == prefix[n]);
    ref = fuzz_utf8_ref(text, n, &need);
    if (ref == FUZZ_UTF8_OK) FUZZ_CHECK(whole == 0);
    else if (ref == FUZZ_UTF8_BAD) FUZZ_CHECK(whole == WSC__UTF8_REJECT);
    else FUZZ_CHECK(whole != 0 && whole != WSC__UTF8_REJECT && utf8_need(whole) == need);

    /* in pieces: after each cut the state is the prefix state there */
    st = 0;
    pos = 0;
    for (c = 0; c <= k; c++) {
        size_t end = c < k ? cuts[c] : n, len;
        uint8_t *piece;
        if (end < pos) end = pos; /* cuts are not sorted: a backward cut is an empty piece */
        len = end - pos;
        piece = (uint8_t *)malloc(len ? len : 1);
        if (!piece) abort();
        memcpy(piece, text + pos, len);
        st = wsc__utf8_feed(st, piece, len);
        free(piece);
        FUZZ_CHECK(st == prefix[end]);
        /* the prefix alone, fed in one call, agrees too */
        FUZZ_CHECK(wsc__utf8_feed(0, text, end) == prefix[end]);
        pos = end;
    }
    FUZZ_CHECK(st == whole);
    /* a rejected state stays rejected whatever follows */
    FUZZ_CHECK(wsc__utf8_feed(WSC__UTF8_REJECT, text, n) == WSC__UTF8_REJECT);

    free(prefix);
    free(text);
    return 0;
}

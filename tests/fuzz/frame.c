/* frame.c - libFuzzer target: any byte stream as server data after the upgrade,
   through the frame parser (wsc__rx_*).

   Input: byte 0 picks max_message from frame_limits[]; the low 4 bits of
   byte 1 give k, then k 16-bit split points; bit 4 of byte 1 hands each
   message's buffer back for the next (wsc__rx_recycle, as wsc_read does);
   the rest is the stream. The allocator refuses requests over
   FUZZ_ALLOC_LIMIT (fuzz.h), as malloc may when a header asks for much
   (the library must not ask: it takes room as the payload comes).

   Checks, beyond crashes and leaks:
   - fed whole, split at the k points (with empty feeds there too), split
     so with each piece that starts inside a data frame's payload written
     straight into the message (wsc__rx_room, as the engine reads a large
     payload over ws://), and one byte at a time, the parser gives the same
     events and messages;
   - those events are the ones a simple whole-buffer model of RFC 6455 §5
     written here expects (frame_model);
   - a message is never longer than max_message, is NUL-terminated, and a
     text message or close reason is valid UTF-8;
   - WSC__RX_MORE means every byte was taken; after WSC__RX_ERROR the parser
     takes nothing more;
   - where the engine's shortcut for a whole small message (wsc__rx_small,
     up to WSC__INLINE bytes, 7- or 16-bit length) takes the bytes, the
     parser gives that message and takes as many. */
#include "fuzz.h"

static const size_t frame_limits[] = {
    0, 1, 2, 5, 125, 126, 127, 1000, 4096, 65535, 65536,
    WSCLIENT_MAX_MESSAGE, ((size_t)-1) / 2, (size_t)-1 - 1, (size_t)-1
};

typedef struct frame_event {
    int ev, binary, code;
    uint8_t *data;
    size_t len;
} frame_event;

typedef struct frame_events {
    frame_event *e;
    size_t n, cap;
} frame_events;

static void frame_push(frame_events *v, int ev, int code, int binary, const uint8_t *data, size_t len) {
    frame_event *e;
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->e = (frame_event *)realloc(v->e, v->cap * sizeof *v->e);
        if (!v->e) abort();
    }
    e = &v->e[v->n++];
    e->ev = ev;
    e->code = code;
    e->binary = binary;
    e->len = len;
    e->data = (uint8_t *)malloc(len + 1);
    if (!e->data) abort();
    if (len) memcpy(e->data, data, len);
}

static void frame_events_free(frame_events *v) {
    size_t i;
    for (i = 0; i < v->n; i++) free(v->e[i].data);
    free(v->e);
    memset(v, 0, sizeof *v);
}

static int frame_same(const frame_events *a, const frame_events *b) {
    size_t i;
    if (a->n != b->n) return 0;
    for (i = 0; i < a->n; i++) {
        const frame_event *x = &a->e[i], *y = &b->e[i];
        if (x->ev != y->ev || x->code != y->code || x->binary != y->binary || x->len != y->len) return 0;
        if (x->len && memcmp(x->data, y->data, x->len) != 0) return 0;
    }
    return 1;
}

static int frame_close_code_ok(int code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/* Records one event of the parser, checking what it hands out. */
static void frame_record(wsc__rx *rx, int ev, int recycle, frame_events *out) {
    switch (ev) {
    case WSC__RX_MESSAGE: {
        size_t len = (size_t)-1, cap = rx->msg_cap;
        int binary = rx->msg_opcode == WSC__OP_BINARY;
        uint8_t *m = wsc__rx_take_message(rx, &len);
        FUZZ_CHECK(m != NULL);
        FUZZ_CHECK(len <= rx->max_message);
        FUZZ_CHECK(rx->msg_opcode == WSC__OP_TEXT || rx->msg_opcode == WSC__OP_BINARY);
        if (!m) return;
        FUZZ_CHECK(m[len] == 0);
        if (!binary) FUZZ_CHECK(fuzz_utf8_ref(m, len, NULL) == FUZZ_UTF8_OK);
        FUZZ_CHECK(rx->msg == NULL && rx->msg_len == 0 && len < cap);
        frame_push(out, ev, 0, binary, m, len);
        if (recycle) wsc__rx_recycle(rx, m, cap);
        else free(m);
        break;
    }
    case WSC__RX_PING: case WSC__RX_PONG:
        FUZZ_CHECK(rx->ctrl_len <= 125);
        frame_push(out, ev, 0, 0, rx->ctrl, rx->ctrl_len);
        break;
    case WSC__RX_CLOSE:
        FUZZ_CHECK(rx->ctrl_len <= 125 && rx->ctrl_len != 1);
        if (rx->ctrl_len == 0) FUZZ_CHECK(rx->close_code == 1005);
        else FUZZ_CHECK(frame_close_code_ok(rx->close_code));
        if (rx->ctrl_len >= 2) FUZZ_CHECK(fuzz_utf8_ref(rx->ctrl + 2, rx->ctrl_len - 2, NULL) == FUZZ_UTF8_OK);
        frame_push(out, ev, rx->close_code, 0, rx->ctrl, rx->ctrl_len);
        break;
    case WSC__RX_ERROR:
        FUZZ_CHECK(rx->fail_code == 1002 || rx->fail_code == 1007 || rx->fail_code == 1009 || rx->fail_code == 1011);
        FUZZ_CHECK(rx->fail_text != NULL && rx->fail_text[0] != 0);
        frame_push(out, ev, rx->fail_code, 0, NULL, 0);
        break;
    default:
        FUZZ_CHECK(!"unknown event");
    }
}

/* Feeds p[0..n) as the engine does (wsc__receive): call again on the rest
   after each event. Returns 1 when the parser failed. */
static int frame_feed(wsc__rx *rx, const uint8_t *p, size_t n, int recycle, frame_events *out) {
    size_t off = 0;
    for (;;) {
        size_t used = (size_t)-1;
        size_t hdr = 0;
        long small = wsc__rx_small(rx, p + off, n - off, &hdr);
        int ev = wsc__rx_feed(rx, p + off, n - off, &used);
        FUZZ_CHECK(used <= n - off);
        if (used > n - off) return 1;
        if (small >= 0) { /* the shortcut's message is the parser's: same bytes, same kind */
            FUZZ_CHECK(hdr == (p[off + 1] == 126 ? 4u : 2u) && small <= WSC__INLINE);
            FUZZ_CHECK(ev == WSC__RX_MESSAGE && used == hdr + (size_t)small && rx->msg_len == (size_t)small);
            FUZZ_CHECK(ev != WSC__RX_MESSAGE || (rx->msg_opcode == WSC__OP_BINARY) == (p[off] == 0x82));
            FUZZ_CHECK(ev != WSC__RX_MESSAGE || !small || memcmp(rx->msg, p + off + hdr, (size_t)small) == 0);
        }
        off += used;
        if (ev == WSC__RX_MORE) {
            FUZZ_CHECK(off == n); /* MORE: everything was taken */
            return 0;
        }
        frame_record(rx, ev, recycle, out);
        if (ev == WSC__RX_ERROR) {
            int code = rx->fail_code;
            /* failed for good: nothing more is taken, whatever comes */
            used = (size_t)-1;
            FUZZ_CHECK(wsc__rx_feed(rx, p + off, n - off, &used) == WSC__RX_ERROR && used == 0);
            used = (size_t)-1;
            FUZZ_CHECK(wsc__rx_feed(rx, (const uint8_t *)"\x81\x00", 2, &used) == WSC__RX_ERROR && used == 0);
            FUZZ_CHECK(rx->fail_code == code);
            return 1;
        }
        if (off == n) return 0;
    }
}

/* Runs the parser over the stream cut at cuts[0..k) (sorted, may repeat:
   a repeat is an empty feed). */
static void frame_run(const uint8_t *p, size_t n, size_t max, int recycle, const size_t *cuts, size_t k,
                      frame_events *out) {
    wsc__rx rx;
    size_t i, pos = 0;
    wsc__rx_init(&rx, max, &fuzz_mem);
    for (i = 0; i <= k; i++) {
        size_t end = i < k ? cuts[i] : n;
        /* each piece in its own buffer of exactly its size: ASan sees overreads */
        uint8_t *piece = (uint8_t *)malloc(end - pos ? end - pos : 1);
        int failed;
        if (!piece) abort();
        memcpy(piece, p + pos, end - pos);
        failed = frame_feed(&rx, piece, end - pos, recycle, out);
        free(piece);
        pos = end;
        if (failed) break;
    }
    wsc__rx_free(&rx);
}

/* As frame_run, but where a piece starts inside a data frame's payload
   its bytes go straight into the message (wsc__rx_room, wsc__rx_landed),
   as the engine reads a large payload over ws://, the rest of the piece
   through the parser. */
static void frame_run_straight(const uint8_t *p, size_t n, size_t max, int recycle, const size_t *cuts, size_t k,
                               frame_events *out) {
    wsc__rx rx;
    size_t i, pos = 0;
    int failed = 0;
    wsc__rx_init(&rx, max, &fuzz_mem);
    for (i = 0; i <= k && !failed; i++) {
        size_t end = i < k ? cuts[i] : n, room = 0, take;
        uint8_t *dst;
        while (pos < end && !failed && (dst = wsc__rx_room(&rx, 1, &room)) != NULL) {
            int ev;
            FUZZ_CHECK(room >= 1 && room <= rx.remaining);
            take = room < end - pos ? room : end - pos;
            memcpy(dst, p + pos, take);
            pos += take;
            ev = wsc__rx_landed(&rx, take);
            if (ev != WSC__RX_MORE) {
                frame_record(&rx, ev, recycle, out);
                failed = ev == WSC__RX_ERROR;
            }
        }
        if (!failed && pos < end) failed = frame_feed(&rx, p + pos, end - pos, recycle, out);
        pos = end;
    }
    wsc__rx_free(&rx);
}

static void frame_run_bytewise(const uint8_t *p, size_t n, size_t max, int recycle, frame_events *out) {
    wsc__rx rx;
    size_t i;
    wsc__rx_init(&rx, max, &fuzz_mem);
    for (i = 0; i < n; i++)
        if (frame_feed(&rx, p + i, 1, recycle, out)) break;
    wsc__rx_free(&rx);
}

/* ---- the model: RFC 6455 §5 over the whole buffer, no state carried
   between calls. Protocol errors (1002) are looked for before the size
   limit (1009), then room for the frame is taken, up to WSC__RX_PREALLOC
   on the header's word (the rest as the payload comes, which an input this
   size never makes large), and that fails (1011) when the allocator
   refuses it; a text message fails (1007)
   at the first byte no continuation can make valid, even before its frame
   is complete. ---- */

static int frame_model_fail(frame_events *out, int code) {
    frame_push(out, WSC__RX_ERROR, code, 0, NULL, 0);
    return 0;
}

static void frame_model(const uint8_t *p, size_t n, size_t max, frame_events *out) {
    uint8_t *msg = (uint8_t *)malloc(n + 1);
    size_t pos = 0, mlen = 0;
    int active = 0, mop = 0;
    if (!msg) abort();
    for (;;) {
        unsigned b0, b1, op, l7;
        int fin, control;
        size_t hl, avail, i;
        uint64_t len;
        if (n - pos < 2) break;
        b0 = p[pos]; b1 = p[pos + 1];
        fin = (b0 & 0x80) != 0;
        op = b0 & 0x0F;
        l7 = b1 & 0x7F;
        hl = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((b1 & 0x80) ? 4 : 0);
        if (n - pos < hl) break;
        len = l7;
        if (l7 >= 126) {
            len = 0;
            for (i = 0; i < (l7 == 126 ? 2u : 8u); i++) len = (len << 8) | p[pos + 2 + i];
        }
        control = op >= 8;
        if (b0 & 0x70) { frame_model_fail(out, 1002); break; }                 /* RSV without extension */
        if (b1 & 0x80) { frame_model_fail(out, 1002); break; }                 /* masked server frame */
        if (len >> 63) { frame_model_fail(out, 1002); break; }                 /* 64-bit length MSB */
        if (!(op <= 2 || (op >= 8 && op <= 10))) { frame_model_fail(out, 1002); break; }
        if (control && (!fin || len > 125)) { frame_model_fail(out, 1002); break; }
        if (op == 0 && !active) { frame_model_fail(out, 1002); break; }
        if ((op == 1 || op == 2) && active) { frame_model_fail(out, 1002); break; }
        if (!control && len > (uint64_t)max - (op == 0 ? mlen : 0)) { frame_model_fail(out, 1009); break; }
        if (!control && (op == 0 ? mlen : 0) + (len < WSC__RX_PREALLOC ? len : WSC__RX_PREALLOC) + 1 > FUZZ_ALLOC_LIMIT) {
            frame_model_fail(out, 1011);
            break;
        }
        pos += hl;
        avail = n - pos;
        if ((uint64_t)avail > len) avail = (size_t)len;
        if (control) {
            const uint8_t *c = p + pos;
            if (avail < len) break; /* the stream ends inside it */
            pos += avail;
            if (op == 8) {
                int code = 1005;
                if (len == 1) { frame_model_fail(out, 1002); break; }
                if (len >= 2) {
                    code = (c[0] << 8) | c[1];
                    if (!frame_close_code_ok(code)) { frame_model_fail(out, 1002); break; }
                    if (fuzz_utf8_ref(c + 2, avail - 2, NULL) != FUZZ_UTF8_OK) { frame_model_fail(out, 1007); break; }
                }
                frame_push(out, WSC__RX_CLOSE, code, 0, c, avail);
            } else {
                frame_push(out, op == 9 ? WSC__RX_PING : WSC__RX_PONG, 0, 0, c, avail);
            }
            continue;
        }
        if (op != 0) { active = 1; mop = (int)op; mlen = 0; }
        memcpy(msg + mlen, p + pos, avail);
        mlen += avail;
        pos += avail;
        if (mop == 1 && fuzz_utf8_ref(msg, mlen, NULL) == FUZZ_UTF8_BAD) { frame_model_fail(out, 1007); break; }
        if (avail < len) break;
        if (fin) {
            if (mop == 1 && fuzz_utf8_ref(msg, mlen, NULL) != FUZZ_UTF8_OK) { frame_model_fail(out, 1007); break; }
            frame_push(out, WSC__RX_MESSAGE, 0, mop == 2, msg, mlen);
            active = 0;
            mlen = 0;
        }
    }
    free(msg);
}

static int frame_cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

FUZZ_ENTRY(fuzz_frame) {
    fuzz_in in = {data, size, 0};
    size_t max = frame_limits[fuzz_u8(&in) % (sizeof frame_limits / sizeof frame_limits[0])];
    unsigned mode = fuzz_u8(&in);
    size_t k = mode & 15, cuts[16], n, i;
    int recycle = (mode & 16) != 0;
    uint16_t raw[16];
    uint8_t *stream;
    frame_events whole = {0, 0, 0}, split = {0, 0, 0}, bytes = {0, 0, 0}, model = {0, 0, 0}, straight = {0, 0, 0};
    for (i = 0; i < k; i++) raw[i] = (uint16_t)fuzz_u16(&in);
    stream = fuzz_rest(&in, &n);
    for (i = 0; i < k; i++) cuts[i] = raw[i] % (n + 1);
    qsort(cuts, k, sizeof cuts[0], frame_cmp_size);

    frame_run(stream, n, max, recycle, NULL, 0, &whole);
    frame_run(stream, n, max, recycle, cuts, k, &split);
    frame_run_straight(stream, n, max, recycle, cuts, k, &straight);
    frame_run_bytewise(stream, n, max, recycle, &bytes);
    frame_model(stream, n, max, &model);
    FUZZ_CHECK(frame_same(&whole, &split));
    FUZZ_CHECK(frame_same(&whole, &straight));
    FUZZ_CHECK(frame_same(&whole, &bytes));
    FUZZ_CHECK(frame_same(&whole, &model));

    frame_events_free(&whole);
    frame_events_free(&split);
    frame_events_free(&straight);
    frame_events_free(&bytes);
    frame_events_free(&model);
    free(stream);
    return 0;
}

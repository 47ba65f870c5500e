/* framing.c - unit tests of the parts that need no network: the frame parser
   under every split of its input, UTF-8, masking, the handshake key and answer,
   URLs, the TLS mask and the socket table's errors. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"

#include <stdlib.h>
#include <arpa/inet.h>

/* ---- building server frames by hand ---- */

typedef struct { unsigned char *p; size_t n, cap; } bytes;

static void put(bytes *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = (unsigned char *)realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void frame(bytes *b, int fin, unsigned op, const void *payload, size_t len) {
    unsigned char h[10];
    size_t n = 0;
    int i;
    h[n++] = (unsigned char)((fin ? 0x80 : 0) | op);
    if (len < 126) h[n++] = (unsigned char)len;
    else if (len <= 0xFFFF) { h[n++] = 126; h[n++] = (unsigned char)(len >> 8); h[n++] = (unsigned char)len; }
    else { h[n++] = 127; for (i = 7; i >= 0; i--) h[n++] = (unsigned char)((unsigned long long)len >> (8 * i)); }
    put(b, h, n);
    put(b, payload, len);
}

/* ---- a recorder of parser events, to compare runs ---- */

typedef struct { int ev; unsigned char *data; size_t len; int binary, code; } event;
typedef struct { event e[64]; int n; } events;

static void events_free(events *v) {
    int i;
    for (i = 0; i < v->n; i++) free(v->e[i].data);
    v->n = 0;
}

static void record(events *v, wsc__rx *rx, int ev) {
    event *e = &v->e[v->n++];
    memset(e, 0, sizeof *e);
    e->ev = ev;
    if (ev == WSC__RX_MESSAGE) {
        e->binary = rx->msg_opcode == WSC__OP_BINARY;
        e->data = wsc__rx_take_message(rx, &e->len);
    } else if (ev == WSC__RX_ERROR) {
        e->code = rx->fail_code;
    } else {
        e->code = ev == WSC__RX_CLOSE ? rx->close_code : 0;
        e->len = rx->ctrl_len;
        e->data = (unsigned char *)malloc(rx->ctrl_len + 1);
        memcpy(e->data, rx->ctrl, rx->ctrl_len);
    }
}

/* Feeds chunk by chunk (sizes from next_size), looping on each chunk as the engine does. */
static void feed_all(const bytes *in, size_t max, size_t (*next_size)(size_t pos, void *), void *arg, events *out) {
    wsc__rx rx;
    size_t pos = 0;
    wsc__rx_init(&rx, max, wsc__slot_mem(0));
    while (pos < in->n) {
        size_t chunk = next_size(pos, arg), off = 0;
        if (chunk > in->n - pos) chunk = in->n - pos;
        while (off < chunk) {
            size_t used;
            int ev = wsc__rx_feed(&rx, in->p + pos + off, chunk - off, &used);
            off += used;
            if (ev != WSC__RX_MORE) record(out, &rx, ev);
            if (ev == WSC__RX_ERROR) { wsc__rx_free(&rx); return; }
        }
        pos += chunk;
    }
    wsc__rx_free(&rx);
}

static size_t size_one(size_t pos, void *a) { (void)pos; (void)a; return 1; }
static size_t size_all(size_t pos, void *a) { (void)pos; (void)a; return (size_t)-1; }
static size_t size_split(size_t pos, void *a) { size_t k = *(size_t *)a; return pos < k ? k - pos : (size_t)-1; }
static size_t size_random(size_t pos, void *a) { (void)pos; return (size_t)(rand_r((unsigned *)a) % 300) + 1; }

static int same_events(const events *a, const events *b) {
    int i;
    if (a->n != b->n) return 0;
    for (i = 0; i < a->n; i++) {
        const event *x = &a->e[i], *y = &b->e[i];
        if (x->ev != y->ev || x->len != y->len || x->binary != y->binary || x->code != y->code) return 0;
        if (x->len && memcmp(x->data, y->data, x->len) != 0) return 0;
    }
    return 1;
}

static bytes sample_stream(void) {
    static unsigned char big[70000];
    bytes b = {0, 0, 0};
    size_t i, sizes[] = {0, 1, 125, 126, 127, 65535, 65536};
    unsigned char bin[256];
    for (i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 31 + 7);
    for (i = 0; i < 256; i++) bin[i] = (unsigned char)i;
    frame(&b, 1, 1, "Hello", 5);
    frame(&b, 1, 2, bin, 256);
    frame(&b, 0, 1, "Hel", 3);                 /* fragmented text ... */
    frame(&b, 1, 9, "between", 7);             /* ... with a ping inside */
    frame(&b, 0, 0, "lo, w\xC3", 6);           /* UTF-8 split across fragments */
    frame(&b, 1, 0, "\xA9rld", 4);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) frame(&b, 1, 2, big, sizes[i]);
    frame(&b, 1, 10, "pong", 4);
    frame(&b, 1, 8, "\x03\xE8" "bye", 5);
    return b;
}

TEST(parser_any_split_same_result) {
    bytes in = sample_stream();
    events ref = {{{0}}, 0}, got = {{{0}}, 0};
    size_t k;
    unsigned seed = 12345;
    int round;
    feed_all(&in, 1 << 20, size_all, NULL, &ref);
    CHECKF(ref.n == 13, "%d events", ref.n);
    CHECK(ref.e[0].ev == WSC__RX_MESSAGE && ref.e[0].len == 5 && memcmp(ref.e[0].data, "Hello", 5) == 0 && !ref.e[0].binary);
    CHECK(ref.e[1].ev == WSC__RX_MESSAGE && ref.e[1].len == 256 && ref.e[1].binary && ref.e[1].data[255] == 255);
    CHECK(ref.e[2].ev == WSC__RX_PING && ref.e[2].len == 7 && memcmp(ref.e[2].data, "between", 7) == 0);
    CHECK(ref.e[3].ev == WSC__RX_MESSAGE && ref.e[3].len == 13 && memcmp(ref.e[3].data, "Hello, w\xC3\xA9rld", 13) == 0);
    CHECK(ref.e[4].len == 0 && ref.e[5].len == 1 && ref.e[6].len == 125 && ref.e[7].len == 126);
    CHECK(ref.e[8].len == 127 && ref.e[9].len == 65535 && ref.e[10].len == 65536);
    CHECK(ref.e[10].data[65535] == (unsigned char)(65535 * 31 + 7));
    CHECK(ref.e[11].ev == WSC__RX_PONG && ref.e[11].len == 4);
    CHECK(ref.e[12].ev == WSC__RX_CLOSE && ref.e[12].code == 1000 && ref.e[12].len == 5);

    feed_all(&in, 1 << 20, size_one, NULL, &got);
    CHECK(same_events(&ref, &got));
    events_free(&got);
    /* every two-chunk split of the first 700 bytes (headers, small frames,
       fragments) and a stride through the large frames */
    for (k = 1; k < in.n; k += (k < 700 ? 1 : 997)) {
        feed_all(&in, 1 << 20, size_split, &k, &got);
        if (!same_events(&ref, &got)) { CHECKF(0, "split at %lu differs", (unsigned long)k); events_free(&got); break; }
        events_free(&got);
    }
    CHECK(k >= in.n);
    for (round = 0; round < 200; round++) {
        feed_all(&in, 1 << 20, size_random, &seed, &got);
        if (!same_events(&ref, &got)) { CHECKF(0, "random round %d differs", round); events_free(&got); break; }
        events_free(&got);
    }
    CHECK(round == 200);
    events_free(&ref);
    free(in.p);
}

/* Feeds one stream whole and returns the fail code of the first error (0: none). */
static int fail_code_of(const bytes *in, size_t max) {
    events v = {{{0}}, 0};
    int i, code = 0;
    feed_all(in, max, size_one, NULL, &v);
    for (i = 0; i < v.n; i++) if (v.e[i].ev == WSC__RX_ERROR) { code = v.e[i].code; break; }
    events_free(&v);
    return code;
}

static int fail_of_frames(const char *hex_like, size_t n) {
    bytes b = {0, 0, 0};
    int code;
    put(&b, hex_like, n);
    code = fail_code_of(&b, 1000);
    free(b.p);
    return code;
}

TEST(parser_rejects_rfc_violations) {
    bytes b = {0, 0, 0};
    unsigned op;
    unsigned char h[2];
    CHECK(fail_of_frames("\xC1\x00", 2) == 1002);              /* RSV1 (§5.2) */
    CHECK(fail_of_frames("\xA1\x00", 2) == 1002);              /* RSV2 */
    CHECK(fail_of_frames("\x91\x00", 2) == 1002);              /* RSV3 */
    for (op = 3; op < 16; op++) {                              /* reserved opcodes (§5.2) */
        if (op >= 8 && op <= 10) continue;
        h[0] = (unsigned char)(0x80 | op);
        h[1] = 0;
        CHECKF(fail_of_frames((const char *)h, 2) == 1002, "opcode %u", op);
    }
    CHECK(fail_of_frames("\x81\x81" "abcd" "x", 7) == 1002);    /* masked server frame (§5.1) */
    CHECK(fail_of_frames("\x89\x7E\x00\x7E", 4) == 1002);      /* ping of 126 bytes (§5.5) */
    CHECK(fail_of_frames("\x09\x00", 2) == 1002);              /* fragmented ping (§5.5) */
    CHECK(fail_of_frames("\x80\x01" "a", 3) == 1002);          /* continuation without start (§5.4) */
    CHECK(fail_of_frames("\x01\x01" "a" "\x81\x01" "b", 6) == 1002); /* new message inside one (§5.4) */
    CHECK(fail_of_frames("\x82\x7F\x80\x00\x00\x00\x00\x00\x00\x01", 10) == 1002); /* 64-bit MSB */
    CHECK(fail_of_frames("\x81\x02\xC0\x80", 4) == 1007);      /* overlong (§8.1) */
    CHECK(fail_of_frames("\x81\x03\xED\xA0\x80", 5) == 1007);  /* surrogate */
    CHECK(fail_of_frames("\x81\x04\xF4\x90\x80\x80", 6) == 1007); /* over U+10FFFF */
    CHECK(fail_of_frames("\x81\x01\x80", 3) == 1007);          /* lone continuation */
    CHECK(fail_of_frames("\x01\x01\xF0" "\x80\x02\x9F\xFF", 7) == 1007); /* bad across fragments */
    CHECK(fail_of_frames("\x81\x02" "a\xC3", 4) == 1007);      /* ends inside a sequence */
    CHECK(fail_of_frames("\x88\x01\x03", 3) == 1002);          /* close with 1 byte (§5.5.1) */
    CHECK(fail_of_frames("\x88\x04\x03\xE8\xFF\xFE", 6) == 1007); /* close reason not UTF-8 */
    CHECK(fail_of_frames("\x82\x7E\x03\xE9", 4) == 1009);      /* 1001 bytes > max 1000 */
    CHECK(fail_of_frames("\x02\x7E\x01\xF4", 4) == 0);         /* 500: fine so far ... */
    frame(&b, 0, 2, "", 0);
    {
        static unsigned char half[600];
        bytes m = {0, 0, 0};
        frame(&m, 0, 2, half, 500);
        frame(&m, 1, 0, half, 501);                            /* ... but 1001 in all */
        CHECK(fail_code_of(&m, 1000) == 1009);
        free(m.p);
    }
    free(b.p);
}

TEST(parser_close_codes) {
    static const int bad[] = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535};
    static const int good[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char f[4] = {0x88, 2, (unsigned char)(bad[i] >> 8), (unsigned char)bad[i]};
        CHECKF(fail_of_frames((const char *)f, 4) == 1002, "code %d", bad[i]);
    }
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        unsigned char f[4] = {0x88, 2, (unsigned char)(good[i] >> 8), (unsigned char)good[i]};
        wsc__rx rx;
        size_t used;
        wsc__rx_init(&rx, 1000, wsc__slot_mem(0));
        CHECKF(wsc__rx_feed(&rx, f, 4, &used) == WSC__RX_CLOSE && rx.close_code == good[i], "code %d", good[i]);
        wsc__rx_free(&rx);
    }
    {
        wsc__rx rx;
        size_t used;
        wsc__rx_init(&rx, 1000, wsc__slot_mem(0));
        CHECK(wsc__rx_feed(&rx, (const unsigned char *)"\x88\x00", 2, &used) == WSC__RX_CLOSE && rx.close_code == 1005);
        wsc__rx_free(&rx);
    }
}

TEST(parser_fails_utf8_at_the_bad_byte) {
    wsc__rx rx;
    size_t used;
    wsc__rx_init(&rx, 1000, wsc__slot_mem(0));
    /* a 100-byte text frame whose third byte is already wrong */
    CHECK(wsc__rx_feed(&rx, (const unsigned char *)"\x81\x64", 2, &used) == WSC__RX_MORE && used == 2);
    CHECK(wsc__rx_feed(&rx, (const unsigned char *)"a\xC3(", 3, &used) == WSC__RX_ERROR && rx.fail_code == 1007);
    CHECK(wsc__rx_feed(&rx, (const unsigned char *)"zz", 2, &used) == WSC__RX_ERROR && used == 0); /* stays failed */
    wsc__rx_free(&rx);
}

TEST(utf8_validator) {
    static const char *const ok[] = {"", "plain ascii", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF",
                                     "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "\xCE\xBA\xE1\xBD\xB9\xCF\x83"};
    static const char *const bad[] = {"\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
                                      "\xED\xBF\xBF", "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
                                      "\xFE", "\xFF", "\xC2\x41"};
    static const char *const partial[] = {"\xC2", "\xE0\xA0", "\xF0\x90\x80", "ab\xF4"};
    char buf[64];
    size_t i, pos;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
        CHECKF(wsc__utf8_feed(0, (const unsigned char *)ok[i], strlen(ok[i])) == 0, "ok[%lu]", (unsigned long)i);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF(wsc__utf8_feed(0, (const unsigned char *)bad[i], strlen(bad[i])) == WSC__UTF8_REJECT, "bad[%lu]", (unsigned long)i);
    for (i = 0; i < sizeof partial / sizeof partial[0]; i++) {
        unsigned st = wsc__utf8_feed(0, (const unsigned char *)partial[i], strlen(partial[i]));
        CHECKF(st != 0 && st != WSC__UTF8_REJECT, "partial[%lu]", (unsigned long)i);
    }
    /* the word-at-a-time ASCII path: a bad byte at every position */
    for (pos = 0; pos < 41; pos++) {
        memset(buf, 'a', 41);
        buf[pos] = (char)0xFF;
        CHECKF(wsc__utf8_feed(0, (const unsigned char *)buf, 41) == WSC__UTF8_REJECT, "pos %lu", (unsigned long)pos);
    }
    /* a sequence split at every point gives the same answer */
    for (pos = 0; pos <= 4; pos++) {
        const unsigned char *s = (const unsigned char *)"\xF0\x9F\x98\x80";
        unsigned st = wsc__utf8_feed(0, s, pos);
        CHECK(wsc__utf8_feed(st, s + pos, 4 - pos) == 0);
    }
}

TEST(frame_header_and_mask) {
    unsigned char h[14], key[4] = {0x11, 0x22, 0x33, 0x44};
    unsigned char src[120], dst[130], back[130];
    size_t n, i, off;
    CHECK(wsc__frame_header(h, 1, 1, 0, key) == 6 && h[0] == 0x81 && h[1] == 0x80 && memcmp(h + 2, key, 4) == 0);
    CHECK(wsc__frame_header(h, 2, 1, 125, key) == 6 && h[0] == 0x82 && h[1] == (0x80 | 125));
    CHECK(wsc__frame_header(h, 2, 0, 126, key) == 8 && h[0] == 0x02 && h[1] == (0x80 | 126) && h[2] == 0 && h[3] == 126);
    CHECK(wsc__frame_header(h, 1, 1, 65535, key) == 8 && h[2] == 0xFF && h[3] == 0xFF && memcmp(h + 4, key, 4) == 0);
    CHECK(wsc__frame_header(h, 1, 1, 65536, key) == 14 && h[1] == (0x80 | 127) && h[7] == 1 && h[8] == 0 && h[9] == 0);
    CHECK(wsc__frame_header(h, 8, 1, 0x100000000ull, key) == 14 && h[0] == 0x88 && h[5] == 1 && h[6] == 0 &&
          memcmp(h + 10, key, 4) == 0);
    for (i = 0; i < sizeof src; i++) src[i] = (unsigned char)(i * 13 + 1);
    for (n = 0; n <= 100; n++) {
        for (off = 0; off < 4; off++) {
            int same = 1;
            wsc__mask_copy(dst + off, src + (3 - off), n, key);
            for (i = 0; i < n; i++) same &= dst[off + i] == (unsigned char)(src[3 - off + i] ^ key[i & 3]);
            wsc__mask_copy(back, dst + off, n, key);
            CHECKF(same && memcmp(back, src + (3 - off), n) == 0, "n=%lu off=%lu", (unsigned long)n, (unsigned long)off);
        }
    }
}

TEST(handshake_key_and_accept) {
    char out[64], acc[29];
    wsc__base64(out, (const unsigned char *)"", 0);       CHECK(strcmp(out, "") == 0);
    wsc__base64(out, (const unsigned char *)"f", 1);      CHECK(strcmp(out, "Zg==") == 0);
    wsc__base64(out, (const unsigned char *)"fo", 2);     CHECK(strcmp(out, "Zm8=") == 0);
    wsc__base64(out, (const unsigned char *)"foo", 3);    CHECK(strcmp(out, "Zm9v") == 0);
    wsc__base64(out, (const unsigned char *)"foobar", 6); CHECK(strcmp(out, "Zm9vYmFy") == 0);
    wsc__accept_value(acc, "dGhlIHNhbXBsZSBub25jZQ==");   /* RFC 6455 §1.3 */
    CHECK(strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
}

static wsc_result upgrade(const char *extra, const char *status, const char *offered, wsc__upgrade *u) {
    char r[1024];
    snprintf(r, sizeof r, "%s\r\n%s\r\n", status, extra);
    return wsc__parse_upgrade(r, strlen(r), "dGhlIHNhbXBsZSBub25jZQ==", offered, u);
}

#define ACCEPT "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
#define S101 "HTTP/1.1 101 Switching Protocols"

TEST(handshake_answer) {
    wsc__upgrade u;
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n" ACCEPT, S101, NULL, &u) == WSC_OK && u.status == 101);
    CHECK(upgrade("UPGRADE:  WebSocket \r\nconnection: keep-alive, Upgrade\r\n" ACCEPT, S101, NULL, &u) == WSC_OK);
    CHECK(upgrade("", "HTTP/1.1 404 Not Found", NULL, &u) == WSC_ERR_HTTP_STATUS && u.status == 404 && strstr(u.error, "404"));
    CHECK(upgrade("", "HTTP/1.1 200 OK", NULL, &u) == WSC_ERR_HTTP_STATUS);
    CHECK(upgrade("Connection: Upgrade\r\n" ACCEPT, S101, NULL, &u) == WSC_ERR_HANDSHAKE);
    CHECK(upgrade("Upgrade: websocket\r\n" ACCEPT, S101, NULL, &u) == WSC_ERR_HANDSHAKE);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n", S101, NULL, &u) == WSC_ERR_HANDSHAKE);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOX=\r\n", S101, NULL, &u) == WSC_ERR_HANDSHAKE);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n" ACCEPT "Sec-WebSocket-Extensions: permessage-deflate\r\n", S101, NULL, &u) == WSC_ERR_HANDSHAKE);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n" ACCEPT "Sec-WebSocket-Protocol: superchat\r\n", S101, "chat, superchat", &u) == WSC_OK &&
          strcmp(u.protocol, "superchat") == 0);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n" ACCEPT "Sec-WebSocket-Protocol: other\r\n", S101, "chat, superchat", &u) == WSC_ERR_SUBPROTOCOL);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n" ACCEPT "Sec-WebSocket-Protocol: chat\r\n", S101, NULL, &u) == WSC_ERR_SUBPROTOCOL);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n" ACCEPT, S101, "chat", &u) == WSC_ERR_SUBPROTOCOL);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n" ACCEPT "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n", S101, "chat", &u) == WSC_ERR_SUBPROTOCOL);
    CHECK(upgrade("Upgrade: websocket\r\nConnection: Upgrade\r\n" ACCEPT "Sec-WebSocket-Protocol: chat, superchat\r\n", S101, "chat, superchat", &u) == WSC_ERR_SUBPROTOCOL);
    CHECK(upgrade("", "SSH-2.0-OpenSSH_9.2", NULL, &u) == WSC_ERR_HANDSHAKE);
    CHECK(upgrade("", "HTTP/1.1 1O1 x", NULL, &u) == WSC_ERR_HANDSHAKE);
    CHECK(upgrade("no colon here\r\n", S101, NULL, &u) == WSC_ERR_HANDSHAKE);
}

static const char *cred; /* the URL's credentials, decoded */

static int url(const char *text, wsc_config *c) {
    static char store[512];
    memset(c, 0, sizeof *c);
    return wsc__parse_url(text, c, store, sizeof store, &cred);
}

TEST(url_parsing) {
    wsc_config c;
    CHECK(url("ws://host", &c) && !c.tls && strcmp(c.address, "host") == 0 && c.port == 0 && strcmp(c.path, "") == 0);
    CHECK(url("wss://host:8443/path?x=1", &c) && c.tls && c.port == 8443 && strcmp(c.path, "/path?x=1") == 0);
    CHECK(url("ws://[::1]:9001/p", &c) && strcmp(c.address, "::1") == 0 && c.port == 9001 && strcmp(c.path, "/p") == 0);
    CHECK(url("wss://127.0.0.1", &c) && c.tls && strcmp(c.address, "127.0.0.1") == 0);
    CHECK(url("ws://h?q", &c) && strcmp(c.path, "/?q") == 0);
    CHECK(!url("http://x", &c) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "ws://"));
    CHECK(!url("ws://", &c) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!url("ws://h:0", &c));
    CHECK(!url("ws://h:65536", &c));
    CHECK(!url("ws://h:abc", &c));
    CHECK(url("ws://h/p", &c) && !cred);
    CHECK(url("ws://u@h", &c) && strcmp(cred, "u:") == 0 && strcmp(c.address, "h") == 0);
    CHECK(url("ws://u:p%40ss:w@[::1]:9/a@b?c@d", &c) && strcmp(cred, "u:p@ss:w") == 0 && strcmp(c.address, "::1") == 0 &&
          c.port == 9 && strcmp(c.path, "/a@b?c@d") == 0);
    CHECK(url("ws://h?x@y", &c) && !cred && strcmp(c.address, "h") == 0);
    CHECK(url("ws://@h", &c) && !cred);
    CHECK(!url("ws://u:%G0@h", &c) && strstr(wsc_error_info(), "%-escape"));
    CHECK(!url("ws://u@", &c) && strstr(wsc_error_info(), "no host"));
    CHECK(!url("ws://h/p#frag", &c) && strstr(wsc_error_info(), "fragment"));
    CHECK(!url("ws://[::1", &c));
}

TEST(tls_mask) {
    unsigned lo, hi;
    CHECK(wsc__tls_versions(0, &lo, &hi) && lo == BR_TLS10 && hi == BR_TLS12);
    CHECK(wsc__tls_versions(WSC_TLS1_2, &lo, &hi) && lo == BR_TLS12 && hi == BR_TLS12);
    CHECK(wsc__tls_versions(WSC_TLS1 | WSC_TLS1_2, &lo, &hi) && lo == BR_TLS10 && hi == BR_TLS12);
    CHECK(wsc__tls_versions(WSC_TLS1_1 | WSC_TLS1_3, &lo, &hi) && lo == BR_TLS11 && hi == BR_TLS11);
    CHECK(!wsc__tls_versions(WSC_TLS1_3, &lo, &hi) && wsc_error_code() == WSC_ERR_TLS_VERSION);
    CHECK(!wsc__tls_versions(WSC_SSL3, &lo, &hi) && wsc_error_code() == WSC_ERR_TLS_VERSION);
    CHECK(!wsc__tls_versions(WSC_SSL2 | WSC_SSL3 | WSC_TLS1_3, &lo, &hi) && strstr(wsc_error_info(), "TLS 1.3"));
    CHECK(!wsc__tls_versions(0x40, &lo, &hi) && wsc_error_code() == WSC_ERR_ARGUMENT);
}

static void ignore_event(const wsc_event_data *ev) { (void)ev; }

TEST(socket_table_errors) {
    char name[WSCLIENT_MAX_NAME + 2], buf[8];
    int i;
    CHECK(!wsc_write("nope", "x") && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET && strstr(wsc_error_info(), "nope"));
    CHECK(wsc_read("nope", buf, sizeof buf, 0, NULL) == -1 && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
    CHECK(!wsc_close("nope") && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
    CHECK(wsc_protocol("nope") == NULL && !wsc_exist("nope") && !wsc_change_transmission_mode("nope", 1));
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    CHECK(!wsc_connect("", "127.0.0.1", 9, NULL, NULL, 100) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect(name, "127.0.0.1", 9, NULL, NULL, 100) && wsc_error_code() == WSC_ERR_NAME_TOO_LONG);
    CHECK(!wsc_connect("a", NULL, 9, NULL, NULL, 100) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect("a", "", 9, NULL, NULL, 100) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect("a", "127.0.0.1", 70000, NULL, NULL, 100) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect("a", "127.0.0.1", 9, "/a b", NULL, 100) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect("a", "127.0.0.1", 9, "/a\r\nX: y", NULL, 100) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect("a", "127.0.0.1", 9, NULL, "a,,b", 100) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect("a", "127.0.0.1", 9, NULL, "a b", 100) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect("a", "127.0.0.1", 9, NULL, "chat,chat", 100) && strstr(wsc_error_info(), "twice"));
    CHECK(!wsc_connect_ssl("a", "127.0.0.1", 9, NULL, NULL, WSC_TLS1_3, 100) && wsc_error_code() == WSC_ERR_TLS_VERSION);
    CHECK(!wsc_connect_async("a", NULL, "127.0.0.1", 9, NULL, NULL) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(wsc_count() == 0);
    /* asynchronous sockets wait for wsc_pump: fill the table without I/O */
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++) {
        char n[16];
        snprintf(n, sizeof n, "s%d", i);
        CHECKF(wsc_connect_async(n, ignore_event, "127.0.0.1", 9, NULL, NULL), "%s: %s", n, wsc_error_info());
    }
    CHECK(wsc_count() == WSCLIENT_MAX_SOCKETS && wsc_exist("s0"));
    CHECK(!wsc_connect_async("more", ignore_event, "127.0.0.1", 9, NULL, NULL) && wsc_error_code() == WSC_ERR_TABLE_FULL &&
          strstr(wsc_error_info(), "WSCLIENT_MAX_SOCKETS"));
    CHECK(!wsc_connect_async("s1", ignore_event, "127.0.0.1", 9, NULL, NULL) && wsc_error_code() == WSC_ERR_NAME_IN_USE);
    CHECK(wsc_read("s1", buf, sizeof buf, 0, NULL) == -1 && wsc_error_code() == WSC_ERR_STATE);
    CHECK(!wsc_write("s1", "x") && wsc_error_code() == WSC_ERR_NOT_OPEN);
    CHECK(wsc_change_transmission_mode("s1", 2));
    CHECK(wsc_close("s1") && !wsc_exist("s1") && wsc_count() == WSCLIENT_MAX_SOCKETS - 1);
    wsc_close_all();
    CHECK(wsc_count() == 0 && !wsc_exist("s0"));
}

/* Our IP literal parser (no inet_pton, for builds without sockets) agrees
   with the system's on every form and every near miss. */
TEST(ip_literals_match_inet_pton) {
    static const char *const v4[] = {"127.0.0.1", "0.0.0.0", "255.255.255.255", "1.2.3", "1.2.3.4.5", "256.1.1.1",
                                     "01.2.3.4", "1..2.3", "1.2.3.4 ", "", "a.b.c.d", "1.2.3.-4", "1.2.3.4."};
    static const char *const v6[] = {"::1", "::", "1::", "::ffff:1.2.3.4", "2001:db8::8a2e:370:7334",
                                     "2001:0db8:0000:0000:0000:ff00:0042:8329", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
                                     "1::2::3", ":1", "1:", "12345::", "::g", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
                                     "::1.2.3", "fe80::1%eth0", ":::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "localhost",
                                     "[::1]", "0:0:0:0:0:0:0:0", "::FFFF:10.0.0.1", "1:2:3:4:5:6:7:8::"};
    size_t i;
    for (i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
        unsigned char a[16], b[16];
        int ours = wsc__parse_ipv4(v4[i], strlen(v4[i]), a), sys = inet_pton(AF_INET, v4[i], b) == 1;
        CHECKF(ours == sys && (!ours || memcmp(a, b, 4) == 0), "'%s': ours %d, inet_pton %d", v4[i], ours, sys);
    }
    for (i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
        unsigned char a[16], b[16];
        int ours = wsc__parse_ipv6(v6[i], a), sys = inet_pton(AF_INET6, v6[i], b) == 1;
        CHECKF(ours == sys && (!ours || memcmp(a, b, 16) == 0), "'%s': ours %d, inet_pton %d", v6[i], ours, sys);
    }
}

#ifndef WSCLIENT_SMALL
/* Masking keys (RFC 6455 §5.3: fresh and unpredictable for each frame)
   come from AES-256-CTR where the CPU has AES-NI, else ChaCha20, each
   keyed anew from its own output at every refill: on both, the bytes spread
   evenly over 0..255, and no refill's 256 bytes repeat another's (a key
   that did not move on would give the same block each time). */
static int block_cmp(const void *a, const void *b) { return memcmp(a, b, 256); }

TEST(masking_keys_fresh_on_either_cipher) {
    static unsigned char blocks[1000][256];
    int path;
    wsc__g.keys_left = 0;
    for (path = 0; path < 2; path++) {
        long hist[256] = {0}, dup = 0;
        double chi2 = 0;
        int r, k, i, made = 1;
        if (path == 1) { /* ChaCha20, as without AES-NI */
            wsc__g.mask_aes = NULL;
            wsc__g.mask_cpu_asked = 1;
            wsc__g.keys_left = 0;
        }
        for (r = 0; r < 1000; r++)
            for (k = 0; k < 64; k++) {
                unsigned char key[4] = {0};
                made &= wsc__mask_key(key);
                memcpy(blocks[r] + 4 * k, key, 4);
                for (i = 0; i < 4; i++) hist[key[i]]++;
            }
        CHECK(made);
        if (path == 0) printf("  %s\n", wsc__g.mask_aes ? "AES-NI: AES-256-CTR" : "no AES-NI: ChaCha20 both times");
        for (i = 0; i < 256; i++) chi2 += (double)(hist[i] - 1000) * (double)(hist[i] - 1000) / 1000.0;
        qsort(blocks, 1000, 256, block_cmp);
        for (r = 1; r < 1000; r++) dup += memcmp(blocks[r - 1], blocks[r], 256) == 0;
        /* 255 degrees of freedom: mean 255, deviation 23; 400 is six deviations out */
        CHECKF(chi2 < 400 && dup == 0, "%s: chi-square %.0f over 256 byte values, %ld repeated refills",
               path ? "ChaCha20" : "first choice", chi2, dup);
    }
    wsc__g.mask_cpu_asked = 0; /* the next refill asks again */
}
#endif

/* A socket's out hands its front to the transport and moves what is left
   to the start now and then (wsc__buf_reserve): as soon as a record went
   and a short rest waits, and before it grows. The rest must move intact,
   and a buffer whose every byte went starts again at 0. */
TEST(out_moved_to_the_front_keeps_its_bytes) {
    wsc__mem mem;
    wsc__buf b;
    size_t i, cap;
    int same = 1;
    memset(&mem, 0, sizeof mem);
    wsc__buf_init(&b, &mem);
    CHECK(wsc__buf_reserve(&b, 4096));
    for (i = 0; i < 4096; i++) b.data[i] = (wsc__u8)(i * 7);
    b.len = 4096;
    b.off = 4000; /* a record's worth went, 96 bytes wait */
    CHECK(wsc__buf_reserve(&b, 100) && b.off == 0 && wsc__buf_pending(&b) == 96);
    for (i = 0; i < 96; i++) same &= b.data[b.off + i] == (wsc__u8)((4000 + i) * 7);
    CHECKF(same && b.len == 96, "the 96 bytes moved to the front, intact (off %lu, len %lu)", (unsigned long)b.off, (unsigned long)b.len);
    cap = b.cap; /* full, half of it gone: moved to the front, then grown */
    for (i = b.len; i < cap; i++) b.data[i] = (wsc__u8)(i * 3);
    b.len = cap;
    b.off = cap / 2;
    CHECK(wsc__buf_reserve(&b, cap) && b.off == 0 && wsc__buf_pending(&b) == cap / 2);
    for (i = 0, same = 1; i < cap / 2; i++) same &= b.data[b.off + i] == (wsc__u8)((cap / 2 + i) * 3);
    CHECK(same);
    b.off = b.len; /* all of it went */
    CHECK(wsc__buf_reserve(&b, 1) && b.off == 0 && b.len == 0);
    wsc__buf_free(&b);
}

int main(void) {
    RUN(parser_any_split_same_result);
    RUN(parser_rejects_rfc_violations);
    RUN(parser_close_codes);
    RUN(parser_fails_utf8_at_the_bad_byte);
    RUN(utf8_validator);
    RUN(frame_header_and_mask);
    RUN(out_moved_to_the_front_keeps_its_bytes);
    RUN(handshake_key_and_accept);
    RUN(handshake_answer);
    RUN(url_parsing);
    RUN(tls_mask);
    RUN(socket_table_errors);
    RUN(ip_literals_match_inet_pton);
#ifndef WSCLIENT_SMALL
    RUN(masking_keys_fresh_on_either_cipher);
#endif
    return test_summary("test_framing");
}

/* upgrade.c - libFuzzer target: the HTTP answer to the opening handshake
   (wsc__parse_upgrade, RFC 6455 §4.1).

   Input: byte 0 holds flags: bit 0, a Sec-WebSocket-Key comes next (else
   the RFC's sample key, whose accept value the seeds carry); bit 1, a list
   of offered subprotocols comes next (else none, NULL); bit 2, the offered
   list goes through wsc__set_protocols first, as the engine does. Each of
   those fields ends at a NUL byte. The rest is the answer, in a buffer of
   exactly its size.

   Checks: the error text is set on failure and is a C string within its
   buffer; an HTTP status error carries a status other than 101; an answer
   that is accepted really is a 101 with Upgrade, Connection and the right
   Sec-WebSocket-Accept, no extension, and a chosen subprotocol that is,
   byte for byte, the value of the server's one Sec-WebSocket-Protocol
   header and one of the offered names (checked here by a separate walk). */
#include "fuzz.h"

#define UPGRADE_SAMPLE_KEY "dGhlIHNhbXBsZSBub25jZQ=="

static int upgrade_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int upgrade_ieq(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        if (upgrade_lower((unsigned char)a[i]) != upgrade_lower((unsigned char)b[i])) return 0;
    return 1;
}

static int upgrade_name_is(const char *s, size_t n, const char *name) {
    return strlen(name) == n && upgrade_ieq(s, name, n);
}

/* Is w (n bytes) one of the comma-separated, blank-trimmed items of list? */
static int upgrade_in_list(const char *list, size_t ln, const char *w, size_t n, int nocase) {
    size_t i = 0;
    while (i <= ln) {
        size_t s = i, e;
        while (i < ln && list[i] != ',') i++;
        e = i;
        while (s < e && (list[s] == ' ' || list[s] == '\t')) s++;
        while (e > s && (list[e - 1] == ' ' || list[e - 1] == '\t')) e--;
        if (n > 0 && e - s == n && (nocase ? upgrade_ieq(list + s, w, n) : memcmp(list + s, w, n) == 0)) return 1;
        i++;
    }
    return 0;
}

/* base64(SHA-1(key + GUID)), computed here with BearSSL directly. */
static void upgrade_accept(const char *key, char out[29]) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    br_sha1_context sha;
    unsigned char d[21];
    int i;
    br_sha1_init(&sha);
    br_sha1_update(&sha, key, strlen(key));
    br_sha1_update(&sha, guid, strlen(guid));
    br_sha1_out(&sha, d);
    d[20] = 0;
    for (i = 0; i < 7; i++) {
        unsigned long v = ((unsigned long)d[3 * i] << 16) | ((unsigned long)d[3 * i + 1] << 8) | d[3 * i + 2];
        out[4 * i] = tab[(v >> 18) & 63];
        out[4 * i + 1] = tab[(v >> 12) & 63];
        out[4 * i + 2] = tab[(v >> 6) & 63];
        out[4 * i + 3] = tab[v & 63];
    }
    out[27] = '=';
    out[28] = 0;
}

/* An accepted answer, walked again line by line up to the blank line. */
static void upgrade_check_accepted(const char *r, size_t n, const char *key, const char *offered, const wsc__upgrade *u) {
    char expect[29];
    size_t i, s;
    int upgrade = 0, connection = 0, accept = 0, protocols = 0, blank = 0;
    upgrade_accept(key, expect);
    FUZZ_CHECK(u->status == 101);
    FUZZ_CHECK(n >= 12 && memcmp(r, "HTTP/1.", 7) == 0 && memcmp(r + 8, " 101", 4) == 0);
    for (i = 0; i + 1 < n && !(r[i] == '\r' && r[i + 1] == '\n'); i++) {}
    i += 2;
    while (i < n) {
        size_t colon, vs, ve;
        s = i;
        for (; i + 1 < n && !(r[i] == '\r' && r[i + 1] == '\n'); i++) FUZZ_CHECK(r[i] != '\r');
        FUZZ_CHECK(i + 1 < n); /* every line ends with CRLF */
        if (i + 1 >= n) return;
        if (i == s) { blank = 1; break; }
        for (colon = s; colon < i && r[colon] != ':'; colon++) {}
        FUZZ_CHECK(colon > s && colon < i);
        vs = colon + 1;
        ve = i;
        while (vs < ve && (r[vs] == ' ' || r[vs] == '\t')) vs++;
        while (ve > vs && (r[ve - 1] == ' ' || r[ve - 1] == '\t')) ve--;
        if (upgrade_name_is(r + s, colon - s, "Upgrade"))
            upgrade |= upgrade_in_list(r + vs, ve - vs, "websocket", 9, 1);
        else if (upgrade_name_is(r + s, colon - s, "Connection"))
            connection |= upgrade_in_list(r + vs, ve - vs, "upgrade", 7, 1);
        else if (upgrade_name_is(r + s, colon - s, "Sec-WebSocket-Accept")) {
            FUZZ_CHECK(ve - vs == 28 && memcmp(r + vs, expect, 28) == 0);
            accept++;
        } else if (upgrade_name_is(r + s, colon - s, "Sec-WebSocket-Extensions")) {
            FUZZ_CHECK(ve == vs);
        } else if (upgrade_name_is(r + s, colon - s, "Sec-WebSocket-Protocol")) {
            protocols++;
            /* the whole value, every byte of it, is what was chosen */
            FUZZ_CHECK(offered != NULL);
            FUZZ_CHECK(ve - vs == strlen(u->protocol) && memcmp(r + vs, u->protocol, ve - vs) == 0);
            if (offered) FUZZ_CHECK(upgrade_in_list(offered, strlen(offered), r + vs, ve - vs, 0));
        }
        i += 2;
    }
    FUZZ_CHECK(blank);
    FUZZ_CHECK(upgrade && connection && accept == 1 && protocols <= 1);
    if (offered && offered[0]) FUZZ_CHECK(protocols == 1 && u->protocol[0] != 0);
    if (!protocols) FUZZ_CHECK(u->protocol[0] == 0);
}

FUZZ_ENTRY(fuzz_upgrade) {
    fuzz_in in = {data, size, 0};
    unsigned flags = fuzz_u8(&in);
    char *key = (flags & 1) ? fuzz_str(&in) : NULL;
    char *offered = (flags & 2) ? fuzz_str(&in) : NULL;
    const char *use_key = key ? key : UPGRADE_SAMPLE_KEY;
    const char *use_offered = offered;
    wsc__socket sock;
    size_t n;
    uint8_t *answer = fuzz_rest(&in, &n);
    wsc__upgrade u;
    wsc_result rc;

    memset(&sock, 0, sizeof sock);
    sock.mem = &fuzz_mem;
    if (offered && (flags & 4)) {
        /* the engine's path: validated and stored as "a, b" */
        if (wsc__set_protocols(&sock, offered)) use_offered = sock.offered;
        else use_offered = NULL;
    }
    memset(&u, 0x5A, sizeof u); /* the parser must set what it reports */
    rc = wsc__parse_upgrade((const char *)answer, n, use_key, use_offered, &u);
    FUZZ_CHECK(memchr(u.error, 0, sizeof u.error) != NULL);
    FUZZ_CHECK(memchr(u.protocol, 0, sizeof u.protocol) != NULL);
    switch (rc) {
    case WSC_OK:
        FUZZ_CHECK(u.error[0] == 0);
        upgrade_check_accepted((const char *)answer, n, use_key, use_offered, &u);
        break;
    case WSC_ERR_HTTP_STATUS:
        FUZZ_CHECK(u.status != 101 && u.status >= 0 && u.status <= 999 && u.error[0] != 0);
        break;
    case WSC_ERR_HANDSHAKE: case WSC_ERR_SUBPROTOCOL:
        FUZZ_CHECK(u.error[0] != 0);
        break;
    default:
        FUZZ_CHECK(!"unexpected result");
    }
    free(sock.offered);
    free(answer);
    free(key);
    free(offered);
    return 0;
}

/* options.c - libFuzzer target: URL and option parsing (wsc__parse_url,
   wsc__set_protocols, wsc__tls_versions, the IP literal parser, the key
   pins, and every check wsc_open makes before it touches the network).

   Input: two flag bytes, a 32-bit port, a 32-bit SSL mask, a 16-bit TLS
   fragment size, a byte giving the size of a small URL store, then
   NUL-separated text fields: socket name, url, address, path, protocols,
   server_name, pinned_keys; the rest is ca_pem.

   wsc_open is called with a callback, so the socket only enters the table:
   an asynchronous socket does nothing until wsc_pump, and wsc_close of a
   socket still resolving frees it without any I/O. ca_pem, or a CA file
   that does not exist, keeps the system bundle from being read each run.

   Checks: wsc_open fails with an error set, or succeeds with the socket in
   the table, and wsc_close frees it; the table is empty after each run; a
   parsed URL has a non-empty host, a port in range and a path that starts
   with '/' or is empty; credentials from the URL are "user:password" with
   no control character (and the first ':' the user name's end); parsing into a store of any size either fails or
   gives the same fields as into a large one (ASan watches the store's end);
   wsc__set_protocols takes a protocol list exactly when it is empty or made
   of distinct non-empty tokens split by commas with blanks around them
   (checked by a split of our own here), and keeps it as given; the TLS mask
   maps to a range exactly when it names TLS 1.0 to 1.2; wsc__parse_ip
   agrees with the C library's inet_pton; a pin that decodes encodes back
   to the same text. */
#include "fuzz.h"

#include <arpa/inet.h>

static void options_event(const wsc_event_data *ev) {
    (void)ev;
    FUZZ_CHECK(!"no event may come: wsc_pump is never called");
}

static void options_check_url(const char *url, size_t cap) {
    wsc_config big, small;
    char big_store[4096], *store = (char *)malloc(cap ? cap : 1);
    const char *big_cred, *small_cred, *p;
    int ok_big, ok_small;
    if (!store) abort();
    memset(&big, 0, sizeof big);
    memset(&small, 0, sizeof small);
    ok_big = wsc__parse_url(url, &big, big_store, sizeof big_store, &big_cred);
    if (!ok_big) FUZZ_CHECK(wsc_error_code() == WSC_ERR_ARGUMENT && wsc_error_info()[0] != 0);
    if (ok_big) {
        FUZZ_CHECK(big.address && big.address[0] != 0);
        FUZZ_CHECK(big.port >= 0 && big.port <= 65535);
        FUZZ_CHECK(big.path && (big.path[0] == 0 || big.path[0] == '/'));
        FUZZ_CHECK(strchr(big.path, '#') == NULL);
        FUZZ_CHECK(big.tls == 0 || big.tls == 1);
        FUZZ_CHECK(big.address + strlen(big.address) < big.path); /* host, then path, in the store */
        FUZZ_CHECK(!big_cred || strchr(big_cred, ':'));
        for (p = big_cred; p && *p; p++) FUZZ_CHECK((unsigned char)*p >= 32 && *p != 127);
    }
    ok_small = wsc__parse_url(url, &small, store, cap, &small_cred);
    if (ok_small) {
        FUZZ_CHECK(ok_big);
        if (ok_big) {
            FUZZ_CHECK(strcmp(small.address, big.address) == 0 && strcmp(small.path, big.path) == 0);
            FUZZ_CHECK(small.port == big.port && small.tls == big.tls);
            FUZZ_CHECK(!small_cred == !big_cred && (!small_cred || strcmp(small_cred, big_cred) == 0));
            FUZZ_CHECK((size_t)(small.path + strlen(small.path) - store) < cap);
        }
    }
    free(store);
}

/* The rule, written apart from the library's: "" or tokens, each once. */
static int options_protocols_valid(const char *list) {
    size_t n = strlen(list), i = 0, k, names = 0, st[64], len[64];
    if (n == 0) return 1;
    for (;;) {
        size_t s, e;
        while (i < n && (list[i] == ' ' || list[i] == '\t')) i++;
        s = i;
        while (i < n && list[i] != ',') i++;
        e = i;
        while (e > s && (list[e - 1] == ' ' || list[e - 1] == '\t')) e--;
        if (e == s) return 0;
        for (k = s; k < e; k++)
            if (!wsc__is_tchar((unsigned char)list[k])) return 0;
        for (k = 0; k < names; k++)
            if (len[k] == e - s && memcmp(list + st[k], list + s, e - s) == 0) return 0;
        if (names < 64) { st[names] = s; len[names++] = e - s; }
        if (i == n) return 1;
        i++;
    }
}

static void options_check_protocols(const char *list) {
    wsc__socket a;
    int ok;
    memset(&a, 0, sizeof a);
    a.mem = &fuzz_mem;
    ok = wsc__set_protocols(&a, list);
    if (strlen(list) < 64 * 2) FUZZ_CHECK(ok == options_protocols_valid(list)); /* the split above keeps 64 names */
    if (!ok) {
        FUZZ_CHECK(a.offered == NULL && wsc_error_code() == WSC_ERR_ARGUMENT);
        return;
    }
    FUZZ_CHECK(list[0] ? a.offered && strcmp(a.offered, list) == 0 : a.offered == NULL);
    free(a.offered);
}

static void options_check_mask(unsigned mask) {
    unsigned lo = 99, hi = 99, m = mask ? mask : WSC_TLS_DEFAULT;
    int known = (m & ~0x3Fu) == 0, usable = (m & (WSC_TLS1 | WSC_TLS1_1 | WSC_TLS1_2)) != 0;
    int ok = wsc__tls_versions(mask, &lo, &hi);
    FUZZ_CHECK(ok == (known && usable));
    if (ok) {
        FUZZ_CHECK(lo >= BR_TLS10 && lo <= hi && hi <= BR_TLS12);
        FUZZ_CHECK(((m & WSC_TLS1) != 0) == (lo == BR_TLS10));
        FUZZ_CHECK(((m & WSC_TLS1_2) != 0) == (hi == BR_TLS12));
    } else {
        FUZZ_CHECK(wsc_error_code() == (known ? WSC_ERR_TLS_VERSION : WSC_ERR_ARGUMENT));
    }
}

/* The library's own IP literal parser against the C library's. */
static void options_check_ip(const char *host) {
    unsigned char ours[16], libc[16];
    size_t n;
    memset(ours, 0xAA, sizeof ours);
    n = wsc__parse_ip(host, ours);
    if (inet_pton(AF_INET, host, libc) == 1) FUZZ_CHECK(n == 4 && memcmp(ours, libc, 4) == 0);
    else if (inet_pton(AF_INET6, host, libc) == 1) FUZZ_CHECK(n == 16 && memcmp(ours, libc, 16) == 0);
    else FUZZ_CHECK(n == 0);
}

/* Each pin of the list (split as wsc__tls_pins does) that decodes must be
   the base64 of what it decoded to, in the one canonical spelling. */
static void options_check_pins(const char *pins) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = pins;
    while (*p) {
        size_t len = 0, i, skip = 0;
        unsigned char out[32];
        char enc[45];
        if (wsc__pin_sep(*p)) { p++; continue; }
        while (p[len] && !wsc__pin_sep(p[len])) len++;
        if (wsc__pin_decode(p, len, out)) {
            for (i = 0; i < 11; i++) {
                unsigned long v = (unsigned long)out[3 * i] << 16;
                if (3 * i + 1 < 32) v |= (unsigned long)out[3 * i + 1] << 8;
                if (3 * i + 2 < 32) v |= out[3 * i + 2];
                enc[4 * i] = tab[(v >> 18) & 63];
                enc[4 * i + 1] = tab[(v >> 12) & 63];
                enc[4 * i + 2] = tab[(v >> 6) & 63];
                enc[4 * i + 3] = tab[v & 63];
            }
            enc[43] = '=';
            enc[44] = 0;
            if (len >= 8 && (p[0] == 's' || p[0] == 'S') && strncmp(p + 1, "ha256//", 7) == 0) skip = 8;
            FUZZ_CHECK(len - skip == 43 || len - skip == 44);
            FUZZ_CHECK(memcmp(p + skip, enc, len - skip) == 0);
        }
        p += len;
    }
}

FUZZ_ENTRY(fuzz_options) {
    fuzz_in in = {data, size, 0};
    unsigned flags = fuzz_u8(&in), flags2 = fuzz_u8(&in);
    int32_t port = (int32_t)fuzz_u32(&in);
    uint32_t mask = fuzz_u32(&in);
    unsigned frag = fuzz_u16(&in);
    size_t cap = fuzz_u8(&in), pem_len;
    char *name = fuzz_str(&in), *url = fuzz_str(&in), *address = fuzz_str(&in), *path = fuzz_str(&in);
    char *protocols = fuzz_str(&in), *server_name = fuzz_str(&in), *pins = fuzz_str(&in);
    uint8_t *pem = fuzz_rest(&in, &pem_len), *pem_z;
    wsc_config cfg;
    int ok;

    options_check_url(url, cap);
    options_check_protocols(protocols);
    options_check_mask(mask);
    options_check_ip(address);
    options_check_ip(server_name);
    options_check_pins(pins);

    /* ca_pem as a C string (ca_pem_len 0) or with its length */
    pem_z = (uint8_t *)malloc(pem_len + 1);
    if (!pem_z) abort();
    memcpy(pem_z, pem, pem_len);
    pem_z[pem_len] = 0;

    memset(&cfg, 0, sizeof cfg);
    cfg.url = (flags & 1) ? url : NULL;
    cfg.address = (flags & 2) ? NULL : address;
    cfg.port = (int)port;
    cfg.path = (flags & 4) ? NULL : path;
    cfg.tls = (flags & 8) != 0;
    cfg.protocols = (flags & 16) ? protocols : NULL;
    cfg.ssl_options = mask;
    cfg.timeout_ms = (flags2 & 2) ? -1 : 1;
    cfg.write_timeout_ms = (flags2 & 4) ? -5 : 0;
    cfg.close_timeout_ms = (flags2 & 8) ? -5 : 0;
    cfg.callback = options_event;
    cfg.server_name = (flags & 32) ? server_name : NULL;
    cfg.dangerous_no_certificate_check = (flags & 64) != 0;
    if (flags & 128) {
        cfg.ca_pem = (const char *)pem_z; /* never NULL: "" is not the system bundle */
        cfg.ca_pem_len = (flags2 & 1) ? 0 : pem_len;
    } else {
        cfg.ca_file = "/nonexistent/wsclient-fuzz-ca.pem";
    }
    cfg.pinned_keys = (flags2 & 16) ? pins : NULL;
    cfg.pin_only = (flags2 & 32) != 0;
    cfg.tls_max_fragment = frag;
    cfg.tls_half_duplex = (flags2 & 64) != 0;
    cfg.tls_no_resume = (flags2 & 128) != 0;

    FUZZ_CHECK(wsc_count() == 0);
    ok = wsc_open(name, &cfg);
    if (ok) {
        const char *proto = wsc_protocol(name);
        FUZZ_CHECK(wsc_error_code() == WSC_OK);
        FUZZ_CHECK(name[0] != 0 && strlen(name) <= WSCLIENT_MAX_NAME);
        FUZZ_CHECK(wsc_exist(name) && wsc_count() == 1);
        FUZZ_CHECK(proto && proto[0] == 0);
        FUZZ_CHECK(wsc_close(name) == 1);
    } else {
        FUZZ_CHECK(wsc_error_code() != WSC_OK && wsc_error_info()[0] != 0);
        FUZZ_CHECK(!wsc_exist(name));
    }
    FUZZ_CHECK(wsc_count() == 0);
    if (wsc_count()) wsc_close_all();

    free(pem_z);
    free(pem);
    free(name); free(url); free(address); free(path); free(protocols); free(server_name); free(pins);
    return 0;
}

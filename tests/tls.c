/* tls.c - the TLS of a connect, against real TLS servers on loopback:
   tests/tls_server.py (Python's ssl, that is OpenSSL 3, one listener per TLS
   version and per certificate case) and tests/ws_server.py (python3-websockets
   over OpenSSL), both started by tests/run.sh, with certificates made at test
   time by tests/mkcerts.sh.

   Covered: the version mask against servers restricted to one version each,
   the negotiated version and cipher, every trust source (system bundle via
   SSL_CERT_FILE / SSL_CERT_DIR, CA file and directory, PEM in memory,
   compiled-in anchors made by tools/pem2c), pinning, the insecure mode, each
   certificate failure by name, the clock hook, the memory modes (with the RAM
   each one holds, printed), session resumption as the server sees it, and the
   TLS shutdown both ways.

   Built twice: with BearSSL (test_tls) and with the OpenSSL 3 backend
   (-DWSCLIENT_TLS_OPENSSL, test_tls_openssl), which adds TLS 1.3 and has
   no half duplex: the same
   checks and words, its own expectations under #ifdef WSCLIENT_TLS_OPENSSL.
   Its errors end in another trailer than "(BearSSL error N)", so checks
   that name the BearSSL number do so through BR_ERROR(N) only. */
#include <stddef.h>

#ifndef WSCLIENT_NO_HEAP
/* A counting allocator: the RAM a socket holds in each memory mode. */
static void *count_malloc(size_t n);
static void *count_realloc(void *p, size_t n);
static void count_free(void *p);
#define WSCLIENT_MALLOC(size, user) ((void)(user), count_malloc(size))
#define WSCLIENT_REALLOC(ptr, size, user) ((void)(user), count_realloc(ptr, size))
#define WSCLIENT_FREE(ptr, user) ((void)(user), count_free(ptr))
#endif

#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <utime.h>

#include "test_anchors.c" /* made by build/pem2c from build/certs/ca.pem (Makefile) */
#ifdef WSCLIENT_TLS_OPENSSL
#include <openssl/pem.h>
#endif

#ifdef WSCLIENT_TLS_OPENSSL
#define BR_ERROR(n) NULL /* the words before the trailer are what count */
#else
#define BR_ERROR(n) "BearSSL error " #n
#endif

#ifndef WSCLIENT_NO_HEAP
static size_t heap_live, heap_peak;
static size_t heap_limit = (size_t)-1; /* allocations past it fail */

#define COUNT_HEAD 16 /* keeps the block size; a multiple of max_align_t on the usual targets */

static void *count_malloc(size_t n) {
    unsigned char *p = heap_live + n > heap_limit ? NULL : (unsigned char *)malloc(n + COUNT_HEAD);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    heap_live += n;
    if (heap_live > heap_peak) heap_peak = heap_live;
    return p + COUNT_HEAD;
}

static void count_free(void *q) {
    size_t n;
    unsigned char *p = (unsigned char *)q;
    if (!p) return;
    memcpy(&n, p - COUNT_HEAD, sizeof n);
    heap_live -= n;
    free(p - COUNT_HEAD);
}

static void *count_realloc(void *q, size_t n) {
    unsigned char *p;
    size_t old = 0;
    if (!q) return count_malloc(n);
    memcpy(&old, (unsigned char *)q - COUNT_HEAD, sizeof old);
    if (heap_live - old + n > heap_limit) return NULL;
    p = (unsigned char *)realloc((unsigned char *)q - COUNT_HEAD, n + COUNT_HEAD);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    heap_live = heap_live - old + n;
    if (heap_live > heap_peak) heap_peak = heap_live;
    return p + COUNT_HEAD;
}
#endif

static int ws_tls_port; /* tests/ws_server.py over TLS (python3-websockets) */

/* A file's first line (a pin made by mkcerts.sh), without the newline. */
static const char *read_line(const char *file, char *out, size_t cap) {
    FILE *f = fopen(cert(file), "r");
    out[0] = 0;
    if (f) {
        if (fgets(out, (int)cap, f)) out[strcspn(out, "\r\n")] = 0;
        fclose(f);
    }
    return out;
}

static wsc_config tls_cfg(const char *host, int port, const char *path) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = host;
    c.port = port;
    c.path = path;
    c.tls = 1;
    c.timeout_ms = 5000;
    c.ca_file = cert("ca.pem");
    return c;
}

/* tls_cfg for a listener of tls_server.py by name, with an SSL option mask. */
static wsc_config tls_cfg_on(const char *server, unsigned mask, const char *path) {
    wsc_config c = tls_cfg("localhost", tls_port(server), path);
    c.ssl_options = mask;
    return c;
}

/* The first message of socket name, NUL-terminated into buf. */
static int first_message(const char *name, char *buf, size_t cap) {
    long n = wsc_read(name, buf, cap, 5000, NULL);
    if (n < 0) { printf("  read on %s: %s\n", name, wsc_error_info()); buf[0] = 0; }
    return n >= 0;
}

/* ---- the version mask, against one server per TLS version ---- */

/* What a mask against a server of one version must give: a connection
   (code WSC_OK), or a failure with code (or alt, when not 0) and words. */
typedef struct { wsc_result code; const char *words; } mask_want;

static const char *version_text(unsigned v) {
    static const char *const names[4] = {"TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"};
    return names[v - 0x0301u];
}

/* The versions a mask allows, one bit per version from TLS 1.0 (bit 0) to
   TLS 1.3 (bit 3), and the lowest and highest of them (0 when none). */
static unsigned mask_versions(unsigned mask, unsigned *lo, unsigned *hi) {
    static const unsigned bits[4] = {WSC_TLS1, WSC_TLS1_1, WSC_TLS1_2, WSC_TLS1_3};
    unsigned set = 0, i, n = 3; /* BearSSL: TLS 1.0 to 1.2 */
#ifdef WSCLIENT_TLS_OPENSSL
    n = 4;
#endif
    if (mask == 0) mask = WSC_TLS_DEFAULT;
    *lo = *hi = 0;
    for (i = 0; i < n; i++)
        if (mask & bits[i]) {
            set |= 1u << i;
            if (!*lo) *lo = 0x0301u + i;
            *hi = 0x0301u + i;
        }
    return set;
}

/* Holes are exact on both backends: a version between the lowest and the
   highest that the mask leaves out fails after the handshake, by name. */
static mask_want mask_expect(unsigned mask, unsigned version) {
    static char hole[96];
    mask_want w = {WSC_OK, NULL};
    unsigned lo, hi, set = mask_versions(mask, &lo, &hi);
#ifdef WSCLIENT_TLS_OPENSSL
    if (!set) { w.code = WSC_ERR_TLS_VERSION; w.words = "allows no TLS version"; }
    /* offering TLS 1.3 (supported_versions) lets the server refuse a low
       mask itself; below that the client refuses the server's choice */
    else if (version > hi || (version < lo && hi == 0x0304)) { w.code = WSC_ERR_TLS; w.words = "alert 70 (protocol_version)"; }
#else
    if (!set) { w.code = WSC_ERR_TLS_VERSION; w.words = "allows no version BearSSL implements"; }
    else if (version == 0x0304) { w.code = WSC_ERR_TLS; w.words = "BearSSL has no TLS 1.3"; }
    else if (version > hi) { w.code = WSC_ERR_TLS; w.words = "alert 70 (protocol_version)"; }
#endif
    else if (version < lo) { w.code = WSC_ERR_TLS; w.words = "outside the mask"; }
    else if (!(set & (1u << (version - 0x0301u)))) {
        snprintf(hole, sizeof hole, "server chose %s, which the SSL option mask 0x%x leaves out", version_text(version), mask);
        w.code = WSC_ERR_TLS_VERSION;
        w.words = hole;
    }
    return w;
}

/* Connects with mask to the server of one version: 1 when it went as wanted. */
static int mask_as_wanted(const char *server, unsigned version, unsigned mask) {
    wsc_config c = tls_cfg("localhost", tls_port(server), "/");
    wsc_tls_info info;
    mask_want w = mask_expect(mask, version);
    int ok;
    c.ssl_options = mask;
    c.tls_no_resume = 1;
    ok = wsc_open("v", &c);
    if (ok) {
        ok = w.code == WSC_OK && wsc_tls_get_info("v", &info) && info.version == version &&
             strcmp(info.version_name, version_text(version)) == 0 && strcmp(info.cipher_name, "unknown") != 0;
        wsc_close("v");
    } else {
        ok = w.code != WSC_OK && wsc_error_code() == w.code && strstr(wsc_error_info(), w.words) != NULL;
    }
    if (!ok)
        printf("  mask 0x%02x against %s: %s (wanted %s)\n", mask, server, wsc_error_code() ? wsc_error_info() : "connected",
               w.words ? w.words : "a connection");
    return ok;
}

TEST(every_mask_against_every_version) {
    static const char *const names[4] = {"V10", "V11", "V12", "V13"};
    static const unsigned versions[4] = {0x0301, 0x0302, 0x0303, 0x0304};
    int v, bad = 0;
    unsigned mask;
    for (v = 0; v < 4; v++)
        for (mask = 0; mask < 64; mask++) {
            int ok = mask_as_wanted(names[v], versions[v], mask);
            bad += !ok;
            CHECK(ok);
        }
    CHECKF(bad == 0, "%d of 256 combinations wrong", bad);
}

/* The issue's own example: TLS 1.0 and 1.2 but not 1.1. */
TEST(mask_holes_are_exact) {
    unsigned mask = WSC_TLS1 | WSC_TLS1_2;
    wsc_config c = tls_cfg("localhost", tls_port("V11"), "/");
    CHECK(mask_as_wanted("V10", 0x0301, mask));
    CHECK(mask_as_wanted("V12", 0x0303, mask));
    c.ssl_options = mask;
    c.tls_no_resume = 1;
    CHECK(fails_with(&c, WSC_ERR_TLS_VERSION, "TLS failed: the server chose TLS 1.1, which the SSL option mask 0x14 leaves out", NULL));
#ifdef WSCLIENT_TLS_OPENSSL
    /* with TLS 1.3 in the mask: a hole under it */
    c.ssl_options = WSC_TLS1_1 | WSC_TLS1_3;
    c.port = tls_port("V12");
    CHECK(fails_with(&c, WSC_ERR_TLS_VERSION, "the server chose TLS 1.2, which the SSL option mask 0x28 leaves out", NULL));
    CHECK(mask_as_wanted("V13", 0x0304, WSC_TLS1_1 | WSC_TLS1_3));
    CHECK(mask_as_wanted("V11", 0x0302, WSC_TLS1_1 | WSC_TLS1_3));
#endif
    /* the session of an allowed version is not a way round the hole */
    c.tls_no_resume = 0;
    c.port = tls_port("V11");
    c.ssl_options = WSC_TLS1_1;
    wsc_tls_clear_cache();
    CHECK(try_open(&c) || !printf("  %s\n", wsc_error_info()));
    c.ssl_options = mask;
    CHECK(!try_open(&c) && (wsc_error_code() == WSC_ERR_TLS_VERSION || wsc_error_code() == WSC_ERR_TLS));
    wsc_tls_clear_cache();
}

TEST(negotiated_version_and_cipher) {
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/info");
    wsc_tls_info info;
    char msg[128];
    CHECK(wsc_open("i", &c));
    CHECK(wsc_tls_get_info("i", &info) == 1);
    CHECK(first_message("i", msg, sizeof msg));
    printf("  server says '%s'; wsc_tls_get_info: %s 0x%04x %s\n", msg, info.version_name, info.cipher_suite, info.cipher_name);
    CHECK(info.version == 0x0303 && strcmp(info.version_name, "TLS 1.2") == 0 && strncmp(msg, "TLSv1.2 ", 8) == 0);
    /* OpenSSL's name and the IANA one describe the same suite */
    CHECK(strstr(info.cipher_name, "ECDHE_ECDSA") && strstr(msg, "ECDHE-ECDSA") &&
          (strstr(info.cipher_name, "CHACHA20") != NULL) == (strstr(msg, "CHACHA20") != NULL));
    wsc_close("i");
    c = tls_cfg("localhost", tls_port("V10"), "/info");
    CHECK(wsc_open("i", &c) && wsc_tls_get_info("i", &info) && first_message("i", msg, sizeof msg));
    printf("  server says '%s'; wsc_tls_get_info: %s 0x%04x %s\n", msg, info.version_name, info.cipher_suite, info.cipher_name);
    CHECK(info.version == 0x0301 && strcmp(info.version_name, "TLS 1.0") == 0 && strncmp(msg, "TLSv1 ", 6) == 0 &&
          strstr(info.cipher_name, "_CBC_SHA") != NULL);
    wsc_close("i");
#ifdef WSCLIENT_TLS_OPENSSL
    /* TLS 1.3, from a 1.3-only server and from one that does any version:
       its suites have one name, the IANA one, on both sides */
    c = tls_cfg("localhost", tls_port("V13"), "/info");
    c.ssl_options = WSC_TLS1_3;
    CHECK(wsc_open("i", &c) && wsc_tls_get_info("i", &info) && first_message("i", msg, sizeof msg));
    printf("  server says '%s'; wsc_tls_get_info: %s 0x%04x %s\n", msg, info.version_name, info.cipher_suite, info.cipher_name);
    CHECK(info.version == 0x0304 && strcmp(info.version_name, "TLS 1.3") == 0 && strncmp(msg, "TLSv1.3 ", 8) == 0 &&
          strncmp(info.cipher_name, "TLS_", 4) == 0 && !strstr(info.cipher_name, "_WITH_") && strcmp(info.cipher_name, msg + 8) == 0 &&
          (info.cipher_suite & 0xff00u) == 0x1300u);
    wsc_close("i");
    c = tls_cfg("localhost", tls_port("SERVER"), "/info");
    c.ssl_options = WSC_TLS1_2 | WSC_TLS1_3;
    CHECK(wsc_open("i", &c) && wsc_tls_get_info("i", &info) && first_message("i", msg, sizeof msg));
    CHECK(info.version == 0x0304 && strncmp(msg, "TLSv1.3 ", 8) == 0 && strcmp(info.cipher_name, msg + 8) == 0);
    wsc_close("i");
#endif
    /* not for plain sockets, nor unknown names */
    CHECK(wsc_connect("p", "127.0.0.1", env_port("WSC_TEST_PLAIN_PORT"), "/", NULL, 5000));
    CHECK(!wsc_tls_get_info("p", &info) && wsc_error_code() == WSC_ERR_STATE);
    wsc_close("p");
    CHECK(!wsc_tls_get_info("nobody", &info) && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
}

/* ---- certificates: each failure by name ---- */

TEST(certificate_failures_are_named) {
    wsc_config c;
    c = tls_cfg("localhost", tls_port("SELFSIGNED"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", BR_ERROR(62)));
    c = tls_cfg("localhost", tls_port("EXPIRED"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "expired on 2020-02-01 00:00:00 UTC", BR_ERROR(54)));
    c = tls_cfg("localhost", tls_port("NOTYET"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not valid before 2090-01-01 00:00:00 UTC", BR_ERROR(54)));
    c = tls_cfg("localhost", tls_port("SERVER"), "/");
    c.server_name = "wrong.example";
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "host name: it is not for wrong.example", "it is for localhost, 127.0.0.1"));
    /* the chain */
    c = tls_cfg("localhost", tls_port("CHAIN_INT"), "/");
    CHECK(try_open(&c)); /* leaf + intermediate: good */
    c = tls_cfg("localhost", tls_port("LEAF_INT"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", "intermediate"));
    c = tls_cfg("localhost", tls_port("CHAIN_NOTCA"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "bad certificate chain", "not a CA"));
    c = tls_cfg("localhost", tls_port("CHAIN_DN"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "bad certificate chain", "issuer"));
    c = tls_cfg("localhost", tls_port("BADSIG"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "bad certificate chain", "signature does not verify"));
    /* untrusted issuer */
    c = tls_cfg("localhost", tls_port("SERVER"), "/");
    c.ca_file = cert("other-ca.pem");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
}

TEST(ip_addresses_match_ip_sans_only) {
    wsc_config c;
    c = tls_cfg("127.0.0.1", tls_port("SERVER"), "/");
    CHECK(try_open(&c));
    c = tls_cfg("::1", tls_port("SERVER"), "/");
    if (!SKIP_WITHOUT_IPV6()) CHECK(try_open(&c));
    c = tls_cfg("127.0.0.1", tls_port("IPSAN"), "/"); /* DNS:127.0.0.1 and CN 127.0.0.1 do not count */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "no IP address entry for 127.0.0.1", "127.0.0.2"));
    c = tls_cfg("::1", tls_port("IP6SAN"), "/");
    if (!SKIP_WITHOUT_IPV6()) CHECK(try_open(&c));
    c = tls_cfg("127.0.0.1", tls_port("IP6SAN"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "no IP address entry for 127.0.0.1", NULL));
    c = tls_cfg("localhost", tls_port("IP6SAN"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "it is not for localhost", NULL));
    c = tls_cfg("[::1]", tls_port("IP6SAN"), "/");
    c.server_name = "::1"; /* an IP given as the name to check is an IP too */
    if (!SKIP_WITHOUT_IPV6()) CHECK(try_open(&c));
}

static int async_event, async_code;
static char async_text[256];
static void record(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_ERROR || ev->event == WSC_EVENT_CLOSE || !async_event) {
        async_event = ev->event;
        async_code = ev->code;
        snprintf(async_text, sizeof async_text, "%.*s", (int)ev->length, ev->message ? ev->message : "");
    }
}

TEST(async_sockets_get_the_same_words) {
    wsc_config c = tls_cfg("localhost", tls_port("EXPIRED"), "/");
    c.callback = record;
    async_event = 0;
    CHECK(wsc_open("a", &c));
    pump_until_gone("a");
    CHECK(async_event == WSC_EVENT_ERROR && async_code == WSC_ERR_CERTIFICATE && strstr(async_text, "expired on 2020-02-01"));
}

/* Names: a wildcard covers one label, and never sits directly on a
   top-level domain; a name with an empty label is refused (BearSSL's
   matcher took "*.com" for example.com, and ".example.com" for
   "*.example.com"); the FQDN form with its final dot works. */
TEST(host_names_and_wildcards) {
    wsc_config c = tls_cfg("localhost", tls_port("WILD"), "/"); /* DNS:*.com, DNS:*.example.com */
    char url[128];
    c.tls_no_resume = 1;
    c.server_name = "example.com";
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "it is not for example.com", "*.com"));
    c.server_name = "example.com."; /* the final dot changes nothing */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "it is not for example.com", NULL));
    c.server_name = "a.example.com";
    CHECK(try_open(&c));
    c.server_name = "A.Example.COM."; /* case and the final dot */
    CHECK(try_open(&c));
    c.server_name = "a.b.example.com"; /* one label only */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "it is not for a.b.example.com", NULL));
    c.server_name = ".example.com";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "empty label", NULL));
    c.server_name = "a..example.com";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "empty label", NULL));
    c.server_name = "a.example.com..";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "empty label", NULL));
    /* without subjectAltName the CN is the name, by the same rules */
    c = tls_cfg("localhost", tls_port("CN_ONLY"), "/");
    c.tls_no_resume = 1;
    CHECK(try_open(&c));
    c.server_name = "wrong.example";
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "it is not for wrong.example", NULL));
    c = tls_cfg("localhost", tls_port("CN_WILD"), "/"); /* CN=*.com */
    c.tls_no_resume = 1;
    c.server_name = "example.com";
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "it is not for example.com", NULL));
    /* the FQDN form: checked and sent as SNI without the dot... */
    c = tls_cfg("localhost", tls_port("SERVER"), "/");
    c.tls_no_resume = 1;
    c.server_name = "localhost.";
    CHECK(try_open(&c));
    /* ...and resolved as given: glibc finds "localhost." in no hosts file,
       a DNS server would; either way the name is never the certificate's fault */
    snprintf(url, sizeof url, "wss://localhost.:%d/", tls_port("SERVER"));
    c = tls_cfg(NULL, 0, NULL);
    c.url = url;
    c.tls_no_resume = 1;
    CHECKF(try_open(&c) || wsc_error_code() == WSC_ERR_DNS, "%s", wsc_error_info());
}

/* ---- the clock hook ---- */

static long long hook_time;
static void *hook_user;
static long long fake_clock(void *user) { hook_user = user; return hook_time; }

TEST(clock_hook) {
    int marker;
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/");
    c.unix_time = fake_clock;
    c.user = &marker;
    c.tls_no_resume = 1; /* each connect checks the certificate */
    hook_time = (long long)time(NULL) + 40LL * 86400; /* the test certificates last 30 days */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "the server certificate expired on", NULL));
    CHECK(hook_user == &marker);
    hook_time = 1577836800; /* 2020-01-01 */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "is not valid before", "the time now: 2020-01-01 00:00:00 UTC"));
    hook_time = (long long)time(NULL);
    CHECK(try_open(&c));
    hook_time = -1;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "knows no time", BR_ERROR(53)));
    /* and the other way: the expired and the future certificates become valid */
    c.port = tls_port("EXPIRED");
    hook_time = 1579046400; /* 2020-01-15 */
    CHECK(try_open(&c));
    c.port = tls_port("NOTYET");
    hook_time = 3802291200LL; /* 2090-06-01 */
    CHECK(try_open(&c));
}

/* ---- trust sources ---- */

static void write_file(const char *path, const char *a, const char *b) {
    FILE *out = fopen(path, "wb");
    const char *src[2];
    int i;
    src[0] = a;
    src[1] = b;
    for (i = 0; i < 2 && out; i++) {
        FILE *in = src[i] ? fopen(src[i], "rb") : NULL;
        char buf[4096];
        size_t n;
        while (in && (n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
        if (in) fclose(in);
    }
    if (out) fclose(out);
}

/* Loads PEM text with wsc__anchors_add_pem. Returns the anchor count, -1
   on a PEM error; *same tells whether the only anchor is ca.pem's. */
static long pem_load(const char *text, size_t len, const wsc__anchors *ref, int *same) {
    wsc__anchors a;
    long n;
    wsc__anchors_init(&a, wsc__slot_mem(0));
    n = wsc__anchors_add_pem(&a, text, len) ? (long)a.n : -1;
    *same = a.n == 1 && a.ta[0].dn.len == ref->ta[0].dn.len &&
            memcmp(a.ta[0].dn.data, ref->ta[0].dn.data, a.ta[0].dn.len) == 0 &&
            a.ta[0].pkey.key_type == ref->ta[0].pkey.key_type;
    wsc__anchors_free(&a);
    return n;
}

/* text with every occurrence of from replaced by to (to may be "") */
static char *pem_edit(const char *text, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    const char *p;
    char *out = (char *)malloc(strlen(text) * (tl + 2) + 64), *o = out;
    if (!out) return NULL;
    for (p = text; *p;) {
        if (strncmp(p, from, fl) == 0) { memcpy(o, to, tl); o += tl; p += fl; n++; }
        else *o++ = *p++;
    }
    *o = 0;
    return out;
}

/* RFC 7468 text as files hold it: our own decoder, line by line */
TEST(pem_decoding) {
    wsc__anchors ref;
    size_t len = 0, i;
    char *file = wsc__read_file(wsc__slot_mem(0), cert("ca.pem"), &len), *pem, *t, *u;
    const char *b64, *endl;
    int same = 0;
    CHECK(file != NULL);
    if (!file) return;
    pem = (char *)malloc(len + 1); /* the file's bytes, NUL-terminated for the string edits below */
    if (!pem) { wsc_free(file); return; }
    memcpy(pem, file, len);
    pem[len] = 0;
    wsc_free(file);
    wsc__anchors_init(&ref, wsc__slot_mem(0));
    CHECK(wsc__anchors_add_pem(&ref, pem, len) && ref.n == 1);
    if (ref.n != 1) { wsc__anchors_free(&ref); free(pem); return; }
    CHECK(pem_load(pem, len, &ref, &same) == 1 && same);
    t = pem_edit(pem, "\n", "\r\n"); /* CRLF, as files from Windows */
    CHECK(t && pem_load(t, strlen(t), &ref, &same) == 1 && same);
    free(t);
    t = pem_edit(pem, "=", ""); /* padding left out */
    CHECK(t && pem_load(t, strlen(t), &ref, &same) == 1 && same);
    free(t);
    t = pem_edit(pem, "\n", " \t\n"); /* white space at line ends, and in the base64 */
    u = t ? pem_edit(t, "M", "\tM ") : NULL;
    CHECK(u && pem_load(u, strlen(u), &ref, &same) == 1 && same);
    free(t);
    free(u);
    /* one line, and one character a line: groups carried across lines */
    b64 = strchr(pem, '\n') + 1;
    endl = strstr(pem, "-----END");
    t = (char *)malloc(3 * len + 64);
    u = (char *)malloc(3 * len + 64);
    if (t && u) {
        size_t o = 0, w = 0;
        o += (size_t)sprintf(t, "-----BEGIN CERTIFICATE-----\n");
        w += (size_t)sprintf(u, "-----BEGIN CERTIFICATE-----\n");
        for (i = 0; b64 + i < endl; i++) {
            if (b64[i] == '\n') continue;
            t[o++] = b64[i];
            u[w++] = b64[i];
            u[w++] = '\n';
        }
        o += (size_t)sprintf(t + o, "\n%s", endl);
        w += (size_t)sprintf(u + w, "%s", endl);
        CHECK(pem_load(t, o, &ref, &same) == 1 && same);
        CHECK(pem_load(u, w, &ref, &same) == 1 && same);
    }
    free(t);
    free(u);
    /* text around, and other objects, are passed over */
    t = (char *)malloc(len + 300);
    if (t) {
        int n = sprintf(t, "# a bundle\n-----BEGIN PRIVATE KEY-----\nTUlJ\n-----END PRIVATE KEY-----\n%.*s\ntrailing words\n", (int)len, pem);
        CHECK(pem_load(t, (size_t)n, &ref, &same) == 1 && same);
        n = sprintf(t, "-----begin CERTIFICATE-----\n%s", strchr(pem, '\n') + 1); /* BEGIN in any case, as BearSSL */
        CHECK(pem_load(t, (size_t)n, &ref, &same) == 1 && same);
        CHECK(pem_load("no PEM here\n", 12, &ref, &same) == 0);
        /* errors: cut off before END, bad base64, data after padding,
           a BEGIN line without its closing dashes, bad base64 in another object */
        CHECK(pem_load(pem, (size_t)(endl - pem), &ref, &same) == -1);
        n = sprintf(t, "%.*s*%s", (int)(endl - pem - 10), pem, endl - 10);
        CHECK(pem_load(t, (size_t)n, &ref, &same) == -1);
        n = sprintf(t, "%.*sAA==AAAA\n%s", (int)(b64 - pem), pem, b64);
        CHECK(pem_load(t, (size_t)n, &ref, &same) == -1);
        n = sprintf(t, "-----BEGIN CERTIFICATE\n%s", b64);
        CHECK(pem_load(t, (size_t)n, &ref, &same) == -1);
        n = sprintf(t, "-----BEGIN CERTIFICATE----- x\n%s", b64);
        CHECK(pem_load(t, (size_t)n, &ref, &same) == -1);
        n = sprintf(t, "-----BEGIN RSA KEY-----\nA\n-----END RSA KEY-----\n%s", pem);
        CHECK(pem_load(t, (size_t)n, &ref, &same) == -1);
    }
    free(t);
#ifndef WSCLIENT_NO_HEAP
    { /* out of memory mid-object is not a PEM error: ca_pem then says "out of memory" */
        wsc__anchors a;
        int ok;
        wsc__anchors_init(&a, wsc__slot_mem(0));
        heap_limit = heap_live + 64;
        ok = wsc__anchors_add_pem(&a, pem, len);
        heap_limit = (size_t)-1;
        CHECKF(ok == 1 && a.oom, "ok %d, oom %d", ok, a.oom);
        wsc__anchors_free(&a);
    }
#endif
    wsc__anchors_free(&ref);
    free(pem);
}

TEST(trust_sources) {
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/");
    char dir[700], other[700], path[1500];
    size_t len = 0;
    char *pem;
    /* compiled-in anchors (tools/pem2c), first in precedence */
    CHECK(test_anchors_count == 1);
    c.trust_anchors = test_anchors;
    c.trust_anchor_count = test_anchors_count;
    c.ca_file = cert("other-ca.pem");
    CHECK(try_open(&c));
    c.trust_anchor_count = 0;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "trust_anchor_count", NULL));
    c.trust_anchors = NULL;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL)); /* now ca_file counts */
    /* PEM in memory, before ca_file */
    pem = wsc__read_file(wsc__slot_mem(0), cert("ca.pem"), &len);
    c.ca_pem = pem;
    c.ca_pem_len = len;
    CHECK(pem && try_open(&c));
    c.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
    c.ca_pem_len = 0;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "ca_pem", NULL));
    wsc_free(pem);
    c.ca_pem = NULL;
    /* a CA file that changes between connects is read again */
    snprintf(path, sizeof path, "%s/changing-ca.pem", certs);
    write_file(path, cert("other-ca.pem"), NULL);
    c.ca_file = path;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    write_file(path, cert("other-ca.pem"), cert("ca.pem"));
    CHECK(try_open(&c));
    { /* cut off inside its last certificate: an error, not a shorter list */
        struct stat st;
        CHECK(stat(path, &st) == 0 && truncate(path, st.st_size - 40) == 0);
        CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "changing-ca.pem", "not valid PEM"));
    }
    /* a directory: every regular file, links followed, others skipped */
    snprintf(dir, sizeof dir, "%s/ca-dir", certs);
    snprintf(other, sizeof other, "%s/other-dir", certs);
    mkdir(dir, 0755);
    mkdir(other, 0755);
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    write_file(path, cert("ca.pem"), NULL);
    snprintf(path, sizeof path, "%s/0a1b2c3d.0", dir);
    unlink(path);
    CHECK(symlink("ca.pem", path) == 0);
    snprintf(path, sizeof path, "%s/README", dir);
    { FILE *f = fopen(path, "w"); if (f) { fputs("not a certificate\n", f); fclose(f); } }
    snprintf(path, sizeof path, "%s/sub", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/other.pem", other);
    write_file(path, cert("other-ca.pem"), NULL);
    c.ca_file = dir;
    CHECK(try_open(&c));
    c.ca_file = other;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    /* the system's: SSL_CERT_FILE, then SSL_CERT_DIR (a ':' list) */
    c.ca_file = NULL;
    setenv("SSL_CERT_FILE", cert("ca.pem"), 1);
    setenv("SSL_CERT_DIR", other, 1);
    CHECK(try_open(&c));
    unsetenv("SSL_CERT_FILE");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    snprintf(path, sizeof path, "%s:%s", other, dir);
    setenv("SSL_CERT_DIR", path, 1);
    CHECK(try_open(&c));
    snprintf(path, sizeof path, "%s/no-such-dir", certs);
    setenv("SSL_CERT_DIR", path, 1);
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "cannot read the certificate directories", NULL));
    unsetenv("SSL_CERT_DIR");
    setenv("SSL_CERT_FILE", cert("missing.pem"), 1);
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "missing.pem", NULL));
    setenv("SSL_CERT_FILE", cert("ca.pem"), 1);
    CHECK(try_open(&c));
    /* verification stays on unless the insecure mode is chosen */
    c = tls_cfg("localhost", tls_port("SELFSIGNED"), "/");
    c.ca_file = NULL;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    c.dangerous_no_certificate_check = 1;
    CHECK(try_open(&c));
}

/* Cached CA files outlive the cache while a socket uses them, and the
   cache keeps only the last few (ASan in CI watches this one). */
/* Names pick anchors, keys keep them: the minimal engine matches names by
   a keyed SipHash-2-4 (wsc__sip), so the hash must be SipHash and a name
   shared by two anchors must still reach the one whose key signed. */
TEST(names_pick_anchors_keys_decide) {
    static const unsigned char empty[8] = {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72};
    static const unsigned char fifteen[8] = {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1};
    unsigned char key[16], msg[64], whole[8], piece[8];
    wsc__sip h;
    size_t i, n, k;
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/");
    char path[700];
    const char *bundle = "/etc/ssl/certs/ca-certificates.crt";
    FILE *f;
    /* the reference vectors (key 00..0f; messages 00..0e, and empty) */
    for (i = 0; i < sizeof key; i++) key[i] = (unsigned char)i;
    for (i = 0; i < sizeof msg; i++) msg[i] = (unsigned char)i;
    h.vtable = &wsc__sip_vtable;
    wsc__sip_start(&h, key);
    wsc__sip_out(&h.vtable, whole);
    CHECK(memcmp(whole, empty, 8) == 0);
    wsc__sip_update(&h.vtable, msg, 15);
    wsc__sip_out(&h.vtable, whole);
    CHECK(memcmp(whole, fifteen, 8) == 0);
    /* bytes fed in any pieces hash as fed at once */
    for (n = 0; n <= sizeof msg; n++) {
        wsc__sip_start(&h, key);
        wsc__sip_update(&h.vtable, msg, n);
        wsc__sip_out(&h.vtable, whole);
        wsc__sip_start(&h, key);
        for (i = 0; i < n; i += k) {
            k = 1 + (i * 7 + n) % 9;
            if (k > n - i) k = n - i;
            wsc__sip_update(&h.vtable, msg + i, k);
        }
        wsc__sip_out(&h.vtable, piece);
        if (memcmp(whole, piece, 8) != 0) { CHECKF(0, "length %u in pieces", (unsigned)n); break; }
    }
    /* twin-ca has ca's name and another key; it signed BADSIG */
    snprintf(path, sizeof path, "%s/twins.pem", certs);
    write_file(path, cert("twin-ca.pem"), cert("ca.pem"));
    c.ca_file = path;
    CHECK(try_open(&c));
    c.port = tls_port("BADSIG");
    CHECK(try_open(&c));
    write_file(path, cert("ca.pem"), cert("twin-ca.pem"));
    CHECK(try_open(&c));
    c.port = tls_port("SERVER");
    CHECK(try_open(&c));
    c.ca_file = cert("twin-ca.pem"); /* the name alone is not trust */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "bad certificate chain", "signature does not verify"));
    /* the system's bundle, ca last: found behind every other anchor */
    if (!(f = fopen(bundle, "rb"))) {
        printf("  SKIP: no %s to put ca behind\n", bundle);
        return;
    }
    fclose(f);
    write_file(path, bundle, cert("ca.pem"));
    c.ca_file = path;
    CHECK(try_open(&c));
    c.port = tls_port("CHAIN_INT");
    CHECK(try_open(&c));
    write_file(path, bundle, NULL);
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    remove(path);
}

/* Our anchor decoder (wsc__anchors_add_der) against BearSSL's X.509
   decoder, which it replaced: the same certificates kept, with the same
   name, key and CA flag, over the system's bundle and every test PEM. */
typedef struct decoder_cmp {
    wsc__anchors ours;
    long certs, kept, differ;
} decoder_cmp;

static int same_bytes(const void *a, size_t an, const void *b, size_t bn) { return an == bn && memcmp(a, b, an) == 0; }

static void decoder_take(void *ctx, int kind, const wsc__u8 *der, size_t len) {
    decoder_cmp *x = (decoder_cmp *)ctx;
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    const br_x509_trust_anchor *t;
    wsc__buf dn;
    size_t before = x->ours.n;
    int ref, ok = 1;
    (void)kind;
    x->certs++;
    wsc__buf_init(&dn, wsc__slot_mem(0));
    br_x509_decoder_init(&dc, wsc__buf_sink, &dn);
    br_x509_decoder_push(&dc, der, len);
    pk = br_x509_decoder_get_pkey(&dc);
    ref = pk && br_x509_decoder_last_error(&dc) == 0 && dn.cap != (size_t)-1; /* (size_t)-1: out of memory */
    wsc__anchors_add_der(&x->ours, der, len);
    if (ref != (x->ours.n > before)) ok = 0;
    else if (ref) {
        t = &x->ours.ta[before];
        x->kept++;
        ok = same_bytes(t->dn.data, t->dn.len, dn.data, dn.len) && t->pkey.key_type == pk->key_type &&
             (t->flags == BR_X509_TA_CA) == (br_x509_decoder_isCA(&dc) != 0);
        if (ok && pk->key_type == BR_KEYTYPE_RSA)
            ok = same_bytes(t->pkey.key.rsa.n, t->pkey.key.rsa.nlen, pk->key.rsa.n, pk->key.rsa.nlen) &&
                 same_bytes(t->pkey.key.rsa.e, t->pkey.key.rsa.elen, pk->key.rsa.e, pk->key.rsa.elen);
        else if (ok)
            ok = t->pkey.key.ec.curve == pk->key.ec.curve &&
                 same_bytes(t->pkey.key.ec.q, t->pkey.key.ec.qlen, pk->key.ec.q, pk->key.ec.qlen);
    }
    if (!ok) {
        x->differ++;
        printf("  certificate %ld (%lu bytes): BearSSL %s it, ours %s\n", x->certs, (unsigned long)len, ref ? "keeps" : "drops",
               x->ours.n > before ? "keeps it, differently" : "drops it");
    }
    wsc__buf_free(&dn);
}

static void decoder_compare(const char *path, decoder_cmp *x) {
    size_t len = 0;
    char *text = wsc__read_file(wsc__slot_mem(0), path, &len);
    wsc__pem_reader r;
    if (!text) return;
    r.kind = wsc__pem_is_cert;
    r.secret = 0;
    r.take = decoder_take;
    r.ctx = x;
    r.oom = &x->ours.oom;
    r.mem = wsc__slot_mem(0);
    CHECKF(wsc__pem_read(&r, text, len), "%s", path);
    wsc_free(text);
}

TEST(anchor_decoder_matches_bearssl) {
    static const char *const files[] = {"ca.pem", "server.pem", "server-rsa.pem", "server-chain.pem", "other-ca.pem",
                                        "chain-int.pem", "chain-notca.pem", "selfsigned.pem", "ipsan.pem", "wild.pem",
                                        "cn-only.pem", "client-ca.pem", "client-rsa.pem", "client-ec.pem", "client-chain.pem",
                                        "client-ed25519.pem", "twin-ca.pem", "expired.pem"};
    decoder_cmp x;
    size_t i;
    memset(&x, 0, sizeof x);
    wsc__anchors_init(&x.ours, wsc__slot_mem(0));
    decoder_compare("/etc/ssl/certs/ca-certificates.crt", &x);
    printf("  system bundle: %ld certificates, %ld kept\n", x.certs, x.kept);
    if (x.certs == 0) printf("  SKIP: no /etc/ssl/certs/ca-certificates.crt; the test PEMs only\n");
    for (i = 0; i < sizeof files / sizeof files[0]; i++) decoder_compare(cert(files[i]), &x);
    printf("  in all: %ld certificates, %ld kept by both, %ld differ\n", x.certs, x.kept, x.differ);
    CHECK(x.differ == 0 && x.ours.oom == 0 && x.kept > 10);
    wsc__anchors_free(&x.ours);
}

#ifdef WSCLIENT_TLS_OPENSSL
/* An EC key of OpenSSL's, its point as BearSSL's engine hands it over, and
   its signature of a hash. */
typedef struct {
    EVP_PKEY *key;
    br_ec_public_key pk;
    unsigned char q[133];
    unsigned char sig[160];
    size_t sig_len;
} issuer_key;

static int issuer_key_make(issuer_key *k, const char *group, int curve, const unsigned char *hash, size_t hash_len) {
    EVP_PKEY_CTX *c;
    size_t qlen = 0;
    int ok;
    memset(k, 0, sizeof *k);
    k->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    if (!k->key || !EVP_PKEY_get_octet_string_param(k->key, OSSL_PKEY_PARAM_PUB_KEY, k->q, sizeof k->q, &qlen)) return 0;
    k->pk.curve = curve;
    k->pk.q = k->q;
    k->pk.qlen = qlen;
    k->sig_len = sizeof k->sig;
    c = EVP_PKEY_CTX_new_from_pkey(NULL, k->key, NULL);
    ok = c && EVP_PKEY_sign_init(c) == 1 && EVP_PKEY_sign(c, k->sig, &k->sig_len, hash, hash_len) == 1;
    EVP_PKEY_CTX_free(c);
    return ok;
}

static int issuer_verifies(const br_ec_public_key *pk, const unsigned char *hash, const issuer_key *by) {
    return (int)wsc__ossl_ecdsa(br_ec_get_default(), hash, 32, pk, by->sig, by->sig_len);
}

/* The OpenSSL build keeps the verify contexts of the last issuer keys (4):
   more keys than that, two sizes of curve, three times round, and each
   signature verifies under its own key only, whether its key was kept or
   pushed out; altered signatures and points are refused, and a point
   OpenSSL refuses is not kept. */
TEST(issuer_keys_kept_by_their_whole_point) {
    static const struct { const char *group; int curve; } g[6] = {
        {"P-256", BR_EC_secp256r1}, {"P-256", BR_EC_secp256r1}, {"P-384", BR_EC_secp384r1},
        {"P-256", BR_EC_secp256r1}, {"P-521", BR_EC_secp521r1}, {"P-256", BR_EC_secp256r1}};
    unsigned char hash[32], other[32];
    issuer_key k[6], bent;
    int i, j, round, wrong = 0;
    memset(hash, 0x5a, sizeof hash);
    memcpy(other, hash, sizeof other);
    other[31] ^= 1;
    wsc_tls_clear_cache();
    for (i = 0; i < 6; i++) CHECK(issuer_key_make(&k[i], g[i].group, g[i].curve, hash, sizeof hash));
    for (round = 0; round < 3; round++)
        for (i = 0; i < 6; i++)
            for (j = 0; j < 6; j++) wrong += issuer_verifies(&k[i].pk, hash, &k[j]) != (i == j);
    CHECK(wrong == 0);
    CHECK(wsc__ossl_key_find(&k[5].pk) != NULL && wsc__ossl_key_find(&k[0].pk) == NULL); /* four kept, the oldest out */
    CHECK(!issuer_verifies(&k[5].pk, other, &k[5])); /* another hash */
    bent = k[5];
    bent.pk.q = bent.q;
    bent.sig[bent.sig_len / 2] ^= 0x10; /* inside r or s */
    CHECK(!issuer_verifies(&k[5].pk, hash, &bent));
    bent = k[5];
    bent.pk.q = bent.q;
    bent.q[bent.pk.qlen - 1] ^= 1; /* off the curve */
    CHECK(!issuer_verifies(&bent.pk, hash, &k[5]) && wsc__ossl_key_find(&bent.pk) == NULL);
    bent.q[bent.pk.qlen - 1] ^= 1;
    bent.pk.curve = BR_EC_secp384r1; /* a P-256 point named as P-384's */
    CHECK(!issuer_verifies(&bent.pk, hash, &k[5]));
    CHECK(issuer_verifies(&k[5].pk, hash, &k[5]) && issuer_verifies(&k[4].pk, hash, &k[4]));
    wsc_tls_clear_cache();
    CHECK(wsc__ossl_key_find(&k[5].pk) == NULL);
    CHECK(issuer_verifies(&k[5].pk, hash, &k[5]) && !issuer_verifies(&k[5].pk, hash, &k[4]));
    for (i = 0; i < 6; i++) EVP_PKEY_free(k[i].key);
    wsc_tls_clear_cache();
}
#endif

TEST(ca_cache_lifetimes) {
    char path[6][800], msg[16];
    int i;
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/echo");
    for (i = 0; i < 6; i++) {
        snprintf(path[i], sizeof path[i], "%s/copy%d-ca.pem", certs, i);
        write_file(path[i], cert("ca.pem"), NULL);
    }
    c.ca_file = path[0];
    c.tls_no_resume = 1;
    CHECK(wsc_open("held", &c));
    wsc_tls_clear_cache(); /* "held" keeps its anchors */
    for (i = 0; i < 6; i++) {
        c.ca_file = path[i];
        CHECKF(try_open(&c), "copy %d: %s", i, wsc_error_info());
    }
    c.ca_file = path[0]; /* read again: it left the cache */
    CHECK(try_open(&c));
    CHECK(wsc_write("held", "still") && first_message("held", msg, sizeof msg) && strcmp(msg, "still") == 0);
    CHECK(wsc_close("held") == 1);
    wsc_tls_clear_cache();
}

/* ---- key pinning ---- */

static int b64(int ch) {
    const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", *p = strchr(tab, ch);
    return ch && p ? (int)(p - tab) : -1;
}

static void pin_raw(const char *text, unsigned char out[32]) {
    unsigned acc = 0, bits = 0, k = 0;
    for (; *text && *text != '='; text++) {
        acc = (acc << 6) | (unsigned)b64(*text);
        if ((bits += 6) >= 8) { bits -= 8; if (k < 32) out[k++] = (unsigned char)(acc >> bits); }
    }
}

TEST(pinning) {
    char server_pin[80], self_pin[80], pins[300], want[100];
    unsigned char raw[64];
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/");
    read_line("server.pin", server_pin, sizeof server_pin);
    read_line("selfsigned.pin", self_pin, sizeof self_pin);
    CHECK(strlen(server_pin) == 44 && strlen(self_pin) == 44);
    c.tls_no_resume = 1;
    snprintf(pins, sizeof pins, "sha256//%s", server_pin);
    c.pinned_keys = pins;
    CHECK(try_open(&c));
    snprintf(pins, sizeof pins, "sha256//%s", self_pin);
    snprintf(want, sizeof want, "its pin is sha256//%s", server_pin);
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "matches none of the pinned keys", want));
    snprintf(pins, sizeof pins, "sha256//%s; %s", self_pin, server_pin); /* one of several, prefix optional */
    CHECK(try_open(&c));
    c.pinned_keys = NULL;
    pin_raw(self_pin, raw);
    pin_raw(server_pin, raw + 32);
    c.pinned_keys_raw = raw;
    c.pinned_keys_raw_count = 1;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "pinned keys", NULL));
    c.pinned_keys_raw_count = 2;
    CHECK(try_open(&c));
    c.pinned_keys_raw = NULL;
    c.pinned_keys_raw_count = 0;
    c.pinned_keys = "sha256//tooshort=";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "tooshort", NULL));
    /* a pin is on top of the chain check... */
    c = tls_cfg("localhost", tls_port("SELFSIGNED"), "/");
    c.tls_no_resume = 1;
    c.pinned_keys = self_pin;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    /* ...unless pin_only says a pin alone is enough */
    c.pin_only = 1;
    c.ca_file = NULL;
    CHECK(try_open(&c));
    c.pinned_keys = server_pin;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "matches none of the pinned keys", NULL));
    c.pinned_keys = NULL;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "pin_only needs", NULL));
}

/* pin_only trusts a key match alone: without a pin to match it would trust
   any certificate, so an empty list (an unset variable of a config file) is
   refused at the connect, and the check fails closed on its own too. */
TEST(pin_only_needs_a_pin) {
    static const unsigned char none[32];
    wsc_config c = tls_cfg("localhost", tls_port("SELFSIGNED"), "/");
    c.ca_file = NULL;
    c.tls_no_resume = 1;
    c.pin_only = 1;
    c.pinned_keys = "";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "pin_only needs", NULL));
    c.pinned_keys = ";";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "pin_only needs", NULL));
    c.pinned_keys = " ; , ";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "pin_only needs", NULL));
    c.pinned_keys = "";
    c.pinned_keys_raw = none; /* a pointer and no count is no pin either */
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "pin_only needs", NULL));
    c.pinned_keys = NULL;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "pin_only needs", NULL));
    c.pinned_keys_raw = NULL; /* and a count without digests is an error, not no pins */
    c.pinned_keys_raw_count = 1;
    c.pin_only = 0;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "pinned_keys_raw", NULL));
    { /* the engine itself: pin_only with no pins refuses the key it sees */
        wsc__x509 x;
        size_t len = 0;
        char *der = wsc__read_file(wsc__slot_mem(WSCLIENT_MAX_SOCKETS - 1), cert("selfsigned.der"), &len);
        const br_x509_class **ctx = &x.vtable;
        memset(&x, 0, sizeof x);
        x.vtable = &wsc__x509_vtable;
        x.mode = WSC__X509_PIN_ONLY;
        wsc__buf_init(&x.cert, wsc__slot_mem(WSCLIENT_MAX_SOCKETS - 1));
        CHECK(der != NULL);
        if (der) {
            x.vtable->start_chain(ctx, "localhost");
            x.vtable->start_cert(ctx, (uint32_t)len);
            x.vtable->append(ctx, (const unsigned char *)der, len);
            x.vtable->end_cert(ctx);
            CHECK(x.vtable->end_chain(ctx) != 0);
            wsc_free(der);
        }
    }
}

/* ---- memory modes ---- */

static int echo_1m(const char *name, int binary) {
    size_t n = 1u << 20, i;
    unsigned char *msg = (unsigned char *)malloc(n + 1), *back = (unsigned char *)malloc(n + 1);
    long k;
    int ok, got = -1;
    for (i = 0; i < n; i++) msg[i] = (unsigned char)('a' + (i * 7) % 26);
    ok = binary ? wsc_write_binary(name, msg, n) : wsc_write_text(name, (const char *)msg, n);
    k = ok ? wsc_read(name, back, n + 1, 10000, &got) : -2;
    ok = ok && k == (long)n && got == binary && memcmp(msg, back, n) == 0;
    if (!ok) printf("  1 MiB echo on %s: got %ld: %s\n", name, k, wsc_error_info());
    free(msg);
    free(back);
    return ok;
}

/* BearSSL: both duplex modes and every fragment length. OpenSSL has no
   half duplex (refused by name rather than ignored); every fragment length,
   then a row over TLS 1.3. */
#ifdef WSCLIENT_TLS_OPENSSL
#define MODE_HALVES 1
#define MODE_FRAGS 6
#else
#define MODE_HALVES 2
#define MODE_FRAGS 5
#endif

TEST(memory_modes) {
    static const unsigned frags[] = {0, 4096, 2048, 1024, 512, 0};
    int half, i;
    wsc_config c;
    printf("  RAM per socket (wss://, idle after connect; compiled-in anchors):\n");
    printf("  %-12s %-9s %9s %9s %11s %12s\n", "mode", "fragment", "TLS buf", "TLS state", "socket", "connect peak");
    for (half = 0; half < MODE_HALVES; half++) {
        for (i = 0; i < MODE_FRAGS; i++) {
            wsc_tls_info info;
            size_t socket_bytes = 0, peak = 0;
            const char *mode = half ? "half duplex" : "full duplex";
            int ok;
#ifndef WSCLIENT_NO_HEAP
            size_t before = heap_live;
#endif
            c = tls_cfg("localhost", ws_tls_port, "/echo");
            c.ca_file = NULL;
            c.trust_anchors = test_anchors;
            c.trust_anchor_count = test_anchors_count;
            c.tls_no_resume = 1;
            c.tls_half_duplex = half;
            c.tls_max_fragment = frags[i];
            if (i == 5) { /* OpenSSL only */
                c.ssl_options = WSC_TLS1_3;
                mode = "TLS 1.3";
            }
#ifndef WSCLIENT_NO_HEAP
            heap_peak = heap_live;
#endif
            ok = wsc_open("m", &c);
#ifndef WSCLIENT_NO_HEAP
            socket_bytes = heap_live - before;
            peak = heap_peak - before;
#endif
            CHECKF(ok, "%s %u: %s", mode, frags[i], wsc_error_info());
            if (!ok) continue;
            CHECK(wsc_tls_get_info("m", &info) && info.half_duplex == half && info.max_fragment == (frags[i] ? frags[i] : 16384) &&
                  info.version == (i == 5 ? 0x0304u : 0x0303u));
#ifndef WSCLIENT_NO_HEAP
            printf("  %-12s %-9u %9lu %9lu %11lu %12lu\n", mode, info.max_fragment,
                   (unsigned long)info.buffer_size, (unsigned long)info.context_size, (unsigned long)socket_bytes, (unsigned long)peak);
#else
            printf("  %-12s %-9u %9lu %9lu %11s %12s\n", mode, info.max_fragment,
                   (unsigned long)info.buffer_size, (unsigned long)info.context_size, "(arena)", "(arena)");
            (void)socket_bytes;
            (void)peak;
#endif
            CHECKF(echo_1m("m", 0) && echo_1m("m", 1), "%s %u", mode, frags[i]);
            CHECK(wsc_close("m") == 1);
        }
    }
    c = tls_cfg("localhost", ws_tls_port, "/echo");
    c.tls_max_fragment = 3000;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "tls_max_fragment", NULL));
#ifdef WSCLIENT_TLS_OPENSSL
    c.tls_max_fragment = 0;
    c.tls_half_duplex = 1;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "tls_half_duplex", NULL));
#endif
}

/* ---- session resumption, as the server sees it ---- */

static int session_says(const wsc_config *c, const char *want, int want_resumed) {
    char msg[32];
    wsc_tls_info info;
    int ok = wsc_open("s", c) && first_message("s", msg, sizeof msg) && wsc_tls_get_info("s", &info);
    ok = ok && strcmp(msg, want) == 0 && info.resumed == want_resumed;
    if (!ok) printf("  wanted '%s' (resumed %d): %s\n", want, want_resumed, wsc_error_info());
    wsc_close("s");
    return ok;
}

/* On server, with mask: the TLS 1.2 session IDs and tickets, and with
   the OpenSSL backend the TLS 1.3 tickets, the same way. */
static void resumption_on(const char *server, unsigned mask) {
    char pin[80], pins[100];
    long long t0, full, resumed;
    int i;
    wsc_config c = tls_cfg_on(server, mask, "/session");
    printf("  %s, mask 0x%02x\n", server, mask);
    wsc_tls_clear_cache();
    CHECK(session_says(&c, "new", 0));
    CHECK(session_says(&c, "reused", 1));
    CHECK(session_says(&c, "reused", 1));
    c.tls_no_resume = 1; /* the switch, and it leaves the kept session alone */
    CHECK(session_says(&c, "new", 0));
    c.tls_no_resume = 0;
    CHECK(session_says(&c, "reused", 1));
    /* a resumed session keeps the fragment length it was made with (RFC 6066
       §4): another length is another session, both ways */
    c.tls_max_fragment = 1024;
    CHECK(session_says(&c, "new", 0));
    CHECK(session_says(&c, "reused", 1));
    c.tls_max_fragment = 0;
    CHECK(session_says(&c, "reused", 1));
    wsc_tls_clear_cache();
    CHECK(session_says(&c, "new", 0));
    /* the same CA from another source: the same trust, the same session;
       other CAs (here one more) are another session */
    c.ca_file = NULL;
    c.trust_anchors = test_anchors;
    c.trust_anchor_count = test_anchors_count;
    CHECK(session_says(&c, "reused", 1));
    c.trust_anchors = NULL;
    c.ca_file = cert("server-chain.pem"); /* server.pem too: a second anchor */
    CHECK(session_says(&c, "new", 0));
    CHECK(session_says(&c, "reused", 1));
    c.ca_file = NULL;
    c.trust_anchors = test_anchors;
    /* a resumed handshake sees no certificate: a session made without a pin
       is not resumed with one, so the pin is checked */
    read_line("selfsigned.pin", pin, sizeof pin);
    c.pinned_keys = pin;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "pinned keys", NULL));
    /* the insecure mode neither keeps nor uses sessions */
    c = tls_cfg_on(server, mask, "/session");
    wsc_tls_clear_cache();
    c.dangerous_no_certificate_check = 1;
    CHECK(session_says(&c, "new", 0));
    CHECK(session_says(&c, "new", 0));
    c.dangerous_no_certificate_check = 0;
    CHECK(session_says(&c, "new", 0));
    /* what it saves, printed (make bench measures it properly) */
    c.path = "/";
    c.tls_no_resume = 1;
    t0 = now_ms();
    for (i = 0; i < 20; i++) CHECK(try_open(&c));
    full = now_ms() - t0;
    c.tls_no_resume = 0;
    t0 = now_ms();
    for (i = 0; i < 20; i++) CHECK(try_open(&c));
    resumed = now_ms() - t0;
    printf("  20 connects (with close handshake): full handshakes %lld ms, resumed %lld ms\n", full, resumed);
    snprintf(pins, sizeof pins, "%s", pin); /* keep the pin buffer alive to the end */
}

TEST(session_resumption) {
    resumption_on("SERVER", 0);
#ifdef WSCLIENT_TLS_OPENSSL
    resumption_on("V13", WSC_TLS1_3);
    resumption_on("SERVER", WSC_TLS1_2 | WSC_TLS1_3);
    { /* a TLS 1.2 session is not offered where the mask wants TLS 1.3 alone */
        wsc_config c = tls_cfg_on("SERVER", WSC_TLS1_2, "/session");
        wsc_tls_clear_cache();
        CHECK(session_says(&c, "new", 0));
        CHECK(session_says(&c, "reused", 1));
        c.ssl_options = WSC_TLS1_3;
        CHECK(session_says(&c, "new", 0));
        wsc_tls_clear_cache();
    }
#endif
}

/* A resumed handshake sees no certificate, so whatever decides trust must
   key the session or be checked again: the clock (its answer, not the hook),
   and the contents of the anchors, not where they are. */
static void resumption_trust_on(const char *server, unsigned mask) {
    br_x509_trust_anchor swapped[1];
    wsc__anchors other;
    size_t len = 0;
    char *pem;
    wsc_config c = tls_cfg_on(server, mask, "/session");
    printf("  %s, mask 0x%02x\n", server, mask);
    wsc_tls_clear_cache();
    /* the clock moves past the certificate's end, or stops knowing the time */
    c.unix_time = fake_clock;
    hook_time = (long long)time(NULL);
    CHECK(session_says(&c, "new", 0));
    CHECK(session_says(&c, "reused", 1));
    hook_time = (long long)time(NULL) + 40LL * 86400; /* the test certificates last 30 days */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "expired on", NULL));
    hook_time = (long long)time(NULL);
    CHECK(session_says(&c, "new", 0));
    CHECK(session_says(&c, "reused", 1));
    hook_time = -1;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "knows no time", NULL));
    hook_time = 1577836800; /* 2020: before the certificate */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not valid before", NULL));
    c.unix_time = NULL;
    /* compiled-in anchors swapped for another CA's at the same address */
    wsc__anchors_init(&other, wsc__slot_mem(WSCLIENT_MAX_SOCKETS - 1));
    pem = wsc__read_file(wsc__slot_mem(WSCLIENT_MAX_SOCKETS - 1), cert("other-ca.pem"), &len);
    CHECK(pem && wsc__anchors_add_pem(&other, pem, len) && other.n == 1);
    if (pem) wsc_free(pem);
    c.ca_file = NULL;
    swapped[0] = test_anchors[0];
    c.trust_anchors = swapped;
    c.trust_anchor_count = 1;
    CHECK(session_says(&c, "new", 0));
    CHECK(session_says(&c, "reused", 1));
    if (other.n == 1) swapped[0] = other.ta[0];
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    swapped[0] = test_anchors[0];
    CHECK(session_says(&c, "reused", 1)); /* back to the CA it was made with */
    wsc__anchors_free(&other);
    /* ca_pem: its contents up to ca_pem_len */
    c.trust_anchors = NULL;
    c.trust_anchor_count = 0;
    pem = wsc__read_file(wsc__slot_mem(WSCLIENT_MAX_SOCKETS - 1), cert("ca.pem"), &len);
    c.ca_pem = pem;
    c.ca_pem_len = len;
    CHECK(pem && session_says(&c, "reused", 1)); /* the same CA as the anchors above */
    c.ca_pem_len = len / 2; /* the same text, cut: not valid PEM */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "ca_pem", NULL));
    if (pem) wsc_free(pem);
    wsc_tls_clear_cache();
}

TEST(resumption_trusts_only_what_a_full_handshake_would) {
    resumption_trust_on("SERVER", 0);
#ifdef WSCLIENT_TLS_OPENSSL
    resumption_trust_on("V13", WSC_TLS1_3);
#endif
}

/* Writes a PEM file padded with text after it to size bytes, in place
   (same inode). */
static void write_padded(const char *path, const char *pem, long size) {
    FILE *in = fopen(pem, "rb"), *out = fopen(path, "r+b");
    char buf[8192];
    size_t n = in ? fread(buf, 1, sizeof buf, in) : 0;
    if (!out) out = fopen(path, "wb");
    if (out) {
        fwrite(buf, 1, n, out);
        for (; (long)n < size; n++) fputc((long)n + 1 == size ? '\n' : '#', out);
        fclose(out);
    }
    if (in) fclose(in);
}

/* A CA file rewritten in place with the same size, inode and modification
   second (an editor, a config tool, cp -p) is read again, and its session
   is not the old one's: the stamp has the nanoseconds and the change time,
   and a file changed moments before it was read is read again next time. */
TEST(ca_file_rewritten_in_place) {
    char path[800];
    struct stat st0, st1;
    struct utimbuf same;
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/session");
    snprintf(path, sizeof path, "%s/rewritten-ca.pem", certs);
    unlink(path);
    write_padded(path, cert("other-ca.pem"), 2000);
    CHECK(stat(path, &st0) == 0 && st0.st_size == 2000);
    c.ca_file = path;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    write_padded(path, cert("ca.pem"), 2000);
    same.actime = st0.st_atime;
    same.modtime = st0.st_mtime;
    CHECK(utime(path, &same) == 0 && stat(path, &st1) == 0);
    CHECK(st1.st_size == st0.st_size && st1.st_ino == st0.st_ino && st1.st_mtime == st0.st_mtime);
    CHECK(session_says(&c, "new", 0));
    CHECK(session_says(&c, "reused", 1));
    /* and back: the session made with ca.pem is not resumed under other-ca */
    write_padded(path, cert("other-ca.pem"), 2000);
    CHECK(utime(path, &same) == 0);
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    unlink(path);
}

/* ---- shutdown ---- */

static void close_notify_on(const char *server, unsigned mask) {
    char msg[128];
    wsc_config c = tls_cfg_on(server, mask, "/echo");
    wsc__socket *s;
    CHECK(wsc_open("c", &c) && wsc_write("c", "hi") && first_message("c", msg, sizeof msg));
    CHECK(wsc_close("c") == 1);
    c.path = "/last-shutdown";
    CHECK(wsc_open("c", &c) && first_message("c", msg, sizeof msg));
    CHECKF(strcmp(msg, "clean") == 0, "server saw: %s", msg);
    wsc_close("c");
    /* and the check can tell: a TCP close with no close_notify */
    c.path = "/echo";
    CHECK(wsc_open("c", &c) && wsc_write("c", "hi") && first_message("c", msg, sizeof msg));
    if (wsc__find("c") >= 0) { /* not when the connect above failed */
        s = wsc__g.slots[wsc__find("c")];
        shutdown(s->fd, SHUT_RDWR);
    }
    wsc_close("c");
    c.path = "/last-shutdown";
    CHECK(wsc_open("c", &c) && first_message("c", msg, sizeof msg));
    CHECKF(strncmp(msg, "unclean", 7) == 0, "server saw: %s", msg);
    wsc_close("c");
}

#ifndef WSCLIENT_TLS_OPENSSL
/* After the first connect of a process, the engine is set up without
   br_ssl_client_init_full (whose picks of AES-NI and PCLMUL ask the CPU,
   slow in a virtual machine), from what it picked then: byte for byte the
   context init_full makes, but for the suites, set after either. */
TEST(engine_set_up_as_init_full_does) {
    static br_ssl_client_context a, b;
    static br_x509_minimal_context xa, xb;
    size_t i;
    if (!wsc__sym.ready) wsc__client_init(&b, &xb, NULL, 0); /* the first: init_full itself */
    CHECK(wsc__sym.ready && wsc__sym.gcm_in && wsc__sym.ctr && wsc__sym.ghash && wsc__sym.ccm_in && wsc__sym.cbcenc);
    br_ssl_client_init_full(&a, &xa, NULL, 0);
    memset(&b, 0xA5, sizeof b); /* (zeroed by it) */
    wsc__client_init(&b, &xb, NULL, 0);
    br_ssl_engine_set_x509(&b.eng, &xa.vtable);
    memcpy(b.eng.suites_buf, a.eng.suites_buf, sizeof b.eng.suites_buf);
    b.eng.suites_num = a.eng.suites_num;
    for (i = 0; i < sizeof a && ((unsigned char *)&a)[i] == ((unsigned char *)&b)[i]; i++) {}
    CHECKF(i == sizeof a, "the contexts differ at byte %lu of %lu", (unsigned long)i, (unsigned long)sizeof a);
}
#endif

#ifdef WSCLIENT_TLS_OPENSSL
/* The OpenSSL backend lets the minimal engine compute only the hash a
   certificate's signature is over (wsc__sig_hash, wsc__minimal_hashes):
   the right one for each signature BearSSL verifies, and a chain that
   verifies with it; given another, the certificate is refused, never
   taken. */
static int chain_check(const char *leaf, const char *ca, int hash) {
    wsc__anchors a;
    br_x509_minimal_context m;
    const br_x509_class **x = &m.vtable;
    FILE *f = fopen(cert(leaf), "r");
    X509 *c = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int len = c ? i2d_X509(c, &der) : -1;
    unsigned err = 1;
    if (f) fclose(f);
    wsc__anchors_init(&a, wsc__slot_mem(0));
    if (len > 0 && wsc__anchors_add_file(&a, cert(ca)) && a.n && wsc__minimal_init(&m, a.ta, a.n)) {
        if (hash >= 0) wsc__minimal_hashes(&m, hash);
        (*x)->start_chain(x, "localhost");
        (*x)->start_cert(x, (uint32_t)len);
        (*x)->append(x, der, (size_t)len);
        (*x)->end_cert(x);
        err = (*x)->end_chain(x);
    }
    if (hash == -2) err = (unsigned)(len > 0 ? wsc__sig_hash(der, (size_t)len) : -1); /* the id itself */
    OPENSSL_free(der);
    X509_free(c);
    wsc__anchors_free(&a);
    return (int)err;
}

TEST(one_hash_a_certificate_signature) {
    static const struct { const char *leaf, *ca; int id; } v[] = {
        {"server.pem", "ca.pem", br_sha256_ID},       {"sig-ec-sha1.pem", "ca.pem", br_sha1_ID},
        {"sig-ec-sha224.pem", "ca.pem", br_sha224_ID}, {"sig-ec-sha384.pem", "ca.pem", br_sha384_ID},
        {"sig-ec-sha512.pem", "ca.pem", br_sha512_ID}, {"sig-rsa-sha1.pem", "rsa-ca.pem", br_sha1_ID},
        {"sig-rsa-sha224.pem", "rsa-ca.pem", br_sha224_ID}, {"sig-rsa-sha256.pem", "rsa-ca.pem", br_sha256_ID},
        {"sig-rsa-sha384.pem", "rsa-ca.pem", br_sha384_ID}, {"sig-rsa-sha512.pem", "rsa-ca.pem", br_sha512_ID}};
    static const unsigned char cut[] = {0x30, 0x82, 0x01, 0x00, 0x30, 0x03, 0x02, 0x01};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        int id = chain_check(v[i].leaf, v[i].ca, -2), wrong = v[i].id == br_sha256_ID ? br_sha384_ID : br_sha256_ID;
        CHECKF(id == v[i].id, "%s: hash %d, want %d", v[i].leaf, id, v[i].id);
        CHECKF(chain_check(v[i].leaf, v[i].ca, -1) == 0, "%s: every hash", v[i].leaf);
        CHECKF(chain_check(v[i].leaf, v[i].ca, v[i].id) == 0, "%s: its hash alone", v[i].leaf);
        CHECKF(chain_check(v[i].leaf, v[i].ca, wrong) == BR_ERR_X509_UNSUPPORTED, "%s: another hash alone", v[i].leaf);
    }
    CHECK(chain_check("sig-ed25519.pem", "ca.pem", -2) == 0); /* not one BearSSL verifies: all stay */
    CHECK(chain_check("sig-rsa-sha256.pem", "ca.pem", br_sha256_ID) == BR_ERR_X509_NOT_TRUSTED); /* (the check checks) */
    CHECK(wsc__sig_hash(cut, sizeof cut) == 0 && wsc__sig_hash(cut, 2) == 0);
}

/* The verdict of a chain check that passed is kept (wsc__chains) and
   given again only to the same check: the same chain, anchors, name and
   pins, with the time inside the chain's window. Any other check runs in
   full and fails with its own words; failures are never kept. */
static int chains_kept(void) {
    int i, n = 0;
    for (i = 0; i < WSC__CHAINS; i++) n += wsc__chains[i].used;
    return n;
}

TEST(kept_chain_checks_decide_nothing_new) {
    char self_pin[80], pins[100];
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/");
    unsigned kept;
    c.tls_no_resume = 1; /* a full handshake, and the chain, every time */
    wsc_tls_clear_cache();
    CHECK(chains_kept() == 0);
    CHECK(try_open(&c));
    kept = wsc__chains_next;
    CHECK(chains_kept() == 1);
    CHECK(try_open(&c) && try_open(&c));
    CHECKF(wsc__chains_next == kept && chains_kept() == 1, "%u checks kept", wsc__chains_next - kept); /* given again */
    c.server_name = "wrong.example"; /* the same chain, another name */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "host name: it is not for wrong.example", NULL));
    c.server_name = NULL;
    c.unix_time = fake_clock; /* past the window, before it, no time */
    hook_time = (long long)time(NULL) + 40LL * 86400;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "the server certificate expired on", NULL));
    hook_time = 1577836800;
    CHECK(try_open(&c) == 0 && strstr(wsc_error_info(), "is not valid before"));
    hook_time = -1;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "knows no time", NULL));
    hook_time = (long long)time(NULL);
    CHECK(try_open(&c));
    c.unix_time = NULL;
    read_line("selfsigned.pin", self_pin, sizeof self_pin); /* a pin the chain does not match */
    snprintf(pins, sizeof pins, "sha256//%s", self_pin);
    c.pinned_keys = pins;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "matches none of the pinned keys", NULL));
    c.pinned_keys = NULL;
    c.ca_file = cert("other-ca.pem"); /* other anchors */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "not trusted", NULL));
    c.ca_file = cert("ca.pem");
    c.port = tls_port("BADSIG"); /* another chain under the same name */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "signature does not verify", NULL));
    c = tls_cfg("127.0.0.1", tls_port("IPSAN"), "/");
    c.tls_no_resume = 1;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "no IP address entry for 127.0.0.1", NULL));
    c = tls_cfg("127.0.0.1", tls_port("SERVER"), "/"); /* the same chain, checked for an IP address */
    c.tls_no_resume = 1;
    CHECK(try_open(&c) && chains_kept() == 2);
    wsc_tls_clear_cache();
    CHECK(chains_kept() == 0);
}

/* An error the application left in this thread's OpenSSL queue is not
   taken for the connection's own (SSL_get_error reads that queue): every
   call works, whether the queue was empty or not. */
static void stale_errors_on(const char *server, unsigned mask) {
    char msg[64], want[64];
    wsc_config c = tls_cfg_on(server, mask, "/echo");
    int i;
    ERR_raise(ERR_LIB_USER, 1);
    if (!wsc_open("e", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    for (i = 0; i < 40; i++) {
        snprintf(want, sizeof want, "stale %d", i);
        if (i % 2) ERR_raise(ERR_LIB_USER, 2); /* and every other call with none */
        if (i % 4 < 2) CHECKF(wsc_write("e", want), "%d: %s", i, wsc_error_info());
        else CHECKF(wsc_write_more("e", want, strlen(want), 0) && (ERR_raise(ERR_LIB_USER, 3), wsc_flush("e")), "%d: %s", i,
                    wsc_error_info());
        if (i % 3 == 0) ERR_raise(ERR_LIB_USER, 4);
        CHECKF(first_message("e", msg, sizeof msg) && strcmp(msg, want) == 0, "%d: %s", i, msg);
    }
    ERR_raise(ERR_LIB_USER, 5);
    CHECKF(wsc_close("e") == 1, "%s", wsc_error_info());
    ERR_clear_error();
}

TEST(application_errors_in_the_openssl_queue) {
    stale_errors_on("SERVER", 0);
    stale_errors_on("V13", WSC_TLS1_3);
}
#endif

TEST(close_sends_close_notify) {
    close_notify_on("SERVER", 0);
#ifdef WSCLIENT_TLS_OPENSSL
    close_notify_on("V13", WSC_TLS1_3);
#endif
}

static void truncation_on(const char *server, unsigned mask) {
    char msg[8192];
    wsc_config c = tls_cfg_on(server, mask, "/half-frame");
    CHECK(wsc_open("h", &c));
    CHECK(wsc_read("h", msg, sizeof msg, 5000, NULL) == -1 && wsc_error_code() == WSC_ERR_CLOSED &&
          strstr(wsc_error_info(), "without TLS close_notify"));
    printf("  %s\n", wsc_error_info());
    CHECK(wsc_read("h", msg, sizeof msg, 0, NULL) == -1); /* nothing was queued */
    wsc_close("h");
    c.callback = record;
    async_event = 0;
    CHECK(wsc_open("h", &c));
    pump_until_gone("h");
    CHECK(async_event == WSC_EVENT_ERROR && async_code == WSC_ERR_CLOSED && strstr(async_text, "close_notify"));
    /* a clean TLS close in the middle of a message is still no message */
    c.callback = NULL;
    c.path = "/half-frame-notify";
    CHECK(wsc_open("h", &c));
    CHECK(wsc_read("h", msg, sizeof msg, 5000, NULL) == -1 && wsc_error_code() == WSC_ERR_CLOSED &&
          strstr(wsc_error_info(), "without a close frame") && !strstr(wsc_error_info(), "close_notify"));
    wsc_close("h");
}

TEST(truncation_is_an_error_never_a_message) {
    truncation_on("SERVER", 0);
#ifdef WSCLIENT_TLS_OPENSSL
    truncation_on("V13", WSC_TLS1_3);
#endif
}

/* The same in the middle of a 1 MiB frame, 300,000 bytes in: the message
   under way is dropped, never delivered. */
static void big_truncation_on(const char *server, unsigned mask) {
    char msg[100];
    wsc_config c = tls_cfg_on(server, mask, "/half-big-frame");
    CHECK(wsc_open("h", &c));
    CHECKF(wsc_read("h", msg, sizeof msg, 5000 * test_slow(), NULL) == -1 && wsc_error_code() == WSC_ERR_CLOSED &&
           strstr(wsc_error_info(), "without TLS close_notify"), "%s: %s", server, wsc_error_info());
    CHECK(wsc_read_alloc("h", 0, NULL, NULL) == NULL); /* nothing was queued */
    wsc_close("h");
    c.path = "/half-big-frame-notify";
    CHECK(wsc_open("h", &c));
    CHECKF(wsc_read_alloc("h", 5000 * test_slow(), NULL, NULL) == NULL && wsc_error_code() == WSC_ERR_CLOSED &&
           strstr(wsc_error_info(), "without a close frame") && !strstr(wsc_error_info(), "close_notify"),
           "%s: %s", server, wsc_error_info());
    wsc_close("h");
}

TEST(truncation_in_a_large_frame) {
    big_truncation_on("SERVER", 0);
#ifdef WSCLIENT_TLS_OPENSSL
    big_truncation_on("V13", WSC_TLS1_3);
#endif
}

/* /big-frames of tls_server.py: large frames whose headers fall anywhere
   in a record, with small ones between them. */
static const size_t big_lens[] = {16384, 5, 16385, 100000, 65546, 3, 1048576, 40000};
#define BIG_COUNT (int)(sizeof big_lens / sizeof big_lens[0])

static int big_frame_ok(int k, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    size_t i;
    if (n != big_lens[k]) return 0;
    for (i = 0; i < n; i++)
        if (p[i] != (unsigned char)((i * 7 + (size_t)k) & 255)) return 0;
    return 1;
}

static int big_seen, big_bad;
static void big_event(const wsc_event_data *ev) {
    if (ev->event != WSC_EVENT_MESSAGE) return;
    if (big_seen >= BIG_COUNT || !ev->binary || !big_frame_ok(big_seen, ev->message, ev->length)) big_bad++;
    big_seen++;
}

/* Read three ways: into the reader's buffer (where they may be received
   straight), refused by a small buffer and then taken by wsc_read_alloc,
   and by a callback. Every byte is checked, then the socket still echoes. */
static void big_frames_on(const char *server, unsigned mask) {
    size_t cap = (1u << 20) + 1;
    unsigned char *buf = (unsigned char *)malloc(cap);
    wsc_config c = tls_cfg_on(server, mask, "/big-frames");
    char msg[16];
    long long end;
    int k;
    CHECKF(wsc_open("g", &c), "%s", wsc_error_info());
    for (k = 0; k < BIG_COUNT; k++) {
        int binary = 0;
        long n = wsc_read("g", buf, cap, 5000 * test_slow(), &binary);
        CHECKF(n >= 0 && binary && big_frame_ok(k, buf, (size_t)n), "%s: message %d: %ld bytes (%s)", server, k, n,
               n < 0 ? wsc_error_info() : "not the bytes sent");
    }
    CHECK(wsc_write("g", "after") && first_message("g", msg, sizeof msg) && strcmp(msg, "after") == 0);
    wsc_close("g");
    CHECKF(wsc_open("g", &c), "%s", wsc_error_info());
    for (k = 0; k < BIG_COUNT; k++) {
        size_t n = 0;
        char *m;
        if (big_lens[k] > 10) CHECK(wsc_read("g", buf, 10, 5000 * test_slow(), NULL) == -1 && wsc_error_code() == WSC_ERR_BUFFER_TOO_SMALL);
        m = wsc_read_alloc("g", 5000 * test_slow(), &n, NULL);
        CHECKF(m && big_frame_ok(k, m, n), "%s: message %d by wsc_read_alloc: %s", server, k, m ? "not the bytes sent" : wsc_error_info());
        wsc_free(m);
    }
    wsc_close("g");
    c.callback = big_event;
    big_seen = big_bad = 0;
    CHECKF(wsc_open("g", &c), "%s", wsc_error_info());
    for (end = now_ms() + 10000 * test_slow(); big_seen < BIG_COUNT && now_ms() < end;) wsc_pump(50);
    CHECKF(big_seen == BIG_COUNT && big_bad == 0, "%s: by callback, %d messages, %d wrong", server, big_seen, big_bad);
    wsc_close("g");
    pump_until_gone("g");
    free(buf);
}

TEST(large_frames_arrive_whole) {
    big_frames_on("SERVER", 0);
#ifdef WSCLIENT_TLS_OPENSSL
    big_frames_on("V13", WSC_TLS1_3);
#endif
}

/* ---- TLS messages after the handshake (tests/post_handshake_server.c) ---- */

static int posths_port(void) {
    const char *v = getenv("WSC_TEST_POSTHS_PORT");
    return v && *v ? atoi(v) : 0;
}

/* No server where the build found no OpenSSL 3: a SKIP line, never a pass. */
static int posths_missing(void) {
    return !posths_port() && SKIP("no tests/post_handshake_server (it needs OpenSSL 3: libssl-dev)");
}

static wsc_config posths_cfg(const char *path, unsigned mask) {
    wsc_config c = tls_cfg("localhost", posths_port(), path);
    c.ssl_options = mask;
    return c;
}

static int reneg_answered;
static void reneg_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_MESSAGE && !reneg_answered) reneg_answered = wsc_write(ev->name, "and now?");
    record(ev);
}

/* A TLS 1.2 server asks to renegotiate (a HelloRequest, as Apache does for
   a client certificate on one path): refused with the no_renegotiation
   warning, which OpenSSL's server ends with a fatal handshake_failure. The
   bytes before it still arrive, and the failure says what happened. */
TEST(renegotiation_is_refused_in_words) {
    wsc_config c = posths_cfg("/renegotiate", WSC_TLS1_2);
    char msg[64];
    if (posths_missing()) return;
    CHECKF(wsc_open("r", &c), "%s", wsc_error_info());
    CHECK(first_message("r", msg, sizeof msg) && strcmp(msg, "asked") == 0);
    (void)wsc_write("r", "and now?"); /* the failure may come here already */
    CHECK(wsc_read("r", msg, sizeof msg, 5000, NULL) == -1);
    CHECKF(wsc_error_code() == WSC_ERR_TLS && strstr(wsc_error_info(), "alert 40 (handshake_failure)") &&
           strstr(wsc_error_info(), "refuse its request to renegotiate"), "%d: %s", (int)wsc_error_code(), wsc_error_info());
    printf("  %s\n", wsc_error_info());
    wsc_close("r");
    c.callback = reneg_event;
    async_event = reneg_answered = 0;
    CHECK(wsc_open("r", &c));
    pump_until_gone("r");
    CHECK(reneg_answered);
    CHECKF(async_event == WSC_EVENT_ERROR && async_code == WSC_ERR_TLS && strstr(async_text, "refuse its request to renegotiate"),
           "%d %d: %s", async_event, async_code, async_text);
}

#ifdef WSCLIENT_TLS_OPENSSL
/* TLS 1.3 KeyUpdate (RFC 8446 §4.6.3): the server's new keys are read, and
   each update_requested gets one of ours before our next data, as OpenSSL's
   server counts them; 2000 at once are answered the same way. */
TEST(key_updates_are_answered) {
    wsc_config c = posths_cfg("/keyupdate", WSC_TLS1_3);
    char msg[64], want[64];
    int i, ok = 1;
    if (posths_missing()) return;
    CHECKF(wsc_open("k", &c), "%s", wsc_error_info());
    for (i = 0; i < 50 && ok; i++) {
        snprintf(want, sizeof want, "update %d", i);
        ok = first_message("k", msg, sizeof msg) && strcmp(msg, want) == 0;
        snprintf(want, sizeof want, "reply %d", i);
        ok = ok && (i % 2 ? wsc_write("k", want) : wsc_write_more("k", want, strlen(want), 0) && wsc_flush("k"));
        snprintf(want, sizeof want, "got reply %d", i);
        ok = ok && first_message("k", msg, sizeof msg) && strcmp(msg, want) == 0;
        CHECKF(ok, "round %d: %s / %s", i, msg, wsc_error_info());
    }
    CHECK(first_message("k", msg, sizeof msg));
    CHECKF(strcmp(msg, "client updates 50") == 0, "%s", msg);
    CHECKF(wsc_close("k") == 1, "%s", wsc_error_info());
    c.path = "/keyflood";
    CHECKF(wsc_open("k", &c), "%s", wsc_error_info());
    CHECK(first_message("k", msg, sizeof msg) && strcmp(msg, "flood sent") == 0);
    CHECK(wsc_write("k", "count them"));
    CHECK(first_message("k", msg, sizeof msg));
    CHECKF(strcmp(msg, "client updates 2000") == 0, "%s", msg);
    CHECKF(wsc_close("k") == 1, "%s", wsc_error_info());
}

/* KeyUpdates between the records of one 1 MiB frame: each answered, none
   in the message, every byte where it belongs. */
TEST(key_updates_inside_a_large_frame) {
    wsc_config c = posths_cfg("/keybig", WSC_TLS1_3);
    size_t n = 1u << 20, i, bad = 0;
    unsigned char *buf = (unsigned char *)malloc(n + 1);
    char msg[64];
    long k;
    if (posths_missing()) { free(buf); return; }
    CHECKF(wsc_open("k", &c), "%s", wsc_error_info());
    k = wsc_read("k", buf, n + 1, 10000 * test_slow(), NULL);
    for (i = 0; k == (long)n && i < n; i++) bad += buf[i] != (unsigned char)((i * 13) & 255);
    CHECKF(k == (long)n && bad == 0, "%ld bytes, %lu wrong: %s", k, (unsigned long)bad, k < 0 ? wsc_error_info() : "");
    CHECK(first_message("k", msg, sizeof msg) && strcmp(msg, "big sent") == 0);
    CHECK(wsc_write("k", "count them"));
    CHECK(first_message("k", msg, sizeof msg));
    CHECKF(strcmp(msg, "client updates 65") == 0, "%s", msg);
    CHECKF(wsc_close("k") == 1, "%s", wsc_error_info());
    free(buf);
}

/* KeyUpdates that arrive while we write: one after each of our messages,
   large ones (a write that spans many records, partly written when the
   request is read) and batches of small ones; each answered before the
   data that follows it. */
TEST(key_updates_while_writing) {
    enum { BIG = 32, SMALL = 200 };
    wsc_config c = posths_cfg("/keybulk", WSC_TLS1_3);
    char *big = (char *)malloc(65536), msg[64], want[64];
    int i, ok = 1, sent = 0;
    if (posths_missing()) { free(big); return; }
    if (!big) { CHECK(big != NULL); return; }
    memset(big, 'k', 65536);
    CHECKF(wsc_open("k", &c), "%s", wsc_error_info());
    for (i = 0; i < BIG && ok; i++) ok = wsc_write_binary("k", big, 65536), sent += ok;
    for (i = 0; i < SMALL && ok; i++) ok = wsc_write_more("k", big, 1000, 1), sent += ok;
    CHECKF(ok && wsc_flush("k"), "after %d messages: %s", sent, wsc_error_info());
    for (i = 0; i < BIG + SMALL && ok; i++) {
        ok = first_message("k", msg, sizeof msg) && strncmp(msg, i < BIG ? "len 65536 " : "len 1000 ", i < BIG ? 10 : 9) == 0;
        CHECKF(ok, "reply %d: %s", i, msg);
    }
    CHECK(wsc_write("k", "done") && first_message("k", msg, sizeof msg));
    snprintf(want, sizeof want, "len 4 updates %d", BIG + SMALL);
    CHECKF(strcmp(msg, want) == 0, "%s", msg);
    CHECKF(wsc_close("k") == 1, "%s", wsc_error_info());
    free(big);
}

static int sessions_kept(void) {
    int i, n = 0;
    for (i = 0; i < WSCLIENT_TLS_SESSIONS; i++) n += wsc__sessions[i].used != 0;
    return n;
}

/* 500 TLS 1.3 tickets in a row: each replaces the one kept for the server
   (one slot, not 500), and the last one resumes. */
TEST(a_flood_of_tickets_keeps_one) {
    wsc_config c = posths_cfg("/tickets", WSC_TLS1_3);
    wsc_tls_info info;
    char msg[64];
    if (posths_missing()) return;
    wsc_tls_clear_cache();
    CHECKF(wsc_open("t", &c), "%s", wsc_error_info());
    CHECK(first_message("t", msg, sizeof msg) && strcmp(msg, "tickets sent") == 0);
    CHECK(wsc_write("t", "echo") && first_message("t", msg, sizeof msg) && strcmp(msg, "echo") == 0);
    CHECKF(wsc_close("t") == 1, "%s", wsc_error_info());
    CHECKF(sessions_kept() == 1, "%d sessions kept", sessions_kept());
    c.path = "/echo";
    CHECKF(wsc_open("t", &c), "%s", wsc_error_info());
    CHECK(wsc_tls_get_info("t", &info) && info.resumed);
    wsc_close("t");
    wsc_tls_clear_cache();
}
#endif

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    ws_tls_port = env_port("WSC_TEST_TLS_PORT");
    unsetenv("SSL_CERT_DIR");
    setenv("SSL_CERT_FILE", cert("ca.pem"), 1);
    RUN(every_mask_against_every_version);
    RUN(mask_holes_are_exact);
    RUN(negotiated_version_and_cipher);
    RUN(certificate_failures_are_named);
    RUN(ip_addresses_match_ip_sans_only);
    RUN(host_names_and_wildcards);
    RUN(async_sockets_get_the_same_words);
    RUN(clock_hook);
    RUN(pem_decoding);
    RUN(trust_sources);
    RUN(names_pick_anchors_keys_decide);
    RUN(anchor_decoder_matches_bearssl);
#ifdef WSCLIENT_TLS_OPENSSL
    RUN(issuer_keys_kept_by_their_whole_point);
    RUN(one_hash_a_certificate_signature);
    RUN(kept_chain_checks_decide_nothing_new);
#endif
#ifndef WSCLIENT_TLS_OPENSSL
    RUN(engine_set_up_as_init_full_does);
#endif
    RUN(ca_cache_lifetimes);
    RUN(ca_file_rewritten_in_place);
    RUN(pinning);
    RUN(pin_only_needs_a_pin);
    RUN(memory_modes);
    RUN(session_resumption);
    RUN(resumption_trusts_only_what_a_full_handshake_would);
#ifdef WSCLIENT_TLS_OPENSSL
    RUN(application_errors_in_the_openssl_queue);
#endif
    RUN(close_sends_close_notify);
    RUN(truncation_is_an_error_never_a_message);
    RUN(truncation_in_a_large_frame);
    RUN(large_frames_arrive_whole);
    RUN(renegotiation_is_refused_in_words);
#ifdef WSCLIENT_TLS_OPENSSL
    RUN(key_updates_are_answered);
    RUN(key_updates_while_writing);
    RUN(key_updates_inside_a_large_frame);
    RUN(a_flood_of_tickets_keeps_one);
#endif
    wsc_close_all();
    wsc_tls_clear_cache();
    return test_summary("test_tls");
}

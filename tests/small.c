/* small.c - the WSCLIENT_SMALL build (the smallest, for devices), against
   the same loopback servers as tests/tls.c, started by tests/run.sh:
   tests/ws_server.py (python3-websockets echo, over TLS and plain) and
   tests/tls_server.py (one listener per TLS version and certificate case).

   Built with -DWSCLIENT_SMALL. Covered: trust only from compiled-in anchors
   (every other trust or pin option refused at once, also for async sockets;
   no system bundle, SSL_CERT_FILE ignored), URLs refused (WinDev's
   address, port and path are the way in), no IP-address certificate check
   (an IP literal needs server_name), no session resumption, the shorter
   certificate words, the clock hook, the masking loop on every length 0..300
   and on large messages over TLS and plain TCP, async TLS sockets, the RSA
   server and the small-memory TLS modes. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <stdlib.h>
#include <time.h>

#include "test_anchors.c" /* made by build/pem2c from build/certs/ca.pem (Makefile) */

static int ws_tls_port, ws_plain_port; /* tests/ws_server.py over TLS, and plain */

/* A TLS config trusting the test CA through compiled-in anchors: the only
   trust source of this build. */
static wsc_config tls_cfg(const char *host, int port, const char *path) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = host;
    c.port = port;
    c.path = path;
    c.tls = 1;
    c.timeout_ms = 5000;
    c.trust_anchors = test_anchors;
    c.trust_anchor_count = test_anchors_count;
    return c;
}

static wsc_config plain_cfg(void) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "127.0.0.1";
    c.port = ws_plain_port;
    c.path = "/echo";
    c.timeout_ms = 5000;
    return c;
}

/* A refused option: WSC_ERR_ARGUMENT at once, naming the option and the switch. */
static int refused(const wsc_config *c, const char *option) {
    return fails_with(c, WSC_ERR_ARGUMENT, option, "WSCLIENT_SMALL");
}

/* A certificate failure in this build's words: "TLS certificate check
   failed", the words, and "(BearSSL error N)" last. */
static int cert_fails(const wsc_config *c, const char *words, int br_err) {
    char tail[40];
    const char *info;
    size_t n, tn;
    int ok;
    if (!fails_with(c, WSC_ERR_CERTIFICATE, words, NULL)) return 0;
    info = wsc_error_info();
    snprintf(tail, sizeof tail, "(BearSSL error %d)", br_err);
    n = strlen(info);
    tn = strlen(tail);
    ok = strncmp(info, "TLS certificate check failed", 28) == 0 && n >= tn && strcmp(info + n - tn, tail) == 0;
    if (!ok) printf("  wanted 'TLS certificate check failed...%s', got: %s\n", tail, info);
    return ok;
}

/* Sends text, reads it back whole: 1 if the same came back. */
static int echo_text(const char *name, const char *text) {
    char back[256];
    int bin = -1;
    long n = wsc_write(name, text) ? wsc_read(name, back, sizeof back, 5000, &bin) : -2;
    int ok = n == (long)strlen(text) && bin == 0 && memcmp(back, text, (size_t)n) == 0;
    if (!ok) printf("  echo of '%s' on %s: got %ld: %s\n", text, name, n, wsc_error_info());
    return ok;
}

static int open_echo_close(const wsc_config *c, const char *text) {
    int ok = wsc_open("e", c);
    if (!ok) { printf("  connect: %s\n", wsc_error_info()); return 0; }
    ok = echo_text("e", text);
    wsc_close("e");
    return ok;
}

static size_t file_text(const char *file, char *out, size_t cap) {
    FILE *f = fopen(cert(file), "rb");
    size_t n = f ? fread(out, 1, cap - 1, f) : 0;
    if (f) fclose(f);
    out[n] = 0;
    return n;
}

static int b64(int ch) {
    const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", *p = strchr(tab, ch);
    return ch && p ? (int)(p - tab) : -1;
}

static void pin_raw(const char *text, unsigned char out[32]) {
    unsigned acc = 0, bits = 0, k = 0;
    for (; *text && *text != '=' && b64(*text) >= 0; text++) {
        acc = (acc << 6) | (unsigned)b64(*text);
        if ((bits += 6) >= 8) { bits -= 8; if (k < 32) out[k++] = (unsigned char)(acc >> bits); }
    }
}

/* ---- 1. trust: compiled-in anchors only ---- */

static int cb_calls;
static void count_calls(const wsc_event_data *ev) { (void)ev; cb_calls++; }

TEST(other_trust_options_are_refused) {
    static char pem[8192];
    char pin[80], pins[100];
    unsigned char raw[32];
    wsc_config base = tls_cfg("localhost", ws_tls_port, "/echo"), c;
    long long end;
    CHECK(file_text("ca.pem", pem, sizeof pem) > 0);
    file_text("server.pin", pin, sizeof pin);
    pin[strcspn(pin, "\r\n")] = 0;
    CHECK(strlen(pin) == 44);
    snprintf(pins, sizeof pins, "sha256//%s", pin);
    memset(raw, 0, sizeof raw);
    pin_raw(pin, raw);

    CHECK(open_echo_close(&base, "anchors alone")); /* the one way in */
    c = base; c.ca_file = cert("ca.pem");
    CHECK(refused(&c, "ca_file"));
    c = base; c.ca_pem = pem;
    CHECK(refused(&c, "ca_pem"));
    c = base; c.pinned_keys = pins;
    CHECK(refused(&c, "pinned_keys"));
    c = base; c.pinned_keys_raw = raw; c.pinned_keys_raw_count = 1;
    CHECK(refused(&c, "pinned_keys_raw"));
    c = base; c.pin_only = 1;
    CHECK(refused(&c, "pin_only"));
    c = base; c.dangerous_no_certificate_check = 1;
    CHECK(refused(&c, "dangerous_no_certificate_check"));
    /* an async socket: refused at once, and its callback never runs */
    c = base; c.ca_file = cert("ca.pem"); c.callback = count_calls;
    cb_calls = 0;
    CHECK(refused(&c, "ca_file"));
    CHECK(!wsc_exist("t"));
    c = base; c.dangerous_no_certificate_check = 1; c.callback = count_calls;
    CHECK(refused(&c, "dangerous_no_certificate_check"));
    end = now_ms() + 300;
    while (now_ms() < end) wsc_pump(50);
    CHECKF(cb_calls == 0, "the callback ran %d times", cb_calls);
}

TEST(no_anchors_no_trust) {
    wsc_config c = tls_cfg("localhost", ws_tls_port, "/echo");
    int started;
    long long end;
    /* SSL_CERT_FILE names the test CA (main): no system bundle reads it */
    CHECK(getenv("SSL_CERT_FILE") != NULL);
    c.trust_anchors = NULL;
    c.trust_anchor_count = 0;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "trust_anchors", NULL));
    /* the shorthand has no config, so no anchors */
    started = wsc_connect_ssl("s", "localhost", ws_tls_port, "/", NULL, 0, 5000);
    CHECKF(!started && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "trust_anchors"),
           "connected %d, %d: %s", started, (int)wsc_error_code(), wsc_error_info());
    if (started) wsc_close("s");
    /* and its async form: refused at once, or an ERROR event saying the same */
    cb_calls = 0;
    started = wsc_connect_ssl_async("s", count_calls, "localhost", ws_tls_port, "/", NULL, 0);
    if (!started) {
        CHECKF(wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "trust_anchors"), "%d: %s",
               (int)wsc_error_code(), wsc_error_info());
    } else {
        end = now_ms() + 5000;
        while (wsc_exist("s") && now_ms() < end) wsc_pump(50);
        CHECKF(!wsc_exist("s") && cb_calls == 1, "the async shorthand connected (%d events)", cb_calls);
        wsc_close("s");
    }
}

TEST(plain_sockets_ignore_the_trust_fields) {
    static char pem[8192];
    unsigned char raw[32];
    wsc_config c = plain_cfg();
    c.ca_file = cert("ca.pem");
    CHECK(open_echo_close(&c, "plain with ca_file"));
    file_text("ca.pem", pem, sizeof pem);
    memset(raw, 7, sizeof raw);
    c.ca_pem = pem;
    c.pinned_keys = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    c.pinned_keys_raw = raw;
    c.pinned_keys_raw_count = 1;
    c.pin_only = 1;
    c.dangerous_no_certificate_check = 1;
    CHECK(open_echo_close(&c, "plain with every trust field"));
}

/* ---- The server's answer: a refusal's status alone, redirects ignored ---- */

TEST(refusal_status_alone) {
    wsc_config c = plain_cfg();
    c.path = "/404";
    c.max_redirects = 3; /* ignored: the small build follows no redirect */
    CHECK(!wsc_open("r", &c) && wsc_error_code() == WSC_ERR_HTTP_STATUS);
    CHECKF(wsc_error_http_status() == 404, "%d: %s", wsc_error_http_status(), wsc_error_info());
    CHECKF(strcmp(wsc_error_info(), "server refused the upgrade: HTTP 404") == 0, "%s", wsc_error_info()); /* no reason phrase */
    CHECK(wsc_error_header("Content-Type", 0) == NULL && wsc_error_body(NULL) == NULL);
    CHECK(!wsc_exist("x"));
    c.path = "/";
    CHECK(wsc_open("r", &c));
    CHECK(wsc_error_http_status() == 0 && wsc_response_header("r", "Upgrade", 0) == NULL);
    wsc_close("r");
}

/* ---- URLs: this build parses none; WinDev's address, port and path ---- */

TEST(urls_are_refused) {
    char url[64];
    wsc_config c;
    memset(&c, 0, sizeof c);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/echo", ws_plain_port);
    c.url = url;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "url", "WSCLIENT_SMALL"));
    c = tls_cfg(NULL, 0, NULL);
    snprintf(url, sizeof url, "wss://localhost:%d/", ws_tls_port);
    c.url = url;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "url", "WSCLIENT_SMALL"));
    c.callback = count_calls; /* refused at once for an async socket too */
    cb_calls = 0;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "url", "WSCLIENT_SMALL") && cb_calls == 0 && !wsc_exist("t"));
}

/* Automatic reconnect is left out: refused by name, plain or TLS. */
TEST(reconnect_is_refused) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "127.0.0.1";
    c.port = ws_plain_port;
    c.callback = count_calls;
    c.reconnect = 1;
    cb_calls = 0;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "reconnect", "WSCLIENT_SMALL") && cb_calls == 0 && !wsc_exist("t"));
    c = tls_cfg("localhost", ws_tls_port, "/");
    c.callback = count_calls;
    c.reconnect = 1;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "reconnect", "WSCLIENT_SMALL") && cb_calls == 0);
}

/* ---- 2. no IP-address certificate check ---- */

TEST(ip_literals_need_server_name) {
    static const char *const ips[3] = {"127.0.0.1", "::1", "[::1]"};
    int i;
    for (i = 0; i < 3; i++) {
        wsc_config c = tls_cfg(ips[i], ws_tls_port, "/echo");
        if (i > 0 && SKIP_WITHOUT_IPV6()) continue;
        CHECKF(fails_with(&c, WSC_ERR_ARGUMENT, "server_name", NULL), "address %s", ips[i]);
        c.server_name = "localhost"; /* the certificate has DNS:localhost */
        CHECKF(open_echo_close(&c, "by IP, checked as localhost"), "address %s", ips[i]);
        c.server_name = "wrong.example";
        CHECKF(fails_with(&c, WSC_ERR_CERTIFICATE, NULL, NULL), "address %s", ips[i]);
    }
}

/* ---- 3. no session resumption ---- */

TEST(no_session_resumption) {
    wsc_config c = tls_cfg("localhost", tls_port("V12"), "/session");
    int i;
    for (i = 0; i < 2; i++) {
        wsc_tls_info info;
        char msg[32];
        long n;
        memset(&info, 0xff, sizeof info);
        CHECKF(wsc_open("s", &c), "connect %d: %s", i, wsc_error_info());
        CHECK(wsc_tls_get_info("s", &info) == 1);
        CHECKF(info.resumed == 0 && info.version == 0x0303, "connect %d: resumed %d, version 0x%04x", i,
               info.resumed, info.version);
        n = wsc_read("s", msg, sizeof msg, 5000, NULL);
        CHECKF(n == 3 && strcmp(msg, "new") == 0, "connect %d: the server says '%s'", i, n > 0 ? msg : "");
        wsc_close("s");
    }
}

/* ---- 4. certificate and version failures, in this build's words ---- */

TEST(certificate_failures) {
    wsc_config c;
    c = tls_cfg("localhost", tls_port("SELFSIGNED"), "/");
    CHECK(cert_fails(&c, "not trusted", 62));
    c = tls_cfg("localhost", env_port("WSC_TEST_UNTRUSTED_PORT"), "/");
    CHECK(cert_fails(&c, "not trusted", 62));
    c = tls_cfg("localhost", tls_port("LEAF_INT"), "/"); /* the intermediate is missing */
    CHECK(cert_fails(&c, "not trusted", 62));
    c = tls_cfg("localhost", tls_port("EXPIRED"), "/");
    CHECK(cert_fails(&c, "expired or not yet valid", 54));
    c = tls_cfg("localhost", tls_port("NOTYET"), "/");
    CHECK(cert_fails(&c, "expired or not yet valid", 54));
    c = tls_cfg("localhost", tls_port("SERVER"), "/");
    c.server_name = "wrong.example";
    CHECK(cert_fails(&c, "does not match the host name", 56));
    c = tls_cfg("localhost", env_port("WSC_TEST_WRONG_PORT"), "/"); /* a certificate for wrong.example */
    CHECK(cert_fails(&c, "does not match the host name", 56));
    c = tls_cfg("localhost", tls_port("CHAIN_NOTCA"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "BearSSL error", NULL));
    c = tls_cfg("localhost", tls_port("CHAIN_DN"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "BearSSL error", NULL));
    c = tls_cfg("localhost", tls_port("BADSIG"), "/");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "BearSSL error", NULL));
    c = tls_cfg("localhost", tls_port("CHAIN_INT"), "/"); /* leaf + intermediate: good */
    CHECKF(try_open(&c), "%s", wsc_error_info());
}

/* The small build matches names with BearSSL's own rules, as docs/platforms.md
   ("WSCLIENT_SMALL") says: a wildcard covers one label, but it also takes
   "*.com" for example.com and ".example.com" for "*.example.com", and the
   FQDN form with its final dot does not match. The full build refuses the
   first two and takes the third (tests/tls.c host_names_and_wildcards). */
TEST(names_are_bearssl_s) {
    wsc_config c = tls_cfg("localhost", tls_port("WILD"), "/"); /* DNS:*.com, DNS:*.example.com */
    c.server_name = "a.example.com";
    CHECKF(try_open(&c), "%s", wsc_error_info());
    c.server_name = "a.b.example.com";
    CHECK(cert_fails(&c, "does not match the host name", 56));
    c.server_name = "example.com"; /* the documented limit */
    CHECK(try_open(&c));
    c = tls_cfg("localhost", tls_port("SERVER"), "/");
    c.server_name = "localhost.";
    CHECK(cert_fails(&c, "does not match the host name", 56));
}

TEST(version_failures) {
    wsc_config c = tls_cfg("localhost", tls_port("V10"), "/");
    wsc_tls_info info;
    c.ssl_options = WSC_TLS1_2;
    CHECK(fails_with(&c, WSC_ERR_TLS, "BearSSL error", NULL));
    c.ssl_options = WSC_TLS1_3;
    CHECK(fails_with(&c, WSC_ERR_TLS_VERSION, NULL, NULL));
    c.ssl_options = WSC_TLS1; /* and the mask still reaches TLS 1.0 */
    CHECKF(wsc_open("v", &c), "%s", wsc_error_info());
    CHECK(wsc_tls_get_info("v", &info) == 1 && info.version == 0x0301);
    wsc_close("v");
}

/* ---- 5. the clock hook ---- */

static long long hook_time;
static void *hook_user;
static int hook_calls;
static long long fake_clock(void *user) { hook_user = user; hook_calls++; return hook_time; }

TEST(clock_hook) {
    int marker;
    wsc_config c = tls_cfg("localhost", tls_port("SERVER"), "/");
    c.unix_time = fake_clock;
    c.user = &marker;
    c.tls_no_resume = 1; /* each connect checks the certificate, whatever the build */
    hook_time = 4070908800LL; /* 2099-01-01: the test certificates last 30 days */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "BearSSL error 54", NULL));
    hook_time = -1; /* no clock */
    hook_user = NULL;
    hook_calls = 0;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, NULL, NULL));
    CHECK(hook_calls > 0 && hook_user == &marker);
    hook_time = (long long)time(NULL);
    CHECKF(try_open(&c), "%s", wsc_error_info());
}

/* ---- 6. masking: every short length, and large messages ---- */

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;
static unsigned rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state >> 32);
}

/* n bytes of pattern kind (text: printable ASCII, valid UTF-8) */
static void fill(unsigned char *p, size_t n, int binary, unsigned kind) {
    size_t i;
    for (i = 0; i < n; i++) {
        if (!binary) {
            p[i] = (unsigned char)(0x20 + (kind % 2 ? rng() % 95 : (i * 13 + kind) % 95));
            continue;
        }
        switch (kind % 5) {
        case 0: p[i] = (unsigned char)i; break;
        case 1: p[i] = (unsigned char)(0xff - i * 7); break;
        case 2: p[i] = (unsigned char)rng(); break;
        case 3: p[i] = 0; break;   /* the mask shows through as it is */
        default: p[i] = 0xff; break;
        }
    }
}

/* Sends n bytes from src (any alignment) and compares what comes back. */
static int echo_bytes(const char *name, const unsigned char *src, size_t n, int binary, unsigned char *back, size_t cap) {
    int got = -1, ok;
    long k;
    ok = binary ? wsc_write_binary(name, src, n) : wsc_write_text(name, (const char *)src, n);
    k = ok ? wsc_read(name, back, cap, 5000, &got) : -2;
    ok = ok && k == (long)n && got == binary && memcmp(src, back, n) == 0;
    if (!ok) printf("  %s echo of %lu bytes on %s: got %ld (binary %d): %s\n", binary ? "binary" : "text",
                    (unsigned long)n, name, k, got, wsc_error_info());
    return ok;
}

static void masking_on(const wsc_config *c, const char *label) {
    static const size_t big[4] = {65535, 65536, 70000, 1u << 20};
    size_t cap = (1u << 20) + 64, n;
    unsigned char *buf = (unsigned char *)malloc(cap), *back = (unsigned char *)malloc(cap);
    int binary, i, bad = 0;
    if (!buf || !back || !wsc_open("m", c)) {
        CHECKF(0, "%s: %s", label, buf && back ? wsc_error_info() : "out of memory");
        free(buf);
        free(back);
        return;
    }
    for (binary = 0; binary < 2; binary++) {
        bad = 0;
        for (n = 0; n <= 300; n++) {
            unsigned char *src = buf + n % 8; /* every alignment of the source */
            fill(src, n, binary, (unsigned)n);
            if (!echo_bytes("m", src, n, binary, back, cap) && ++bad >= 5) break;
        }
        CHECKF(bad == 0, "%s: %d short %s messages wrong", label, bad, binary ? "binary" : "text");
        for (i = 0; i < 4; i++) {
            unsigned char *src = buf + (unsigned)i * 3 % 8;
            fill(src, big[i], binary, (unsigned)i + 1);
            CHECKF(echo_bytes("m", src, big[i], binary, back, cap), "%s: %s, %lu bytes", label,
                   binary ? "binary" : "text", (unsigned long)big[i]);
        }
    }
    /* one message in 3 frames, read back whole: each length form of a frame */
    {
        size_t part[3] = {1, 200, 70001}, total = part[0] + part[1] + part[2];
        long k;
        int got = -1, ok = 1;
        fill(buf, total, 0, 7);
        ok = wsc_write_part("m", buf, part[0], 0, 0) && wsc_write_part("m", buf + part[0], part[1], 0, 0) &&
             wsc_write_part("m", buf + part[0] + part[1], part[2], 0, 1);
        k = ok ? wsc_read("m", back, cap, 5000, &got) : -2;
        CHECKF(ok && k == (long)total && got == 0 && memcmp(buf, back, total) == 0, "%s: write_part: got %ld: %s",
               label, k, wsc_error_info());
    }
    CHECK(wsc_close("m") == 1);
    free(buf);
    free(back);
}

TEST(masking_every_length) {
    wsc_config c = tls_cfg("localhost", ws_tls_port, "/echo");
    masking_on(&c, "wss");
    c = plain_cfg();
    masking_on(&c, "ws");
}

/* ---- 7. async over TLS ---- */

static struct {
    int opened, messages, errors, closes, code;
    char text[256];
} as;

static void on_event(const wsc_event_data *ev) {
    switch (ev->event) {
    case WSC_EVENT_OPEN:
        as.opened++;
        if (!wsc_write(ev->name, "async over TLS")) printf("  write in OPEN: %s\n", wsc_error_info());
        break;
    case WSC_EVENT_MESSAGE:
        as.messages++;
        snprintf(as.text, sizeof as.text, "%.*s", (int)ev->length, ev->message);
        wsc_close(ev->name);
        break;
    case WSC_EVENT_ERROR:
        as.errors++;
        as.code = ev->code;
        snprintf(as.text, sizeof as.text, "%.*s", (int)ev->length, ev->message ? ev->message : "");
        break;
    default:
        as.closes++;
        break;
    }
}

TEST(async_tls) {
    wsc_config c = tls_cfg("localhost", ws_tls_port, "/echo");
    memset(&as, 0, sizeof as);
    c.callback = on_event;
    CHECKF(wsc_open("a", &c), "%s", wsc_error_info());
    pump_until_gone("a");
    CHECKF(as.opened == 1 && as.messages == 1 && as.errors == 0 && strcmp(as.text, "async over TLS") == 0,
           "open %d, messages %d, errors %d: %s", as.opened, as.messages, as.errors, as.text);
    CHECK(!wsc_exist("a"));
    wsc_close("a"); /* in case the pump ran out of time */
    /* a certificate failure arrives as an ERROR event */
    memset(&as, 0, sizeof as);
    c = tls_cfg("localhost", tls_port("EXPIRED"), "/");
    c.callback = on_event;
    CHECKF(wsc_open("a", &c), "%s", wsc_error_info());
    pump_until_gone("a");
    CHECKF(as.opened == 0 && as.errors == 1 && as.code == WSC_ERR_CERTIFICATE, "open %d, errors %d, code %d: %s",
           as.opened, as.errors, as.code, as.text);
    wsc_close("a");
}

/* ---- 8. RSA, and the small-memory TLS modes ---- */

TEST(rsa_and_memory_modes) {
    wsc_config c = tls_cfg("localhost", env_port("WSC_TEST_RSA_PORT"), "/echo");
    unsigned char msg[5000], back[5001];
    wsc_tls_info info;
    int mode;
    CHECK(open_echo_close(&c, "over RSA"));
    fill(msg, sizeof msg, 1, 2);
    for (mode = 0; mode < 3; mode++) {
        c = tls_cfg("localhost", ws_tls_port, "/echo");
        c.tls_max_fragment = mode != 1 ? 1024 : 0;
        c.tls_half_duplex = mode != 0;
        if (!wsc_open("f", &c)) { CHECKF(0, "mode %d: %s", mode, wsc_error_info()); continue; }
        CHECK(wsc_tls_get_info("f", &info) == 1 && info.half_duplex == c.tls_half_duplex &&
              info.max_fragment == (c.tls_max_fragment ? c.tls_max_fragment : 16384));
        CHECKF(echo_bytes("f", msg, sizeof msg, 1, back, sizeof back), "mode %d", mode);
        CHECK(wsc_close("f") == 1);
    }
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    ws_tls_port = env_port("WSC_TEST_TLS_PORT");
    ws_plain_port = env_port("WSC_TEST_PLAIN_PORT");
    /* a system bundle would trust the test CA: this build must not read it */
    unsetenv("SSL_CERT_DIR");
    setenv("SSL_CERT_FILE", cert("ca.pem"), 1);
    RUN(other_trust_options_are_refused);
    RUN(no_anchors_no_trust);
    RUN(plain_sockets_ignore_the_trust_fields);
    RUN(urls_are_refused);
    RUN(reconnect_is_refused);
    RUN(refusal_status_alone);
    RUN(ip_literals_need_server_name);
    RUN(no_session_resumption);
    RUN(certificate_failures);
    RUN(names_are_bearssl_s);
    RUN(version_failures);
    RUN(clock_hook);
    RUN(masking_every_length);
    RUN(async_tls);
    RUN(rsa_and_memory_modes);
    wsc_close_all();
    return test_summary("test_small");
}

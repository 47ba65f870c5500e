/* core.c - integration tests of the core against real servers on loopback:
   tests/ws_server.py (Debian's python3-websockets) started by tests/run.sh,
   and a few raw TCP listeners made here. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"

#include <stdlib.h>
#include <unistd.h> /* alarm: a pump that hangs ends the test */

static int tls_port, plain_port, wrong_port, untrusted_port, rsa_port, v4only_port, v6only_port;
static char certs[512];

static int env_port(const char *name) {
    const char *v = getenv(name);
    if (!v) { printf("%s is not set: run through tests/run.sh (make test)\n", name); exit(2); }
    return atoi(v);
}

static const char *cert(const char *file) {
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", certs, file);
    return path;
}

/* A TCP listener on 127.0.0.1 that never accepts: connects succeed, nothing answers. */
static int silent_listener(int *port) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    listen(fd, 16);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port on 127.0.0.1 where nothing listens. */
static int closed_port(void) {
    int port, fd = silent_listener(&port);
    close(fd);
    return port;
}

static unsigned char *pattern(size_t n, unsigned seed) {
    unsigned char *p = (unsigned char *)malloc(n + 1);
    size_t i;
    for (i = 0; i < n; i++) p[i] = (unsigned char)('a' + (i * 7 + seed) % 26);
    return p;
}

/* Writes a message and checks the echo byte for byte. */
static int echo_ok(const char *name, size_t n, int binary) {
    unsigned char *msg = pattern(n, (unsigned)n), *back = (unsigned char *)malloc(n + 1);
    int got_binary = -1, ok;
    long k;
    ok = binary ? wsc_write_binary(name, msg, n) : wsc_write_text(name, (const char *)msg, n);
    k = ok ? wsc_read(name, back, n + 1, 5000, &got_binary) : -2;
    ok = ok && k == (long)n && got_binary == binary && memcmp(msg, back, n) == 0;
    if (!ok) printf("  echo of %lu bytes (%s): got %ld, %s\n", (unsigned long)n, binary ? "binary" : "text", k, wsc_error_info());
    free(msg);
    free(back);
    return ok;
}

static int open_tls(const char *name, const char *host, const char *path) {
    int ok = wsc_connect_ssl(name, host, tls_port, path, NULL, 0, 5000);
    if (!ok) printf("  connect %s %s: %s\n", host, path ? path : "/", wsc_error_info());
    return ok;
}

static int open_plain(const char *name, const char *path) {
    int ok = wsc_connect(name, "127.0.0.1", plain_port, path, NULL, 5000);
    if (!ok) printf("  connect plain %s: %s\n", path ? path : "/", wsc_error_info());
    return ok;
}

static const size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 1048576};

TEST(echo_sizes_over_wss) {
    size_t i;
    if (!open_tls("e", "localhost", "/echo")) { CHECK(0); return; }
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECKF(echo_ok("e", sizes[i], 0), "text %lu", (unsigned long)sizes[i]);
        CHECKF(echo_ok("e", sizes[i], 1), "binary %lu", (unsigned long)sizes[i]);
    }
    CHECK(wsc_close("e") == 1);
}

TEST(echo_sizes_over_ws) {
    size_t i;
    if (!open_plain("p", "/echo")) { CHECK(0); return; }
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECKF(echo_ok("p", sizes[i], 0), "text %lu", (unsigned long)sizes[i]);
        CHECKF(echo_ok("p", sizes[i], 1), "binary %lu", (unsigned long)sizes[i]);
    }
    CHECK(wsc_close("p") == 1);
}

TEST(address_forms) {
    static const char *const hosts[] = {"localhost", "127.0.0.1", "::1", "[::1]"};
    size_t i;
    for (i = 0; i < 4; i++) {
        int ok;
        if (strchr(hosts[i], ':') && SKIP_WITHOUT_IPV6()) continue;
        ok = open_tls("h", hosts[i], NULL); /* NULL path: "/" */
        CHECKF(ok, "%s", hosts[i]);
        if (ok) { CHECK(echo_ok("h", 10, 0)); wsc_close("h"); }
    }
    /* a host name that resolves to both families works whichever one listens */
    CHECK(wsc_connect("h", "localhost", plain_port, "/", NULL, 5000) && echo_ok("h", 3, 1));
    wsc_close("h");
    CHECK(wsc_connect("h", "localhost", v4only_port, "/", NULL, 5000) && echo_ok("h", 3, 1));
    wsc_close("h");
    if (SKIP_WITHOUT_IPV6()) return;
    CHECK(!wsc_connect("h", "127.0.0.1", v6only_port, "/", NULL, 5000) && wsc_error_code() == WSC_ERR_CONNECT);
}

/* A name that resolves to both families, the first of which refuses: this
   machine's resolver may know localhost as 127.0.0.1 only, so the test builds
   the answer (127.0.0.1 then ::1, where only ::1 listens) and hands it to the
   engine in place of getaddrinfo's. */
TEST(address_fallback_across_families) {
    struct addrinfo hints, *v4 = NULL, *v6 = NULL;
    char port[8];
    wsc_config c;
    wsc__socket *s;
    int ok;
    if (SKIP_WITHOUT_IPV6()) return;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(port, sizeof port, "%d", v6only_port);
    if (getaddrinfo("127.0.0.1", port, &hints, &v4) != 0 || getaddrinfo("::1", port, &hints, &v6) != 0) { CHECK(0); return; }
    v4->ai_next = v6; /* glibc frees the chain node by node */
    memset(&c, 0, sizeof c);
    c.address = "dual.test";
    c.port = v6only_port;
    c.path = "/echo";
    c.timeout_ms = 5000;
    s = wsc__socket_new("fam", &c, wsc__slot_mem(wsc__free_slot()));
    CHECK(s != NULL);
    if (!s) return;
    s->addrs = s->next_addr = v4;
    CHECK(wsc__connect_next(s) == 1);
    WSC__LOCK(); /* the library's internals run under its lock */
    ok = wsc__start(wsc__free_slot(), s);
    WSC__UNLOCK();
    CHECKF(ok == 1, "%s", wsc_error_info());
    CHECK(echo_ok("fam", 12, 0));
    wsc_close("fam");
}

/* A sync write that runs out of time hands the rest of its message to the
   library (which sends it later): the caller's buffer is free again at once,
   and the message still arrives whole. Over wss the payload is masked
   straight into TLS records, over ws 16 KiB at a time. The server reads
   nothing for a second, through a 64 KiB receive buffer, so the write
   cannot finish in time however fast the machine is. */
TEST(write_timeout_keeps_the_rest) {
    size_t n = WSCLIENT_MAX_MESSAGE < (8u << 20) ? WSCLIENT_MAX_MESSAGE : (8u << 20);
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        unsigned char *msg = pattern(n, 7), *expect = pattern(n, 7), *back;
        size_t got = 0;
        wsc_config c;
        memset(&c, 0, sizeof c);
        c.address = tls ? "localhost" : "127.0.0.1";
        c.port = tls ? tls_port : plain_port;
        char path[40];
        long long t0;
        int wrote;
        snprintf(path, sizeof path, "/late-echo?pause=%d", test_slow());
        c.path = path;
        c.tls = tls;
        c.timeout_ms = 5000 * test_slow();
        c.write_timeout_ms = 1;
        if (!wsc_open("wt", &c)) { CHECKF(0, "%s", wsc_error_info()); free(msg); free(expect); continue; }
        /* 8 MiB does not fit the buffers (a smaller build's limit might);
           only a client slower than the server's pause (an emulator under
           load) may never find them full, and then it must have taken that long */
        t0 = now_ms();
        wrote = wsc_write_binary("wt", msg, n);
        if (wrote && n == (8u << 20) && now_ms() - t0 >= 1000 * test_slow())
            printf("  %s: the write took %lld ms, past the server's pause: it never had to wait\n", tls ? "wss" : "ws", now_ms() - t0);
        else
            CHECKF(wrote ? n < (8u << 20) : wsc_error_code() == WSC_ERR_TIMEOUT, "%s: %lld ms: %s", tls ? "wss" : "ws",
                   now_ms() - t0, wrote ? "the write went through" : wsc_error_info());
        memset(msg, 0xEE, n); /* the caller's buffer is the caller's again */
        back = (unsigned char *)wsc_read_alloc("wt", 20000, &got, NULL);
        CHECKF(back && got == n && memcmp(back, expect, n) == 0, "%s: %lu bytes back: %s", tls ? "wss" : "ws",
               (unsigned long)got, back ? "differ" : wsc_error_info());
        wsc_free(back);
        CHECK(echo_ok("wt", 70000, 1)); /* and the stream goes on framed right */
        wsc_close("wt");
        free(msg);
        free(expect);
    }
}

TEST(read_buffer_too_small_keeps_message) {
    char small[10], big[100];
    int binary = -1;
    size_t len = 0;
    char *m;
    if (!open_tls("r", "localhost", "/echo")) { CHECK(0); return; }
    CHECK(wsc_write("r", "a message of 27 characters"));
    CHECK(wsc_read("r", small, sizeof small, 5000, NULL) == -1 && wsc_error_code() == WSC_ERR_BUFFER_TOO_SMALL &&
          strstr(wsc_error_info(), "26"));
    CHECK(wsc_read("r", big, sizeof big, 5000, &binary) == 26 && strcmp(big, "a message of 27 characters") == 0 && binary == 0);
    CHECK(wsc_write_binary("r", "\0\1\2", 3));
    m = wsc_read_alloc("r", 5000, &len, &binary);
    CHECK(m && len == 3 && binary == 1 && m[0] == 0 && m[2] == 2);
    wsc_free(m);
    wsc_close("r");
}

/* A message is received straight into the reader's buffer when it fits;
   one that outgrows it on a later fragment moves to the library's memory and
   stays queued whole for a bigger buffer. */
TEST(read_buffer_outgrown_by_a_fragment) {
    static unsigned char buf[210001];
    int binary = -1, ok = 1, i;
    if (!open_plain("of", "/binfrag")) { CHECK(0); return; }
    /* fragments of 70000: the first fits 100000, the second does not */
    CHECK(wsc_read("of", buf, 100000, 5000, NULL) == -1 && wsc_error_code() == WSC_ERR_BUFFER_TOO_SMALL &&
          strstr(wsc_error_info(), "210000"));
    memset(buf, 0, sizeof buf);
    CHECK(wsc_read("of", buf, sizeof buf, 5000, &binary) == 210000 && binary == 1);
    for (i = 0; i < 210000; i++) ok &= buf[i] == (unsigned char)(i % 256);
    CHECK(ok);
    CHECK(echo_ok("of", 5000, 0));
    wsc_close("of");
}

TEST(read_waits_as_asked) {
    char buf[16];
    long long t0;
    if (!open_tls("w", "localhost", "/echo")) { CHECK(0); return; }
    t0 = now_ms();
    CHECK(wsc_read("w", buf, sizeof buf, WSC_NO_WAIT, NULL) == -1 && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECK(now_ms() - t0 < 100);
    t0 = now_ms();
    CHECK(wsc_read("w", buf, sizeof buf, 200, NULL) == -1 && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECKF(now_ms() - t0 >= 190 && now_ms() - t0 < 2000, "%lld ms", now_ms() - t0);
    CHECK(wsc_write("w", "no bound"));
    CHECK(wsc_read("w", buf, sizeof buf, WSC_WAIT_FOREVER, NULL) == 8 && strcmp(buf, "no bound") == 0);
    /* exactly capacity bytes: delivered whole, without the NUL (the length says how long) */
    CHECK(wsc_write("w", "0123456789abcdef"));
    memset(buf, 'x', sizeof buf);
    CHECK(wsc_read("w", buf, 16, WSC_WAIT_FOREVER, NULL) == 16 && memcmp(buf, "0123456789abcdef", 16) == 0);
    wsc_close("w");
}

TEST(fragmented_messages_and_ping) {
    char buf[64];
    unsigned char *bin = (unsigned char *)malloc(210001);
    int binary = -1, i, ok = 1;
    if (open_tls("f", "localhost", "/fragmented")) {
        CHECK(wsc_read("f", buf, sizeof buf, 5000, &binary) == 24 && strcmp(buf, "Hello, fragmented world!") == 0 && !binary);
        CHECK(echo_ok("f", 100, 0));
        wsc_close("f");
    } else CHECK(0);
    if (open_plain("g", "/binfrag")) {
        CHECK(wsc_read("g", bin, 210001, 5000, &binary) == 210000 && binary == 1);
        for (i = 0; i < 210000; i++) ok &= bin[i] == (unsigned char)(i % 256);
        CHECK(ok);
        wsc_close("g");
    } else CHECK(0);
    if (open_tls("ping", "localhost", "/ping")) {
        CHECK(wsc_read("ping", buf, sizeof buf, 5000, NULL) == 7 && strcmp(buf, "pong ok") == 0);
        wsc_close("ping");
    } else CHECK(0);
    free(bin);
}

static int last_event, last_code, events_seen;
static char last_text[256];

static void record_event(const wsc_event_data *ev) {
    last_event = ev->event;
    last_code = ev->code;
    events_seen++;
    snprintf(last_text, sizeof last_text, "%.*s", (int)(ev->length < 255 ? ev->length : 255), ev->message);
}

static void pump_until_gone(const char *name, int ms) {
    long long end = now_ms() + ms;
    while (wsc_exist(name) && now_ms() < end) wsc_pump(50);
}

TEST(server_close) {
    char buf[32];
    if (open_tls("c", "localhost", "/close")) {
        CHECK(wsc_read("c", buf, sizeof buf, 5000, NULL) == -1 && wsc_error_code() == WSC_ERR_CLOSED &&
              strstr(wsc_error_info(), "4000") && strstr(wsc_error_info(), "bye bye"));
        CHECK(wsc_exist("c"));  /* a synchronous socket stays until wsc_close */
        CHECK(!wsc_write("c", "late") && wsc_error_code() == WSC_ERR_CLOSED);
        CHECK(wsc_close("c") == 1 && !wsc_exist("c"));
    } else CHECK(0);
    if (open_plain("c2", "/close-after-echo")) {
        CHECK(echo_ok("c2", 5, 0));
        CHECK(wsc_read("c2", buf, sizeof buf, 5000, NULL) == -1 && strstr(wsc_error_info(), "done"));
        wsc_close("c2");
    } else CHECK(0);
    last_event = 0;
    CHECK(wsc_connect_ssl_async("c3", record_event, "localhost", tls_port, "/close", NULL, 0));
    pump_until_gone("c3", 5000);
    CHECK(last_event == WSC_EVENT_CLOSE && last_code == 4000 && strcmp(last_text, "bye bye") == 0);
    CHECK(!wsc_exist("c3"));
}

TEST(subprotocols) {
    char buf[32];
    if (wsc_connect_ssl("sp", "localhost", tls_port, "/protocols", "chat", 0, 5000)) {
        CHECK(strcmp(wsc_protocol("sp"), "chat") == 0);
        CHECK(wsc_read("sp", buf, sizeof buf, 5000, NULL) == 4 && strcmp(buf, "chat") == 0);
        wsc_close("sp");
    } else CHECKF(0, "%s", wsc_error_info());
    if (wsc_connect("sp", "127.0.0.1", plain_port, "/protocols", "foo, superchat", 5000)) {
        CHECK(strcmp(wsc_protocol("sp"), "superchat") == 0);
        CHECK(wsc_read("sp", buf, sizeof buf, 5000, NULL) == 9 && strcmp(buf, "superchat") == 0);
        wsc_close("sp");
    } else CHECKF(0, "%s", wsc_error_info());
    CHECK(!wsc_connect_ssl("sp", "localhost", tls_port, "/protocols", "nope", 0, 5000) &&
          wsc_error_code() == WSC_ERR_SUBPROTOCOL && strstr(wsc_error_info(), "nope"));
    CHECK(!wsc_exist("sp"));
    if (open_tls("sp", "localhost", "/echo")) { CHECK(strcmp(wsc_protocol("sp"), "") == 0); wsc_close("sp"); }
}

TEST(request_headers) {
    char *h;
    char host[64];
    if (!wsc_connect_ssl("hd", "localhost", tls_port, "/headers", "chat", 0, 5000)) { CHECK(0); return; }
    h = wsc_read_alloc("hd", 5000, NULL, NULL);
    snprintf(host, sizeof host, "Host: localhost:%d", tls_port);
    CHECK(h && strstr(h, "Sec-WebSocket-Version: 13") && strstr(h, "Upgrade: websocket") && strstr(h, host) &&
          strstr(h, "Sec-WebSocket-Protocol: chat") && strstr(h, "Sec-WebSocket-Key: "));
    wsc_free(h);
    wsc_close("hd");
    if (!open_plain("hd", "/headers")) { CHECK(0); return; }
    h = wsc_read_alloc("hd", 5000, NULL, NULL);
    CHECK(h && !strstr(h, "Sec-WebSocket-Protocol") && strstr(h, "Connection: Upgrade"));
    wsc_free(h);
    wsc_close("hd");
}

TEST(connect_failures) {
    int port = closed_port(), silent_port, fd;
    long long t0 = now_ms();
    CHECK(!wsc_connect_ssl("x", "localhost", tls_port, "/404", NULL, 0, 5000) && wsc_error_code() == WSC_ERR_HTTP_STATUS &&
          strstr(wsc_error_info(), "404"));
    CHECK(!wsc_connect("x", "127.0.0.1", port, NULL, NULL, 5000) && wsc_error_code() == WSC_ERR_CONNECT &&
          strstr(wsc_error_info(), "refused"));
    CHECK(!wsc_connect_ssl("x", "localhost", port, NULL, NULL, 0, 5000) && wsc_error_code() == WSC_ERR_CONNECT);
    CHECK(now_ms() - t0 < 2000);
    fd = silent_listener(&silent_port);
    t0 = now_ms();
    CHECK(!wsc_connect_ssl("x", "127.0.0.1", silent_port, NULL, NULL, 0, 500) && wsc_error_code() == WSC_ERR_TIMEOUT &&
          strstr(wsc_error_info(), "timed out"));
    CHECKF(now_ms() - t0 >= 450 && now_ms() - t0 < 3000, "%lld ms", now_ms() - t0);
    t0 = now_ms();
    CHECK(!wsc_connect("x", "127.0.0.1", silent_port, NULL, NULL, 500) && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECKF(now_ms() - t0 >= 450 && now_ms() - t0 < 3000, "%lld ms", now_ms() - t0);
    close(fd);
    t0 = now_ms();
    CHECK(!wsc_connect_ssl("x", "localhost", tls_port, "/slow-open", NULL, 0, 500) && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECKF(now_ms() - t0 < 3000, "%lld ms", now_ms() - t0);
    CHECK(wsc_count() == 0);
}

static wsc_config tls_config(const char *host, int port, const char *path) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = host;
    c.port = port;
    c.path = path;
    c.tls = 1;
    c.timeout_ms = 5000;
    return c;
}

static int try_open(const wsc_config *c) {
    int ok = wsc_open("t", c);
    if (ok) wsc_close("t");
    return ok;
}

TEST(certificate_checks) {
    wsc_config c = tls_config("localhost", untrusted_port, NULL);
    CHECK(!try_open(&c) && wsc_error_code() == WSC_ERR_CERTIFICATE && strstr(wsc_error_info(), "trusted"));
    c.dangerous_no_certificate_check = 1;
    CHECK(try_open(&c));
    c = tls_config("localhost", wrong_port, NULL);
    CHECK(!try_open(&c) && wsc_error_code() == WSC_ERR_CERTIFICATE && strstr(wsc_error_info(), "host name"));
    c = tls_config("127.0.0.1", wrong_port, NULL); /* no IP SAN in that certificate */
    CHECK(!try_open(&c) && wsc_error_code() == WSC_ERR_CERTIFICATE && strstr(wsc_error_info(), "host name"));
    c.server_name = "wrong.example";              /* the name it does carry */
    CHECK(try_open(&c));
    c = tls_config("localhost", wrong_port, NULL);
    c.dangerous_no_certificate_check = 1;
    CHECK(try_open(&c));
    c = tls_config("localhost", rsa_port, "/echo");
    CHECK(try_open(&c));
    if (SKIP_WITHOUT_IPV6()) return;
    c = tls_config("::1", rsa_port, "/echo");
    CHECK(try_open(&c));
}

/* X.690 §10.1: DER lengths take the fewest bytes. A walk that also took the
   long forms would read a certificate as other parsers do not: the
   iPAddress 127.0.0.1 below, written 87 81 04, matched (fuzz_san found it). */
static int der_reads(const wsc__u8 *der, size_t n) {
    const wsc__u8 *p = der, *v;
    unsigned tag;
    size_t len;
    return wsc__der_next(&p, der + n, &tag, &v, &len) && p == der + n;
}

TEST(der_lengths_must_be_minimal) {
    static wsc__u8 big[4 + 256];
    static const wsc__u8 ip[] = {127, 0, 0, 1};
    /* a certificate that is its tbsCertificate and one extension, SAN, with one iPAddress */
    static const wsc__u8 ip_long[] = {
        0x30, 0x25, 0x30, 0x23, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00, 0x30,
        0x00, 0xa3, 0x14, 0x30, 0x12, 0x30, 0x10, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x09, 0x30, 0x07,
        0x87, 0x81, 0x04, 0x7f, 0x00, 0x00, 0x01};
    static const wsc__u8 ip_der[] = { /* the same as DER writes it: 87 04 */
        0x30, 0x24, 0x30, 0x22, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00, 0x30,
        0x00, 0xa3, 0x13, 0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x08, 0x30, 0x06,
        0x87, 0x04, 0x7f, 0x00, 0x00, 0x01};
    CHECK(der_reads((const wsc__u8 *)"\x04\x01x", 3));
    CHECK(!der_reads((const wsc__u8 *)"\x04\x81\x01x", 4));     /* 1 needs no long form */
    CHECK(!der_reads((const wsc__u8 *)"\x04\x82\x00\x01x", 5)); /* a leading zero byte */
    CHECK(!der_reads((const wsc__u8 *)"\x04\x80", 2));          /* indefinite: BER only */
    memset(big, 'x', sizeof big);
    memcpy(big, "\x04\x81\x7f", 3);
    CHECK(!der_reads(big, 3 + 127)); /* nor does 127 */
    memcpy(big, "\x04\x81\x80", 3);
    CHECK(der_reads(big, 3 + 128));
    memcpy(big, "\x04\x82\x01\x00", 4);
    CHECK(der_reads(big, 4 + 256));
    memcpy(big, "\x04\x82\x00\x80", 4);
    CHECK(!der_reads(big, 4 + 128));
    CHECK(wsc__cert_has_ip(ip_der, sizeof ip_der, ip, sizeof ip));
    CHECK(!wsc__cert_has_ip(ip_long, sizeof ip_long, ip, sizeof ip));
}

TEST(trust_sources) {
    wsc_config c = tls_config("localhost", tls_port, "/echo");
    size_t len = 0;
    char *pem;
    c.ca_file = cert("ca.pem");
    CHECK(try_open(&c));
    c.ca_file = cert("missing.pem");
    CHECK(!try_open(&c) && wsc_error_code() == WSC_ERR_CERTIFICATE && strstr(wsc_error_info(), "missing.pem"));
    c.ca_file = cert("other-ca.pem");
    CHECK(!try_open(&c) && wsc_error_code() == WSC_ERR_CERTIFICATE);
    c.ca_file = NULL;
    pem = wsc__read_file(wsc__slot_mem(0), cert("ca.pem"), &len);
    c.ca_pem = pem;
    c.ca_pem_len = len;
    CHECK(pem && try_open(&c));
    c.ca_pem = "not a certificate";
    c.ca_pem_len = 0;
    CHECK(!try_open(&c) && wsc_error_code() == WSC_ERR_CERTIFICATE);
    wsc_free(pem);
}

TEST(urls_and_tls_mask) {
    wsc_config c;
    char url[128];
    memset(&c, 0, sizeof c);
    snprintf(url, sizeof url, "wss://localhost:%d/echo", tls_port);
    c.url = url;
    CHECK(wsc_open("u", &c) && echo_ok("u", 20, 0) && wsc_close("u"));
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/echo", plain_port);
    CHECK(wsc_open("u", &c) && echo_ok("u", 20, 1) && wsc_close("u"));
    snprintf(url, sizeof url, "wss://[::1]:%d", tls_port);
    if (!SKIP_WITHOUT_IPV6()) CHECK(wsc_open("u", &c) && echo_ok("u", 1, 0) && wsc_close("u"));
    CHECK(wsc_connect_ssl("m", "localhost", tls_port, NULL, NULL, WSC_TLS1_2, 5000) && wsc_close("m"));
    CHECK(wsc_connect_ssl("m", "localhost", tls_port, NULL, NULL, WSC_TLS1_2 | WSC_TLS1_3, 5000) && wsc_close("m"));
#ifdef WSCLIENT_TLS_OPENSSL /* TLS 1.3 alone: the OpenSSL backend has it */
    CHECK(wsc_connect_ssl("m", "localhost", tls_port, NULL, NULL, WSC_TLS1_3, 5000) && wsc_close("m"));
#else
    CHECK(!wsc_connect_ssl("m", "localhost", tls_port, NULL, NULL, WSC_TLS1_3, 5000) && wsc_error_code() == WSC_ERR_TLS_VERSION);
#endif
}

TEST(names_and_table) {
    char name[16];
    int i, opened = 0;
    CHECK(open_plain("dup", "/echo"));
    CHECK(!wsc_connect("dup", "127.0.0.1", plain_port, NULL, NULL, 5000) && wsc_error_code() == WSC_ERR_NAME_IN_USE);
    CHECK(echo_ok("dup", 4, 0)); /* the first one is untouched */
    CHECK(wsc_close("dup") == 1 && !wsc_exist("dup"));
    CHECK(open_plain("dup", "/echo") && echo_ok("dup", 4, 1)); /* the name is free again */
    wsc_close("dup");
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++) {
        snprintf(name, sizeof name, "t%d", i);
        opened += wsc_connect(name, "127.0.0.1", plain_port, "/echo", NULL, 5000);
    }
    CHECK(opened == WSCLIENT_MAX_SOCKETS && wsc_count() == WSCLIENT_MAX_SOCKETS);
    CHECK(!wsc_connect("one-more", "127.0.0.1", plain_port, NULL, NULL, 5000) && wsc_error_code() == WSC_ERR_TABLE_FULL);
    CHECK(echo_ok("t7", 100, 0));
    wsc_close_all();
    CHECK(wsc_count() == 0);
    CHECK(!wsc_write("t1", "x") && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
}

TEST(write_checks_text) {
    if (!open_plain("utf", "/echo")) { CHECK(0); return; }
    CHECK(!wsc_write("utf", "bad \xC3\x28 text") && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(wsc_write_binary("utf", "bad \xC3\x28 text", 10));
    CHECK(wsc_read("utf", last_text, sizeof last_text, 5000, NULL) == 10);
    CHECK(echo_ok("utf", 3, 0));
    wsc_close("utf");
}

/* ---- asynchronous sockets ---- */

static int async_opened, async_messages, async_errors, async_closes;
static char async_log[256];

static void async_flow(const wsc_event_data *ev) {
    size_t n = strlen(async_log);
    snprintf(async_log + n, sizeof async_log - n, "%d", ev->event);
    switch (ev->event) {
    case WSC_EVENT_OPEN:
        async_opened++;
        wsc_write(ev->name, "async hello");
        break;
    case WSC_EVENT_MESSAGE:
        async_messages += ev->length == 11 && memcmp(ev->message, "async hello", 11) == 0 && !ev->binary;
        wsc_close(ev->name); /* closing from inside the callback */
        break;
    case WSC_EVENT_ERROR: async_errors++; break;
    case WSC_EVENT_CLOSE: async_closes++; break;
    }
}

TEST(async_open_message_close) {
    async_log[0] = 0;
    async_opened = async_messages = async_errors = async_closes = 0;
    CHECK(wsc_connect_ssl_async("a1", async_flow, "localhost", tls_port, "/echo", NULL, 0));
    CHECK(wsc_connect_async("a2", async_flow, "127.0.0.1", plain_port, "/echo", NULL));
    pump_until_gone("a1", 5000);
    pump_until_gone("a2", 5000);
    CHECKF(async_opened == 2 && async_messages == 2 && async_errors == 0, "log %s", async_log);
    CHECKF(strcmp(async_log, "1122") == 0 || strcmp(async_log, "1212") == 0 || strcmp(async_log, "2121") == 0 ||
           strcmp(async_log, "1221") == 0 || strcmp(async_log, "2112") == 0, "log %s", async_log);
    CHECK(wsc_count() == 0);
}

TEST(async_failures) {
    last_event = 0;
    CHECK(wsc_connect_async("f1", record_event, "127.0.0.1", closed_port(), NULL, NULL));
    pump_until_gone("f1", 5000);
    CHECK(last_event == WSC_EVENT_ERROR && last_code == WSC_ERR_CONNECT && strstr(last_text, "refused"));
    last_event = 0;
    CHECK(wsc_connect_ssl_async("f2", record_event, "localhost", tls_port, "/404", NULL, 0));
    pump_until_gone("f2", 5000);
    CHECK(last_event == WSC_EVENT_ERROR && last_code == WSC_ERR_HTTP_STATUS && strstr(last_text, "404"));
    last_event = 0;
    CHECK(wsc_connect_ssl_async("f3", record_event, "localhost", untrusted_port, NULL, NULL, 0));
    pump_until_gone("f3", 5000);
    CHECK(last_event == WSC_EVENT_ERROR && last_code == WSC_ERR_CERTIFICATE);
    CHECK(wsc_pump(0) == 0 && wsc_count() == 0);
}

/* Many sockets at once: each async one sends 20 messages of growing size and
   checks the echoes in order; two sync ones do round trips between pumps. */
typedef struct { int sent, got, bad; } flow;
static flow flows[8];
static int spawned;

static void send_next(const char *name, flow *f) {
    size_t n = (size_t)f->sent * 997 + 1;
    unsigned char *m = pattern(n, (unsigned)f->sent);
    if (f->sent % 2) wsc_write_binary(name, m, n);
    else wsc_write_text(name, (const char *)m, n);
    f->sent++;
    free(m);
}

static void many_flow(const wsc_event_data *ev) {
    flow *f = &flows[ev->name[1] - '0'];
    if (ev->event == WSC_EVENT_OPEN) {
        send_next(ev->name, f);
        send_next(ev->name, f);
        if (ev->name[1] == '0' && !spawned) { /* a callback may connect another socket */
            spawned = 1;
            wsc_connect_async("spawned", record_event, "127.0.0.1", plain_port, "/close", NULL);
        }
    } else if (ev->event == WSC_EVENT_MESSAGE) {
        size_t n = (size_t)f->got * 997 + 1;
        unsigned char *m = pattern(n, (unsigned)f->got);
        f->bad += ev->length != n || memcmp(ev->message, m, n) != 0 || ev->binary != (f->got % 2);
        free(m);
        f->got++;
        if (f->sent < 20) send_next(ev->name, f);
        else if (f->got == 20) wsc_close(ev->name);
    } else {
        f->bad++;
    }
}

TEST(many_sockets_at_once) {
    int i, rounds = 0, sync_ok = 1, all_done = 0;
    memset(flows, 0, sizeof flows);
    spawned = 0;
    last_event = 0;
    CHECK(open_tls("sync1", "localhost", "/echo") && open_plain("sync2", "/echo"));
    for (i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        if (i % 2) CHECK(wsc_connect_async(name, many_flow, "127.0.0.1", plain_port, "/echo", NULL));
        else CHECK(wsc_connect_ssl_async(name, many_flow, "localhost", tls_port, "/echo", NULL, 0));
    }
    while (!all_done && rounds++ < 400) {
        wsc_pump(20);
        sync_ok &= echo_ok("sync1", (size_t)rounds % 300, rounds % 2) && echo_ok("sync2", 50, 0);
        all_done = 1;
        for (i = 0; i < 8; i++) all_done &= flows[i].got == 20;
        all_done &= !wsc_exist("spawned");
    }
    for (i = 0; i < 8; i++) CHECKF(flows[i].got == 20 && flows[i].bad == 0, "socket m%d: got %d bad %d", i, flows[i].got, flows[i].bad);
    CHECK(sync_ok);
    CHECK(spawned && last_event == WSC_EVENT_CLOSE && last_code == 4000);
    CHECK(wsc_close("sync1") && wsc_close("sync2"));
    CHECK(wsc_count() == 0);
}

TEST(pump_rules) {
    long long t0 = now_ms();
    CHECK(wsc_pump(100) == 0);  /* no sockets: returns at once */
    CHECK(now_ms() - t0 < 50);
    CHECK(open_plain("idle", "/echo"));
    t0 = now_ms();
    CHECK(wsc_pump(150) == 0);  /* a sync socket gives no events but is waited on */
    CHECKF(now_ms() - t0 >= 140 && now_ms() - t0 < 1500, "%lld ms", now_ms() - t0);
    /* forever, with only sync sockets: no event could come, so no wait
       (the alarm ends the test binary if it hangs) */
    alarm(20);
    t0 = now_ms();
    CHECK(wsc_pump(WSC_WAIT_FOREVER) == 0);
    CHECKF(now_ms() - t0 < 1000, "%lld ms", now_ms() - t0);
    alarm(0);
    CHECK(wsc_exist("idle") && wsc_close("idle"));
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    tls_port = env_port("WSC_TEST_TLS_PORT");
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    wrong_port = env_port("WSC_TEST_WRONG_PORT");
    untrusted_port = env_port("WSC_TEST_UNTRUSTED_PORT");
    rsa_port = env_port("WSC_TEST_RSA_PORT");
    v4only_port = env_port("WSC_TEST_V4ONLY_PORT");
    v6only_port = env_port("WSC_TEST_V6ONLY_PORT");
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    setenv("SSL_CERT_FILE", cert("ca.pem"), 1); /* the system-bundle path honours SSL_CERT_FILE */

    RUN(echo_sizes_over_wss);
    RUN(echo_sizes_over_ws);
    RUN(address_forms);
    RUN(address_fallback_across_families);
    RUN(write_timeout_keeps_the_rest);
    RUN(read_buffer_too_small_keeps_message);
    RUN(read_buffer_outgrown_by_a_fragment);
    RUN(read_waits_as_asked);
    RUN(fragmented_messages_and_ping);
    RUN(server_close);
    RUN(subprotocols);
    RUN(request_headers);
    RUN(connect_failures);
    RUN(certificate_checks);
    RUN(der_lengths_must_be_minimal);
    RUN(trust_sources);
    RUN(urls_and_tls_mask);
    RUN(names_and_table);
    RUN(write_checks_text);
    RUN(async_open_message_close);
    RUN(async_failures);
    RUN(many_sockets_at_once);
    RUN(pump_rules);
    wsc_close_all();
    return test_summary("test_core");
}

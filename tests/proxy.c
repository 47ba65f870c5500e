/* proxy.c - connects through HTTP proxies (docs/api.md "Proxies"): Debian's
   tinyproxy and squid, started by tests/run.sh on loopback with their own
   config files (CONNECT allowed to the test servers' ports only, one
   tinyproxy with BasicAuth), and tests/proxy_fault.py for what no real proxy
   does (an answer that is not HTTP, a stall).

   Covered: ws:// and wss:// through each proxy (the proxy's log shows the
   CONNECT; TLS checks the server's name, not the proxy's), proxy Basic
   authentication and its 407, a CONNECT refused with 403, a non-HTTP answer,
   a stall within the one timeout, the environment as curl reads it
   (https_proxy, http_proxy but never HTTP_PROXY, all_proxy, no_proxy with
   names, suffixes, IP blocks and "*"), proxy "" turning it off, a proxy on
   [::1], sync and async. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <stdlib.h>

static int plain_port, tls_port_, wrong_port, v4only_port;

/* The port of a proxy run.sh started, or 0 (with a SKIP naming the package). */
static int proxy_port(const char *var, const char *package) {
    const char *v = getenv(var);
    char why[128];
    if (v && v[0]) return atoi(v);
    snprintf(why, sizeof why, "%s is not running (apt-get install -y %s)", var, package);
    (void)SKIP(why);
    return 0;
}

static const char *proxy_url(const char *host, int port) {
    static char url[4][128];
    static int next;
    char *u = url[next++ % 4];
    snprintf(u, sizeof url[0], "http://%s:%d", host, port);
    return u;
}

static void unset_proxy_env(void) {
    static const char *const names[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                        "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) unsetenv(names[i]);
}

static wsc_config target(int tls, const char *address, const char *proxy) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = address;
    c.port = tls ? tls_port_ : plain_port;
    c.tls = tls;
    c.ca_file = tls ? cert("ca.pem") : NULL;
    c.path = "/echo";
    c.proxy = proxy;
    c.timeout_ms = 8000;
    return c;
}

/* Opens c, echoes one message, closes: 1 when all went well. */
static int echo_through(const wsc_config *c) {
    char buf[64];
    long n;
    if (!wsc_open("p", c)) { printf("  open failed: %s\n", wsc_error_info()); return 0; }
    n = wsc_write("p", "through the tunnel") ? wsc_read("p", buf, sizeof buf, 5000, NULL) : -1;
    wsc_close("p");
    return n == 18 && memcmp(buf, "through the tunnel", 18) == 0;
}

/* Lines of a proxy's log that hold both words. */
static int log_count(const char *file, const char *w1, const char *w2) {
    char path[700], line[2048];
    FILE *f;
    int n = 0;
    snprintf(path, sizeof path, "%s/%s", getenv("WSC_PROXY_LOGS") ? getenv("WSC_PROXY_LOGS") : ".", file);
    if (!(f = fopen(path, "r"))) return -1;
    while (fgets(line, sizeof line, f))
        n += strstr(line, w1) && strstr(line, w2);
    fclose(f);
    return n;
}

/* ws:// and wss:// through one proxy; its log names the CONNECT to the server. */
static void through(const char *proxy, int port, const char *log) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = target(tls, "localhost", proxy_url("127.0.0.1", port));
        char word[64];
        int before, after;
        snprintf(word, sizeof word, "localhost:%d", tls ? tls_port_ : plain_port);
        before = log_count(log, "CONNECT", word);
        CHECKF(echo_through(&c), "%s %s", proxy, tls ? "wss" : "ws");
        { /* squid writes its log line when the tunnel has ended: wait for it */
            long long end = now_ms() + 5000;
            while ((after = log_count(log, "CONNECT", word)) <= before && now_ms() < end) wsc_pump(50);
        }
        CHECKF(after > before, "%s: its log %s shows the CONNECT to %s (%d before, %d after)", proxy, log, word, before, after);
    }
}

TEST(tinyproxy_ws_and_wss) {
    int port = proxy_port("WSC_PROXY_TINY_PORT", "tinyproxy");
    if (port) through("tinyproxy", port, "tinyproxy-WSC_PROXY_TINY_PORT.log");
}

TEST(squid_ws_and_wss) {
    int port = proxy_port("WSC_PROXY_SQUID_PORT", "squid");
    if (port) through("squid", port, "squid/access.log");
}

/* TLS inside the tunnel is with the server: its certificate is checked
   against the server's name. A server whose certificate names another host
   fails as a certificate error, not as the proxy's. */
TEST(tls_names_the_server_not_the_proxy) {
    int port = proxy_port("WSC_PROXY_SQUID_PORT", "squid");
    wsc_config c;
    wsc_tls_info info;
    if (!port) return;
    c = target(1, "localhost", proxy_url("127.0.0.1", port));
    CHECK(wsc_open("p", &c));
    CHECK(wsc_tls_get_info("p", &info) && info.version >= 0x0301);
    wsc_close("p");
    c.port = wrong_port;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "localhost", NULL));
}

TEST(proxy_basic_auth) {
    int port = proxy_port("WSC_PROXY_TINY_AUTH_PORT", "tinyproxy");
    char url[160], words[WSC__ERRLEN + 1], at[64];
    wsc_config c;
    if (!port) return;
    snprintf(url, sizeof url, "http://wsuser:s3cret%%2Dpw@127.0.0.1:%d/", port); /* '-' %-encoded */
    c = target(1, "localhost", url);
    CHECK(echo_through(&c));
    c = target(0, "localhost", url);
    CHECK(echo_through(&c));
    snprintf(at, sizeof at, "proxy 127.0.0.1:%d", port);
    c = target(1, "localhost", proxy_url("127.0.0.1", port));
    CHECK(fails_with(&c, WSC_ERR_CONNECT, at, "HTTP 407"));
    CHECK(strstr(wsc_error_info(), "Proxy-Authenticate: Basic") != NULL);
    snprintf(url, sizeof url, "http://wsuser:wrongpass@127.0.0.1:%d", port);
    c = target(1, "localhost", url);
    CHECK(fails_with(&c, WSC_ERR_CONNECT, at, "HTTP 40")); /* tinyproxy says 401 to wrong credentials */
    snprintf(words, sizeof words, "%s", wsc_error_info());
    printf("  407: %s\n", words);
    CHECK(!strstr(words, "wrongpass") && !strstr(words, "wsuser"));
}

TEST(connect_refused_403) {
    int port = proxy_port("WSC_PROXY_TINY_PORT", "tinyproxy");
    char at[64];
    wsc_config c;
    if (!port) return;
    snprintf(at, sizeof at, "proxy 127.0.0.1:%d", port);
    c = target(0, "127.0.0.1", proxy_url("127.0.0.1", port));
    c.port = v4only_port; /* not a ConnectPort of its config */
    CHECK(fails_with(&c, WSC_ERR_CONNECT, at, "HTTP 403"));
    printf("  403: %s\n", wsc_error_info());
    port = proxy_port("WSC_PROXY_SQUID_PORT", "squid");
    if (!port) return;
    snprintf(at, sizeof at, "proxy 127.0.0.1:%d", port);
    c.proxy = proxy_url("127.0.0.1", port);
    CHECK(fails_with(&c, WSC_ERR_CONNECT, at, "HTTP 403"));
}

TEST(not_http_and_stall) {
    int junk = env_port("WSC_PROXY_JUNK_PORT"), stall = env_port("WSC_PROXY_STALL_PORT");
    char at[64];
    long long t0, took;
    wsc_config c = target(1, "localhost", proxy_url("127.0.0.1", junk));
    snprintf(at, sizeof at, "proxy 127.0.0.1:%d", junk);
    CHECK(fails_with(&c, WSC_ERR_CONNECT, at, "other than HTTP"));
    printf("  junk: %s\n", wsc_error_info());
    c = target(1, "localhost", proxy_url("127.0.0.1", stall));
    c.timeout_ms = 1500;
    snprintf(at, sizeof at, "proxy 127.0.0.1:%d", stall);
    t0 = now_ms();
    CHECK(fails_with(&c, WSC_ERR_TIMEOUT, at, "CONNECT"));
    took = now_ms() - t0;
    printf("  stall: timeout_ms 1500 ended after %lld ms: %s\n", took, wsc_error_info());
    CHECK(took >= 1400 && took < 1500 + 1500 * test_slow());
}

/* A proxy that resets the connection, at its answer or inside the tunnel:
   a clear error at once, never a hang to the deadline. */
TEST(proxy_resets) {
    int reset = env_port("WSC_PROXY_RESET_PORT"), tunnel = env_port("WSC_PROXY_TUNNEL_RESET_PORT"), tls;
    char at[64];
    long long t0, took;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = target(tls, "localhost", proxy_url("127.0.0.1", reset));
        c.timeout_ms = 5000;
        snprintf(at, sizeof at, "proxy 127.0.0.1:%d", reset);
        t0 = now_ms();
        CHECKF(!wsc_open("p", &c) && wsc_error_code() != WSC_ERR_TIMEOUT && strstr(wsc_error_info(), at) != NULL,
               "%s: %d %s", tls ? "wss" : "ws", (int)wsc_error_code(), wsc_error_info());
        took = now_ms() - t0;
        printf("  reset at the answer (%s): %lld ms: %s\n", tls ? "wss" : "ws", took, wsc_error_info());
        CHECK(took < 4000);
        c = target(tls, "localhost", proxy_url("127.0.0.1", tunnel));
        c.timeout_ms = 5000;
        t0 = now_ms();
        CHECKF(!wsc_open("p", &c) && wsc_error_code() != WSC_ERR_TIMEOUT && wsc_error_code() != WSC_OK,
               "%s: %d %s", tls ? "wss" : "ws", (int)wsc_error_code(), wsc_error_info());
        took = now_ms() - t0;
        printf("  reset in the tunnel (%s): %lld ms: %s\n", tls ? "wss" : "ws", took, wsc_error_info());
        CHECK(took < 4000 && wsc_count() == 0);
    }
}

/* The environment, as curl reads it. The junk proxy shows it was used. */
TEST(environment) {
    int junk = env_port("WSC_PROXY_JUNK_PORT"), tiny = getenv("WSC_PROXY_TINY_PORT") ? atoi(getenv("WSC_PROXY_TINY_PORT")) : 0;
    const char *jurl = proxy_url("127.0.0.1", junk);
    wsc_config c;
    unset_proxy_env();
    setenv("https_proxy", jurl, 1);
    c = target(1, "localhost", NULL);
    CHECK(fails_with(&c, WSC_ERR_CONNECT, "other than HTTP", NULL)); /* used for wss */
    c = target(0, "localhost", NULL);
    CHECK(echo_through(&c)); /* not for ws */
    c = target(1, "localhost", "");
    CHECK(echo_through(&c)); /* proxy "": no proxy, environment off */
    setenv("no_proxy", "example.com, localhost", 1);
    c = target(1, "localhost", NULL);
    CHECK(echo_through(&c));
    setenv("no_proxy", ".localhost", 1); /* a leading dot matches the name itself too, as curl */
    CHECK(echo_through(&c));
    setenv("no_proxy", "*", 1);
    CHECK(echo_through(&c));
    setenv("no_proxy", "otherhost,calhost", 1); /* no partial label */
    CHECK(fails_with(&c, WSC_ERR_CONNECT, "other than HTTP", NULL));
    setenv("no_proxy", "127.0.0.0/8", 1);
    c = target(1, "127.0.0.1", NULL);
    c.server_name = "localhost";
    CHECK(echo_through(&c));
    setenv("no_proxy", "10.0.0.0/8", 1);
    CHECK(fails_with(&c, WSC_ERR_CONNECT, "other than HTTP", NULL));
    unset_proxy_env();
    setenv("HTTPS_PROXY", jurl, 1);
    c = target(1, "localhost", NULL);
    CHECK(fails_with(&c, WSC_ERR_CONNECT, "other than HTTP", NULL));
    setenv("NO_PROXY", "localhost", 1);
    CHECK(echo_through(&c));
    unset_proxy_env();
    setenv("HTTP_PROXY", jurl, 1); /* upper case is never read: CGI sets it from a request header */
    c = target(0, "localhost", NULL);
    CHECK(echo_through(&c));
    setenv("http_proxy", jurl, 1);
    CHECK(fails_with(&c, WSC_ERR_CONNECT, "other than HTTP", NULL));
    unset_proxy_env();
    setenv("all_proxy", jurl, 1);
    CHECK(fails_with(&c, WSC_ERR_CONNECT, "other than HTTP", NULL));
    c.proxy = "";
    CHECK(echo_through(&c));
    unset_proxy_env();
    if (tiny) { /* a real proxy from the environment */
        char word[64];
        int before;
        setenv("http_proxy", proxy_url("127.0.0.1", tiny), 1);
        snprintf(word, sizeof word, "localhost:%d", plain_port);
        before = log_count("tinyproxy-WSC_PROXY_TINY_PORT.log", "CONNECT", word);
        c = target(0, "localhost", NULL);
        CHECK(echo_through(&c));
        CHECK(log_count("tinyproxy-WSC_PROXY_TINY_PORT.log", "CONNECT", word) > before);
        unset_proxy_env();
    }
}

TEST(ipv6_proxy) {
    int port;
    char url[64];
    wsc_config c;
    if (SKIP_WITHOUT_IPV6()) return;
    if (!(port = proxy_port("WSC_PROXY_SQUID_PORT", "squid"))) return;
    snprintf(url, sizeof url, "http://[::1]:%d", port);
    c = target(1, "localhost", url);
    CHECK(echo_through(&c));
    c = target(0, "localhost", url);
    CHECK(echo_through(&c));
}

static int async_opened, async_echoed, async_error;
static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) { async_opened = 1; wsc_write(ev->name, "async"); }
    else if (ev->event == WSC_EVENT_MESSAGE) { async_echoed = ev->length == 5; wsc_close(ev->name); }
    else if (ev->event == WSC_EVENT_ERROR) { async_error = 1; printf("  async error: %s\n", ev->message); }
}

TEST(async_through_proxy) {
    int port = proxy_port("WSC_PROXY_SQUID_PORT", "squid");
    int stall = env_port("WSC_PROXY_STALL_PORT");
    wsc_config c;
    if (!port) return;
    c = target(1, "localhost", proxy_url("127.0.0.1", port));
    c.callback = on_event;
    CHECK(wsc_open("a", &c));
    pump_until_gone("a");
    CHECK(async_opened && async_echoed && !async_error);
    c = target(0, "localhost", proxy_url("127.0.0.1", stall));
    c.callback = on_event;
    c.timeout_ms = 1000;
    async_error = 0;
    CHECK(wsc_open("a", &c));
    pump_until_gone("a");
    CHECK(async_error);
}

static void *stub_connect(void *u, const char *h, int p) { (void)u; (void)h; (void)p; return NULL; }
static long stub_send(void *u, void *c, const void *d, size_t n) { (void)u; (void)c; (void)d; (void)n; return WSC_IO_ERROR; }
static long stub_recv(void *u, void *c, void *d, size_t n) { (void)u; (void)c; (void)d; (void)n; return WSC_IO_ERROR; }
static int stub_wait(void *u, wsc_io_wait *w, int n, int t) { (void)u; (void)w; (void)n; (void)t; return 0; }
static void stub_close(void *u, void *c) { (void)u; (void)c; }

TEST(refused_arguments) {
    wsc_transport dummy = {0};
    wsc_config c = target(0, "localhost", "socks4://127.0.0.1:1080");
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "socks4://", "not supported"));
    c.proxy = "http://u:topsecret@127.0.0.1:99999";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "port", NULL));
    CHECK(!strstr(wsc_error_info(), "topsecret"));
    c.proxy = "http://u:p%zz@127.0.0.1:8080";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "escape", NULL));
    c.proxy = "http://127.0.0.1:1";
    dummy.connect = stub_connect;
    dummy.send = stub_send;
    dummy.recv = stub_recv;
    dummy.wait = stub_wait;
    dummy.close = stub_close;
    c.transport = &dummy;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "user transport", NULL));
    c.transport = NULL;
    c.proxy = "http://127.0.0.1:1"; /* nothing listens: the words name the proxy */
    CHECK(fails_with(&c, WSC_ERR_CONNECT, "cannot connect to proxy 127.0.0.1 port 1", NULL));
}

int main(void) {
    (void)tls_port; /* of loopback.h, for the tls_server.py listeners */
    const char *dir = getenv("WSC_TEST_CERTS");
    if (!dir) { printf("WSC_TEST_CERTS is not set: run through tests/run.sh (make test)\n"); return 2; }
    snprintf(certs, sizeof certs, "%s", dir);
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    tls_port_ = env_port("WSC_TEST_TLS_PORT");
    wrong_port = env_port("WSC_TEST_WRONG_PORT");
    v4only_port = env_port("WSC_TEST_V4ONLY_PORT");
    unset_proxy_env();
    RUN(tinyproxy_ws_and_wss);
    RUN(squid_ws_and_wss);
    RUN(tls_names_the_server_not_the_proxy);
    RUN(proxy_basic_auth);
    RUN(connect_refused_403);
    RUN(not_http_and_stall);
    RUN(proxy_resets);
    RUN(environment);
    RUN(ipv6_proxy);
    RUN(async_through_proxy);
    RUN(refused_arguments);
    return test_summary("test_proxy");
}

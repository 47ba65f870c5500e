/* churn.c - thousands of connect/close cycles, ws and wss, sync and async,
   with many failing connects among them (refused, HTTP 404, untrusted
   certificate, timeouts with short bounds). Afterwards no socket is left,
   and the process has exactly the file descriptors it had before.
   tests/run.sh runs it as is and again under valgrind (fewer cycles) for
   leaks and invalid accesses.

   WSC_CHURN_CYCLES sets the number of cycles (default 2000). */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <dirent.h>
#include <stdlib.h>

static int wss_port, plain_port, untrusted_port;

/* A TCP listener on 127.0.0.1 that never accepts: connects succeed, nothing answers. */
static int silent_listener(int *port) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    listen(fd, 1024);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static int closed_port(void) {
    int port, fd = silent_listener(&port);
    close(fd);
    return port;
}

static int bad; /* cycles that ended other than expected */

static void expect(int ok, int cycle, const char *what) {
    if (ok) return;
    if (bad++ < 10) printf("  cycle %d, %s: %d %s\n", cycle, what, wsc_error_code(), wsc_error_info());
}

static int echo(const char *name, const char *text) {
    char buf[64];
    return wsc_write(name, text) && wsc_read(name, buf, sizeof buf, 5000, NULL) == (long)strlen(text) && strcmp(buf, text) == 0;
}

/* ---- async ---- */

static int async_opened, async_failed, async_code;

static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) {
        async_opened++;
        wsc_write(ev->name, "async");
    } else if (ev->event == WSC_EVENT_MESSAGE) {
        wsc_close(ev->name); /* from inside the callback */
    } else if (ev->event == WSC_EVENT_ERROR) {
        async_failed++;
        async_code = ev->code;
    }
}

static void pump_until_empty(int ms) {
    long long end = now_ms() + ms;
    while (wsc_count() > 0 && now_ms() < end) wsc_pump(50);
}

/* One cycle of the given kind; i only names it in messages. */
static void cycle(int kind, int i, int silent_port) {
    switch (kind) {
    case 0: /* sync ws, one echo */
        expect(wsc_connect("s", "127.0.0.1", plain_port, "/echo", NULL, 5000) && echo("s", "hello") && wsc_close("s"), i, "sync ws");
        break;
    case 1: /* sync wss by address or by name (the lookup thread) */
        expect(wsc_connect_ssl("s", i % 3 ? "127.0.0.1" : "localhost", wss_port, "/echo", NULL, 0, 5000) && echo("s", "hello") &&
               wsc_close("s"), i, "sync wss");
        break;
    case 2: case 3: /* async ws or wss: open, one echo, closed from the callback */
        async_opened = async_failed = 0;
        expect(kind == 2 ? wsc_connect_async("a", on_event, "127.0.0.1", plain_port, "/echo", NULL)
                         : wsc_connect_ssl_async("a", on_event, "127.0.0.1", wss_port, "/echo", NULL, 0), i, "async start");
        pump_until_empty(5000);
        expect(async_opened == 1 && async_failed == 0 && wsc_count() == 0, i, "async");
        break;
    case 4: /* sync connect, closed at once without a message */
        expect(wsc_connect(i % 2 ? "s" : "t", "127.0.0.1", plain_port, "/", NULL, 5000) && wsc_close(i % 2 ? "s" : "t"), i, "connect-close");
        break;
    case 5: /* refused: sync and async */
        expect(!wsc_connect("f", "127.0.0.1", closed_port(), NULL, NULL, 5000) && wsc_error_code() == WSC_ERR_CONNECT, i, "refused");
        async_failed = 0;
        wsc_connect_async("f", on_event, "127.0.0.1", closed_port(), NULL, NULL);
        pump_until_empty(5000);
        expect(async_failed == 1 && async_code == WSC_ERR_CONNECT, i, "async refused");
        break;
    case 6: /* HTTP 404 over wss, untrusted certificate */
        expect(!wsc_connect_ssl("f", "127.0.0.1", wss_port, "/404", NULL, 0, 5000) && wsc_error_code() == WSC_ERR_HTTP_STATUS, i, "404");
        expect(!wsc_connect_ssl("f", "localhost", untrusted_port, "/", NULL, 0, 5000) && wsc_error_code() == WSC_ERR_CERTIFICATE, i, "untrusted");
        break;
    case 7: /* a short bound against a server that never answers: sync and async */
        expect(!wsc_connect(i % 2 ? "f" : "g", "127.0.0.1", silent_port, NULL, NULL, 20) && wsc_error_code() == WSC_ERR_TIMEOUT, i, "timeout");
        {
            wsc_config c;
            memset(&c, 0, sizeof c);
            c.address = "127.0.0.1";
            c.port = silent_port;
            c.tls = i % 2;
            c.timeout_ms = 20;
            c.callback = on_event;
            async_failed = 0;
            wsc_open("f", &c);
            pump_until_empty(5000);
            expect(async_failed == 1 && async_code == WSC_ERR_TIMEOUT, i, "async timeout");
        }
        break;
    }
}

/* Several sockets at once, of every kind, then wsc_close_all. */
static void crowd(int i) {
    char name[16];
    int k;
    for (k = 0; k < 6; k++) {
        snprintf(name, sizeof name, "c%d", k);
        switch (k % 3) {
        case 0: expect(wsc_connect(name, "127.0.0.1", plain_port, "/echo", NULL, 5000), i, "crowd sync"); break;
        case 1: expect(wsc_connect_async(name, on_event, "127.0.0.1", plain_port, "/echo", NULL), i, "crowd async"); break;
        default: expect(wsc_connect_ssl_async(name, on_event, "127.0.0.1", wss_port, "/echo", NULL, 0), i, "crowd async wss"); break;
        }
    }
    wsc_pump(0);
    wsc_close_all(); /* some open, some still connecting */
    expect(wsc_count() == 0, i, "crowd left sockets");
}

TEST(connect_close_cycles) {
    const char *env = getenv("WSC_CHURN_CYCLES");
    int cycles = env ? atoi(env) : 2000, i, silent_port, silent_fd, before, after;
    long long t0 = now_ms();
    before = open_fds();
    silent_fd = silent_listener(&silent_port);
    for (i = 0; i < cycles; i++) {
        /* the timeouts cost their bound each: one cycle in 16 */
        int kind = i % 16 == 15 ? 7 : i % 7;
        cycle(kind, i, silent_port);
        if (i % 100 == 50) crowd(i);
        if (wsc_count() != 0) { expect(0, i, "sockets left"); wsc_close_all(); }
    }
    wsc_close_all();
    close(silent_fd);
    after = open_fds();
    printf("  %d cycles in %lld ms, %d unexpected; descriptors before %d, after %d\n", cycles, now_ms() - t0, bad, before, after);
    CHECK(bad == 0);
    CHECK(wsc_count() == 0);
    CHECKF(before == after && before > 0, "descriptors before %d, after %d", before, after);
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    char ca[600];
    wss_port = env_port("WSC_TEST_TLS_PORT");
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    untrusted_port = env_port("WSC_TEST_UNTRUSTED_PORT");
    snprintf(ca, sizeof ca, "%s/ca.pem", dir ? dir : "build/certs");
    setenv("SSL_CERT_FILE", ca, 1);
    RUN(connect_close_cycles);
    wsc_tls_clear_cache(); /* the cached trust anchors: valgrind then finds nothing in use */
    return test_summary("test_churn");
}

/* limits.c - every compile-time limit, built small here, at its edge and one
   past it: the edge works, one past is a clear error naming the macro, and
   nothing else is disturbed (the other sockets, the same socket where the
   RFC allows). Also: a reader that falls behind loses no message, sync or
   async. */
#define WSCLIENT_MAX_SOCKETS 4
#define WSCLIENT_MAX_NAME 15
#define WSCLIENT_MAX_MESSAGE 65536u
#define WSCLIENT_MAX_HEADER 1024
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"

#include <poll.h>
#include <stdlib.h>

static int tls_port, plain_port, fault_port;

static int env_port(const char *name) {
    const char *v = getenv(name);
    if (!v) { printf("%s is not set: run through tests/run.sh (make test)\n", name); exit(2); }
    return atoi(v);
}

static unsigned char big[WSCLIENT_MAX_MESSAGE + 2];

static int echo_ok(const char *name, size_t n) {
    static unsigned char back[WSCLIENT_MAX_MESSAGE + 2];
    long k;
    if (!wsc_write_binary(name, big, n)) return 0;
    k = wsc_read(name, back, sizeof back, 5000, NULL);
    return k == (long)n && memcmp(back, big, n) == 0;
}

static int events, errors, error_code, messages;

static void on_event(const wsc_event_data *ev) {
    events++;
    if (ev->event == WSC_EVENT_MESSAGE) messages++;
    if (ev->event == WSC_EVENT_ERROR) { errors++; error_code = ev->code; }
}

TEST(name_length) {
    CHECK(wsc_connect("fifteen-chars-x", "127.0.0.1", plain_port, "/echo", NULL, 5000)); /* exactly WSCLIENT_MAX_NAME */
    CHECK(wsc_exist("fifteen-chars-x") && echo_ok("fifteen-chars-x", 10));
    CHECK(!wsc_connect("sixteen-chars-xx", "127.0.0.1", plain_port, "/echo", NULL, 5000) &&
          wsc_error_code() == WSC_ERR_NAME_TOO_LONG && strstr(wsc_error_info(), "WSCLIENT_MAX_NAME"));
    CHECK(!wsc_connect_async("sixteen-chars-xx", on_event, "127.0.0.1", plain_port, "/echo", NULL) &&
          wsc_error_code() == WSC_ERR_NAME_TOO_LONG);
    CHECK(!wsc_exist("sixteen-chars-xx") && !wsc_exist("sixteen-chars-x"));
    CHECK(!wsc_connect("", "127.0.0.1", plain_port, "/echo", NULL, 5000) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_connect(NULL, "127.0.0.1", plain_port, "/echo", NULL, 5000) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(wsc_count() == 1);
    CHECK(wsc_close("fifteen-chars-x") == 1 && wsc_count() == 0);
}

TEST(full_table) {
    int i;
    char name[16];
    events = errors = 0;
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++) {
        snprintf(name, sizeof name, "t%d", i);
        if (i % 2) CHECK(wsc_connect_async(name, on_event, "127.0.0.1", plain_port, "/echo", NULL));
        else CHECK(wsc_connect(name, "127.0.0.1", plain_port, "/echo", NULL, 5000));
    }
    CHECK(wsc_count() == WSCLIENT_MAX_SOCKETS);
    CHECK(!wsc_connect("extra", "127.0.0.1", plain_port, "/echo", NULL, 5000) && wsc_error_code() == WSC_ERR_TABLE_FULL &&
          strstr(wsc_error_info(), "WSCLIENT_MAX_SOCKETS"));
    CHECK(!wsc_connect_ssl_async("extra", on_event, "127.0.0.1", tls_port, "/echo", NULL, 0) && wsc_error_code() == WSC_ERR_TABLE_FULL);
    CHECK(!wsc_exist("extra") && wsc_count() == WSCLIENT_MAX_SOCKETS);
    CHECK(echo_ok("t0", 100) && echo_ok("t2", 100)); /* the others are untouched */
    CHECK(wsc_close("t2") == 1);
    CHECK(wsc_connect_ssl("extra", "127.0.0.1", tls_port, "/echo", NULL, 0, 5000) && echo_ok("extra", 5)); /* a slot again */
    wsc_pump(100);
    CHECK(errors == 0);
    wsc_close_all();
    CHECK(wsc_count() == 0);
}

/* The upgrade answer's head: WSCLIENT_MAX_HEADER bytes fit, one more does not. */
TEST(header_size) {
    char path[64], buf[16];
    snprintf(path, sizeof path, "/big-head?size=%d", WSCLIENT_MAX_HEADER);
    CHECKF(wsc_connect("h", "127.0.0.1", fault_port, path, NULL, 5000), "%s", wsc_error_info());
    CHECK(wsc_write("h", "fits") && wsc_read("h", buf, sizeof buf, 5000, NULL) == 4);
    wsc_close("h");
    snprintf(path, sizeof path, "/big-head?size=%d", WSCLIENT_MAX_HEADER + 1);
    CHECK(!wsc_connect("h", "127.0.0.1", fault_port, path, NULL, 5000) && wsc_error_code() == WSC_ERR_HANDSHAKE &&
          strstr(wsc_error_info(), "WSCLIENT_MAX_HEADER"));
    CHECK(wsc_count() == 0);
}

/* Outgoing: a message over the limit is refused before anything is sent,
   and the connection goes on; in parts it may be larger (the server here
   echoes it whole, which then is too big to receive). */
TEST(message_size_out) {
    char small[16];
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        int ok = tls ? wsc_connect_ssl("o", "127.0.0.1", tls_port, "/echo", NULL, 0, 5000)
                     : wsc_connect("o", "127.0.0.1", plain_port, "/echo", NULL, 5000);
        if (!ok) { CHECKF(0, "%s", wsc_error_info()); continue; }
        CHECK(echo_ok("o", WSCLIENT_MAX_MESSAGE));
        CHECK(!wsc_write_binary("o", big, WSCLIENT_MAX_MESSAGE + 1) && wsc_error_code() == WSC_ERR_MESSAGE_TOO_BIG &&
              strstr(wsc_error_info(), "WSCLIENT_MAX_MESSAGE"));
        CHECK(echo_ok("o", 33)); /* nothing of it went out: the stream is intact */
        /* On a slow machine (qemu) the last part's send may already meet the
           echo of the whole, which fails the connection within that call. */
        CHECK(wsc_write_part("o", big, WSCLIENT_MAX_MESSAGE, 1, 0) &&
              (wsc_write_part("o", big, 1, 1, 1) || wsc_error_code() == WSC_ERR_MESSAGE_TOO_BIG));
        CHECK(wsc_read("o", small, sizeof small, 5000, NULL) == -1 && wsc_error_code() == WSC_ERR_MESSAGE_TOO_BIG &&
              strstr(wsc_error_info(), "1009"));
        CHECK(wsc_close("o") == 0 && wsc_count() == 0);
    }
}

/* Incoming: exactly the limit arrives; one byte more fails the connection
   with 1009 (RFC 6455 §7.4.1), sync and async, ws and wss. */
TEST(message_size_in) {
    static char m[WSCLIENT_MAX_MESSAGE + 2];
    char path[64];
    int tls;
    long long end;
    for (tls = 0; tls <= 1; tls++) {
        int port = tls ? tls_port : plain_port;
        wsc_config c;
        memset(&c, 0, sizeof c);
        c.address = "127.0.0.1";
        c.port = port;
        c.tls = tls;
        c.timeout_ms = 5000;
        c.path = path;
        snprintf(path, sizeof path, "/send?size=%u&type=text", WSCLIENT_MAX_MESSAGE);
        CHECK(wsc_open("i", &c) && wsc_read("i", m, sizeof m, 5000, NULL) == (long)WSCLIENT_MAX_MESSAGE);
        wsc_close("i");
        snprintf(path, sizeof path, "/send?size=%u&type=binary", WSCLIENT_MAX_MESSAGE + 1);
        CHECK(wsc_open("i", &c));
        CHECK(wsc_read("i", m, sizeof m, 5000, NULL) == -1 && wsc_error_code() == WSC_ERR_MESSAGE_TOO_BIG &&
              strstr(wsc_error_info(), "WSCLIENT_MAX_MESSAGE"));
        CHECK(wsc_close("i") == 0 && wsc_count() == 0);
        c.callback = on_event;
        events = errors = messages = 0;
        error_code = 0;
        CHECK(wsc_open("i", &c));
        end = now_ms() + 5000;
        while (wsc_exist("i") && now_ms() < end) wsc_pump(50);
        CHECK(errors == 1 && error_code == WSC_ERR_MESSAGE_TOO_BIG && messages == 0 && !wsc_exist("i"));
    }
}

/* A synchronous reader that falls behind: the queue stops at
   WSCLIENT_MAX_MESSAGE bytes, the rest waits in the kernel, and every
   message arrives in order. */
TEST(slow_reader_loses_nothing) {
    int i, in_order = 1, n = 0;
    static unsigned char m[10001];
    if (!wsc_connect("q", "127.0.0.1", plain_port, "/echo", NULL, 5000)) { CHECK(0); return; }
    for (i = 0; i < 60; i++) { /* 600 kB of echoes, nine times the queue's bound */
        memset(big, 'A' + i % 26, 10000);
        if (!wsc_write_binary("q", big, 10000)) break;
    }
    CHECKF(i == 60, "write %d: %s", i, wsc_error_info());
    CHECK(wsc__g.slots[wsc__find("q")]->queued_bytes <= WSCLIENT_MAX_MESSAGE + 10000);
    for (i = 0; i < 60; i++) {
        if (wsc_read("q", m, sizeof m, 5000, NULL) != 10000) break;
        in_order &= m[0] == 'A' + i % 26 && m[9999] == 'A' + i % 26;
        n++;
    }
    CHECK(n == 60 && in_order);
    CHECK(wsc_read("q", m, sizeof m, 0, NULL) == -1 && wsc_error_code() == WSC_ERR_TIMEOUT); /* nothing more */
    CHECK(wsc_close("q") == 1);
}

/* An asynchronous reader whose queue filled while bytes it had already
   read still waited behind: once the callbacks took the queue, those bytes
   are parsed, though nothing new ever comes (the pump must not sleep on a
   descriptor with no more to say). The server sends 4 x 20000 bytes and
   "end" while we sleep, so that one read holds the 4th message's end and
   "end", and the 4th message fills the queue. Under wsc_pump, and under a
   host loop polling wsc_watches. */
static int burst_open, burst_msgs, burst_end;
static long long burst_end_at;

static void on_burst(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) burst_open = 1;
    if (ev->event != WSC_EVENT_MESSAGE) return;
    if (!ev->binary && ev->length == 3 && memcmp(ev->message, "end", 3) == 0) { burst_end = 1; burst_end_at = now_ms(); }
    else burst_msgs += ev->binary && ev->length == 20000;
}

/* One turn of a host loop: poll() what wsc_watches gives, for at most
   wait_ms, then wsc_pump(0). */
static void host_turn(int wait_ms) {
    wsc_watch set[8];
    struct pollfd p[8];
    int i, n, timeout;
    n = wsc_watches(set, 8, &timeout);
    if (n < 0 || n > 8) return;
    for (i = 0; i < n; i++) {
        p[i].fd = set[i].fd;
        p[i].events = (short)(((set[i].events & WSC_IO_READ) ? POLLIN : 0) | ((set[i].events & WSC_IO_WRITE) ? POLLOUT : 0));
        p[i].revents = 0;
    }
    poll(p, (nfds_t)n, timeout < 0 || timeout > wait_ms ? wait_ms : timeout);
    wsc_pump(0);
}

TEST(async_reader_behind_takes_in_what_came) {
    int tls, host;
    for (tls = 0, host = 0; tls <= 1; tls += host, host = !host) {
        struct timespec pause = {0, 800000000}; /* the server sends after 0.3 s */
        long long end, t0;
        wsc_config c;
        memset(&c, 0, sizeof c);
        c.address = "127.0.0.1";
        c.port = tls ? tls_port : plain_port;
        c.tls = tls;
        c.timeout_ms = 5000;
        c.path = "/burst?count=4&size=20000&after=0.3";
        c.callback = on_burst;
        burst_open = burst_msgs = burst_end = 0;
        if (!wsc_open("r", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        end = now_ms() + 5000;
        while (!burst_open && wsc_exist("r") && now_ms() < end) wsc_pump(50);
        nanosleep(&pause, NULL);
        end = (t0 = now_ms()) + 3000;
        while (!burst_end && wsc_exist("r") && now_ms() < end) {
            if (host) host_turn(4000); /* a host loop: poll() on wsc_watches, then wsc_pump(0) */
            else wsc_pump(1000);
        }
        CHECKF(burst_open && burst_msgs == 4 && burst_end && burst_end_at - t0 < 3000, "%s%s: %d of 4 messages, end %s after %lld ms",
               tls ? "wss" : "ws", host ? " (host loop)" : "", burst_msgs, burst_end ? "came" : "never came",
               burst_end ? burst_end_at - t0 : now_ms() - t0);
        wsc_close("r");
        end = now_ms() + 5000;
        while (wsc_exist("r") && now_ms() < end) wsc_pump(50);
    }
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    char ca[600];
    size_t i;
    tls_port = env_port("WSC_TEST_TLS_PORT");
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    fault_port = env_port("WSC_TEST_FAULT_PORT");
    snprintf(ca, sizeof ca, "%s/ca.pem", dir ? dir : "build/certs");
    setenv("SSL_CERT_FILE", ca, 1);
    for (i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 31 + 7);
    RUN(name_length);
    RUN(full_table);
    RUN(header_size);
    RUN(message_size_out);
    RUN(message_size_in);
    RUN(slow_reader_loses_nothing);
    RUN(async_reader_behind_takes_in_what_came);
    wsc_close_all();
    return test_summary("test_limits");
}

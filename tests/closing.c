/* closing.c - closing the way the caller means: a close code and reason of
   the caller's choosing (what the server receives is read back from
   tests/ws_server.py's /close-report), the codes and reasons RFC 6455 §7.4
   refuses, an abort that never waits, the server's close code and reason
   read by function; and durations written for people (wsc_duration_ms).
   Against the python3-websockets servers and tests/fault_server.py that
   tests/run.sh starts on loopback, over ws:// and wss://. */
#define WSCLIENT_IMPLEMENTATION
/* Counts live allocations: an abort must leave none behind. (No system
   header before the implementation: it sets _POSIX_C_SOURCE first.) */
#include <stddef.h>
static void *count_malloc(size_t n);
static void *count_realloc(void *p, size_t n);
static void count_free(void *p);
#define WSCLIENT_MALLOC(size, user) ((void)(user), count_malloc(size))
#define WSCLIENT_REALLOC(ptr, size, user) ((void)(user), count_realloc(ptr, size))
#define WSCLIENT_FREE(ptr, user) ((void)(user), count_free(ptr))
#include "wsclient.h"
#include "test.h"
#include "loopback.h"


static long live_blocks;
static void *count_malloc(size_t n) { void *p = malloc(n); live_blocks += p != NULL; return p; }
static void *count_realloc(void *p, size_t n) { void *q = realloc(p, n); live_blocks += q && !p; return q; }
static void count_free(void *p) { live_blocks -= p != NULL; free(p); }

#define SLACK_MS 1500 /* generous: the machine is shared */

static int wss_port, plain_port, fault_port, fault_tls_port;

/* A sync or async socket on the ws_server (tls: the wss:// one) or the fault server. */
static int open_on(const char *name, int port, int tls, const char *path, wsc_callback cb, int close_timeout_ms) {
    wsc_config c;
    int ok;
    memset(&c, 0, sizeof c);
    c.address = tls ? "localhost" : "127.0.0.1";
    c.port = port;
    c.path = path;
    c.tls = tls;
    c.ca_file = tls ? cert("ca.pem") : NULL;
    c.timeout_ms = 5000;
    c.close_timeout_ms = close_timeout_ms;
    c.callback = cb;
    ok = wsc_open(name, &c);
    if (!ok) printf("  connect %s%s: %s\n", tls ? "wss" : "ws", path, wsc_error_info());
    return ok;
}

static int echo_ok(const char *name) {
    char buf[16];
    return wsc_write(name, "still here") && wsc_read(name, buf, sizeof buf, 5000, NULL) == 10 && strcmp(buf, "still here") == 0;
}

/* What the server received as close under key: "CODE REASON". */
static int server_saw(int tls, const char *key, const char *expected) {
    char path[96], got[256];
    long n;
    snprintf(path, sizeof path, "/close-read?id=%s", key);
    if (!open_on("read", tls ? wss_port : plain_port, tls, path, NULL, 0)) return 0;
    n = wsc_read("read", got, sizeof got, 5000, NULL);
    wsc_close("read");
    if (n >= 0 && strcmp(got, expected) == 0) return 1;
    printf("  server saw '%s', expected '%s'\n", n >= 0 ? got : wsc_error_info(), expected);
    return 0;
}

/* ---- close with a code and reason ---- */

/* Sync: the server receives exactly the code and reason; its answer (an echo)
   is readable after the name is gone. */
static void close_with_sync(int tls) {
    static const struct { int code; const char *reason, *seen; } ok[] = {
        {1000, NULL, "1000 "}, {1001, "going away", "1001 going away"}, {1010, "", "1010 "},
        {1011, "x", "1011 x"}, {3000, "d\xc3\xa9j\xc3\xa0 vu \xe2\x9c\x93", "3000 d\xc3\xa9j\xc3\xa0 vu \xe2\x9c\x93"},
        {4999, "last", "4999 last"}};
    int port = tls ? wss_port : plain_port;
    size_t i;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char key[32], path[64], reason[WSC_CLOSE_REASON_MAX + 1];
        int code = -1;
        snprintf(key, sizeof key, "s%d-%lu", tls, (unsigned long)i);
        snprintf(path, sizeof path, "/close-report?id=%s", key);
        if (!open_on("c", port, tls, path, NULL, 0)) { CHECK(0); continue; }
        CHECKF(wsc_close_with("c", ok[i].code, ok[i].reason) == 1, "%d: %s", ok[i].code, wsc_error_info());
        CHECK(!wsc_exist("c"));
        /* the server (python3-websockets) answers with the same code and reason */
        CHECKF(wsc_close_status("c", &code, reason, sizeof reason) == 1 && code == ok[i].code &&
               strcmp(reason, ok[i].reason ? ok[i].reason : "") == 0, "%d: got %d '%s' %s", ok[i].code, code, reason, wsc_error_info());
        CHECKF(server_saw(tls, key, ok[i].seen), "code %d", ok[i].code);
        /* only the socket closed last keeps its status: "read" was */
        CHECK(wsc_close_status("c", &code, NULL, 0) == 0 && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
    }
}

TEST(close_with_code_and_reason_ws) { close_with_sync(0); }
TEST(close_with_code_and_reason_wss) { close_with_sync(1); }

static int ev_last, ev_code, ev_count;
static char ev_text[256];

static void on_event(const wsc_event_data *ev) {
    ev_count++;
    ev_last = ev->event;
    ev_code = ev->code;
    snprintf(ev_text, sizeof ev_text, "%s", ev->message ? ev->message : "");
    if (ev->event == WSC_EVENT_OPEN) /* from a callback too */
        CHECKF(wsc_close_with(ev->name, 4001, "async bye") == 1, "%s", wsc_error_info());
}

static void close_with_async(int tls) {
    char path[64], key[16];
    snprintf(key, sizeof key, "a%d", tls);
    snprintf(path, sizeof path, "/close-report?id=%s", key);
    ev_last = ev_code = 0;
    if (!open_on("a", tls ? wss_port : plain_port, tls, path, on_event, 0)) { CHECK(0); return; }
    pump_until_gone("a");
    CHECK(!wsc_exist("a"));
    CHECKF(ev_last == WSC_EVENT_CLOSE && ev_code == 4001 && strcmp(ev_text, "async bye") == 0, "event %d code %d '%s'",
           ev_last, ev_code, ev_text);
    CHECK(server_saw(tls, key, "4001 async bye"));
}

TEST(close_with_async_ws) { close_with_async(0); }
TEST(close_with_async_wss) { close_with_async(1); }

static void quiet_event(const wsc_event_data *ev) {
    ev_count++;
    ev_last = ev->event;
    ev_code = ev->code;
}

/* Every class of refused code, and the edges of those allowed; the socket
   stays open and usable after each refusal. */
TEST(refused_codes_and_reasons) {
    static const int refused[] = {-1, 0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 2999, 5000, 65535, 70000};
    char r123[124], r124[125];
    size_t i;
    memset(r123, 'r', 123); r123[123] = 0;
    memset(r124, 'r', 124); r124[124] = 0;
    if (!open_on("k", plain_port, 0, "/close-report?id=refused", NULL, 0)) { CHECK(0); return; }
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECKF(!wsc_close_with("k", refused[i], NULL) && wsc_error_code() == WSC_ERR_ARGUMENT &&
               strstr(wsc_error_info(), "close code"), "code %d: %s", refused[i], wsc_error_info());
        CHECK(wsc_exist("k"));
    }
    CHECK(!wsc_close_with("k", 1000, r124) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "124 bytes"));
    CHECK(!wsc_close_with("k", 1000, "\xff") && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "UTF-8"));
    CHECK(!wsc_close_with("k", 1000, "ends inside \xc3") && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_close_with("k", 1000, "\xed\xa0\x80 surrogate") && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_close_with("nobody", 1000, NULL) && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
    CHECK(!wsc_close_with(NULL, 1000, NULL) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(echo_ok("k")); /* all those refusals sent nothing */
    CHECKF(wsc_close_with("k", 1000, r123) == 1, "%s", wsc_error_info());
    {
        char seen[160];
        snprintf(seen, sizeof seen, "1000 %s", r123);
        CHECK(server_saw(0, "refused", seen));
    }
    /* an asynchronous socket that is still connecting: refused, nothing changes */
    CHECK(open_on("q", fault_port, 0, "/stall", quiet_event, 0));
    CHECK(!wsc_close_with("q", 1000, NULL) && wsc_error_code() == WSC_ERR_NOT_OPEN && wsc_exist("q"));
    CHECK(wsc_abort("q") == 1 && !wsc_exist("q"));
}

/* ---- abort ---- */

static void abort_against_swallow(int tls) {
    int port = tls ? fault_tls_port : fault_port;
    int fds, i;
    long blocks;
    long long t0;
    /* once first: the CA file cache and the TLS session stay, and count */
    if (open_on("w", port, tls, "/swallow", NULL, 5000)) wsc_abort("w");
    fds = open_fds();
    blocks = live_blocks;
    for (i = 0; i < 3; i++) {
        if (!open_on("w", port, tls, "/swallow", NULL, 5000)) { CHECK(0); return; }
        CHECK(wsc_write("w", "dropped")); /* bytes on their way: dropped too */
        t0 = now_ms();
        CHECK(wsc_abort("w") == 1);
        CHECKF(now_ms() - t0 < SLACK_MS, "wsc_abort took %lld ms (close_timeout_ms is 5000)", now_ms() - t0);
        CHECK(!wsc_exist("w") && wsc_count() == 0);
    }
    CHECKF(open_fds() == fds, "%d descriptors open, %d before", open_fds(), fds);
    CHECKF(live_blocks == blocks, "%ld blocks live, %ld before", live_blocks, blocks);
    {   /* the server never answered a close: what wsc_close_status says afterwards */
        int code = 0;
        CHECK(wsc_close_status("w", &code, NULL, 0) == 1 && code == 1006);
    }
    /* an asynchronous socket: gone at once, no event after */
    ev_count = 0;
    CHECK(open_on("wa", port, tls, "/swallow", quiet_event, 5000));
    while (wsc_exist("wa") && ev_count == 0) wsc_pump(50); /* its OPEN */
    CHECK(ev_count == 1 && ev_last == WSC_EVENT_OPEN);
    CHECK(wsc_write("wa", "queued"));
    t0 = now_ms();
    CHECK(wsc_abort("wa") == 1 && !wsc_exist("wa"));
    CHECK(now_ms() - t0 < SLACK_MS);
    CHECK(wsc_pump(200) == 0 && ev_count == 1);
    CHECK(!wsc_abort("wa") && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
    CHECKF(open_fds() == fds, "%d descriptors open, %d before", open_fds(), fds);
    CHECKF(live_blocks == blocks, "%ld blocks live, %ld before", live_blocks, blocks);
}

TEST(abort_never_waits_ws) { abort_against_swallow(0); }
TEST(abort_never_waits_wss) { abort_against_swallow(1); }

/* The server on /close-report sees no close frame: 1006. */
TEST(abort_sends_no_close_frame) {
    if (!open_on("ab", plain_port, 0, "/close-report?id=abort", NULL, 0)) { CHECK(0); return; }
    CHECK(echo_ok("ab"));
    CHECK(wsc_abort("ab") == 1);
    CHECK(server_saw(0, "abort", "1006 "));
}

/* For contrast: wsc_close_with against the same server waits for close_timeout_ms. */
TEST(close_with_unanswered) {
    int code = 0;
    long long t0;
    if (!open_on("u", fault_port, 0, "/swallow", NULL, 300)) { CHECK(0); return; }
    t0 = now_ms();
    CHECK(!wsc_close_with("u", 3001, "hello?") && wsc_error_code() == WSC_ERR_TIMEOUT && !wsc_exist("u"));
    CHECK(now_ms() - t0 >= 250 && now_ms() - t0 < 300 + SLACK_MS);
    CHECK(wsc_close_status("u", &code, NULL, 0) == 1 && code == 1006);
}

/* ---- the server's close, read by function ---- */

/* Polls wsc_close_status until the server's close has arrived (5 s at most). */
static int status_when_closed(const char *name, int *code, char *reason, size_t cap) {
    long long end = now_ms() + 5000;
    int r;
    while ((r = wsc_close_status(name, code, reason, cap)) == 0 && wsc_error_code() == WSC_ERR_STATE && now_ms() < end) {
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    return r;
}

static void server_close_status(int tls) {
    char reason[WSC_CLOSE_REASON_MAX + 1], small[4], buf[32];
    int code = -1;
    if (!open_on("sc", tls ? wss_port : plain_port, tls, "/echo", NULL, 0)) { CHECK(0); return; }
    CHECK(wsc_close_status("sc", &code, reason, sizeof reason) == 0 && wsc_error_code() == WSC_ERR_STATE && code == 0);
    CHECK(echo_ok("sc"));
    wsc_close("sc");
    /* 4000 "bye bye" from /close: readable while the name lives, and after wsc_close */
    if (!open_on("sc", tls ? wss_port : plain_port, tls, "/close", NULL, 0)) { CHECK(0); return; }
    CHECKF(status_when_closed("sc", &code, reason, sizeof reason) == 1 && code == 4000 && strcmp(reason, "bye bye") == 0,
           "%d '%s' %s", code, reason, wsc_error_info());
    CHECK(wsc_read("sc", buf, sizeof buf, 1000, NULL) == -1 && wsc_error_code() == WSC_ERR_CLOSED);
    code = 0;
    CHECK(wsc_close_status("sc", &code, small, sizeof small) == 0 && wsc_error_code() == WSC_ERR_BUFFER_TOO_SMALL && code == 4000);
    CHECK(wsc_close_status("sc", &code, NULL, 0) == 1 && code == 4000);
    CHECK(wsc_close("sc") == 1 && !wsc_exist("sc"));
    code = 0;
    CHECK(wsc_close_status("sc", &code, reason, sizeof reason) == 1 && code == 4000 && strcmp(reason, "bye bye") == 0);
    /* a new socket of that name has its own status */
    if (!open_on("sc", tls ? wss_port : plain_port, tls, "/echo", quiet_event, 0)) { CHECK(0); return; }
    CHECK(wsc_close_status("sc", &code, NULL, 0) == 0 && wsc_error_code() == WSC_ERR_STATE);
    wsc_abort("sc");
    /* 1005: a close frame without a code */
    if (!open_on("sc", tls ? fault_tls_port : fault_port, tls, "/close-empty", NULL, 0)) { CHECK(0); return; }
    CHECKF(status_when_closed("sc", &code, reason, sizeof reason) == 1 && code == 1005 && reason[0] == 0,
           "%d %s", code, wsc_error_info());
    CHECK(wsc_close("sc") == 1);
    /* 1006: the connection dropped without a close frame */
    if (!open_on("sc", tls ? fault_tls_port : fault_port, tls, "/half-close", NULL, 0)) { CHECK(0); return; }
    CHECK(wsc_read("sc", buf, sizeof buf, 5000, NULL) == 4);
    CHECKF(status_when_closed("sc", &code, reason, sizeof reason) == 1 && code == 1006 && reason[0] == 0,
           "%d %s", code, wsc_error_info());
    CHECK(wsc_exist("sc"));
    wsc_close("sc");
    CHECK(wsc_close_status("sc", &code, NULL, 0) == 1 && code == 1006);
    CHECK(wsc_close_status("nobody", &code, NULL, 0) == 0 && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET && code == 0);
}

TEST(server_close_status_ws) { server_close_status(0); }
TEST(server_close_status_wss) { server_close_status(1); }

/* The async CLOSE event of a close frame without a code says 1005, as
   wsc_close_status does. */
TEST(async_close_without_code) {
    ev_last = ev_code = 0;
    if (!open_on("ae", fault_port, 0, "/close-empty", quiet_event, 0)) { CHECK(0); return; }
    ev_count = 0;
    {
        long long end = now_ms() + 5000;
        while (wsc_exist("ae") && now_ms() < end) wsc_pump(50);
    }
    CHECKF(ev_last == WSC_EVENT_CLOSE && ev_code == 1005, "event %d code %d", ev_last, ev_code);
}

/* A server that resets the connection once the close frames have crossed (it
   read ours): the close handshake is done, so the close is clean whatever TCP
   does after; the sync close returns 1, the async socket gets CLOSE, not ERROR.
   (python's ssl servers drop connections this way now and then.) */
static void reset_after_the_close_handshake(int tls) {
    int port = tls ? fault_tls_port : fault_port, code = 0;
    long long end;
    if (!open_on("rc", port, tls, "/close-reset", NULL, 0)) { CHECK(0); return; }
    CHECK(status_when_closed("rc", &code, NULL, 0) == 1 && code == 1000);
    CHECKF(wsc_close("rc") == 1, "%s: %s", tls ? "wss" : "ws", wsc_error_info());
    ev_last = ev_code = 0;
    if (!open_on("rc", port, tls, "/close-reset", quiet_event, 0)) { CHECK(0); return; }
    for (end = now_ms() + 5000; wsc_exist("rc") && now_ms() < end;) wsc_pump(50);
    CHECKF(ev_last == WSC_EVENT_CLOSE && ev_code == 1000, "%s: event %d code %d", tls ? "wss" : "ws", ev_last, ev_code);
}

TEST(reset_after_the_close_handshake_ws) { reset_after_the_close_handshake(0); }
TEST(reset_after_the_close_handshake_wss) { reset_after_the_close_handshake(1); }

/* ---- durations ---- */

TEST(durations) {
    static const struct { const char *text; int ms; } good[] = {
        {"10 ms", 10}, {"10ms", 10}, {"1 s", 1000}, {"1s", 1000}, {"1 sec", 1000}, {"2 SEC", 2000}, {"1 S", 1000},
        {"1 min", 60000}, {"1 MIN", 60000}, {"1 h", 3600000}, {"1 min 30 s", 90000}, {"1h 2min", 3720000},
        {"1 h 2 min 3 s 4 ms", 3723004}, {"2 s 500 ms", 2500}, {"1min30s", 90000}, {"  7 s  ", 7000},
        {"\t5\tms", 5}, {"0", 0}, {"0 s", 0}, {"10", 10}, {" 250 ", 250}, {"007 ms", 7},
        {"2147483647", 2147483647}, {"2147483647 ms", 2147483647}, {"2147483 s 647 ms", 2147483647},
        {"596 h", 2145600000}, {"35791 min 23 s 647 ms", 2147483647}};
    static const char *const bad[] = {
        "", "   ", "s", "ms", "-1 s", "+1 s", "- 5", "1.5 s", "1,5 s", ".5 s", "1 m", "1 sec 2 s", "1 s 1 s",
        "30 s 1 min", "1 ms 1 s", "1 min 30", "10 10", "10 s junk", "10 s,", "1 hour", "1 seconds", "1 us",
        "1 \xc2\xb5s", "0x10", "1e3", "2147483648", "2147483648 ms", "2147483 s 648 ms", "597 h",
        "99999999999999999999999", "1 h 99999999999 ms", "1 s;", "ms 5", "1\ns"};
    size_t i;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        int ms = -1;
        CHECKF(wsc_duration_ms(good[i].text, &ms) == 1 && ms == good[i].ms, "'%s': %d, expected %d (%s)", good[i].text, ms,
               good[i].ms, wsc_error_info());
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int ms = -7;
        CHECKF(wsc_duration_ms(bad[i], &ms) == 0 && ms == -7 && wsc_error_code() == WSC_ERR_ARGUMENT &&
               strstr(wsc_error_info(), "duration"), "'%s' accepted as %d", bad[i], ms);
    }
    {
        int ms = 0;
        CHECK(!wsc_duration_ms(NULL, &ms) && wsc_error_code() == WSC_ERR_ARGUMENT);
        CHECK(!wsc_duration_ms("1 s", NULL) && wsc_error_code() == WSC_ERR_ARGUMENT);
        CHECK(!wsc_duration_ms("1.5 s", &ms) && strstr(wsc_error_info(), "fraction"));
        CHECK(!wsc_duration_ms("2147483648", &ms) && strstr(wsc_error_info(), "INT_MAX"));
        CHECK(!wsc_duration_ms("30 s 1 min", &ms) && strstr(wsc_error_info(), "largest"));
    }
    {   /* no reading past the string: every prefix of a long text, each in its own exact-size block */
        static const char text[] = "1 h 2 min 3 sec 4 ms";
        size_t n;
        for (n = 0; n <= sizeof text - 1; n++) {
            char *copy = (char *)malloc(n + 1);
            int ms;
            memcpy(copy, text, n);
            copy[n] = 0;
            (void)wsc_duration_ms(copy, &ms);
            free(copy);
        }
        CHECK(1);
    }
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    wss_port = env_port("WSC_TEST_TLS_PORT");
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    fault_port = env_port("WSC_TEST_FAULT_PORT");
    fault_tls_port = env_port("WSC_TEST_FAULT_TLS_PORT");
    (void)fails_with; /* loopback.h's, of no use here */
    (void)tls_port;
    RUN(durations);
    RUN(close_with_code_and_reason_ws);
    RUN(close_with_code_and_reason_wss);
    RUN(close_with_async_ws);
    RUN(close_with_async_wss);
    RUN(refused_codes_and_reasons);
    RUN(abort_never_waits_ws);
    RUN(abort_never_waits_wss);
    RUN(abort_sends_no_close_frame);
    RUN(close_with_unanswered);
    RUN(server_close_status_ws);
    RUN(server_close_status_wss);
    RUN(async_close_without_code);
    RUN(reset_after_the_close_handshake_ws);
    RUN(reset_after_the_close_handshake_wss);
    wsc_close_all();
    return test_summary("test_closing");
}

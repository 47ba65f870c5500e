/* reconnect.c - automatic reconnect of an asynchronous socket
   (wsc_config.reconnect): which endings reconnect and which do not, the
   backoff and its cap, Retry-After, the attempts cap, writes and wsc_close
   between connections, TLS resumption on the next connection, and the cost:
   1000 reconnects with no descriptor or memory growth, no busy loop in the
   wait. Against tests/reconnect_server.py, tests/ws_server.py and a
   certificate tests/run.sh makes, on loopback, over ws:// and wss://. */
#define WSCLIENT_IMPLEMENTATION
/* Counts live allocations (no system header before the implementation: it
   sets _POSIX_C_SOURCE first). */
#include <stddef.h>
static void *count_malloc(size_t n);
static void *count_realloc(void *p, size_t n);
static void count_free(void *p);
#define WSCLIENT_MALLOC(size, user) ((void)(user), count_malloc(size))
#define WSCLIENT_REALLOC(ptr, size, user) ((void)(user), count_realloc(ptr, size))
#define WSCLIENT_FREE(ptr, user) ((void)(user), count_free(ptr))
/* A monotonic clock past 2^32 ms (49.7 days of uptime): the time of the next
   attempt must not be cut to 32 bits. */
static long long late_clock_ms(void);
#define WSCLIENT_NOW_MS() late_clock_ms()
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <sys/resource.h>

static long live_blocks;
static void *count_malloc(size_t n) { void *p = malloc(n); live_blocks += p != NULL; return p; }
static void *count_realloc(void *p, size_t n) { void *q = realloc(p, n); live_blocks += q && !p; return q; }
static void count_free(void *p) { live_blocks -= p != NULL; free(p); }

static long long late_clock_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 5000000000LL + (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int plain_port, tls_port_, gate_port, ws_port, wrong_port;

/* What the callback saw. */
typedef struct seen {
    int event, code, http_status, reconnect_ms, attempt;
    long long at, wall; /* now_ms(); the time of day in ms since 1970 */
    char retry_after[64]; /* wsc_error_header("Retry-After", 0) in the event */
    char message[600];
} seen;

#define MAX_SEEN 64
static seen log_[MAX_SEEN];
static int nlog, opens, reconnects, finals;
static int close_on_reconnecting; /* wsc_close from inside the RECONNECTING event */
static int stop_after_opens;      /* wsc_close once this many OPEN events came (0: never) */
static int quiet;                 /* the storm: count, keep nothing */

static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) opens++;
    if (ev->event == WSC_EVENT_RECONNECTING) reconnects++;
    if (ev->event == WSC_EVENT_CLOSE || ev->event == WSC_EVENT_ERROR) finals++;
    if (!quiet && nlog < MAX_SEEN && ev->event != WSC_EVENT_MESSAGE) {
        seen *s = &log_[nlog++];
        s->event = ev->event;
        s->code = ev->code;
        s->http_status = ev->http_status;
        s->reconnect_ms = ev->reconnect_ms;
        s->attempt = ev->attempt;
        s->at = now_ms();
        s->wall = wall_ms();
        snprintf(s->message, sizeof s->message, "%s", ev->event == WSC_EVENT_MESSAGE ? "" : ev->message);
        snprintf(s->retry_after, sizeof s->retry_after, "%s", wsc_error_header("Retry-After", 0) ? wsc_error_header("Retry-After", 0) : "");
        if (ev->event == WSC_EVENT_RECONNECTING)
            printf("  RECONNECTING attempt %d in %d ms (code %d, http %d): %s\n", ev->attempt, ev->reconnect_ms, ev->code,
                   ev->http_status, ev->message);
        else if (ev->event != WSC_EVENT_OPEN)
            printf("  %s %d: %s\n", ev->event == WSC_EVENT_CLOSE ? "CLOSE" : "ERROR", ev->code, ev->message);
    }
    if (ev->event == WSC_EVENT_RECONNECTING && close_on_reconnecting) {
        wsc_close(ev->name);
        CHECK(!wsc_exist(ev->name));
    }
    if (ev->event == WSC_EVENT_OPEN && stop_after_opens && opens >= stop_after_opens) wsc_close(ev->name);
}

static void reset_log(void) {
    nlog = opens = reconnects = finals = 0;
    close_on_reconnecting = stop_after_opens = quiet = 0;
}

static void base_config(wsc_config *c, int port, int tls, const char *path) {
    memset(c, 0, sizeof *c);
    c->address = tls ? "localhost" : "127.0.0.1";
    c->port = port;
    c->path = path;
    c->tls = tls;
    c->ca_file = tls ? cert("ca.pem") : NULL;
    c->timeout_ms = 5000;
    c->callback = on_event;
    c->reconnect = 1;
    c->reconnect_min_ms = 50;
    c->reconnect_max_ms = 200;
}

/* Pumps until cond or the socket is gone, at most ms. */
#define PUMP_UNTIL(name, cond, ms) do { \
    long long end_ = now_ms() + (ms) * test_slow(); \
    while (!(cond) && wsc_exist(name) && now_ms() < end_) wsc_pump(20); \
} while (0)

static const seen *find_event(int event, int nth) {
    int i;
    for (i = 0; i < nlog; i++)
        if (log_[i].event == event && nth-- == 0) return &log_[i];
    return NULL;
}

TEST(test_refused_options) {
    wsc_config c;
    base_config(&c, plain_port, 0, "/");
    c.callback = NULL;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "reconnect needs an asynchronous socket", NULL));
    printf("  sync: %s\n", wsc_error_info());
    base_config(&c, plain_port, 0, "/");
    c.reconnect_min_ms = 500;
    c.reconnect_max_ms = 100;
    CHECK(!wsc_open("r", &c) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "reconnect_min_ms (500) is over"));
    base_config(&c, plain_port, 0, "/");
    c.reconnect_min_ms = -1;
    CHECK(!wsc_open("r", &c) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "negative"));
    base_config(&c, plain_port, 0, "/");
    c.reconnect_max_attempts = -3;
    CHECK(!wsc_open("r", &c) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "negative"));
    c.reconnect_min_ms = 60000; /* min over the default max */
    c.reconnect_max_ms = 0;
    c.reconnect_max_attempts = 0;
    CHECK(!wsc_open("r", &c) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "(30000)"));
    CHECK(!wsc_exist("r") && wsc_count() == 0);
}

/* The server closes with code: RECONNECTING (WSC_ERR_CLOSED, the code in
   the words), then OPEN again; the name stays meanwhile. */
static void reconnects_after_close(int tls, int code) {
    wsc_config c;
    char path[64];
    const seen *r;
    snprintf(path, sizeof path, code == 1006 ? "/drop" : "/close?code=%d", code);
    printf(" %s %s\n", tls ? "wss" : "ws", path);
    reset_log();
    base_config(&c, tls ? tls_port_ : plain_port, tls, path);
    if (!wsc_open("r", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("r", reconnects >= 1, 5000);
    CHECK(wsc_exist("r") && wsc_count() == 1);
    PUMP_UNTIL("r", opens >= 2, 5000);
    CHECKF(opens >= 2 && finals == 0, "%d opens, %d final events", opens, finals);
    r = find_event(WSC_EVENT_RECONNECTING, 0);
    CHECK(r && r->code == WSC_ERR_CLOSED && r->attempt == 1 && r->reconnect_ms >= 37 && r->reconnect_ms <= 50);
    if (r && code != 1006) {
        char want[32];
        snprintf(want, sizeof want, "with %d: bye", code);
        CHECKF(strstr(r->message, want) != NULL, "'%s' lacks '%s'", r->message, want);
    }
    if (r && code == 1006) CHECKF(strstr(r->message, "1006") != NULL, "'%s'", r->message);
    wsc_close("r");
    CHECK(!wsc_exist("r"));
}

TEST(test_reconnects_after_server_close) {
    static const int codes[] = {1001, 1006, 1011, 1012, 1013};
    size_t i;
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) reconnects_after_close(0, codes[i]);
    reconnects_after_close(1, 1012);
    reconnects_after_close(1, 1006);
}

/* An ending that must not reconnect: the last event is the one of old. */
static void no_reconnect(int port, int tls, const char *path, int event, int code, const char *words) {
    wsc_config c;
    const seen *f;
    printf(" %s port %d %s\n", tls ? "wss" : "ws", port, path);
    reset_log();
    base_config(&c, port, tls, path);
    if (!wsc_open("n", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    pump_until_gone("n");
    wsc_pump(300); /* nothing more comes */
    f = find_event(event, 0);
    CHECKF(!wsc_exist("n") && reconnects == 0 && finals == 1 && f && f->code == code, "%d reconnects, %d finals, code %d",
           reconnects, finals, f ? f->code : -1);
    if (f && words) CHECKF(strstr(f->message, words) != NULL, "'%s' lacks '%s'", f->message, words);
}

TEST(test_no_reconnect) {
    no_reconnect(plain_port, 0, "/close?code=1000", WSC_EVENT_CLOSE, 1000, "bye");
    no_reconnect(plain_port, 0, "/close?code=1002", WSC_EVENT_CLOSE, 1002, "bye");
    no_reconnect(plain_port, 0, "/close?code=4000", WSC_EVENT_CLOSE, 4000, "bye");
    no_reconnect(plain_port, 0, "/bad-frame", WSC_EVENT_ERROR, WSC_ERR_PROTOCOL, NULL);
    no_reconnect(ws_port, 0, "/auth", WSC_EVENT_ERROR, WSC_ERR_HTTP_STATUS, "401");
    no_reconnect(plain_port, 0, "/status?id=s404" TEST_BACKEND "&code=404&fail=100", WSC_EVENT_ERROR, WSC_ERR_HTTP_STATUS, "404");
    no_reconnect(wrong_port, 1, "/", WSC_EVENT_ERROR, WSC_ERR_CERTIFICATE, NULL);
    no_reconnect(tls_port_, 1, "/close?code=1000", WSC_EVENT_CLOSE, 1000, "bye");
}

/* wsc_close of an open socket: gone, no event, no reconnect. */
TEST(test_close_stops) {
    wsc_config c;
    reset_log();
    base_config(&c, plain_port, 0, "/");
    if (!wsc_open("a", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("a", opens >= 1, 5000);
    CHECK(opens == 1 && wsc_close("a") && !wsc_exist("a"));
    wsc_pump(300);
    CHECK(reconnects == 0 && finals == 0 && opens == 1);
    /* wsc_close_with: the close is asked for, the server's answer ends it */
    reset_log();
    if (!wsc_open("a", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("a", opens >= 1, 5000);
    CHECK(wsc_close_with("a", 1001, "going"));
    pump_until_gone("a");
    CHECKF(reconnects == 0 && finals == 1, "%d reconnects, %d finals", reconnects, finals);
}

/* A 429 with Retry-After: 2 waits 2 s (capped by reconnect_max_ms), not
   the backoff's 50 ms; a 503 with an HTTP date likewise; a 500 reconnects
   on the backoff. */
static void retry_after(const char *path, int status, int lo, int hi, int max_ms) {
    wsc_config c;
    const seen *r, *o;
    long long waited;
    printf(" %s\n", path);
    reset_log();
    base_config(&c, plain_port, 0, path);
    c.reconnect_max_ms = max_ms;
    if (!wsc_open("h", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("h", opens >= 1, 8000);
    r = find_event(WSC_EVENT_RECONNECTING, 0);
    o = find_event(WSC_EVENT_OPEN, 0);
    CHECKF(r && o && r->code == WSC_ERR_HTTP_STATUS && r->http_status == status, "reconnect %p open %p", (void *)r, (void *)o);
    if (!r || !o) { wsc_close("h"); return; }
    waited = o->at - r->at;
    printf("  announced %d ms, measured %lld ms until OPEN\n", r->reconnect_ms, waited);
    CHECKF(r->reconnect_ms >= lo && r->reconnect_ms <= hi, "%d ms not in %d..%d", r->reconnect_ms, lo, hi);
    CHECKF(waited >= r->reconnect_ms - 20 && waited <= r->reconnect_ms + 1500 * test_slow(), "waited %lld ms", waited);
    CHECK(strstr(r->message, "HTTP") != NULL);
    if (strstr(path, "retry=")) CHECKF(r->retry_after[0] != 0, "no Retry-After from wsc_error_header in the event");
    else CHECK(r->retry_after[0] == 0);
    wsc_close("h");
}

/* Seconds since 1970 of an IMF-fixdate ("Mon, 07 Dec 2026 06:51:31 GMT"),
   -1 if unreadable: the test's own reading, to check the library's. */
static long long fixdate_seconds(const char *v) {
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char mon[4];
    const char *m;
    int d, y, h, mi, sec, i;
    long long days = 0;
    if (sscanf(v, "%*[^,], %2d %3s %4d %2d:%2d:%2d GMT", &d, mon, &y, &h, &mi, &sec) != 6 || !(m = strstr(months, mon))) return -1;
    for (i = 1970; i < y; i++) days += 365 + (i % 4 == 0 && (i % 100 != 0 || i % 400 == 0));
    for (i = 0; i < (int)(m - months) / 3; i++) days += month_days[i] + (i == 1 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
    return (days + d - 1) * 86400 + h * 3600 + mi * 60 + sec;
}

/* A Retry-After date is a whole second; the wait runs to it from now to the
   millisecond, not from now cut to its second (up to a second longer, and
   more where time() lags the clock). The open starts 0.3 to 0.6 s into a
   second, so that a wait counted from the cut second is off by that much. */
static void retry_after_date(void) {
    wsc_config c;
    const seen *r;
    long long until, at, date;
    while ((at = wall_ms() % 1000) < 300 || at >= 600) sleep_ms(at < 300 ? 300 - at : 1300 - at);
    reset_log();
    base_config(&c, plain_port, 0, "/status?id=ra6" TEST_BACKEND "&code=503&retry=date%2B3");
    c.reconnect_max_ms = 30000;
    if (!wsc_open("h", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("h", reconnects >= 1, 8000);
    r = find_event(WSC_EVENT_RECONNECTING, 0);
    CHECKF(r && r->http_status == 503, "no RECONNECTING after a 503");
    wsc_close("h");
    if (!r) return;
    date = fixdate_seconds(r->retry_after);
    CHECKF(date > 0, "Retry-After \"%s\" is no IMF-fixdate", r->retry_after);
    until = date * 1000 - r->wall;
    printf("  Retry-After: %s; announced %d ms, %lld ms from the event to that date\n", r->retry_after, r->reconnect_ms, until);
    CHECKF(until > 0 && r->reconnect_ms >= until && r->reconnect_ms <= until + 100 * test_slow(),
           "announced %d ms for a date %lld ms away", r->reconnect_ms, until);
}

/* The unix_time hook is the clock a date is read against: its seconds when
   it knows the time; when it does not (< 0), the backoff's wait. */
static long long hook_time;
static long long unix_time_hook(void *user) { (void)user; return hook_time; }

static void retry_after_hook(long long now, const char *id, int lo, int hi) {
    wsc_config c;
    const seen *r;
    char path[128];
    snprintf(path, sizeof path, "/status?id=%s" TEST_BACKEND "&code=503&retry=date%%2B3", id);
    reset_log();
    base_config(&c, plain_port, 0, path);
    c.reconnect_max_ms = 30000;
    c.unix_time = unix_time_hook;
    hook_time = now;
    if (!wsc_open("h", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("h", reconnects >= 1, 8000);
    r = find_event(WSC_EVENT_RECONNECTING, 0);
    wsc_close("h");
    CHECKF(r && r->reconnect_ms >= lo && r->reconnect_ms <= hi, "hook at %lld: %d ms, not %d..%d", now, r ? r->reconnect_ms : -1, lo, hi);
}

TEST(test_retry_after) {
    retry_after("/status?id=ra1" TEST_BACKEND "&code=429&retry=2", 429, 2000, 2000, 30000);
    retry_after("/status?id=ra2" TEST_BACKEND "&code=503&retry=date%2B3", 503, 1000, 3000, 30000);
    retry_after("/status?id=ra3" TEST_BACKEND "&code=429&retry=100", 429, 1500, 1500, 1500); /* capped at reconnect_max_ms */
    retry_after("/status?id=ra4" TEST_BACKEND "&code=500", 500, 37, 50, 200);
    retry_after("/status?id=ra5" TEST_BACKEND "&code=503&retry=soon", 503, 37, 50, 200); /* unreadable: the backoff */
    retry_after_date();
    /* a hook 10 s behind: 10 s more; the server's date is 3 s from its now, cut
       to the second: 13 s, 14 where the request crossed a second's end */
    retry_after_hook(wall_ms() / 1000 - 10, "ra7", 13000, 13000 + 1000 * test_slow());
    retry_after_hook(-1, "ra8", 37, 50); /* a hook that knows no time: the backoff */
    retry_after_hook(0x7fffffffffffffffLL, "ra9", 37, 50); /* one gone wrong: no overflow, the backoff */
}

/* Against a stopped server (connection refused): the waits double from
   min up to max, each less up to a quarter; the cap of attempts ends it
   with the last error. Writes meanwhile are refused with the words. */
TEST(test_backoff_and_cap) {
    wsc_config c;
    wsc__socket *probe;
    int i, last = 0, writes_ok = 1;
    const seen *e;
    reset_log();
    if (!wsc_open("g", (base_config(&c, plain_port, 0, "/gate?open=0"), &c))) { CHECKF(0, "gate: %s", wsc_error_info()); return; }
    PUMP_UNTIL("g", opens >= 1, 5000);
    wsc_pump(200);
    wsc_close("g");
    reset_log();
    base_config(&c, gate_port, 0, "/");
    c.reconnect_min_ms = 40;
    c.reconnect_max_ms = 400;
    c.reconnect_max_attempts = 7;
    if (!wsc_open("b", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("b", reconnects >= 1, 5000);
    CHECK(!wsc_write("b", "hi") && wsc_error_code() == WSC_ERR_NOT_OPEN && strstr(wsc_error_info(), "reconnecting: next attempt in"));
    printf("  write while waiting: %s\n", wsc_error_info());
    CHECK(!wsc_close_with("b", 1000, NULL) && wsc_error_code() == WSC_ERR_NOT_OPEN);
    while (wsc_exist("b")) {
        probe = wsc__lookup("b");
        if (probe && probe->state != WSC__BACKOFF && probe->state < WSC__OPEN && wsc_write("b", "x")) writes_ok = 0;
        wsc_pump(5);
    }
    CHECK(writes_ok);
    CHECKF(reconnects == 7 && finals == 1 && opens == 0, "%d reconnects, %d finals, %d opens", reconnects, finals, opens);
    for (i = 0; (e = find_event(WSC_EVENT_RECONNECTING, i)) != NULL; i++) {
        int base = 40 << i > 400 ? 400 : 40 << i;
        CHECKF(e->attempt == i + 1 && e->code == WSC_ERR_CONNECT, "attempt %d code %d", e->attempt, e->code);
        CHECKF(e->reconnect_ms >= base - base / 4 && e->reconnect_ms <= base, "wait %d ms for a base of %d", e->reconnect_ms, base);
        if (i > 0) CHECKF(e->at - log_[0].at >= last, "events out of order");
        if (i > 0 && base < 400) CHECKF(e->reconnect_ms > find_event(WSC_EVENT_RECONNECTING, i - 1)->reconnect_ms, "no growth");
        last = (int)(e->at - log_[0].at);
    }
    e = find_event(WSC_EVENT_ERROR, 0);
    CHECKF(e && e->code == WSC_ERR_CONNECT && strstr(e->message, "gave up after 7 attempts"), "%s", e ? e->message : "no ERROR");
    /* the server starts again on the same port: the next socket gets through */
    reset_log();
    if (!wsc_open("g", (base_config(&c, plain_port, 0, "/gate?open=1"), &c))) { CHECKF(0, "gate: %s", wsc_error_info()); return; }
    PUMP_UNTIL("g", opens >= 1, 5000);
    wsc_pump(200);
    wsc_close("g");
}

/* The server stops (its connections dropped with 1001) and starts again
   on the same port: the socket reconnects through the refusals. */
TEST(test_server_restart) {
    wsc_config c, g;
    long long end;
    reset_log();
    base_config(&c, gate_port, 0, "/");
    c.reconnect_min_ms = 50;
    c.reconnect_max_ms = 300;
    if (!wsc_open("s", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("s", opens >= 1, 5000);
    base_config(&g, plain_port, 0, "/gate?open=0");
    g.reconnect = 0;
    if (!wsc_open("g", &g)) { CHECKF(0, "gate: %s", wsc_error_info()); return; }
    PUMP_UNTIL("s", reconnects >= 3, 5000);
    CHECKF(reconnects >= 3 && opens == 2, "%d reconnects, %d opens (s and g)", reconnects, opens);
    CHECK(wsc_close("g") || 1);
    g.path = "/gate?open=1";
    if (!wsc_open("g", &g)) { CHECKF(0, "gate: %s", wsc_error_info()); return; }
    end = now_ms() + 5000;
    while (opens < 4 && now_ms() < end) wsc_pump(20); /* g's second OPEN and s's second */
    CHECKF(opens == 4 && wsc_exist("s"), "%d opens", opens);
    if (nlog) CHECKF(find_event(WSC_EVENT_RECONNECTING, 0) && strstr(find_event(WSC_EVENT_RECONNECTING, 0)->message, "1001"),
                     "first: %s", find_event(WSC_EVENT_RECONNECTING, 0) ? find_event(WSC_EVENT_RECONNECTING, 0)->message : "-");
    wsc_close("s");
    wsc_close("g");
}

/* wsc_close stops it at once: during the wait, during a connect attempt,
   and from inside the RECONNECTING event. */
TEST(test_close_while_reconnecting) {
    wsc_config c;
    long long t;
    int fds = open_fds();
    reset_log();
    base_config(&c, plain_port, 0, "/close?code=1012");
    c.reconnect_min_ms = c.reconnect_max_ms = 20000;
    if (!wsc_open("w", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("w", reconnects >= 1, 5000);
    t = now_ms();
    CHECK(wsc_exist("w") && wsc_close("w") == 1 && !wsc_exist("w") && wsc_count() == 0);
    CHECKF(now_ms() - t < 500, "wsc_close in the wait took %lld ms", now_ms() - t);
    wsc_pump(200);
    CHECK(finals == 0 && opens == 1);

    /* during an attempt: the second upgrade is held unanswered */
    reset_log();
    base_config(&c, plain_port, 0, "/once?id=w2" TEST_BACKEND "&code=1013");
    if (!wsc_open("w", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("w", reconnects >= 1, 5000);
    t = now_ms();
    while (now_ms() - t < 600) wsc_pump(20); /* the attempt starts after <= 50 ms, then waits */
    CHECK(!wsc_write("w", "x") && wsc_error_code() == WSC_ERR_NOT_OPEN && strstr(wsc_error_info(), "attempt 1 is under way"));
    printf("  write during the attempt: %s\n", wsc_error_info());
    t = now_ms();
    CHECK(wsc_exist("w"));
    wsc_close("w");
    CHECK(!wsc_exist("w") && wsc_count() == 0);
    CHECKF(now_ms() - t < 500, "wsc_close in an attempt took %lld ms", now_ms() - t);
    wsc_pump(200);
    CHECK(finals == 0 && opens == 1 && reconnects == 1);

    /* from the RECONNECTING event */
    reset_log();
    base_config(&c, plain_port, 0, "/close?code=1001");
    close_on_reconnecting = 1;
    if (!wsc_open("w", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("w", reconnects >= 1, 5000);
    wsc_pump(300);
    CHECK(!wsc_exist("w") && reconnects == 1 && opens == 1 && finals == 0);
    CHECKF(open_fds() == fds, "%d descriptors, %d before", open_fds(), fds);
}

/* The next connection resumes the TLS session of the last. */
TEST(test_tls_resumed) {
    wsc_config c;
    wsc_tls_info info;
    int first = -1, second = -1;
    reset_log();
    wsc_tls_clear_cache();
    base_config(&c, tls_port_, 1, "/close?code=1012");
    c.reconnect_min_ms = c.reconnect_max_ms = 1000; /* time to look at each connection */
    if (!wsc_open("t", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("t", opens >= 1, 5000);
    if (wsc_tls_get_info("t", &info)) first = info.resumed;
    PUMP_UNTIL("t", opens >= 2, 5000);
    if (wsc_tls_get_info("t", &info)) second = info.resumed;
    printf("  first OPEN resumed %d, second OPEN resumed %d\n", first, second);
    CHECK(first == 0 && second == 1);
    wsc_close("t");
}

/* 1000 reconnects against a server that accepts and drops: descriptors
   and live allocations stay where they were. */
TEST(test_storm) {
    wsc_config c;
    int fds0 = 0, fds1 = 0;
    long blocks0 = 0, blocks1 = 0, t;
    long long end;
    reset_log();
    quiet = 1;
    base_config(&c, plain_port, 0, "/drop");
    c.reconnect_min_ms = 1;
    c.reconnect_max_ms = 2;
    t = (long)now_ms();
    if (!wsc_open("st", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    end = now_ms() + 60000 * test_slow();
    while (opens < 1010 && wsc_exist("st") && now_ms() < end) {
        int before = opens;
        wsc_pump(50);
        if (before < 10 && opens >= 10) { fds0 = open_fds(); blocks0 = live_blocks; }
        if (before < 1010 && opens >= 1010) { fds1 = open_fds(); blocks1 = live_blocks; }
    }
    printf("  %d reconnects in %ld ms; at OPEN 10: %d descriptors, %ld blocks; at OPEN 1010: %d descriptors, %ld blocks\n",
           reconnects, (long)now_ms() - t, fds0, blocks0, fds1, blocks1);
    CHECKF(opens >= 1010 && finals == 0, "%d opens %d finals", opens, finals);
    /* (+1: the epoll set, made the first time a socket waits idle, which
       may come after the 10th OPEN; a leak would be a descriptor a reconnect) */
    CHECK(fds1 <= fds0 + 1 && blocks1 <= blocks0 + 2);
    wsc_close("st");
}

/* The wait sleeps: CPU time over a 2 s wait stays small. */
TEST(test_no_busy_wait) {
    wsc_config c;
    struct rusage a, b;
    long long t;
    long cpu_ms;
    reset_log();
    base_config(&c, plain_port, 0, "/close?code=1013");
    c.reconnect_min_ms = c.reconnect_max_ms = 2000;
    if (!wsc_open("c", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("c", reconnects >= 1, 5000);
    getrusage(RUSAGE_SELF, &a);
    t = now_ms();
    PUMP_UNTIL("c", opens >= 2, 8000);
    getrusage(RUSAGE_SELF, &b);
    cpu_ms = (b.ru_utime.tv_sec - a.ru_utime.tv_sec) * 1000 + (b.ru_utime.tv_usec - a.ru_utime.tv_usec) / 1000 +
             (b.ru_stime.tv_sec - a.ru_stime.tv_sec) * 1000 + (b.ru_stime.tv_usec - a.ru_stime.tv_usec) / 1000;
    printf("  %lld ms of waiting cost %ld ms of CPU\n", now_ms() - t, cpu_ms);
    CHECK(opens >= 2 && now_ms() - t >= 1500);
    CHECKF(cpu_ms < 300, "%ld ms of CPU", cpu_ms);
    wsc_close("c");
}

/* Keepalive and reconnect together: a server that stops answering pings
   ends the connection by the pong timeout, and the socket connects again. */
TEST(test_pong_timeout_reconnects) {
    wsc_config c;
    const seen *r;
    reset_log();
    base_config(&c, ws_port, 0, "/silent");
    c.ping_interval_ms = 200;
    c.pong_timeout_ms = 300;
    stop_after_opens = 2;
    if (!wsc_open("k", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    PUMP_UNTIL("k", opens >= 2, 5000);
    r = find_event(WSC_EVENT_RECONNECTING, 0);
    CHECKF(opens >= 2 && r && r->code == WSC_ERR_TIMEOUT && strstr(r->message, "no pong within 300 ms"),
           "%d opens, %s", opens, r ? r->message : "no RECONNECTING event");
    if (wsc_exist("k")) wsc_close("k");
}

int main(void) {
    snprintf(certs, sizeof certs, "%s", getenv("WSC_TEST_CERTS") ? getenv("WSC_TEST_CERTS") : "build/certs");
    plain_port = env_port("WSC_RECONNECT_PLAIN_PORT");
    tls_port_ = env_port("WSC_RECONNECT_TLS_PORT");
    gate_port = env_port("WSC_RECONNECT_GATE_PORT");
    ws_port = env_port("WSC_TEST_PLAIN_PORT");
    wrong_port = env_port("WSC_TEST_WRONG_PORT");
    (void)tls_port; /* loopback.h's, for tls_server.py: not used here */
    RUN(test_refused_options);
    RUN(test_reconnects_after_server_close);
    RUN(test_no_reconnect);
    RUN(test_close_stops);
    RUN(test_retry_after);
    RUN(test_backoff_and_cap);
    RUN(test_server_restart);
    RUN(test_close_while_reconnecting);
    RUN(test_tls_resumed);
    RUN(test_storm);
    RUN(test_no_busy_wait);
    RUN(test_pong_timeout_reconnects);
    wsc_close_all();
    wsc_tls_clear_cache();
    CHECKF(live_blocks == 0, "%ld blocks live at the end", live_blocks);
    return test_summary("test_reconnect");
}

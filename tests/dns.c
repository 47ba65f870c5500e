/* dns.c - host names resolve off the caller's thread: a lookup that takes
   its time never freezes wsc_pump or the other sockets, numeric addresses never
   reach the resolver, and a socket closed mid-lookup leaves nothing behind.
   The resolver hook WSCLIENT_GETADDRINFO stands in a slow resolver. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <netdb.h>
#include <time.h>

/* Atomic: a lookup the test gave up on still runs on its thread while the
   next check sets these (ThreadSanitizer, make tsan). */
static int lookups;
static int slow_ms = 800;
#define SET(var, v) __atomic_store_n(&(var), (v), __ATOMIC_SEQ_CST)
#define GET(var) __atomic_load_n(&(var), __ATOMIC_SEQ_CST)

static int slow_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints, struct addrinfo **res) {
    struct timespec ts;
    int ms = GET(slow_ms);
    __atomic_add_fetch(&lookups, 1, __ATOMIC_SEQ_CST);
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    return getaddrinfo(host, port, hints, res);
}
#define WSCLIENT_GETADDRINFO(host, port, hints, res) slow_getaddrinfo(host, port, hints, res)
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"

#include <stdlib.h>

static int plain_port;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int opened_at_ms, errors;
static long long t_start;

static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) opened_at_ms = (int)(now_ms() - t_start);
    if (ev->event == WSC_EVENT_ERROR) { errors++; printf("  error: %s\n", ev->message); }
}

TEST(slow_lookup_does_not_freeze_the_pump) {
    int rounds = 0, longest = 0, echoes = 0;
    char buf[32];
    SET(lookups, 0);
    opened_at_ms = -1;
    errors = 0;
    CHECK(wsc_connect("fast", "127.0.0.1", plain_port, "/echo", NULL, 5000));
    t_start = now_ms();
    CHECK(wsc_connect_async("slow", on_event, "localhost", plain_port, "/echo", NULL));
    while (opened_at_ms < 0 && errors == 0 && now_ms() - t_start < 5000) {
        long long t0 = now_ms();
        wsc_pump(20);
        if (now_ms() - t0 > longest) longest = (int)(now_ms() - t0);
        echoes += wsc_write("fast", "ping") && wsc_read("fast", buf, sizeof buf, 2000, NULL) == 4;
        rounds++;
    }
    CHECKF(opened_at_ms >= slow_ms - 50, "opened after %d ms", opened_at_ms);
    CHECKF(longest < 300, "one wsc_pump(20) took %d ms while the lookup ran", longest);
    CHECKF(echoes == rounds && rounds >= 10, "%d echoes in %d rounds", echoes, rounds);
    CHECK(GET(lookups) == 1);
    CHECK(wsc_close("slow") && wsc_close("fast"));
}

TEST(numeric_addresses_skip_the_resolver) {
    SET(lookups, 0);
    CHECK(wsc_connect("n4", "127.0.0.1", plain_port, "/echo", NULL, 5000));
    if (!SKIP_WITHOUT_IPV6()) CHECK(wsc_connect("n6", "[::1]", plain_port, "/echo", NULL, 5000));
    CHECK(GET(lookups) == 0);
    wsc_close("n4");
    wsc_close("n6");
}

TEST(sync_connect_waits_for_its_lookup_within_its_bound) {
    long long t0 = now_ms();
    SET(slow_ms, 1500);
    CHECK(!wsc_connect("late", "localhost", plain_port, "/echo", NULL, 300) && wsc_error_code() == WSC_ERR_TIMEOUT &&
          strstr(wsc_error_info(), "resolving"));
    CHECKF(now_ms() - t0 < 1000, "%lld ms", now_ms() - t0);
    SET(slow_ms, 100);
    CHECK(wsc_connect("ok", "localhost", plain_port, "/echo", NULL, 3000));
    wsc_close("ok");
}

TEST(closed_mid_lookup_leaves_nothing) {
    SET(slow_ms, 300);
    CHECK(wsc_connect_async("gone", on_event, "localhost", plain_port, "/echo", NULL));
    wsc_pump(10); /* the lookup starts */
    CHECK(wsc_close("gone") == 1 && !wsc_exist("gone"));
    wsc_close_all(); /* waits for the thread's answer and frees it */
    CHECK(wsc__g.dns_orphans == NULL);
}

int main(void) {
    const char *p = getenv("WSC_TEST_PLAIN_PORT");
    if (!p) { printf("WSC_TEST_PLAIN_PORT is not set: run through tests/run.sh (make test)\n"); return 2; }
    plain_port = atoi(p);
    RUN(slow_lookup_does_not_freeze_the_pump);
    RUN(numeric_addresses_skip_the_resolver);
    RUN(sync_connect_waits_for_its_lookup_within_its_bound);
    RUN(closed_mid_lookup_leaves_nothing);
    wsc_close_all();
    return test_summary("test_dns");
}

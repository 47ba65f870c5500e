/* dns.c - host names resolve off the caller's thread: a lookup that takes
   its time never freezes wsc_pump or the other sockets, numeric addresses never
   reach the resolver, and a socket closed mid-lookup leaves nothing behind.
   The resolver hook WSCLIENT_GETADDRINFO stands in a slow resolver.
   Built with WSCLIENT_NO_HEAP too (test_dns_noheap): no thread for lookups
   there, the call that resolves does it itself, but with the library's lock
   let go, so other threads' calls go on meanwhile. */
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

#ifndef WSCLIENT_NO_HEAP
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

#endif

TEST(numeric_addresses_skip_the_resolver) {
    SET(lookups, 0);
    CHECK(wsc_connect("n4", "127.0.0.1", plain_port, "/echo", NULL, 5000));
    if (!SKIP_WITHOUT_IPV6()) CHECK(wsc_connect("n6", "[::1]", plain_port, "/echo", NULL, 5000));
    CHECK(GET(lookups) == 0);
    wsc_close("n4");
    wsc_close("n6");
}

#ifndef WSCLIENT_NO_HEAP
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

#endif

#ifdef WSCLIENT_NO_HEAP
/* A connect in a thread of its own, and how it ended. */
typedef struct {
    const char *name;
    int ok, code;
    int done; /* atomic: the main thread polls it */
    pthread_t t;
} opener;

static void *open_in_thread(void *arg) {
    opener *o = (opener *)arg;
    o->ok = wsc_connect(o->name, "localhost", plain_port, "/echo", NULL, 5000 * test_slow());
    o->code = wsc_error_code();
    SET(o->done, 1);
    return NULL;
}

static int pumping; /* atomic: the pumping threads run while it is 1 */

static void *pump_in_thread(void *arg) {
    (void)arg;
    while (GET(pumping)) wsc_pump(20);
    return NULL;
}

/* A slow lookup, and how long a call may take while one runs: a call that
   waited for it would take it all. Under an emulator both are longer. */
static int lookup_ms(void) { return 900 * test_slow(); }
static int call_bound_ms(void) { return lookup_ms() / 3; }

/* Round trips on "fast" until done is set (or 5 s): the longest call, in ms. */
static int round_trips_meanwhile(const int *done, int *rounds, int *echoes) {
    long long t_end = now_ms() + 5000 * test_slow();
    int longest = 0;
    char buf[32];
    *rounds = *echoes = 0;
    while (!GET(*done) && now_ms() < t_end) {
        long long t0 = now_ms();
        *echoes += wsc_write("fast", "ping") && wsc_read("fast", buf, sizeof buf, 2000, NULL) == 4;
        if (now_ms() - t0 > longest) longest = (int)(now_ms() - t0);
        (*rounds)++;
        sleep_ms(5);
    }
    return longest;
}

TEST(inline_lookup_lets_other_threads_in) {
    opener o;
    int rounds, echoes, longest;
    memset(&o, 0, sizeof o);
    o.name = "slow";
    SET(lookups, 0);
    SET(slow_ms, lookup_ms());
    CHECK(wsc_connect("fast", "127.0.0.1", plain_port, "/echo", NULL, 5000 * test_slow()));
    CHECK(pthread_create(&o.t, NULL, open_in_thread, &o) == 0);
    longest = round_trips_meanwhile(&o.done, &rounds, &echoes);
    pthread_join(o.t, NULL);
    CHECKF(o.ok, "the connect in the other thread failed (%d)", o.code);
    CHECKF(longest < call_bound_ms(), "a call on another socket took %d ms while the lookup ran", longest);
    CHECKF(echoes == rounds && rounds >= 10, "%d echoes in %d rounds", echoes, rounds);
    CHECK(GET(lookups) == 1);
    CHECK(wsc_close("slow") && wsc_close("fast"));
}

static int async_state; /* atomic: 1 opened, -1 failed (set in the pump's thread) */

static void on_async_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) SET(async_state, 1);
    if (ev->event == WSC_EVENT_ERROR) { printf("  error: %s\n", ev->message); SET(async_state, -1); }
}

static int async_over(void) { return GET(async_state) != 0; }

TEST(async_lookup_in_the_pump_lets_other_threads_in) {
    pthread_t pump;
    int rounds = 0, echoes = 0, longest = 0, over = 0;
    long long t_end;
    SET(lookups, 0);
    SET(slow_ms, lookup_ms());
    SET(async_state, 0);
    CHECK(wsc_connect("fast", "127.0.0.1", plain_port, "/echo", NULL, 5000 * test_slow()));
    CHECK(wsc_connect_async("slow", on_async_event, "localhost", plain_port, "/echo", NULL));
    SET(pumping, 1);
    CHECK(pthread_create(&pump, NULL, pump_in_thread, NULL) == 0);
    for (t_end = now_ms() + 5000 * test_slow(); !async_over() && now_ms() < t_end;) {
        char buf[32];
        long long t0 = now_ms();
        echoes += wsc_write("fast", "ping") && wsc_read("fast", buf, sizeof buf, 2000, NULL) == 4;
        if (now_ms() - t0 > longest) longest = (int)(now_ms() - t0);
        rounds++;
        sleep_ms(5);
    }
    over = GET(async_state);
    SET(pumping, 0);
    pthread_join(pump, NULL);
    CHECKF(over == 1, "the async connect %s", over ? "failed" : "did not open within 5 s");
    CHECKF(longest < call_bound_ms(), "a call on another socket took %d ms while the pump's lookup ran", longest);
    CHECKF(echoes == rounds && rounds >= 10, "%d echoes in %d rounds", echoes, rounds);
    CHECK(GET(lookups) == 1);
    CHECK(wsc_close("slow") && wsc_close("fast"));
}

/* Starts o's connect of name in a thread of its own, a slow lookup, and
   returns once that lookup is under way. */
static void open_slowly(opener *o, const char *name) {
    long long t0;
    memset(o, 0, sizeof *o);
    o->name = name;
    SET(lookups, 0);
    SET(slow_ms, lookup_ms());
    CHECK(pthread_create(&o->t, NULL, open_in_thread, o) == 0);
    for (t0 = now_ms(); GET(lookups) == 0 && now_ms() - t0 < 2000 * test_slow();) sleep_ms(1);
    sleep_ms(50);
}

TEST(closed_while_its_lookup_runs) {
    opener o;
    long long t0;
    open_slowly(&o, "gone");
    t0 = now_ms();
    CHECK(wsc_close("gone") == 1 && !wsc_exist("gone"));
    CHECKF(now_ms() - t0 < call_bound_ms(), "the close waited %lld ms for the lookup", now_ms() - t0);
    pthread_join(o.t, NULL);
    CHECKF(!o.ok && o.code == WSC_ERR_CLOSED, "the connect ended with %d, code %d", o.ok, o.code);
    CHECK(GET(lookups) == 1 && wsc_count() == 0);
}

/* A call from another thread on the socket being resolved (its status,
   which steps it) neither waits for the lookup nor starts a second one. */
TEST(another_call_on_it_meanwhile_looks_up_nothing) {
    opener o;
    long long t0;
    int code = -1;
    open_slowly(&o, "asked");
    t0 = now_ms();
    CHECK(!wsc_close_status("asked", &code, NULL, 0) && wsc_error_code() == WSC_ERR_STATE);
    CHECKF(now_ms() - t0 < call_bound_ms(), "the status call took %lld ms", now_ms() - t0);
    CHECKF(GET(lookups) == 1, "%d lookups", GET(lookups));
    pthread_join(o.t, NULL);
    CHECKF(o.ok, "the connect failed (%d)", o.code);
    CHECK(GET(lookups) == 1 && wsc_close("asked"));
}

/* The lookup cannot be cut short, but a connect whose deadline passed
   meanwhile ends with it, as a timeout while resolving, not later. */
TEST(an_inline_lookup_past_the_deadline_ends_the_connect) {
    long long t0 = now_ms();
    SET(lookups, 0);
    SET(slow_ms, lookup_ms());
    CHECK(!wsc_connect("late", "localhost", plain_port, "/echo", NULL, lookup_ms() / 3) &&
          wsc_error_code() == WSC_ERR_TIMEOUT && strstr(wsc_error_info(), "resolving"));
    CHECKF(now_ms() - t0 < lookup_ms() + call_bound_ms(), "%lld ms", now_ms() - t0);
    CHECK(GET(lookups) == 1 && !wsc_exist("late"));
}

TEST(two_pumps_one_lookup) {
    pthread_t pumps[2];
    long long t_end;
    int i;
    SET(lookups, 0);
    SET(slow_ms, lookup_ms() / 2);
    SET(async_state, 0);
    CHECK(wsc_connect_async("twice", on_async_event, "localhost", plain_port, "/echo", NULL));
    SET(pumping, 1);
    for (i = 0; i < 2; i++) CHECK(pthread_create(&pumps[i], NULL, pump_in_thread, NULL) == 0);
    for (t_end = now_ms() + 5000 * test_slow(); !async_over() && now_ms() < t_end;) sleep_ms(5);
    SET(pumping, 0);
    for (i = 0; i < 2; i++) pthread_join(pumps[i], NULL);
    CHECK(GET(async_state) == 1);
    CHECKF(GET(lookups) == 1, "%d lookups", GET(lookups));
    CHECK(wsc_close("twice"));
}
#endif

int main(void) {
    const char *p = getenv("WSC_TEST_PLAIN_PORT");
    if (!p) { printf("WSC_TEST_PLAIN_PORT is not set: run through tests/run.sh (make test)\n"); return 2; }
    plain_port = atoi(p);
#ifndef WSCLIENT_NO_HEAP
    RUN(slow_lookup_does_not_freeze_the_pump);
    RUN(numeric_addresses_skip_the_resolver);
    RUN(sync_connect_waits_for_its_lookup_within_its_bound);
    RUN(closed_mid_lookup_leaves_nothing);
    wsc_close_all();
    return test_summary("test_dns");
#else
    RUN(numeric_addresses_skip_the_resolver);
    RUN(inline_lookup_lets_other_threads_in);
    RUN(async_lookup_in_the_pump_lets_other_threads_in);
    RUN(closed_while_its_lookup_runs);
    RUN(another_call_on_it_meanwhile_looks_up_nothing);
    RUN(an_inline_lookup_past_the_deadline_ends_the_connect);
    RUN(two_pumps_one_lookup);
    wsc_close_all();
    return test_summary("test_dns_noheap");
#endif
}

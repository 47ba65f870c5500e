/* threads.c - the thread model (README "Threads"): every public function from
   any thread, callbacks only inside wsc_pump on the pumping thread, writes
   from other threads that go out at once and wake the pump, wsc_read in one
   thread with wsc_write in another, a close that ends another thread's read,
   wsc_wake, one pump at a time, errors per thread. Then a stress run of all
   of it at once, with exact counts: every message sent comes back exactly
   once, and no descriptor or allocation is left behind.
   `make tsan` runs it under ThreadSanitizer, where any report fails it.
   Against the echo servers tests/run.sh starts (tests/ws_server.py, ws:// and
   wss://). Worker threads never CHECK (test.h's counters are not shared
   safely): they record, and the main thread checks after joining them. */
#define WSCLIENT_IMPLEMENTATION
/* Counts live allocations, from every thread (no system header before the
   implementation: it sets _POSIX_C_SOURCE first). */
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

#include <poll.h>
#include <pthread.h>

static long live_blocks;
static void count_add(long d) { __atomic_add_fetch(&live_blocks, d, __ATOMIC_RELAXED); }
static void *count_malloc(size_t n) { void *p = malloc(n); if (p) count_add(1); return p; }
static void *count_realloc(void *p, size_t n) { void *q = realloc(p, n); if (q && !p) count_add(1); return q; }
static void count_free(void *p) { if (p) count_add(-1); free(p); }
static long blocks(void) { return __atomic_load_n(&live_blocks, __ATOMIC_RELAXED); }

#define BOUND_MS 2000 /* "at once", generously: the machine is shared */

static int plain_port, wss_port;
static char ca_path[600]; /* set once: cert() shares its buffers, not for threads */

static int get(const int *flag) { return __atomic_load_n(flag, __ATOMIC_ACQUIRE); }
static void set(int *flag, int v) { __atomic_store_n(flag, v, __ATOMIC_RELEASE); }

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Waits up to ms for *flag to become nonzero; 1 if it did. */
static int wait_flag(const int *flag, int ms) {
    long long end = now_ms() + ms * test_slow();
    while (!get(flag) && now_ms() < end) sleep_ms(2);
    return get(flag) != 0;
}

static pthread_t spawn(void *(*fn)(void *), void *arg) {
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg) != 0) { printf("pthread_create failed\n"); exit(2); }
    return t;
}

/* ---- what the callbacks see: one record per asynchronous socket ---- */

#define MAX_WRITERS 4
#define MAX_PER_WRITER 400

typedef struct conn {
    int opened, closed, errors, messages, stray, duplicates;
    int close_after, close_code; /* close with 1000 at that many messages; CLOSE's code */
    unsigned char seen[MAX_WRITERS][MAX_PER_WRITER]; /* "t<writer>-<i>" received */
    long long last_us; /* when the last message came */
} conn;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* guards every conn and what follows */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;   /* signalled by each callback */
static pthread_t pump_id;                              /* the thread that pumps now */
static int pump_id_set, wrong_thread, callbacks;

/* Parses "t<w>-<i>"; 0 when the text is not one of those. */
static int parse(const char *msg, size_t len, int *w, int *i) {
    char tmp[32];
    if (len == 0 || len >= sizeof tmp) return 0;
    memcpy(tmp, msg, len);
    tmp[len] = 0;
    return sscanf(tmp, "t%d-%d", w, i) == 2 && *w >= 0 && *w < MAX_WRITERS && *i >= 0 && *i < MAX_PER_WRITER;
}

static void on_event(const wsc_event_data *ev) {
    conn *c = (conn *)ev->user;
    int w, i;
    pthread_mutex_lock(&mu);
    callbacks++;
    if (!pump_id_set || !pthread_equal(pthread_self(), pump_id)) wrong_thread++;
    if (c) {
        switch (ev->event) {
        case WSC_EVENT_OPEN: c->opened++; break;
        case WSC_EVENT_CLOSE: c->closed++; c->close_code = ev->code; break;
        case WSC_EVENT_ERROR: c->errors++; break;
        case WSC_EVENT_MESSAGE:
            c->messages++;
            c->last_us = now_us();
            if (!parse(ev->message, ev->length, &w, &i)) c->stray++;
            else if (c->seen[w][i]++) c->duplicates++;
            if (c->messages == c->close_after) wsc_close_with(ev->name, 1000, "done");
            break;
        }
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* Reads c's field under the lock. */
static int conn_get(const conn *c, const int *field) {
    int v;
    (void)c;
    pthread_mutex_lock(&mu);
    v = *field;
    pthread_mutex_unlock(&mu);
    return v;
}

/* Counts of one writer's messages in c: missing (never came), repeated. */
static void conn_tally(const conn *c, int writers, int per_writer, int *missing, int *repeated) {
    int w, i;
    *missing = *repeated = 0;
    pthread_mutex_lock(&mu);
    for (w = 0; w < writers; w++)
        for (i = 0; i < per_writer; i++) {
            *missing += c->seen[w][i] == 0;
            *repeated += c->seen[w][i] > 1;
        }
    pthread_mutex_unlock(&mu);
}

/* ---- the pumping thread ---- */

typedef struct pumper {
    pthread_t thread;
    int timeout_ms; /* each wsc_pump's */
    int stop, done, turns, refused;
} pumper;

static void *pump_main(void *arg) {
    pumper *p = (pumper *)arg;
    pthread_mutex_lock(&mu);
    pump_id = pthread_self();
    pump_id_set = 1;
    pthread_mutex_unlock(&mu);
    while (!get(&p->stop)) {
        if (wsc_pump(p->timeout_ms) < 0) p->refused++;
        p->turns++;
    }
    pthread_mutex_lock(&mu);
    pump_id_set = 0;
    pthread_mutex_unlock(&mu);
    set(&p->done, 1);
    return NULL;
}

static void pump_start(pumper *p, int timeout_ms) {
    memset(p, 0, sizeof *p);
    p->timeout_ms = timeout_ms;
    p->thread = spawn(pump_main, p);
}

/* Stops the pumping thread: wsc_wake until it has left wsc_pump. 1 when it
   did within the bound (else it is left running, and the test fails). */
static int pump_stop(pumper *p) {
    long long end = now_ms() + 5000 * test_slow();
    set(&p->stop, 1);
    while (!get(&p->done) && now_ms() < end) {
        wsc_wake();
        sleep_ms(5);
    }
    if (!get(&p->done)) return 0;
    pthread_join(p->thread, NULL);
    return 1;
}

/* ---- sockets ---- */

static wsc_config echo_cfg(int tls, conn *c) {
    wsc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.address = "127.0.0.1"; /* numeric: no DNS thread in the counts */
    cfg.port = tls ? wss_port : plain_port;
    cfg.path = "/echo";
    cfg.tls = tls;
    cfg.server_name = tls ? "localhost" : NULL;
    cfg.ca_file = tls ? ca_path : NULL;
    cfg.timeout_ms = 5000 * test_slow();
    cfg.callback = c ? on_event : NULL;
    cfg.user = c;
    return cfg;
}

static int open_sync(const char *name, int tls) {
    wsc_config cfg = echo_cfg(tls, NULL);
    int ok = wsc_open(name, &cfg);
    if (!ok) printf("  open %s: %s\n", name, wsc_error_info());
    return ok;
}

/* Opens an asynchronous socket and pumps here until it is open. */
static int open_async(const char *name, int tls, conn *c) {
    wsc_config cfg = echo_cfg(tls, c);
    long long end = now_ms() + 5000 * test_slow();
    if (!wsc_open(name, &cfg)) { printf("  open %s: %s\n", name, wsc_error_info()); return 0; }
    pthread_mutex_lock(&mu);
    pump_id = pthread_self();
    pump_id_set = 1;
    pthread_mutex_unlock(&mu);
    while (!conn_get(c, &c->opened) && !conn_get(c, &c->errors) && now_ms() < end) wsc_pump(50);
    pthread_mutex_lock(&mu);
    pump_id_set = 0;
    pthread_mutex_unlock(&mu);
    return conn_get(c, &c->opened) == 1;
}

/* ---- (a) wsc_read in one thread, wsc_write in another, same sync socket ---- */

typedef struct rw {
    const char *name;
    int writer, count;           /* writer: the number in "t<writer>-<i>" */
    int pause_every;             /* writer: a 1 ms pause after so many (0: none) */
    int done, fails, interrupted;
    char error[600];             /* the first failure's words */
    conn *seen;                  /* reader: where it counts what came */
    int readers_total;           /* reader: how many messages to read */
} rw;

static void note_failure(rw *r, const char *what) {
    if (r->fails++ == 0) snprintf(r->error, sizeof r->error, "%s: %d %s", what, (int)wsc_error_code(), wsc_error_info());
}

static void *writer_main(void *arg) {
    rw *r = (rw *)arg;
    char msg[32];
    int i;
    for (i = 0; i < r->count; i++) {
        snprintf(msg, sizeof msg, "t%d-%d", r->writer, i);
        if (!wsc_write(r->name, msg)) { note_failure(r, "write"); break; }
        if (r->pause_every && i % r->pause_every == 0) sleep_ms(1); /* spread out, to meet the others */
    }
    set(&r->done, 1);
    return NULL;
}

/* Reads readers_total messages; a read a wake-up interrupted is tried again. */
static void *reader_main(void *arg) {
    rw *r = (rw *)arg;
    char buf[64];
    int got = 0, w, i;
    while (got < r->readers_total) {
        long n = wsc_read(r->name, buf, sizeof buf, 5000 * test_slow(), NULL);
        if (n < 0 && wsc_error_code() == WSC_ERR_INTERRUPTED) { r->interrupted++; continue; }
        if (n < 0) { note_failure(r, "read"); break; }
        got++;
        pthread_mutex_lock(&mu);
        r->seen->messages++;
        if (!parse(buf, (size_t)n, &w, &i)) r->seen->stray++;
        else if (r->seen->seen[w][i]++) r->seen->duplicates++;
        pthread_mutex_unlock(&mu);
    }
    set(&r->done, 1);
    return NULL;
}

static conn shared_conn; /* big: static, and cleared before each use */

TEST(read_and_write_from_two_threads) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        const char *name = tls ? "rw-wss" : "rw-ws";
        rw wr, rd;
        pthread_t tw, tr;
        int missing, repeated;
        if (!open_sync(name, tls)) { CHECK(0); continue; }
        memset(&shared_conn, 0, sizeof shared_conn);
        memset(&wr, 0, sizeof wr);
        memset(&rd, 0, sizeof rd);
        wr.name = rd.name = name;
        wr.count = MAX_PER_WRITER;
        rd.readers_total = MAX_PER_WRITER;
        rd.seen = &shared_conn;
        tr = spawn(reader_main, &rd);
        tw = spawn(writer_main, &wr);
        pthread_join(tw, NULL);
        pthread_join(tr, NULL);
        conn_tally(&shared_conn, 1, MAX_PER_WRITER, &missing, &repeated);
        CHECKF(wr.fails == 0, "%s %s", name, wr.error);
        CHECKF(rd.fails == 0, "%s %s", name, rd.error);
        CHECKF(missing == 0 && repeated == 0 && shared_conn.stray == 0,
               "%s: %d of %d missing, %d repeated, %d stray", name, missing, MAX_PER_WRITER, repeated, shared_conn.stray);
        CHECK(wsc_close(name));
    }
}

/* ---- (b) a close or abort in thread B ends thread A's blocked read ---- */

typedef struct blocked {
    const char *name;
    int started, done, code;
    long result;
    long long end_us;
} blocked;

static void *blocked_read_main(void *arg) {
    blocked *b = (blocked *)arg;
    char buf[64];
    set(&b->started, 1);
    b->result = wsc_read(b->name, buf, sizeof buf, WSC_WAIT_FOREVER, NULL);
    b->code = (int)wsc_error_code();
    b->end_us = now_us();
    set(&b->done, 1);
    return NULL;
}

/* Starts a read on name in a thread and gives it time to block in it. */
static pthread_t start_blocked_read(blocked *b, const char *name) {
    pthread_t t;
    memset(b, 0, sizeof *b);
    b->name = name;
    t = spawn(blocked_read_main, b);
    wait_flag(&b->started, 2000);
    sleep_ms(300);
    return t;
}

/* Joins a blocked reader that should have ended; one stuck for good ends the
   program (it cannot be joined), with the failures so far. */
static void join_or_give_up(pthread_t t, const int *done, const char *what) {
    if (!wait_flag(done, 5000)) {
        CHECKF(0, "%s: still blocked after 5 s", what);
        exit(test_summary("test_threads"));
    }
    pthread_join(t, NULL);
}

TEST(close_from_another_thread_ends_a_read) {
    int abort_it, tls;
    for (abort_it = 0; abort_it <= 1; abort_it++)
        for (tls = 0; tls <= 1; tls++) {
            const char *name = "blocked";
            blocked b;
            pthread_t t;
            long long t0, ms;
            if (!open_sync(name, tls)) { CHECK(0); continue; }
            t = start_blocked_read(&b, name);
            CHECKF(!get(&b.done), "the read returned before the close: %ld %d", b.result, b.code);
            t0 = now_us();
            if (abort_it) CHECK(wsc_abort(name));
            else wsc_close(name);
            join_or_give_up(t, &b.done, abort_it ? "wsc_abort" : "wsc_close");
            ms = (b.end_us - t0) / 1000;
            printf("  %s over %s: the blocked read returned %lld ms after it began\n", abort_it ? "wsc_abort" : "wsc_close",
                   tls ? "wss" : "ws", ms);
            CHECKF(b.result == -1 && b.code == WSC_ERR_CLOSED, "%s: read returned %ld, code %d",
                   abort_it ? "abort" : "close", b.result, b.code);
            CHECKF(ms < BOUND_MS, "%s: the read ended %lld ms after it", abort_it ? "abort" : "close", ms);
            CHECK(!wsc_exist(name));
        }
}

/* ---- (c) wsc_wake ends a wsc_pump(60000) and a blocked wsc_read ---- */

typedef struct long_pump {
    int started, done, result;
    long long end_us;
} long_pump;

static void *long_pump_main(void *arg) {
    long_pump *p = (long_pump *)arg;
    pthread_mutex_lock(&mu);
    pump_id = pthread_self();
    pump_id_set = 1;
    pthread_mutex_unlock(&mu);
    set(&p->started, 1);
    p->result = wsc_pump(60000);
    p->end_us = now_us();
    pthread_mutex_lock(&mu);
    pump_id_set = 0;
    pthread_mutex_unlock(&mu);
    set(&p->done, 1);
    return NULL;
}

static conn wake_conn;

TEST(wake_ends_a_pump_and_a_read) {
    long_pump lp;
    blocked b;
    pthread_t tp, tr;
    long long t0;
    char buf[16];
    memset(&wake_conn, 0, sizeof wake_conn);
    /* an asynchronous socket, idle: wsc_pump(60000) has something to wait on */
    if (!open_async("wake-async", 1, &wake_conn) || !open_sync("wake-sync", 0)) { CHECK(0); return; }
    memset(&lp, 0, sizeof lp);
    tp = spawn(long_pump_main, &lp);
    wait_flag(&lp.started, 2000);
    tr = start_blocked_read(&b, "wake-sync"); /* and 300 ms for both to block */
    CHECKF(!get(&lp.done) && !get(&b.done), "returned before the wake: pump %d, read %d", get(&lp.done), get(&b.done));
    t0 = now_us();
    wsc_wake();
    join_or_give_up(tp, &lp.done, "wsc_pump(60000) after wsc_wake");
    join_or_give_up(tr, &b.done, "wsc_read(WSC_WAIT_FOREVER) after wsc_wake");
    printf("  wsc_wake: the pump returned after %lld us, the read after %lld us\n", lp.end_us - t0, b.end_us - t0);
    CHECKF(lp.result >= 0, "wsc_pump returned %d", lp.result);
    CHECKF((lp.end_us - t0) / 1000 < BOUND_MS, "the pump returned %lld ms after the wake", (lp.end_us - t0) / 1000);
    CHECKF(b.result == -1 && b.code == WSC_ERR_INTERRUPTED, "the read returned %ld, code %d", b.result, b.code);
    CHECKF((b.end_us - t0) / 1000 < BOUND_MS, "the read returned %lld ms after the wake", (b.end_us - t0) / 1000);
    /* an interrupted read lost nothing: the socket works on */
    CHECK(wsc_write("wake-sync", "after") && wsc_read("wake-sync", buf, sizeof buf, 5000, NULL) == 5 &&
          strcmp(buf, "after") == 0);
    CHECK(wsc_close("wake-sync"));
    CHECK(wsc_abort("wake-async"));
}

/* ---- (d) errors are per thread ---- */

typedef struct err_thread {
    int step, code_before, code_after, same_words;
    char words[600];
} err_thread;

static int err_go; /* 1: thread 2 failed its call; 2: thread 1 failed its own */

static void *err_two_main(void *arg) {
    err_thread *e = (err_thread *)arg;
    int ms;
    wsc_duration_ms("1 m", &ms); /* refused: "m" could be minutes */
    e->code_before = (int)wsc_error_code();
    snprintf(e->words, sizeof e->words, "%s", wsc_error_info());
    set(&err_go, 1);
    while (get(&err_go) != 2) sleep_ms(1);
    e->code_after = (int)wsc_error_code();
    e->same_words = strcmp(e->words, wsc_error_info()) == 0;
    return NULL;
}

static void *err_one_main(void *arg) {
    err_thread *e = (err_thread *)arg;
    while (get(&err_go) != 1) sleep_ms(1);
    wsc_write("no-such-socket", "x");
    e->code_after = (int)wsc_error_code();
    snprintf(e->words, sizeof e->words, "%s", wsc_error_info());
    set(&err_go, 2);
    return NULL;
}

TEST(errors_are_per_thread) {
    err_thread one, two;
    pthread_t t1, t2;
    char mine[600];
    wsc_result my_code;
    int ms;
    memset(&one, 0, sizeof one);
    memset(&two, 0, sizeof two);
    wsc_duration_ms("", &ms); /* this thread's own failure */
    my_code = wsc_error_code();
    snprintf(mine, sizeof mine, "%s", wsc_error_info());
    set(&err_go, 0);
    t2 = spawn(err_two_main, &two);
    t1 = spawn(err_one_main, &one);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECKF(one.code_after == WSC_ERR_UNKNOWN_SOCKET, "thread 1: %d %s", one.code_after, one.words);
    CHECKF(two.code_before == WSC_ERR_ARGUMENT, "thread 2 before: %d %s", two.code_before, two.words);
    CHECKF(two.code_after == WSC_ERR_ARGUMENT && two.same_words, "thread 2 after thread 1 failed: %d, words %s",
           two.code_after, two.same_words ? "kept" : "changed");
    CHECKF(wsc_error_code() == my_code && strcmp(mine, wsc_error_info()) == 0, "this thread's: %d %s",
           (int)wsc_error_code(), wsc_error_info());
}

/* ---- (e) a write from another thread wakes the pump: round trips ---- */

static conn rt_conn;

static int cmp_ll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

#define ROUND_TRIPS 200

/* One more message, whose callback closes the socket (c has seen so far
   messages): the pump must send that close without waiting out its own
   timeout. The ms until CLOSE 1000 came, -1 when it did not within the bound. */
static long long close_from_callback(const char *name, conn *c, int so_far) {
    char msg[32];
    long long t0 = now_ms(), end = t0 + BOUND_MS * test_slow();
    pthread_mutex_lock(&mu);
    c->close_after = so_far + 1;
    pthread_mutex_unlock(&mu);
    snprintf(msg, sizeof msg, "t0-%d", so_far);
    if (!wsc_write(name, msg)) return -1;
    while (!conn_get(c, &c->closed) && !conn_get(c, &c->errors) && now_ms() < end) sleep_ms(2);
    return conn_get(c, &c->closed) == 1 && conn_get(c, &c->close_code) == 1000 ? now_ms() - t0 : -1;
}

TEST(write_from_another_thread_wakes_the_pump) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        const char *name = tls ? "rt-wss" : "rt-ws";
        static long long lat[ROUND_TRIPS];
        pumper p;
        int i, slow = 0, lost = 0, missing, repeated;
        long long closed_ms;
        memset(&rt_conn, 0, sizeof rt_conn);
        if (!open_async(name, tls, &rt_conn)) { CHECK(0); continue; }
        pump_start(&p, 10000); /* a write must not wait for these 10 s */
        sleep_ms(100);
        for (i = 0; i < ROUND_TRIPS; i++) {
            char msg[32];
            long long t0 = now_us(), end = now_ms() + 5000 * test_slow();
            int want = i + 1;
            snprintf(msg, sizeof msg, "t0-%d", i);
            if (!wsc_write(name, msg)) { printf("  write %d: %s\n", i, wsc_error_info()); lost++; break; }
            pthread_mutex_lock(&mu);
            while (rt_conn.messages < want && now_ms() < end) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 50 * 1000000L;
                if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
                pthread_cond_timedwait(&cv, &mu, &ts);
            }
            lat[i] = rt_conn.messages >= want ? rt_conn.last_us - t0 : -1;
            pthread_mutex_unlock(&mu);
            if (lat[i] < 0) { lost++; break; }
            slow += lat[i] / 1000 >= BOUND_MS;
        }
        closed_ms = close_from_callback(name, &rt_conn, i);
        CHECK(pump_stop(&p));
        CHECKF(p.refused == 0, "%d pumps refused", p.refused);
        conn_tally(&rt_conn, 1, i + 1, &missing, &repeated);
        CHECKF(lost == 0 && i == ROUND_TRIPS, "%s: %d round trips of %d, then none within 5 s", name, i, ROUND_TRIPS);
        CHECKF(missing == 0 && repeated == 0 && rt_conn.stray == 0, "%s: %d missing, %d repeated, %d stray", name, missing,
               repeated, rt_conn.stray);
        CHECKF(slow == 0, "%s: %d round trips took %d ms or more", name, slow, BOUND_MS);
        if (i > 0) {
            qsort(lat, (size_t)i, sizeof lat[0], cmp_ll);
            printf("  %s: write from another thread -> echo in the pumping thread's callback (wsc_pump(10000)), "
                   "%d round trips: median %lld us, worst %lld us\n", name, i, lat[i / 2], lat[i - 1]);
        }
        CHECKF(closed_ms >= 0, "%s: a close the callback queued did not end within %d ms (pump in wsc_pump(10000))", name,
               BOUND_MS);
        if (wsc_exist(name)) wsc_abort(name);
    }
}

/* ---- (f) a second concurrent wsc_pump is refused ---- */

TEST(second_pump_is_refused) {
    static conn c;
    long_pump lp;
    pthread_t tp;
    long long end;
    int r = 0;
    wsc_result code = WSC_OK;
    memset(&c, 0, sizeof c);
    if (!open_async("second", 0, &c)) { CHECK(0); return; }
    memset(&lp, 0, sizeof lp);
    tp = spawn(long_pump_main, &lp);
    wait_flag(&lp.started, 2000);
    sleep_ms(200);
    /* Tried again while the other has not yet begun to wait (a slow machine). */
    end = now_ms() + 3000 * test_slow();
    do {
        r = wsc_pump(0);
        code = wsc_error_code();
        if (r == -1 && code == WSC_ERR_STATE) break;
        sleep_ms(50);
    } while (now_ms() < end && !get(&lp.done));
    CHECKF(r == -1 && code == WSC_ERR_STATE, "the second wsc_pump returned %d, code %d", r, (int)code);
    wsc_wake();
    join_or_give_up(tp, &lp.done, "wsc_pump(60000) after wsc_wake");
    CHECK(wsc_abort("second"));
}

/* ---- a host loop of its own: poll() on what wsc_watches gives ---- */

/* One turn of a host event loop: poll what the library waits on, at most
   until end_ms, then wsc_pump(0). 0 when wsc_watches failed. */
static int host_turn(long long end_ms) {
    wsc_watch set[16];
    struct pollfd pfd[16];
    int n, i, timeout, left = (int)(end_ms - now_ms());
    n = wsc_watches(set, 16, &timeout);
    if (n < 0 || n > 16) { printf("  wsc_watches: %d (%s)\n", n, wsc_error_info()); return 0; }
    for (i = 0; i < n; i++) {
        if (set[i].fd == WSC_NO_FD) { printf("  a watch without a descriptor\n"); return 0; }
        pfd[i].fd = set[i].fd;
        pfd[i].events = (short)((set[i].events & WSC_IO_READ ? POLLIN : 0) | (set[i].events & WSC_IO_WRITE ? POLLOUT : 0));
    }
    if (left < 0) left = 0;
    poll(pfd, (nfds_t)n, timeout < 0 || timeout > left ? left : timeout);
    wsc_pump(0);
    return 1;
}

static conn host_conn;

/* The example's loop (examples/uv_echo.c) without libuv: writes from another
   thread wake it through the wake descriptor, a close queued by a callback
   inside wsc_pump(0) shows in the next wsc_watches (WRITE, or a timeout of 0):
   over ws and wss, all within a bound that a missed wake-up or a close left
   to its 2 s timeout would pass. */
TEST(host_loop_on_wsc_watches) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        const char *name = tls ? "host-wss" : "host-ws";
        wsc_config cfg = echo_cfg(tls, &host_conn);
        rw wr;
        pthread_t tw;
        long long t0, end, ms;
        int missing, repeated, ok = 1;
        memset(&host_conn, 0, sizeof host_conn);
        host_conn.close_after = 20;
        pthread_mutex_lock(&mu);
        pump_id = pthread_self();
        pump_id_set = 1;
        pthread_mutex_unlock(&mu);
        if (!wsc_open(name, &cfg)) { CHECKF(0, "open %s: %s", name, wsc_error_info()); continue; }
        end = now_ms() + 5000 * test_slow();
        while (ok && !conn_get(&host_conn, &host_conn.opened) && !conn_get(&host_conn, &host_conn.errors) && now_ms() < end)
            ok = host_turn(end);
        memset(&wr, 0, sizeof wr);
        wr.name = name;
        wr.count = host_conn.close_after;
        wr.pause_every = 1;
        t0 = now_ms();
        end = t0 + 1500 * test_slow();
        tw = spawn(writer_main, &wr);
        while (ok && wsc_exist(name) && now_ms() < end) ok = host_turn(end);
        ms = now_ms() - t0;
        pthread_join(tw, NULL);
        pthread_mutex_lock(&mu);
        pump_id_set = 0;
        pthread_mutex_unlock(&mu);
        conn_tally(&host_conn, 1, wr.count, &missing, &repeated);
        printf("  %s: %d echoes and the close through wsc_watches + poll() in %lld ms\n", name, host_conn.messages, ms);
        CHECK(ok);
        CHECKF(wr.fails == 0, "%s %s", name, wr.error);
        CHECKF(missing == 0 && repeated == 0, "%s: %d missing, %d repeated", name, missing, repeated);
        CHECKF(host_conn.closed == 1 && host_conn.close_code == 1000 && host_conn.errors == 0 && !wsc_exist(name),
               "%s: closed %d (code %d), errors %d, socket %s after %lld ms", name, host_conn.closed, host_conn.close_code,
               host_conn.errors, wsc_exist(name) ? "still there" : "gone", ms);
        if (wsc_exist(name)) wsc_abort(name);
    }
}

/* ---- the stress run: everything at once ---- */

#define STRESS_WRITERS 3
#define STRESS_PER_WRITER 400
#define SHARED_WRITERS 2
#define SHARED_PER_WRITER 400
#define CHURN_CYCLES 100

typedef struct churn {
    int index, cycles, fails, done, stop;
    char error[600];
    conn c;
} churn;

/* Opens and closes sockets under one name, closed or aborted in turn: async
   ones while they connect or once open (kind 0, 1), sync ones (kind 2). */
static void *churn_main(void *arg) {
    churn *ch = (churn *)arg;
    char name[32];
    int i;
    snprintf(name, sizeof name, "churn-%d", ch->index);
    for (i = 0; i < CHURN_CYCLES && !get(&ch->stop); i++) {
        int kind = (i + ch->index) % 3, tls = i % 2 == 0;
        wsc_config cfg = echo_cfg(tls, kind == 2 ? NULL : &ch->c);
        int before = conn_get(&ch->c, &ch->c.opened) + conn_get(&ch->c, &ch->c.errors);
        if (!wsc_open(name, &cfg)) {
            if (ch->fails++ == 0) snprintf(ch->error, sizeof ch->error, "open %d: %s", kind, wsc_error_info());
            continue;
        }
        ch->cycles++;
        if (kind == 1) { /* once the pump delivered OPEN (or ERROR) */
            long long end = now_ms() + 3000 * test_slow();
            while (conn_get(&ch->c, &ch->c.opened) + conn_get(&ch->c, &ch->c.errors) == before && now_ms() < end)
                sleep_ms(2);
        } else if (kind == 0) { /* while it connects, or just after */
            sleep_ms(i % 5);
        }
        if (i % 2) wsc_abort(name);
        else wsc_close(name);
    }
    set(&ch->done, 1);
    return NULL;
}

typedef struct waker {
    int stop, wakes;
} waker;

static void *waker_main(void *arg) {
    waker *w = (waker *)arg;
    while (!get(&w->stop)) {
        wsc_wake();
        w->wakes++;
        sleep_ms(1);
    }
    return NULL;
}

/* Reads the library's state from one more thread while all that goes on,
   and pings the asynchronous socket (its pongs come to the pumping thread). */
static void *observer_main(void *arg) {
    waker *w = (waker *)arg;
    wsc_stats st;
    while (!get(&w->stop)) {
        wsc_count();
        wsc_exist("stress-async");
        wsc_exist("churn-0");
        wsc_get_stats("stress-async", &st);
        if (w->wakes % 20 == 0) wsc_ping("stress-async", "p", 1);
        w->wakes++;
        sleep_ms(1);
    }
    return NULL;
}

static conn stress_conn;

TEST(stress) {
    pumper p;
    rw writers[STRESS_WRITERS], shared_w[SHARED_WRITERS], shared_r, own;
    churn churns[2];
    waker wk, obs;
    pthread_t tw[STRESS_WRITERS], ts[SHARED_WRITERS], tr, to, tc[2], twk, tob;
    int i, missing, repeated, wrong;
    long long end;
    static conn own_conn;
    memset(&stress_conn, 0, sizeof stress_conn);
    memset(&shared_conn, 0, sizeof shared_conn);
    memset(&own_conn, 0, sizeof own_conn);
    if (!open_async("stress-async", 1, &stress_conn) || !open_sync("stress-shared", 0) || !open_sync("stress-own", 1)) {
        CHECK(0);
        wsc_close_all();
        return;
    }
    pump_start(&p, 1000);
    memset(&wk, 0, sizeof wk);
    memset(&obs, 0, sizeof obs);
    twk = spawn(waker_main, &wk);
    tob = spawn(observer_main, &obs);
    for (i = 0; i < 2; i++) {
        memset(&churns[i], 0, sizeof churns[i]);
        churns[i].index = i;
        tc[i] = spawn(churn_main, &churns[i]);
    }
    /* several threads write to one asynchronous socket, the pump reads it */
    for (i = 0; i < STRESS_WRITERS; i++) {
        memset(&writers[i], 0, sizeof writers[i]);
        writers[i].name = "stress-async";
        writers[i].writer = i;
        writers[i].count = STRESS_PER_WRITER;
        writers[i].pause_every = 5;
        tw[i] = spawn(writer_main, &writers[i]);
    }
    /* two write to one synchronous socket, a third reads it */
    memset(&shared_r, 0, sizeof shared_r);
    shared_r.name = "stress-shared";
    shared_r.readers_total = SHARED_WRITERS * SHARED_PER_WRITER;
    shared_r.seen = &shared_conn;
    tr = spawn(reader_main, &shared_r);
    for (i = 0; i < SHARED_WRITERS; i++) {
        memset(&shared_w[i], 0, sizeof shared_w[i]);
        shared_w[i].name = "stress-shared";
        shared_w[i].writer = i;
        shared_w[i].count = SHARED_PER_WRITER;
        shared_w[i].pause_every = 5;
        ts[i] = spawn(writer_main, &shared_w[i]);
    }
    /* and one writes and reads its own TLS socket, in turn: its reader runs
       after its writer, in the same thread */
    memset(&own, 0, sizeof own);
    own.name = "stress-own";
    own.count = own.readers_total = 100;
    own.seen = &own_conn;
    to = spawn(writer_main, &own);
    pthread_join(to, NULL);
    to = spawn(reader_main, &own);

    for (i = 0; i < STRESS_WRITERS; i++) pthread_join(tw[i], NULL);
    for (i = 0; i < SHARED_WRITERS; i++) pthread_join(ts[i], NULL);
    pthread_join(tr, NULL);
    pthread_join(to, NULL);
    for (i = 0; i < 2; i++) pthread_join(tc[i], NULL);
    /* every echo of the asynchronous socket comes, within a bound */
    end = now_ms() + 20000 * test_slow();
    while (conn_get(&stress_conn, &stress_conn.messages) < STRESS_WRITERS * STRESS_PER_WRITER && now_ms() < end)
        sleep_ms(10);
    sleep_ms(200); /* a duplicate would come now */
    set(&wk.stop, 1);
    set(&obs.stop, 1);
    pthread_join(twk, NULL);
    pthread_join(tob, NULL);
    CHECK(pump_stop(&p));
    pthread_mutex_lock(&mu);
    wrong = wrong_thread;
    pthread_mutex_unlock(&mu);

    printf("  stress: %d pump turns, %d wake-ups, %d churn cycles, %d messages on the async socket, "
           "%d reads interrupted by a wake-up\n", p.turns, wk.wakes, churns[0].cycles + churns[1].cycles,
           conn_get(&stress_conn, &stress_conn.messages), shared_r.interrupted + own.interrupted);
    for (i = 0; i < STRESS_WRITERS; i++) CHECKF(writers[i].fails == 0, "async writer %d: %s", i, writers[i].error);
    for (i = 0; i < SHARED_WRITERS; i++) CHECKF(shared_w[i].fails == 0, "sync writer %d: %s", i, shared_w[i].error);
    CHECKF(shared_r.fails == 0, "sync reader: %s", shared_r.error);
    CHECKF(own.fails == 0, "own socket: %s", own.error);
    for (i = 0; i < 2; i++) CHECKF(churns[i].fails == 0, "churn %d: %d failed, first %s", i, churns[i].fails, churns[i].error);
    CHECKF(p.refused == 0, "%d pumps refused", p.refused);
    conn_tally(&stress_conn, STRESS_WRITERS, STRESS_PER_WRITER, &missing, &repeated);
    CHECKF(missing == 0 && repeated == 0 && stress_conn.stray == 0 && stress_conn.errors == 0,
           "async: %d missing, %d repeated, %d stray, %d errors", missing, repeated, stress_conn.stray, stress_conn.errors);
    conn_tally(&shared_conn, SHARED_WRITERS, SHARED_PER_WRITER, &missing, &repeated);
    CHECKF(missing == 0 && repeated == 0 && shared_conn.stray == 0, "shared sync: %d missing, %d repeated, %d stray",
           missing, repeated, shared_conn.stray);
    conn_tally(&own_conn, 1, 100, &missing, &repeated);
    CHECKF(missing == 0 && repeated == 0, "own sync: %d missing, %d repeated", missing, repeated);
    CHECKF(wrong == 0, "%d callbacks ran off the pumping thread", wrong);
    CHECK(wsc_close("stress-shared"));
    CHECK(wsc_close("stress-own"));
    CHECK(wsc_abort("stress-async"));
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    int fds, ms;
    long blocks_before;
    if (!dir) { printf("WSC_TEST_CERTS is not set: run through tests/run.sh (make test)\n"); return 2; }
    snprintf(certs, sizeof certs, "%s", dir);
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    wss_port = env_port("WSC_TEST_TLS_PORT");
    snprintf(ca_path, sizeof ca_path, "%s", cert("ca.pem"));

    /* Once no socket is left the library holds no descriptor (its wake
       descriptors and epoll set are made again when needed); this thread's
       error record may stay: made here, outside the count of blocks. */
    fds = open_fds();
    wsc_wake();
    wsc_watches(NULL, 0, &ms);
    wsc_write("no-such-socket", "x");
    blocks_before = blocks();

    RUN(read_and_write_from_two_threads);
    RUN(close_from_another_thread_ends_a_read);
    RUN(wake_ends_a_pump_and_a_read);
    RUN(errors_are_per_thread);
    RUN(write_from_another_thread_wakes_the_pump);
    RUN(second_pump_is_refused);
    RUN(host_loop_on_wsc_watches);
    RUN(stress);

    test_current = "callbacks_only_on_the_pumping_thread";
    pthread_mutex_lock(&mu);
    CHECKF(wrong_thread == 0 && callbacks > 0, "%d of %d callbacks ran off the pumping thread", wrong_thread, callbacks);
    pthread_mutex_unlock(&mu);

    test_current = "nothing_left";
    wsc_close_all();
    pump_until_gone("churn-0");
    wsc_tls_clear_cache();
    CHECKF(wsc_count() == 0, "%d sockets left", wsc_count());
    CHECKF(open_fds() == fds, "%d descriptors open, %d before", open_fds(), fds);
    CHECKF(blocks() == blocks_before, "%ld blocks live, %ld before", blocks(), blocks_before);
    return test_summary("test_threads");
}

/* alloc.c - allocation failure: the allocator hooks point at a counting
   allocator that fails the Nth call, and a whole scenario (ws and wss,
   messages of several sizes, fragmented both ways, sync and async, close)
   runs for every N up to the number of calls it makes.

   What must hold for every N:
     - no crash;
     - the call that met the failure reports WSC_ERR_NO_MEMORY with words
       saying so, and nothing else breaks: a failed write leaves the
       connection as it was (the same write then succeeds), a failed connect
       leaves no slot, an incoming message that cannot be stored fails the
       connection (1011) rather than being dropped;
     - the library stays usable: the same steps run again succeed;
     - no leak: every block is freed once wsc_close_all() and
       wsc_tls_clear_cache() (the cached trust anchors) return.
   The library never retries an allocation itself: the caller decides.
   A second pass fails every call from the Nth on. */
#define _POSIX_C_SOURCE 200809L /* the implementation comes after system headers here */
#include <stddef.h>
#include <stdlib.h>

typedef struct counting_alloc {
    long calls;      /* malloc and realloc calls so far                 */
    long fail_at;    /* the call that fails (0: none)                    */
    int sticky;      /* fail every call from fail_at on                  */
    long failed;     /* calls that failed                                */
    long live;       /* blocks allocated and not yet freed               */
    int bad_user;    /* a hook got a user pointer other than ours        */
} counting_alloc;

static counting_alloc ca;

static int alloc_fails(void *user) {
    if (user != &ca) ca.bad_user = 1;
    ca.calls++;
    if (ca.fail_at && (ca.calls == ca.fail_at || (ca.sticky && ca.calls > ca.fail_at))) {
        ca.failed++;
        return 1;
    }
    return 0;
}

static void *test_malloc(size_t size, void *user) {
    void *p;
    if (alloc_fails(user)) return NULL;
    if ((p = malloc(size ? size : 1)) != NULL) ca.live++;
    return p;
}

static void *test_realloc(void *ptr, size_t size, void *user) {
    void *p;
    if (alloc_fails(user)) return NULL; /* ptr stays valid, as with realloc */
    p = realloc(ptr, size ? size : 1);
    if (p && !ptr) ca.live++;
    return p;
}

static void test_free(void *ptr, void *user) {
    if (user != &ca) ca.bad_user = 1;
    if (ptr) { ca.live--; free(ptr); }
}

#define WSCLIENT_MALLOC(size, user) test_malloc(size, user)
#define WSCLIENT_REALLOC(ptr, size, user) test_realloc(ptr, size, user)
#define WSCLIENT_FREE(ptr, user) test_free(ptr, user)
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"

static int tls_port, plain_port;
static char ca_file[600];

/* ---- one step at a time: every failure must be the allocator's ---- */

static long current_n;
static int unclear, writes_recovered;

/* Records a failed step: its error must say out of memory. Returns 0. */
static int stopped(const char *step) {
    if (wsc_error_code() != WSC_ERR_NO_MEMORY || !strstr(wsc_error_info(), "memory")) {
        unclear++;
        printf("  N=%ld%s: %s failed with %d '%s'\n", current_n, ca.sticky ? " (and on)" : "", step,
               wsc_error_code(), wsc_error_info());
    }
    return 0;
}

/* A write that met the failure left the connection as it was: once more. */
static int write_msg(const char *name, const void *p, size_t n, int binary) {
    int ok = binary ? wsc_write_binary(name, p, n) : wsc_write_text(name, (const char *)p, n);
    if (!ok && wsc_error_code() == WSC_ERR_NO_MEMORY && !ca.sticky) {
        ok = binary ? wsc_write_binary(name, p, n) : wsc_write_text(name, (const char *)p, n);
        writes_recovered += ok;
    }
    return ok;
}

static unsigned char payload[70001];

static int echo(const char *name, size_t n, int binary) {
    size_t len = 0;
    int bin = -1;
    char *back;
    if (!write_msg(name, payload, n, binary)) return stopped("write");
    if (!(back = wsc_read_alloc(name, 5000, &len, &bin))) return stopped("read");
    if (len != n || bin != binary || memcmp(back, payload, n) != 0) {
        unclear++;
        printf("  N=%ld: echo of %lu bytes came back wrong\n", current_n, (unsigned long)n);
    }
    wsc_free(back);
    return 1;
}

static int closed_cleanly(const char *name) {
    return wsc_close(name) ? 1 : stopped("close");
}

/* ws: echoes of several sizes, one message sent in three parts. */
static int scenario_ws(void) {
    static const size_t sizes[] = {0, 10, 300, 70000};
    size_t i;
    char buf[32];
    if (!wsc_connect("a", "127.0.0.1", plain_port, "/echo", NULL, 5000)) return stopped("ws connect");
    for (i = 0; i < 4; i++)
        if (!echo("a", sizes[i], (int)i & 1)) return 0;
    if (!wsc_write_part("a", "one ", 4, 0, 0) || !wsc_write_part("a", "two ", 4, 0, 0) ||
        !wsc_write_part("a", "three", 5, 0, 1))
        return stopped("write_part");
    if (wsc_read("a", buf, sizeof buf, 5000, NULL) != 13) return stopped("read parts");
    return closed_cleanly("a");
}

/* ws: a 210000-byte binary message in three fragments. */
static int scenario_fragments(void) {
    size_t len = 0;
    char *m;
    if (!wsc_connect("b", "127.0.0.1", plain_port, "/binfrag", NULL, 5000)) return stopped("ws connect /binfrag");
    if (!(m = wsc_read_alloc("b", 5000, &len, NULL))) return stopped("read fragmented");
    wsc_free(m);
    if (len != 210000) { unclear++; printf("  N=%ld: fragmented message of %lu bytes\n", current_n, (unsigned long)len); }
    return closed_cleanly("b");
}

/* wss by host name (the lookup thread, the system bundle), a fragmented
   text message with a ping inside, an echo. */
static int scenario_wss_name(void) {
    char buf[64];
    if (!wsc_connect_ssl("c", "localhost", tls_port, "/fragmented", NULL, 0, 5000)) return stopped("wss connect");
    if (wsc_read("c", buf, sizeof buf, 5000, NULL) != 24) return stopped("read fragmented text");
    if (!echo("c", 1000, 0)) return 0;
    return closed_cleanly("c");
}

/* wss to an IP address (its iPAddress SAN is checked), CA from a file. */
static int scenario_wss_ip(void) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "127.0.0.1";
    c.port = tls_port;
    c.path = "/echo";
    c.tls = 1;
    c.ca_file = ca_file;
    c.protocols = "chat";
    c.timeout_ms = 5000;
    if (!wsc_open("d", &c)) return stopped("wss connect by IP");
    if (!echo("d", 126, 1)) return 0;
    return closed_cleanly("d");
}

/* ws: small messages that come together (queued in runs that share a
   block), among larger ones and pings (tests/ws_server.py /mixed-burst),
   read with wsc_read and wsc_read_alloc in turn; then the same closed with
   them queued. */
static int scenario_runs(void) {
    static char buf[4000];
    int i;
    if (!wsc_connect("r", "127.0.0.1", plain_port, "/mixed-burst?count=40", NULL, 5000)) return stopped("ws connect /mixed-burst");
    for (i = 0; i <= 40; i++) {
        size_t len;
        char *m;
        if (i % 2) {
            if (wsc_read("r", buf, sizeof buf, 5000, NULL) < 0) return stopped("read in a run");
        } else {
            if (!(m = wsc_read_alloc("r", 5000, &len, NULL))) return stopped("read_alloc in a run");
            wsc_free(m);
        }
    }
    if (!closed_cleanly("r")) return 0;
    if (!wsc_connect("r", "127.0.0.1", plain_port, "/mixed-burst?count=40", NULL, 5000)) return stopped("ws connect /mixed-burst");
    if (wsc_read("r", buf, sizeof buf, 5000, NULL) < 0) return stopped("read in a run");
    return closed_cleanly("r");
}

static int async_open, async_done, async_errors;

static void on_event(const wsc_event_data *ev) {
    switch (ev->event) {
    case WSC_EVENT_OPEN:
        async_open++;
        if (!wsc_write(ev->name, "async message")) { stopped("async write"); wsc_close(ev->name); }
        break;
    case WSC_EVENT_MESSAGE:
        async_done++;
        wsc_close(ev->name);
        break;
    case WSC_EVENT_ERROR:
        async_errors++;
        if (ev->code != WSC_ERR_NO_MEMORY || !strstr(ev->message, "memory")) {
            unclear++;
            printf("  N=%ld: async error %d '%s'\n", current_n, ev->code, ev->message);
        }
        break;
    default: /* CLOSE: the echo server does not close first */
        unclear++;
        break;
    }
}

/* Both async, at once, through wsc_pump. */
static int scenario_async(void) {
    long long end = now_ms() + 10000;
    async_open = async_done = async_errors = 0;
    if (!wsc_connect_async("e1", on_event, "127.0.0.1", plain_port, "/echo", NULL)) return stopped("async ws connect");
    if (!wsc_connect_ssl_async("e2", on_event, "localhost", tls_port, "/echo", NULL, 0)) {
        stopped("async wss connect"); /* before wsc_close clears the error */
        wsc_close("e1");
        return 0;
    }
    while (wsc_count() > 0 && now_ms() < end) wsc_pump(100);
    if (wsc_count() > 0) { unclear++; printf("  N=%ld: async sockets left\n", current_n); }
    return async_done == 2;
}

typedef int (*scenario)(void);
static const scenario scenarios[] = {scenario_ws, scenario_fragments, scenario_runs, scenario_wss_name, scenario_wss_ip, scenario_async};
#define NSCEN (int)(sizeof scenarios / sizeof scenarios[0])

/* Runs every scenario with the failure armed; a scenario that stopped runs
   again once the failure is behind us and must then succeed. Returns the
   number of scenarios that stopped. */
/* Everything the library holds: sockets, then the cached trust anchors
   (they outlive sockets on purpose; clearing them makes every run read the
   CA file again, failures included). */
static void release_all(void) {
    wsc_close_all();
    wsc_tls_clear_cache();
}

static int run_all(long fail_at, int sticky) {
    int i, stops = 0;
    wsc_tls_clear_cache();
    memset(&ca, 0, sizeof ca);
    ca.fail_at = fail_at;
    ca.sticky = sticky;
    current_n = fail_at;
    for (i = 0; i < NSCEN; i++) {
        if (scenarios[i]()) continue;
        stops++;
        wsc_close_all();
        if (sticky) continue;
        if (!scenarios[i]()) {
            unclear++;
            printf("  N=%ld: scenario %d failed again after the failure: %d '%s'\n", fail_at, i, wsc_error_code(), wsc_error_info());
            wsc_close_all();
        }
    }
    release_all();
    return stops;
}

TEST(every_allocation_fails_once) {
    long total, n, injected = 0, leaks = 0, stops = 0, absorbed = 0;
    run_all(0, 0); /* a clean run: how many calls a whole scenario makes */
    total = ca.calls;
    CHECKF(unclear == 0 && ca.live == 0, "clean run: %d unclear, %ld live blocks", unclear, ca.live);
    printf("  a whole scenario makes %ld allocator calls\n", total);
    unclear = writes_recovered = 0;
    for (n = 1; n <= total + 5; n++) {
        int st = run_all(n, 0);
        stops += st;
        injected += ca.failed > 0;
        absorbed += ca.failed && !st;
        if (ca.live != 0) { leaks++; printf("  N=%ld: %ld blocks leaked\n", n, ca.live); }
        if (wsc_count() != 0) { printf("  N=%ld: %d sockets left\n", n, wsc_count()); wsc_close_all(); CHECK(0); }
    }
    /* absorbed: a write that succeeded on its second try, or a host name
       lookup that ran inline because its thread's job could not be allocated,
       or a copy of a certificate kept only for the words of an error */
    printf("  %ld runs, %ld with a failure injected: %ld scenarios stopped with WSC_ERR_NO_MEMORY, %ld failures absorbed "
           "(%d writes succeeded on the second try)\n", total + 5, injected, stops, absorbed, writes_recovered);
    CHECKF(unclear == 0, "%d unclear outcomes", unclear);
    CHECKF(leaks == 0, "%ld runs leaked", leaks);
    CHECK(injected >= total - 10); /* the count varies a little with how TCP splits the data */
    CHECK(!ca.bad_user);
}

TEST(every_allocation_fails_from_n_on) {
    long total, n, leaks = 0;
    run_all(0, 0);
    total = ca.calls;
    unclear = 0;
    for (n = 1; n <= total; n += 3) {
        run_all(n, 1);
        if (ca.live != 0) { leaks++; printf("  N=%ld and on: %ld blocks leaked\n", n, ca.live); }
    }
    CHECKF(unclear == 0, "%d unclear outcomes", unclear);
    CHECKF(leaks == 0, "%ld runs leaked", leaks);
    CHECK(wsc_count() == 0);
    run_all(0, 0); /* and everything works again */
    CHECK(unclear == 0 && ca.live == 0);
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS"), *tp = getenv("WSC_TEST_TLS_PORT"), *pp = getenv("WSC_TEST_PLAIN_PORT");
    size_t i;
    if (!tp || !pp) { printf("WSC_TEST_TLS_PORT is not set: run through tests/run.sh (make test)\n"); return 2; }
    tls_port = atoi(tp);
    plain_port = atoi(pp);
    snprintf(ca_file, sizeof ca_file, "%s/ca.pem", dir ? dir : "build/certs");
    setenv("SSL_CERT_FILE", ca_file, 1);
    for (i = 0; i < sizeof payload; i++) payload[i] = (unsigned char)('a' + i % 26);
    wsc_set_allocator_user(&ca);
    RUN(every_allocation_fails_once);
    RUN(every_allocation_fails_from_n_on);
    return test_summary("test_alloc");
}

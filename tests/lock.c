/* lock.c - the lock in a process of one thread (README "Threads"). Where
   glibc says the process has one thread (__libc_single_threaded), a call
   takes no mutex: nobody else could be waiting for it. These check that
   the mutex is skipped then and taken once a second thread exists (one
   a callback starts, writing while the pump goes on, among them), and
   that a hook of the user's that runs under the lock (a transport, the
   unix_time hook) and starts a thread that calls the library finds the
   lock held for real: that thread waits until the call is done.
   Each case runs in a child process: a process that started a thread keeps
   the mark for good. Against tests/ws_server.py (ws:// and wss://), which
   tests/run.sh starts. */
#define WSCLIENT_IMPLEMENTATION
/* Counts the library's takes of its mutex: the macro renames the function
   in the declaration of <pthread.h> that wsclient.h includes, and every
   call in the implementation. */
#define pthread_mutex_lock(m) counted_lock(m)
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <sys/wait.h>
#include <unistd.h>

extern int (pthread_mutex_lock)(pthread_mutex_t *m);
static long takes; /* of wsc__mutex, by any thread: read once they are joined */

int counted_lock(pthread_mutex_t *m) {
    if (m == &wsc__mutex) __atomic_add_fetch(&takes, 1, __ATOMIC_RELAXED);
    return (pthread_mutex_lock)(m);
}

static int plain_port, tls_port_;

static int get(const int *flag) { return __atomic_load_n(flag, __ATOMIC_ACQUIRE); }
static void set(int *flag, int v) { __atomic_store_n(flag, v, __ATOMIC_RELEASE); }

/* A connect to the echo server: ws:// or wss:// (trusted as localhost). */
static void echo_config(wsc_config *c, const char *address, int tls) {
    memset(c, 0, sizeof *c);
    c->address = address;
    c->port = tls ? tls_port_ : plain_port;
    c->tls = tls;
    c->ca_file = tls ? cert("ca.pem") : NULL;
    c->server_name = tls ? "localhost" : NULL;
    c->timeout_ms = 5000 * test_slow();
}

/* One synchronous socket: n echoes of a short text, then the close; 1 if
   each came back. */
static int echoes(const char *address, int tls, int n) {
    wsc_config c;
    char got[64];
    int i, ok;
    echo_config(&c, address, tls);
    if (!wsc_open("e", &c)) {
        printf("  open: %s\n", wsc_error_info());
        return 0;
    }
    for (ok = 1, i = 0; ok && i < n; i++)
        ok = wsc_write("e", "sixteen bytes...") && wsc_read("e", got, sizeof got - 1, 5000 * test_slow(), NULL) == 16 &&
             memcmp(got, "sixteen bytes...", 16) == 0;
    if (!ok) printf("  echo %d: %s\n", i, wsc_error_info());
    return wsc_close("e") && ok;
}

/* ---- a thread that calls the library while a hook runs under its lock ---- */

static int caller_done;
static pthread_t caller;

static void *call_in(void *arg) {
    (void)arg;
    (void)wsc_count(); /* waits for the lock */
    set(&caller_done, 1);
    return NULL;
}

/* What the hooks do: start the caller, give it time, and note whether it got
   through, which it must not while the hook's call holds the lock. */
static int got_through; /* -1: the hook never ran */

static void start_caller_and_look(void) {
    if (got_through != -1) return; /* once */
    if (pthread_create(&caller, NULL, call_in, NULL) != 0) { printf("pthread_create failed\n"); exit(2); }
    sleep_ms(300);
    got_through = get(&caller_done);
}

static long long hook_time(void *user) {
    (void)user;
    start_caller_and_look();
    return (long long)time(NULL);
}

static void *tp_connect(void *user, const char *host, int port) {
    (void)user; (void)host; (void)port;
    start_caller_and_look();
    return NULL; /* the connect fails: the hook is all this case needs */
}
static long tp_send(void *user, void *conn, const void *data, size_t len) { (void)user; (void)conn; (void)data; (void)len; return WSC_IO_ERROR; }
static long tp_recv(void *user, void *conn, void *buf, size_t len) { (void)user; (void)conn; (void)buf; (void)len; return WSC_IO_ERROR; }
static int tp_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) { (void)user; (void)items; (void)count; (void)timeout_ms; return 0; }
static void tp_close(void *user, void *conn) { (void)user; (void)conn; }
static const wsc_transport hook_transport = { NULL, tp_connect, tp_send, tp_recv, tp_wait, tp_close, NULL, NULL };

/* ---- a callback that starts a thread, which writes while the pump goes on ---- */

#define WRITES 200
static pthread_t writer;
static int writer_started, writes_ok, echoed;

static void *write_all(void *arg) {
    int i, ok = 0;
    (void)arg;
    for (i = 0; i < WRITES; i++) ok += wsc_write("a", "sixteen bytes...");
    set(&writes_ok, ok);
    return NULL;
}

static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN && !writer_started) {
        if (pthread_create(&writer, NULL, write_all, NULL) != 0) { printf("pthread_create failed\n"); exit(2); }
        writer_started = 1;
    }
    if (ev->event == WSC_EVENT_MESSAGE && ev->length == 16) echoed++;
}

/* The pump held no mutex when it ran the callback, and must take it after. */
static int thread_from_callback(void) {
    wsc_config c;
    long long end = now_ms() + 10000 * test_slow();
    echo_config(&c, "127.0.0.1", 1);
    c.callback = on_event;
    if (!wsc_open("a", &c)) { printf("  open: %s\n", wsc_error_info()); return 1; }
    while (echoed < WRITES && now_ms() < end) wsc_pump(100);
    if (writer_started) pthread_join(writer, NULL);
    wsc_close("a");
    if (get(&writes_ok) != WRITES || echoed != WRITES) {
        printf("  %d of %d writes went, %d came back\n", get(&writes_ok), WRITES, echoed);
        return 1;
    }
    if (takes < 2 * WRITES) { printf("  the mutex was taken %ld times for %d writes from a second thread\n", takes, WRITES); return 1; }
    return 0;
}

/* ---- the cases, each in a child: its checks come back as its exit status ---- */

enum { ONE_THREAD, SECOND_THREAD, DNS_THREAD, CALLBACK_THREAD, HOOK_TIME, HOOK_CONFIG_TRANSPORT, HOOK_SET_TRANSPORT };

static void *idle(void *arg) { return arg; }

/* 0: as it should be; else a line said what went wrong. */
static int run_case(int which) {
    pthread_t t;
    wsc_config c;
    long before;
    switch (which) {
    case ONE_THREAD:
#ifdef WSC__ELIDE
        if (!__libc_single_threaded) { printf("  the process has threads before the case\n"); return 1; }
#endif
        if (!echoes("127.0.0.1", 0, 200) || !echoes("127.0.0.1", 1, 200)) return 1;
        if (takes != 0) { printf("  the mutex was taken %ld times with one thread\n", takes); return 1; }
        return 0;
    case SECOND_THREAD: /* a thread that came and went: the mark stays, so does the mutex */
        if (pthread_create(&t, NULL, idle, NULL) != 0 || pthread_join(t, NULL) != 0) return 1;
        if (!echoes("127.0.0.1", 0, 200)) return 1;
        if (takes < 400) { printf("  the mutex was taken %ld times for 200 echoes with two threads\n", takes); return 1; }
        return 0;
    case DNS_THREAD: /* the lookup's thread starts while the open holds no mutex */
        if (!echoes("localhost", 0, 50)) return 1;
        before = takes;
        if (!echoes("localhost", 1, 50)) return 1;
        if (takes - before < 100) { printf("  the mutex was taken %ld times after the lookup's thread\n", takes - before); return 1; }
        return 0;
    case CALLBACK_THREAD:
        return thread_from_callback();
    case HOOK_TIME:
    case HOOK_CONFIG_TRANSPORT:
    case HOOK_SET_TRANSPORT:
        got_through = -1;
        echo_config(&c, "127.0.0.1", 1);
        if (which == HOOK_TIME) c.unix_time = hook_time;
        if (which == HOOK_CONFIG_TRANSPORT) c.transport = &hook_transport;
        if (which == HOOK_SET_TRANSPORT) wsc_set_transport(&hook_transport);
        if (wsc_open("h", &c) != (which == HOOK_TIME)) { printf("  open: %s\n", wsc_error_info()); return 1; }
        if (which == HOOK_TIME) wsc_close("h");
        if (got_through == -1) { printf("  the hook never ran\n"); return 1; }
        pthread_join(caller, NULL);
        if (got_through) { printf("  a thread the hook started got the lock while the hook's call held it\n"); return 1; }
        if (!get(&caller_done)) { printf("  the hook's thread never got the lock\n"); return 1; }
        return 0;
    }
    return 1;
}

static int in_child(int which) {
    pid_t pid;
    int status;
    fflush(stdout);
    if ((pid = fork()) < 0) { printf("fork failed\n"); exit(2); }
    if (pid == 0) {
        int r = run_case(which);
        fflush(stdout);
        _exit(r);
    }
    if (waitpid(pid, &status, 0) != pid) return 0;
    if (!WIFEXITED(status)) printf("  the case died (status %d)\n", status);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(test_one_thread_takes_no_mutex) {
#ifdef WSC__ELIDE
    CHECK(in_child(ONE_THREAD));
#else
    SKIP("this build always takes its mutex: not glibc 2.32 or later, or a hook compiled in");
#endif
}
TEST(test_second_thread_takes_it) { CHECK(in_child(SECOND_THREAD)); }
TEST(test_lookup_thread_mid_call) { CHECK(in_child(DNS_THREAD)); }
TEST(test_thread_from_callback) { CHECK(in_child(CALLBACK_THREAD)); }
TEST(test_unix_time_hook_holds_it) { CHECK(in_child(HOOK_TIME)); }
TEST(test_config_transport_holds_it) { CHECK(in_child(HOOK_CONFIG_TRANSPORT)); }
TEST(test_set_transport_holds_it) { CHECK(in_child(HOOK_SET_TRANSPORT)); }

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    tls_port_ = env_port("WSC_TEST_TLS_PORT");
    RUN(test_one_thread_takes_no_mutex);
    RUN(test_second_thread_takes_it);
    RUN(test_lookup_thread_mid_call);
    RUN(test_thread_from_callback);
    RUN(test_unix_time_hook_holds_it);
    RUN(test_config_transport_holds_it);
    RUN(test_set_transport_holds_it);
    return test_summary("lock");
}

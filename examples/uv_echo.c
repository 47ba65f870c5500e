/* uv_echo.c - wsclient.h inside a libuv event loop (README "Threads",
   docs/api.md "A host event loop"): the application owns the loop, the
   library says what to wait on.
   Build: cc -O2 -I.. uv_echo.c -o uv_echo -lbearssl $(pkg-config --cflags --libs libuv)
          (Debian: apt-get install libuv1-dev pkg-config)
   Usage: uv_echo [--cafile FILE] [--count N] ws[s]://host[:port][/path]
     --cafile FILE  trust the CAs in FILE instead of the system bundle
     --count N      messages to send from the loop's thread (default 5)
   It connects asynchronously, sends N messages from the loop's thread and one
   from a thread of its own, checks that each comes back once, closes with
   1000 and exits 0 (1 when something went wrong, 2 for bad options).

   The loop: wsc_watches() gives the descriptors the library waits on, with
   the events, and the time until its next deadline. Each descriptor gets a
   uv_poll_t, the deadline a uv_timer_t; when one fires, wsc_pump(0) does the
   work and runs the callbacks (on this thread), then the set is asked for
   again: it changes as addresses are raced, connections open and close. The
   first watch is the library's wake descriptor: a write from another thread
   makes it readable, so the loop wakes at once.
   Not handled here: sockets of a user transport (wsc_config.transport). Their
   watches have fd WSC_NO_FD and name the transport and connection instead;
   polling those is the transport's business. This example refuses them. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define MAX_COUNT 100

/* One uv_poll_t per descriptor the library waits on. */
typedef struct watcher {
    uv_poll_t poll;
    wsc_fd fd;
    int seen; /* in the latest wsc_watches() answer */
    struct watcher *next;
} watcher;

static uv_loop_t *loop;
static watcher *watchers;
static uv_timer_t deadline;  /* the library's next deadline */
static uv_timer_t give_up;   /* the whole run's bound */
static uv_thread_t other;
static int other_started, failed, finished, opened, clean_close;
static int count = 5, echoes, other_echoes;

static void refresh(void);

/* ---- the library's side: its callback, run inside wsc_pump(0) ---- */

/* A write from a thread that is not the loop's: the library sends it at once
   and wakes the loop through its wake descriptor. */
static void other_thread(void *arg) {
    (void)arg;
    if (!wsc_write("echo", "from another thread")) {
        fprintf(stderr, "write from the other thread: %s\n", wsc_error_info());
        failed = 1; /* read by the loop only after uv_thread_join */
    }
}

static void on_event(const wsc_event_data *ev) {
    char want[32];
    int i;
    switch (ev->event) {
    case WSC_EVENT_OPEN:
        printf("open\n");
        opened = 1;
        for (i = 0; i < count; i++) {
            snprintf(want, sizeof want, "message %d", i);
            if (!wsc_write(ev->name, want)) { fprintf(stderr, "write: %s\n", wsc_error_info()); failed = 1; }
        }
        other_started = uv_thread_create(&other, other_thread, NULL) == 0;
        if (!other_started) { fprintf(stderr, "cannot start a thread\n"); failed = 1; }
        break;
    case WSC_EVENT_MESSAGE:
        printf("echo: %s\n", ev->message);
        if (strcmp(ev->message, "from another thread") == 0) {
            other_echoes++;
        } else {
            snprintf(want, sizeof want, "message %d", echoes);
            if (strcmp(ev->message, want) != 0) { fprintf(stderr, "expected '%s'\n", want); failed = 1; }
            echoes++;
        }
        if (echoes == count && other_echoes == 1) wsc_close_with(ev->name, 1000, "done");
        break;
    case WSC_EVENT_CLOSE:
        printf("closed: %d %s\n", ev->code, ev->message);
        clean_close = ev->code == 1000;
        break;
    case WSC_EVENT_ERROR:
        fprintf(stderr, "error: %s\n", ev->message);
        failed = 1;
        break;
    }
}

/* ---- the loop's side ---- */

static void on_closed(uv_handle_t *h) { free(h->data); }

static void pump(void) {
    wsc_pump(0);
    refresh();
}

static void on_poll(uv_poll_t *p, int status, int events) {
    (void)p; (void)status; (void)events; /* wsc_pump(0) looks at every socket */
    pump();
}

static void on_deadline(uv_timer_t *t) {
    (void)t;
    pump();
}

static void on_give_up(uv_timer_t *t) {
    (void)t;
    fprintf(stderr, "no end within 20 s\n");
    failed = 1;
    wsc_close_all();
    refresh();
}

static watcher *find(wsc_fd fd) {
    watcher *w;
    for (w = watchers; w; w = w->next)
        if (w->fd == fd) return w;
    return NULL;
}

/* Watches fd for events. uv_poll_start even on a watcher that exists: it
   registers the descriptor afresh, so a number the library closed and
   reused in between (a raced address, a reconnect) is watched as new. */
static void watch(wsc_fd fd, int events) {
    watcher *w = find(fd);
    int uv_events = (events & WSC_IO_READ ? UV_READABLE : 0) | (events & WSC_IO_WRITE ? UV_WRITABLE : 0);
    if (!w) {
        w = (watcher *)calloc(1, sizeof *w);
        if (!w || uv_poll_init_socket(loop, &w->poll, fd) != 0) {
            fprintf(stderr, "cannot watch descriptor %d\n", (int)fd);
            free(w);
            failed = 1;
            return;
        }
        w->fd = fd;
        w->poll.data = w;
        w->next = watchers;
        watchers = w;
    }
    w->seen = 1;
    uv_poll_start(&w->poll, uv_events, on_poll);
}

/* Stops and frees the watchers of descriptors no longer in the set. */
static void drop_unseen(void) {
    watcher **link = &watchers;
    while (*link) {
        watcher *w = *link;
        if (w->seen) { w->seen = 0; link = &w->next; continue; }
        *link = w->next;
        uv_poll_stop(&w->poll);
        uv_close((uv_handle_t *)&w->poll, on_closed);
    }
}

/* Asks the library what it waits on now and makes the loop wait on that. */
static void refresh(void) {
    wsc_watch set[64];
    int n, i, timeout_ms;
    n = wsc_watches(set, (int)(sizeof set / sizeof set[0]), &timeout_ms);
    if (n > (int)(sizeof set / sizeof set[0])) { /* more than room: a real app would grow set */
        fprintf(stderr, "%d watches: more than this example has room for\n", n);
        failed = 1;
        n = (int)(sizeof set / sizeof set[0]);
    }
    for (i = 0; i < n; i++) {
        if (set[i].fd == WSC_NO_FD) { /* a user transport's connection */
            fprintf(stderr, "a user transport's connection: not handled by this example\n");
            failed = 1;
            continue;
        }
        watch(set[i].fd, set[i].events);
    }
    drop_unseen();
    if (wsc_count() == 0) { /* all done: let uv_run return */
        watcher *w;
        for (w = watchers; w; w = w->next) w->seen = 0;
        drop_unseen();
        uv_close((uv_handle_t *)&deadline, NULL);
        uv_close((uv_handle_t *)&give_up, NULL);
        finished = 1;
        return;
    }
    if (timeout_ms < 0) uv_timer_stop(&deadline);
    else uv_timer_start(&deadline, on_deadline, (uint64_t)timeout_ms, 0);
}

static int usage(void) {
    fprintf(stderr, "usage: uv_echo [--cafile FILE] [--count N] ws[s]://host[:port][/path]\n");
    return 2;
}

int main(int argc, char **argv) {
    wsc_config cfg;
    int i;
    memset(&cfg, 0, sizeof cfg);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cafile") == 0 && i + 1 < argc) cfg.ca_file = argv[++i];
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) count = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !cfg.url) cfg.url = argv[i];
        else return usage();
    }
    if (!cfg.url || count < 0 || count > MAX_COUNT) return usage();
    cfg.callback = on_event;

    loop = uv_default_loop();
    uv_timer_init(loop, &deadline);
    uv_timer_init(loop, &give_up);
    uv_timer_start(&give_up, on_give_up, 20000, 0);
    if (!wsc_open("echo", &cfg)) {
        fprintf(stderr, "cannot start: %s\n", wsc_error_info());
        return 1;
    }
    refresh();
    uv_run(loop, UV_RUN_DEFAULT);
    if (other_started) uv_thread_join(&other);
    uv_loop_close(loop);
    if (!finished || !opened || echoes != count || other_echoes != 1 || !clean_close) failed = 1;
    printf("%s: %d echoes of %d from this thread, %d of 1 from the other, %s close\n", failed ? "FAIL" : "OK", echoes,
           count, other_echoes, clean_close ? "a clean" : "no clean");
    return failed;
}

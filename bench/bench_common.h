/* bench_common.h - what the four benchmark clients share: the command line,
   the clock, the window of messages in flight, the lines they print.

   Every client takes the same command line:
       --url URL --cafile F --mode rtt|stream|connect|idle --size BYTES --count N
       [--resume 0|1] [--window BYTES] [--verify]
   and prints, on success:
       result mode=M msgs=N bytes=B seconds=S msgs_per_s=R MBps=T
       cpu seconds=C           (user + system CPU of the timed part)
       rss max_kb=K            (peak resident set, VmHWM)
   bytes counts payload one way (what was sent, which is also what came back);
   MBps is bytes / seconds / 10^6. In connect mode msgs counts connects.
   idle mode opens --count connections, holds them open and prints
       idle conns=N base_kb=B rss_kb=R per_conn_kb=P
   (resident set before the first connect, with all of them open, and the
   difference per connection).

   The timed part of rtt and stream starts after the connect and ends with
   the last echo, before the close. connect times the whole loop. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

enum { BENCH_RTT, BENCH_STREAM, BENCH_CONNECT, BENCH_IDLE };

typedef struct bench_args {
    const char *url;
    const char *cafile;
    int mode;
    size_t size;
    long count;
    int resume;
    size_t window_bytes;
    int verify;           /* check every echoed byte (slower; for smoke runs) */
    char scheme[16];      /* from the URL: wss, ws, tls, tcp                  */
    char host[256];
    int port;
    char path[512];
} bench_args;

static const char *const bench_mode_names[] = {"rtt", "stream", "connect", "idle"};

static void bench_usage(const char *prog) {
    fprintf(stderr, "usage: %s --url URL --cafile F --mode rtt|stream|connect|idle --size BYTES --count N\n"
                    "          [--resume 0|1] [--window BYTES] [--verify]\n", prog);
    exit(2);
}

/* scheme://host:port/path, host may be [v6]. */
static int bench_parse_url(bench_args *a) {
    const char *u = a->url, *p = strstr(u, "://"), *h, *e, *colon;
    size_t n;
    if (!p || (size_t)(p - u) >= sizeof a->scheme) return 0;
    memcpy(a->scheme, u, (size_t)(p - u));
    a->scheme[p - u] = 0;
    h = p + 3;
    e = h + strcspn(h, "/");
    if (*h == '[') {
        const char *rb = strchr(h, ']');
        if (!rb || rb > e) return 0;
        n = (size_t)(rb - h - 1);
        if (n >= sizeof a->host) return 0;
        memcpy(a->host, h + 1, n);
        a->host[n] = 0;
        colon = rb + 1 < e && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(e - h));
        n = (size_t)((colon ? colon : e) - h);
        if (n == 0 || n >= sizeof a->host) return 0;
        memcpy(a->host, h, n);
        a->host[n] = 0;
    }
    a->port = colon ? atoi(colon + 1) : (strcmp(a->scheme, "wss") == 0 ? 443 : 80);
    snprintf(a->path, sizeof a->path, "%s", *e ? e : "/");
    return a->port > 0 && a->port < 65536;
}

static void bench_parse(int argc, char **argv, bench_args *a) {
    int i;
    memset(a, 0, sizeof *a);
    a->mode = -1;
    a->count = -1;
    a->window_bytes = 4u << 20;
    for (i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(k, "--verify") == 0) { a->verify = 1; continue; }
        if (!v) bench_usage(argv[0]);
        i++;
        if (strcmp(k, "--url") == 0) a->url = v;
        else if (strcmp(k, "--cafile") == 0) a->cafile = v;
        else if (strcmp(k, "--size") == 0) a->size = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(k, "--count") == 0) a->count = atol(v);
        else if (strcmp(k, "--resume") == 0) a->resume = atoi(v) != 0;
        else if (strcmp(k, "--window") == 0) a->window_bytes = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(k, "--mode") == 0) {
            int m;
            for (m = 0; m < 4; m++)
                if (strcmp(v, bench_mode_names[m]) == 0) a->mode = m;
        } else bench_usage(argv[0]);
    }
    if (!a->url || a->mode < 0 || a->count < 0 || !bench_parse_url(a)) bench_usage(argv[0]);
    if ((a->mode == BENCH_RTT || a->mode == BENCH_STREAM) && a->size == 0) bench_usage(argv[0]);
}

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double bench_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* The timed part: bench_start() before it, bench_stop() after it. */
static double bench_t0, bench_t1, bench_c0, bench_c1;
static void bench_start(void) { bench_t0 = bench_now(); bench_c0 = bench_cpu(); }
static void bench_stop(void) { bench_t1 = bench_now(); bench_c1 = bench_cpu(); }

/* Messages in flight in stream mode: about window_bytes worth, at least 4
   (so that 1 MiB messages still overlap), at most 1024. The same rule in
   every client, so they all pipeline alike. */
static long bench_window(const bench_args *a) {
    size_t w = a->window_bytes / (a->size ? a->size : 1);
    if (w < 4) w = 4;
    if (w > 1024) w = 1024;
    return (long)w;
}

/* The payload: a byte pattern that is not all one value, so a wrong mask shows. */
static unsigned char *bench_payload(size_t n) {
    unsigned char *p = (unsigned char *)malloc(n ? n : 1);
    size_t i;
    if (!p) { perror("malloc"); exit(1); }
    for (i = 0; i < n; i++) p[i] = (unsigned char)(i * 131u + 7u);
    return p;
}

/* Peak resident set of this program, in kilobytes: VmHWM from
   /proc/self/status. Not getrusage's ru_maxrss, which on Linux keeps the
   high-water mark of the process image before exec (the parent's, for a
   child of a big driver). */
static long bench_peak_kb(void) {
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmHWM:", 6) == 0) kb = atol(line + 6);
        fclose(f);
    }
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = ru.ru_maxrss;
    }
    return kb;
}

/* Resident set now, in kilobytes (Linux: /proc/self/statm). */
static long bench_rss_kb(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void bench_result(const bench_args *a, long msgs, double bytes) {
    double seconds = bench_t1 - bench_t0;
    if (seconds <= 0) seconds = 1e-9;
    printf("result mode=%s msgs=%ld bytes=%.0f seconds=%.6f msgs_per_s=%.1f MBps=%.2f\n",
           bench_mode_names[a->mode], msgs, bytes, seconds, (double)msgs / seconds, bytes / seconds / 1e6);
    printf("cpu seconds=%.6f\n", bench_c1 - bench_c0);
    printf("rss max_kb=%ld\n", bench_peak_kb());
    fflush(stdout);
}

static void bench_idle_result(long conns, long base_kb, long rss_kb) {
    printf("idle conns=%ld base_kb=%ld rss_kb=%ld per_conn_kb=%.1f\n", conns, base_kb, rss_kb,
           conns ? (double)(rss_kb - base_kb) / (double)conns : 0.0);
    printf("rss max_kb=%ld\n", bench_peak_kb());
    fflush(stdout);
}

/* An echo that is not what was sent is a failure of the run, not a figure. */
static void bench_check(const bench_args *a, const unsigned char *got, size_t n, const unsigned char *want) {
    if (n != a->size || (a->verify && memcmp(got, want, n) != 0)) {
        fprintf(stderr, "echo mismatch: got %lu bytes, sent %lu\n", (unsigned long)n, (unsigned long)a->size);
        exit(1);
    }
}

/* The least a WebSocket client can do to connect and close, for the
   ceilings' connect mode: a canned upgrade request (a fixed key: the
   server's answer is read up to its blank line and only its status is
   checked), then a masked close frame with code 1000, whose echo ends the
   exchange. */
enum { BENCH_UPGRADE_MAX = 1024 };
static inline const unsigned char *bench_close_frame(void) {
    static const unsigned char f[8] = {0x88, 0x82, 0x12, 0x34, 0x56, 0x78, 0x03 ^ 0x12, 0xE8 ^ 0x34};
    return f;
}

static inline size_t bench_upgrade_request(const bench_args *a, char *out) {
    int n = snprintf(out, BENCH_UPGRADE_MAX,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     a->path, a->host, a->port);
    if (n <= 0 || n >= BENCH_UPGRADE_MAX) { fprintf(stderr, "upgrade request too long\n"); exit(1); }
    return (size_t)n;
}

static inline int bench_http_done(const unsigned char *p, size_t n) {
    size_t i;
    for (i = 3; i < n; i++)
        if (p[i - 3] == '\r' && p[i - 2] == '\n' && p[i - 1] == '\r' && p[i] == '\n') return 1;
    return 0;
}

/* The server's close frame: unmasked, its length in the second byte. */
static inline int bench_close_done(const unsigned char *p, size_t n) {
    return n >= 2 && n >= 2u + (p[1] & 0x7F);
}

static inline void bench_check_101(const unsigned char *p, size_t n) {
    if (n < 12 || memcmp(p, "HTTP/1.1 101", 12) != 0) {
        fprintf(stderr, "upgrade refused: %.*s\n", (int)(n < 40 ? n : 40), (const char *)p);
        exit(1);
    }
}

/* The upgrade and the close handshake over a ceiling's own send and receive
   (io is its connection). */
typedef void (*bench_send_fn)(void *io, const void *p, size_t n);
typedef size_t (*bench_recv_fn)(void *io, unsigned char *out, size_t cap, int (*done)(const unsigned char *, size_t));

/* The upgrade alone (bench_raw_ossl --framed goes on with frames). */
static inline void bench_upgrade(void *io, const bench_args *a, bench_send_fn send_all, bench_recv_fn recv_until) {
    unsigned char in[1024];
    char req[BENCH_UPGRADE_MAX];
    size_t n = bench_upgrade_request(a, req);
    send_all(io, req, n);
    n = recv_until(io, in, sizeof in, bench_http_done);
    bench_check_101(in, n);
}

static inline void bench_websocket(void *io, const bench_args *a, bench_send_fn send_all, bench_recv_fn recv_until) {
    unsigned char in[1024];
    bench_upgrade(io, a, send_all, recv_until);
    send_all(io, bench_close_frame(), 8);
    recv_until(io, in, sizeof in, bench_close_done);
}

#endif

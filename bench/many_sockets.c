/* many_sockets.c - wsclient.h with a thousand open sockets (issue 17, item 4).
   cc -std=c99 -O2 -I. bench/many_sockets.c -o many_sockets -lbearssl
   many_sockets --url wss://127.0.0.1:PORT/ --cafile ca.pem [--count 1000]
   Opens COUNT asynchronous sockets, waits until all are open, then prints
   medians, one "many" line of key=value (bench/run.py reads it):
     rss_per_socket_kb  VmRSS growth over the opening, per socket
     idle_turn_us       CPU of one wsc_pump(0) with every socket idle
     active<k>_us       CPU of the pump turns that deliver k echoes (k = 1..5)
     exist_ns, write_lookup_ns  wsc_exist of open names; wsc_write to an
                        unknown name (the lookup alone, nothing is sent)
   Figures only: nothing here is asserted. */
#define _POSIX_C_SOURCE 200809L
#define WSCLIENT_MAX_SOCKETS 1024
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include <time.h>

#define TURNS 2001   /* idle turns measured (odd: a true median)      */
#define ROUNDS 201   /* rounds of each k-echo case                     */
#define LOOKUPS 200  /* passes over every name for the lookup cost      */

static long opened, failed, echoes;

static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) opened++;
    else if (ev->event == WSC_EVENT_MESSAGE) echoes++;
    else if (ev->event == WSC_EVENT_ERROR || ev->event == WSC_EVENT_CLOSE) {
        failed++;
        fprintf(stderr, "many_sockets: %s: %.*s\n", ev->name, (int)ev->length, ev->message);
    }
}

/* VmRSS from /proc/self/status, in KiB. */
static long rss_kb(void) {
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
    fclose(f);
    return kb;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, by_value);
    return v[n / 2];
}

static void name_of(char *out, size_t n, long i) { snprintf(out, n, "sock-%ld", i); }

int main(int argc, char **argv) {
    const char *url = NULL, *cafile = NULL;
    long count = 1000, i, base, r;
    static double t[TURNS];
    double active[5], c0;
    char name[32];
    int k, j, binary = 1;
    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--url") == 0) url = argv[i + 1];
        else if (strcmp(argv[i], "--cafile") == 0) cafile = argv[i + 1];
        else if (strcmp(argv[i], "--count") == 0) count = atol(argv[i + 1]);
    }
    if (!url || !cafile || count < 5 || count > WSCLIENT_MAX_SOCKETS) {
        fprintf(stderr, "usage: %s --url wss://HOST:PORT/ --cafile ca.pem [--count 5..%d]\n", argv[0], WSCLIENT_MAX_SOCKETS);
        return 2;
    }
    base = rss_kb();
    for (i = 0; i < count; i++) {
        wsc_config c;
        memset(&c, 0, sizeof c);
        c.url = url;
        c.ca_file = cafile;
        c.callback = on_event;
        name_of(name, sizeof name, i);
        if (!wsc_open(name, &c)) { fprintf(stderr, "many_sockets: open %s: %s\n", name, wsc_error_info()); return 1; }
    }
    c0 = now_s();
    while (opened + failed < count && now_s() - c0 < 120) wsc_pump(1000);
    if (opened < count) { fprintf(stderr, "many_sockets: %ld of %ld open\n", opened, count); return 1; }
    printf("opened %ld sockets in %.2f s\n", count, now_s() - c0);
    for (j = 0; j < 50; j++) wsc_pump(0); /* settle */
    r = rss_kb();

    for (j = 0; j < TURNS; j++) {
        c0 = cpu_ns();
        wsc_pump(0);
        t[j] = cpu_ns() - c0;
    }
    double idle = median(t, TURNS);

    for (k = 1; k <= 5; k++) {
        for (j = 0; j < ROUNDS; j++) {
            long want = echoes + k;
            for (i = 0; i < k; i++) { /* spread over the table */
                name_of(name, sizeof name, (j * 37 + i * (count / 5)) % count);
                if (!wsc_write_binary(name, "ping", 4)) { fprintf(stderr, "many_sockets: write: %s\n", wsc_error_info()); return 1; }
            }
            t[j] = 0;
            while (echoes < want) {
                c0 = cpu_ns();
                wsc_pump(1000);
                t[j] += cpu_ns() - c0;
                if (failed) return 1;
            }
        }
        active[k - 1] = median(t, ROUNDS);
    }

    c0 = cpu_ns();
    for (j = 0; j < LOOKUPS; j++)
        for (i = 0; i < count; i++) {
            name_of(name, sizeof name, i);
            if (!wsc_exist(name)) { fprintf(stderr, "many_sockets: %s is gone\n", name); return 1; }
        }
    double exist = (cpu_ns() - c0) / (double)(LOOKUPS * count);
    c0 = cpu_ns(); /* the formatting of names alone, to take off */
    for (j = 0; j < LOOKUPS; j++)
        for (i = 0; i < count; i++) { name_of(name, sizeof name, i); binary ^= name[5]; }
    double fmt = (cpu_ns() - c0) / (double)(LOOKUPS * count);
    c0 = cpu_ns(); /* a name not in the table: the longest lookup */
    for (j = 0; j < LOOKUPS * (int)count; j++) binary ^= wsc_write_binary("sock-none", "x", 1);
    double write_lookup = (cpu_ns() - c0) / (double)(LOOKUPS * count);

    printf("many sockets=%ld rss_per_socket_kb=%.1f idle_turn_us=%.2f", count, (double)(r - base) / (double)count, idle / 1e3);
    for (k = 0; k < 5; k++) printf(" active%d_us=%.2f", k + 1, active[k] / 1e3);
    printf(" exist_ns=%.1f write_lookup_ns=%.1f\n", exist - fmt > 0 ? exist - fmt : exist, write_lookup + (binary & 0));
    wsc_close_all();
    return 0;
}

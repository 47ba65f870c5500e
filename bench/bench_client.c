/* bench_client.c - wsclient.h under load, through its public API only.
   cc -std=c99 -O2 -I. bench/bench_client.c -o bench_client -lbearssl
   bench_client --url wss://127.0.0.1:PORT/ --cafile ca.pem --mode rtt|stream|connect|idle
                --size BYTES --count N [--resume 0|1] [--read buf|alloc] [--write batch|each] [--tls13]
   Binary messages. --read buf (default) reads with wsc_read into one buffer
   of ours; --read alloc takes each message with wsc_read_alloc. Stream mode
   writes messages under 256 KiB with --write batch (default): wsc_write_more for every message the
   window lets go, then wsc_flush before a read would wait (docs/api.md "Batches");
   --write each: one wsc_write_binary per message, the form before batches.
   --tls13: ssl_options WSC_TLS1_3, TLS 1.3 alone, and every connection
   checked to have agreed it; the OpenSSL build only (BearSSL has no 1.3). */
#define WSCLIENT_MAX_SOCKETS 128 /* idle mode holds 100 connections */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "bench_common.h"

static int use_alloc, write_each;
static unsigned ssl_options; /* 0: WSC_TLS_DEFAULT */

static void die(const char *what) {
    fprintf(stderr, "bench_client: %s: %s\n", what, wsc_error_info());
    exit(1);
}

/* The mask offers 1.3 alone; this makes sure the rows measure what they say. */
static void check_tls13(const char *name) {
    wsc_tls_info info;
    if (!wsc_tls_get_info(name, &info)) die("TLS info");
    if (info.version != 0x0304) {
        fprintf(stderr, "bench_client: --tls13 but %s was agreed\n", info.version_name);
        exit(1);
    }
}

/* TLS sessions are kept and resumed unless tls_no_resume: --resume 0 asks
   for full handshakes (in every mode but connect --resume 1). */
static void open_one(const char *name, const bench_args *a) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.url = a->url;
    c.ca_file = a->cafile;
    c.tls_no_resume = !(a->mode == BENCH_CONNECT && a->resume);
    c.ssl_options = ssl_options;
    if (!wsc_open(name, &c)) die("connect");
    if (ssl_options == WSC_TLS1_3) check_tls13(name);
}

/* Reads one echo and checks it. */
static void read_one(const bench_args *a, unsigned char *buf, const unsigned char *sent) {
    int binary = 0;
    if (use_alloc) {
        size_t n = 0;
        char *m = wsc_read_alloc("b", WSC_WAIT_FOREVER, &n, &binary);
        if (!m) die("read");
        bench_check(a, (const unsigned char *)m, n, sent);
        wsc_free(m);
    } else {
        long n = wsc_read("b", buf, a->size + 1, WSC_WAIT_FOREVER, &binary);
        if (n < 0) die("read");
        bench_check(a, buf, (size_t)n, sent);
    }
    if (!binary) { fprintf(stderr, "bench_client: echo is not binary\n"); exit(1); }
}

/* Reads one echo if one is there already: 1, else 0. */
static int read_ready(const bench_args *a, unsigned char *buf, const unsigned char *sent) {
    int binary = 0;
    long n = wsc_read("b", buf, a->size + 1, WSC_NO_WAIT, &binary);
    if (n < 0) {
        if (wsc_error_code() != WSC_ERR_TIMEOUT) die("read");
        return 0;
    }
    bench_check(a, buf, (size_t)n, sent);
    if (!binary) { fprintf(stderr, "bench_client: echo is not binary\n"); exit(1); }
    return 1;
}

static void run_transfer(const bench_args *a) {
    unsigned char *payload = bench_payload(a->size), *buf = (unsigned char *)malloc(a->size + 1);
    long sent = 0, got = 0, window = a->mode == BENCH_RTT ? 1 : bench_window(a);
    /* A write returns once the transport has its bytes, so a message's frame
       ends in a record of its own: a 64 KiB one takes five where four would
       do, and a batch joins that tail to the next message. From 256 KiB on,
       16 records or more a message, a plain write is as fast: it masks
       straight into the records, where a batch first copies into its buffer
       (docs/benchmarks.md). */
    int batch = a->mode == BENCH_STREAM && !write_each && !use_alloc && a->size < 262144;
    if (!buf) { perror("malloc"); exit(1); }
    open_one("b", a);
    bench_start();
    while (got < a->count) {
        while (sent < a->count && sent - got < window) {
            if (!(batch ? wsc_write_more("b", payload, a->size, 1) : wsc_write_binary("b", payload, a->size))) die("write");
            sent++;
        }
        if (batch && read_ready(a, buf, payload)) { got++; continue; }
        if (batch && !wsc_flush("b")) die("flush");
        read_one(a, buf, payload);
        got++;
    }
    bench_stop();
    if (!wsc_close("b")) die("close");
    bench_result(a, a->count, (double)a->count * (double)a->size);
    free(payload);
    free(buf);
}

/* With --resume 1 the connect before the clock is a full handshake and the
   timed ones resume its session; how many did is printed (resumed=N) so a
   silent fallback to full handshakes shows. */
static void run_connect(const bench_args *a) {
    long i, resumed = 0;
    int tls = strncmp(a->url, "wss:", 4) == 0;
    /* one connect before the clock: the CA file is read and cached there,
       where the other clients load theirs before their loops */
    open_one("c", a);
    if (!wsc_close("c")) die("close");
    bench_start();
    for (i = 0; i < a->count; i++) {
        wsc_tls_info info;
        open_one("c", a);
        if (tls && wsc_tls_get_info("c", &info) && info.resumed) resumed++;
        if (!wsc_close("c")) die("close");
    }
    bench_stop();
    bench_result(a, a->count, 0);
    if (tls) printf("resumed=%ld\n", resumed);
}

static void run_idle(const bench_args *a) {
    long i, base = bench_rss_kb();
    char name[32];
    if (a->count > WSCLIENT_MAX_SOCKETS) { fprintf(stderr, "bench_client: at most %d connections\n", WSCLIENT_MAX_SOCKETS); exit(2); }
    for (i = 0; i < a->count; i++) {
        snprintf(name, sizeof name, "i%ld", i);
        open_one(name, a);
    }
    bench_idle_result(a->count, base, bench_rss_kb());
    wsc_close_all();
}

int main(int argc, char **argv) {
    bench_args a;
    int i, j = 1;
    /* Our own flags are taken out before the shared parser sees the rest. */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tls13") == 0) {
#ifndef WSCLIENT_TLS_OPENSSL
            fprintf(stderr, "bench_client: --tls13 needs the OpenSSL build (bench_client_openssl): "
                            "BearSSL does TLS 1.0 to 1.2\n");
            return 2;
#endif
            ssl_options = WSC_TLS1_3;
            continue;
        }
        if (strcmp(argv[i], "--read") == 0 && i + 1 < argc) {
            use_alloc = strcmp(argv[++i], "alloc") == 0;
            continue;
        }
        if (strcmp(argv[i], "--write") == 0 && i + 1 < argc) {
            write_each = strcmp(argv[++i], "each") == 0;
            continue;
        }
        argv[j++] = argv[i];
    }
    argc = j;
    bench_parse(argc, argv, &a);
    switch (a.mode) {
    case BENCH_RTT: case BENCH_STREAM: run_transfer(&a); break;
    case BENCH_CONNECT: run_connect(&a); break;
    default: run_idle(&a); break;
    }
    return 0;
}

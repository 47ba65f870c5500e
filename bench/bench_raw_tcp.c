/* bench_raw_tcp.c - the plain TCP ceiling: the same bytes as a ws:// run,
   with no WebSocket framing, against the echo server's raw TCP port.
   cc -std=c99 -O2 bench/bench_raw_tcp.c -o bench_raw_tcp
   bench_raw_tcp --url tcp://127.0.0.1:PORT --mode rtt|stream|connect|idle --size BYTES --count N
   A "message" is --size bytes; its echo is the next --size bytes read back.
   Messages under 16 KiB are gathered into sends of up to 64 KiB. Non-blocking socket, poll(), TCP_NODELAY.
   connect: TCP connect and close; with a ws:// URL, the WebSocket upgrade
   and close handshake in between, as the least a client can do (see
   bench_common.h). */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "bench_tcp.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>


/* Small messages go out gathered, as many as the window allows into one
   send() of at most STAGE bytes, and come in by reads of up to STAGE bytes:
   what a batching client can reach. Larger ones go with a send() each. */
enum { STAGE = 65536, GATHER_BELOW = 16384 };

static void run_transfer(const bench_args *a) {
    size_t rx_cap = a->size > STAGE ? a->size : STAGE, tx_len = 0, tx_off = 0, rx_fill = 0;
    unsigned char *payload = bench_payload(a->size), *rx = (unsigned char *)malloc(rx_cap), *stage = (unsigned char *)malloc(STAGE);
    long window = a->mode == BENCH_RTT ? 1 : bench_window(a), sent = 0, got = 0;
    int fd = bench_tcp_connect(a, 0), gather = a->size < GATHER_BELOW;
    if (!rx || !stage) { perror("malloc"); exit(1); }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    bench_start();
    while (got < a->count) {
        struct pollfd p;
        int moved = 0;
        ssize_t k;
        if (tx_off == tx_len && sent < a->count && sent - got < window) {
            tx_off = tx_len = 0;
            if (!gather) { tx_len = a->size; sent++; }
            while (gather && sent < a->count && sent - got < window && tx_len + a->size <= STAGE) {
                memcpy(stage + tx_len, payload, a->size);
                tx_len += a->size;
                sent++;
            }
        }
        if (tx_off < tx_len) {
            k = send(fd, (gather ? stage : payload) + tx_off, tx_len - tx_off, MSG_NOSIGNAL);
            if (k > 0) { moved = 1; tx_off += (size_t)k; }
            else if (k < 0 && errno != EAGAIN && errno != EINTR) { perror("send"); exit(1); }
        }
        k = recv(fd, rx + rx_fill, rx_cap - rx_fill, 0);
        if (k > 0) {
            size_t at = 0;
            moved = 1;
            rx_fill += (size_t)k;
            for (; rx_fill - at >= a->size; at += a->size, got++) bench_check(a, rx + at, a->size, payload);
            memmove(rx, rx + at, rx_fill - at);
            rx_fill -= at;
        } else if (k == 0) { fprintf(stderr, "server closed\n"); exit(1); }
        else if (errno != EAGAIN && errno != EINTR) { perror("recv"); exit(1); }
        if (moved) continue;
        p.fd = fd;
        p.events = POLLIN | (tx_off < tx_len ? POLLOUT : 0);
        poll(&p, 1, -1);
    }
    bench_stop();
    close(fd);
    bench_result(a, a->count, (double)a->count * (double)a->size);
    free(payload);
    free(rx);
    free(stage);
}

static void send_all(void *io, const void *p, size_t n) {
    if (send(*(int *)io, p, n, MSG_NOSIGNAL) != (ssize_t)n) { perror("send"); exit(1); }
}

static size_t recv_until(void *io, unsigned char *out, size_t cap, int (*done)(const unsigned char *, size_t)) {
    size_t got = 0;
    while (!done(out, got)) {
        ssize_t k = got < cap ? recv(*(int *)io, out + got, cap - got, 0) : -1;
        if (k <= 0) { fprintf(stderr, "connection ended before the answer\n"); exit(1); }
        got += (size_t)k;
    }
    return got;
}

/* connect, with a ws:// URL the upgrade and close handshake, then close:
   we shut down our side and wait for the server's. */
static void run_connect(const bench_args *a) {
    long i;
    for (i = -1; i < a->count; i++) { /* connect -1: before the clock, as every client makes one */
        char b[16];
        int fd;
        if (i == 0) bench_start();
        fd = bench_tcp_connect(a, 0);
        if (strcmp(a->scheme, "ws") == 0) bench_websocket(&fd, a, send_all, recv_until);
        shutdown(fd, SHUT_WR);
        while (recv(fd, b, sizeof b, 0) > 0) {}
        close(fd);
    }
    bench_stop();
    bench_result(a, a->count, 0);
}

static void run_idle(const bench_args *a) {
    long i, base = bench_rss_kb();
    int *fds = (int *)malloc(sizeof(int) * (size_t)(a->count + 1));
    for (i = 0; i < a->count; i++) fds[i] = bench_tcp_connect(a, 0);
    bench_idle_result(a->count, base, bench_rss_kb());
    for (i = 0; i < a->count; i++) close(fds[i]);
    free(fds);
}

int main(int argc, char **argv) {
    bench_args a;
    bench_parse(argc, argv, &a);
    if (a.resume && a.mode == BENCH_CONNECT) printf("resume=unsupported\n");
    switch (a.mode) {
    case BENCH_RTT: case BENCH_STREAM: run_transfer(&a); break;
    case BENCH_CONNECT: run_connect(&a); break;
    default: run_idle(&a); break;
    }
    return 0;
}

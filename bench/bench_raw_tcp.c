/* bench_raw_tcp.c - the plain TCP ceiling: the same bytes as a ws:// run,
   with no WebSocket framing, against the echo server's raw TCP port.
   cc -std=c99 -O2 bench/bench_raw_tcp.c -o bench_raw_tcp
   bench_raw_tcp --url tcp://127.0.0.1:PORT --mode rtt|stream|connect|idle --size BYTES --count N
   A "message" is --size bytes sent with one send() call; its echo is the
   next --size bytes read back. Non-blocking socket, poll(), TCP_NODELAY. */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int tcp_connect(const bench_args *a) {
    struct addrinfo hints, *ai;
    char port[8];
    int fd, one = 1;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof port, "%d", a->port);
    if (getaddrinfo(a->host, port, &hints, &ai) != 0) { fprintf(stderr, "cannot resolve %s\n", a->host); exit(1); }
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) { perror("connect"); exit(1); }
    freeaddrinfo(ai);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void run_transfer(const bench_args *a) {
    unsigned char *payload = bench_payload(a->size), *rx = (unsigned char *)malloc(a->size);
    long window = a->mode == BENCH_RTT ? 1 : bench_window(a), sent = 0, got = 0;
    size_t tx_off = 0, rx_off = 0;
    int fd = tcp_connect(a);
    if (!rx) { perror("malloc"); exit(1); }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    bench_start();
    while (got < a->count) {
        struct pollfd p;
        int moved = 0;
        ssize_t k;
        if (sent < a->count && sent - got < window) {
            k = send(fd, payload + tx_off, a->size - tx_off, MSG_NOSIGNAL);
            if (k > 0) {
                moved = 1;
                tx_off += (size_t)k;
                if (tx_off == a->size) { tx_off = 0; sent++; }
            } else if (k < 0 && errno != EAGAIN && errno != EINTR) { perror("send"); exit(1); }
        }
        k = recv(fd, rx + rx_off, a->size - rx_off, 0);
        if (k > 0) {
            moved = 1;
            rx_off += (size_t)k;
            if (rx_off == a->size) { bench_check(a, rx, a->size, payload); rx_off = 0; got++; }
        } else if (k == 0) { fprintf(stderr, "server closed\n"); exit(1); }
        else if (errno != EAGAIN && errno != EINTR) { perror("recv"); exit(1); }
        if (moved) continue;
        p.fd = fd;
        p.events = POLLIN | (sent < a->count && sent - got < window ? POLLOUT : 0);
        poll(&p, 1, -1);
    }
    bench_stop();
    close(fd);
    bench_result(a, a->count, (double)a->count * (double)a->size);
    free(payload);
    free(rx);
}

/* connect, then close: we shut down our side and wait for the server's. */
static void run_connect(const bench_args *a) {
    long i;
    bench_start();
    for (i = 0; i < a->count; i++) {
        char b[16];
        int fd = tcp_connect(a);
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
    for (i = 0; i < a->count; i++) fds[i] = tcp_connect(a);
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

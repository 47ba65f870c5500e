/* bench_tcp.h - the TCP connect of the raw ceilings (bench_raw_tcp.c,
   bench_raw_tls.c, bench_raw_ossl.c): the first address of the URL's host,
   TCP_NODELAY, and non-blocking when the client drives its own waits.
   Include after bench_common.h. */
#ifndef BENCH_TCP_H
#define BENCH_TCP_H

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static inline int bench_tcp_connect(const bench_args *a, int nonblocking) {
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
    if (nonblocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    return fd;
}

#endif

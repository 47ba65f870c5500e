/* echo_server.c - the benchmarks' echo server: one thread, epoll, OpenSSL.
   cc -std=c99 -O2 bench/echo_server.c -o echo_server -lssl -lcrypto

   echo_server CERT KEY [--cipher LIST] [--groups LIST]
   Listens on 127.0.0.1, six ports the kernel picks, and prints once ready:
       ports wss=N ws=N tls=N tcp=N wss13=N tls13=N
     wss  WebSocket echo over TLS 1.2 ws   WebSocket echo over TCP
     tls  raw echo over TLS 1.2       tcp  raw echo over TCP
     wss13, tls13: wss and tls over TLS 1.3 only
   Runs until SIGTERM or SIGINT.

   Why this shape: the server must never be what a client waits for.
   - OpenSSL, not BearSSL: a different TLS stack from the clients under test,
     with AES-NI and stitched AES-GCM assembly, several times faster per byte
     than any client here, so the client side of a connection is the slow one.
   - One thread with level-triggered epoll: on a 2-core machine the client
     gets the other core; no locks, no thread switches.
   - The WebSocket echo is frame by frame and streaming: a data frame's
     header goes out as soon as it is parsed and its payload is unmasked
     (8 bytes at a time) straight into the output buffer as it arrives, so a
     1 MiB message is never held whole and the echo starts at once.
   - Echoes queued while reading are written when the socket has no more
     input or 64 KiB are waiting, so small messages share records and
     syscalls and large ones flow back while the rest is still coming in.
     While input still comes, TLS echoes go in whole 16 KiB records only:
     a framed 64 KiB echo is 65,540 bytes, and written at once it would
     end in a record of 4 bytes, a fifth record for every message, where
     the raw echo of the ceiling needs four.
   - Backpressure: a connection whose output backlog passes 8 MiB is not
     read until it drains; memory stays bounded.
   - TLS 1.2 only on wss and tls (BearSSL has no 1.3), one cipher suite and
     one group for every client, session cache and tickets on (resumption by
     session ID is what BearSSL clients use), read-ahead on (fewer read
     syscalls). wss13 and tls13 take TLS 1.3 only, for the OpenSSL clients:
     its AES-128-GCM suite (TLS_AES_128_GCM_SHA256, the same cipher as the
     1.2 suite) and the same group, so the 1.3 rows differ by the protocol
     alone; a second listener rather than a flag, so one server serves all.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

/* What a connection speaks once TLS (if any) is done. */
enum { K_WSS, K_WS, K_TLS, K_TCP };
enum { L_COUNT = 6 };
static const char *const listener_names[L_COUNT] = {"wss", "ws", "tls", "tcp", "wss13", "tls13"};
static const int listener_kinds[L_COUNT] = {K_WSS, K_WS, K_TLS, K_TCP, K_WSS, K_TLS};

enum { S_TLS_ACCEPT, S_HTTP, S_OPEN };

#define BACKLOG_LIMIT (8u << 20)
#define WRITE_CHUNK (256u << 10)
#define FLUSH_AT (64u << 10)
#define RECORD 16384u /* TLS's largest record: what a write of more is cut into */
#define TLS13_SUITE "TLS_AES_128_GCM_SHA256"

typedef struct conn {
    int is_listener;       /* first field of both: tells epoll's pointer apart */
    int fd, kind, state;
    SSL *ssl;
    unsigned events;       /* what epoll watches now */
    unsigned char *out;
    size_t out_off, out_len, out_cap;
    char head[4096];
    size_t head_len;
    /* WebSocket frame parser */
    unsigned char hdr[14];
    unsigned hdr_len;
    int in_frame;
    unsigned opcode;
    uint64_t remaining;
    unsigned char key[4];
    unsigned kpos;
    unsigned char ctrl[125];
    size_t ctrl_len;
    int close_after;       /* close once the output is flushed */
    int read_eof;
} conn;

typedef struct listener {
    int is_listener;
    int fd, kind;
    SSL_CTX *ctx;          /* NULL: plain TCP */
} listener;

static int ep;
static volatile sig_atomic_t stop;
static unsigned char rbuf[256u << 10];

static void on_signal(int sig) { (void)sig; stop = 1; }

static void fatal(const char *what) {
    fprintf(stderr, "echo_server: %s: %s\n", what, strerror(errno));
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* ---- output buffer ---------------------------------------------------- */

static size_t pending(const conn *c) { return c->out_len - c->out_off; }

static unsigned char *out_reserve(conn *c, size_t n) {
    if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 65536;
        unsigned char *p;
        if (c->out_off > 0 && c->out_len - c->out_off + n <= c->out_cap) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
            return c->out + c->out_len;
        }
        while (cap < c->out_len + n) cap *= 2;
        p = realloc(c->out, cap);
        if (!p) { fprintf(stderr, "echo_server: out of memory\n"); exit(1); }
        c->out = p;
        c->out_cap = cap;
    }
    return c->out + c->out_len;
}

static void out_append(conn *c, const void *p, size_t n) {
    memcpy(out_reserve(c, n), p, n);
    c->out_len += n;
}

/* Server frame header (never masked). */
static void out_frame_header(conn *c, unsigned first, uint64_t len) {
    unsigned char h[10];
    size_t n = 0;
    int i;
    h[n++] = (unsigned char)first;
    if (len < 126) h[n++] = (unsigned char)len;
    else if (len <= 0xFFFF) { h[n++] = 126; h[n++] = (unsigned char)(len >> 8); h[n++] = (unsigned char)len; }
    else { h[n++] = 127; for (i = 7; i >= 0; i--) h[n++] = (unsigned char)(len >> (8 * i)); }
    out_append(c, h, n);
}

/* dst = src XOR kb, kb an 8-byte key (two turns of the 4-byte mask),
   8 bytes at a time. */
static void xor_key8(unsigned char *dst, const unsigned char *src, size_t n, const unsigned char kb[8]) {
    uint64_t k8, w;
    size_t i = 0;
    memcpy(&k8, kb, 8);
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, src + i, 8);
        w ^= k8;
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++) dst[i] = src[i] ^ kb[i & 7];
}

/* dst = src XOR key, the key starting at key[kpos & 3]. */
static void unmask(unsigned char *dst, const unsigned char *src, size_t n, const unsigned char key[4], unsigned kpos) {
    unsigned char kb[8];
    int j;
    for (j = 0; j < 8; j++) kb[j] = key[(kpos + (unsigned)j) & 3];
    xor_key8(dst, src, n, kb);
}

/* ---- epoll interest ---------------------------------------------------- */

static void set_events(conn *c, unsigned ev) {
    struct epoll_event e;
    if (ev == c->events) return;
    e.events = ev;
    e.data.ptr = c;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e) != 0) fatal("epoll_ctl");
    c->events = ev;
}

static void conn_free(conn *c) {
    if (c->ssl) SSL_free(c->ssl);
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->out);
    free(c);
}

/* ---- WebSocket --------------------------------------------------------- */

static int http_upgrade(conn *c) {
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char *k = NULL, *line, *save = NULL, resp[256], cat[128], acc[64];
    unsigned char sha[SHA_DIGEST_LENGTH];
    size_t kl;
    int n;
    c->head[c->head_len] = 0;
    for (line = strtok_r(c->head, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
        if (strncasecmp(line, "Sec-WebSocket-Key:", 18) == 0) {
            k = line + 18;
            while (*k == ' ' || *k == '\t') k++;
        }
    if (!k) return -1;
    kl = strcspn(k, " \t");
    if (kl == 0 || kl + sizeof guid > sizeof cat) return -1;
    memcpy(cat, k, kl);
    memcpy(cat + kl, guid, sizeof guid);
    SHA1((const unsigned char *)cat, kl + sizeof guid - 1, sha);
    EVP_EncodeBlock((unsigned char *)acc, sha, SHA_DIGEST_LENGTH);
    n = snprintf(resp, sizeof resp,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
    out_append(c, resp, (size_t)n);
    c->state = S_OPEN;
    return 0;
}

static size_t ws_header_size(const unsigned char *h) {
    unsigned l7 = h[1] & 0x7F;
    return 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0);
}

static void ws_end_frame(conn *c) {
    c->in_frame = 0;
    c->hdr_len = 0;
    if (c->opcode == 0x9) { /* ping: pong with the same payload */
        out_frame_header(c, 0x80 | 0xA, c->ctrl_len);
        out_append(c, c->ctrl, c->ctrl_len);
    } else if (c->opcode == 0x8) { /* close: echo it, then end the connection */
        out_frame_header(c, 0x80 | 0x8, c->ctrl_len);
        out_append(c, c->ctrl, c->ctrl_len);
        c->close_after = 1;
    }
}

/* Whether p (n bytes there) starts a whole masked data frame under 126 bytes. */
static int ws_small_frame_at(const unsigned char *p, size_t n) {
    return n >= 6 && (p[0] & 0x0F) < 8 && (p[1] & 0x80) && (p[1] & 0x7F) < 126 && n >= 6u + (p[1] & 0x7Fu);
}

/* The run of such frames at p: echoes them at once and returns the bytes
   they took, 0 if p does not start one (the general path takes it). Small
   messages come thousands to a read; this keeps the server ahead of them:
   one reservation for the run (an echo is 4 bytes shorter than its frame)
   and each key doubled with two copies, not built a byte at a time. */
static size_t ws_small_frames(conn *c, const unsigned char *p, size_t n) {
    unsigned char *o, *o0;
    const unsigned char *p0 = p;
    if (!ws_small_frame_at(p, n)) return 0;
    o = o0 = out_reserve(c, n);
    do {
        size_t len = p[1] & 0x7Fu;
        unsigned char kb[8];
        memcpy(kb, p + 2, 4);
        memcpy(kb + 4, p + 2, 4);
        o[0] = p[0] & 0x8F; /* same FIN and opcode */
        o[1] = (unsigned char)len;
        xor_key8(o + 2, p + 6, len, kb);
        o += 2 + len;
        p += 6 + len;
        n -= 6 + len;
    } while (ws_small_frame_at(p, n));
    c->out_len += (size_t)(o - o0);
    return (size_t)(p - p0);
}

/* Feeds received WebSocket bytes; echoes data frames as they stream in. */
static int ws_feed(conn *c, const unsigned char *p, size_t n) {
    while (n > 0 && !c->close_after) {
        if (!c->in_frame && c->hdr_len == 0) {
            size_t k = ws_small_frames(c, p, n);
            if (k) { p += k; n -= k; continue; }
        }
        if (!c->in_frame) {
            size_t need = c->hdr_len < 2 ? 2 : ws_header_size(c->hdr);
            while (c->hdr_len < need && n > 0) {
                c->hdr[c->hdr_len++] = *p++;
                n--;
                if (c->hdr_len == 2) need = ws_header_size(c->hdr);
            }
            if (c->hdr_len < need) return 0;
            {
                const unsigned char *h = c->hdr;
                unsigned l7 = h[1] & 0x7F, i, off = 2;
                uint64_t len = l7;
                if (!(h[1] & 0x80)) return -1; /* client frames are masked (RFC 6455 §5.1) */
                if (l7 == 126) { len = ((uint64_t)h[2] << 8) | h[3]; off = 4; }
                if (l7 == 127) { len = 0; for (i = 0; i < 8; i++) len = (len << 8) | h[2 + i]; off = 10; }
                memcpy(c->key, h + off, 4);
                c->opcode = h[0] & 0x0F;
                c->remaining = len;
                c->kpos = 0;
                c->ctrl_len = 0;
                c->in_frame = 1;
                if (c->opcode >= 8 && len > 125) return -1;
                if (c->opcode < 8) out_frame_header(c, h[0] & 0x8F, len); /* same FIN and opcode */
            }
        }
        if (c->remaining > 0 && n > 0) {
            size_t take = n < c->remaining ? n : (size_t)c->remaining;
            if (c->opcode < 8) {
                unmask(out_reserve(c, take), p, take, c->key, c->kpos);
                c->out_len += take;
            } else {
                unmask(c->ctrl + c->ctrl_len, p, take, c->key, c->kpos);
                c->ctrl_len += take;
            }
            c->kpos = (c->kpos + (unsigned)take) & 3;
            c->remaining -= take;
            p += take;
            n -= take;
        }
        if (c->remaining == 0) ws_end_frame(c);
    }
    return 0;
}

/* Takes what was read, in the connection's present state. */
static int consume(conn *c, const unsigned char *p, size_t n) {
    if (c->kind == K_TLS || c->kind == K_TCP) {
        out_append(c, p, n);
        return 0;
    }
    if (c->state == S_HTTP) {
        while (n > 0) {
            if (c->head_len + 1 >= sizeof c->head) return -1;
            c->head[c->head_len++] = (char)*p++;
            n--;
            if (c->head_len >= 4 && memcmp(c->head + c->head_len - 4, "\r\n\r\n", 4) == 0) {
                if (http_upgrade(c) != 0) return -1;
                break;
            }
        }
        if (c->state == S_HTTP) return 0;
    }
    return ws_feed(c, p, n);
}

/* ---- I/O --------------------------------------------------------------- */

/* Returns bytes read, 0 at end of stream, -1 when it would block, -2 on error. */
static long conn_read(conn *c, int *want_write) {
    if (c->ssl) {
        int k = SSL_read(c->ssl, rbuf, sizeof rbuf);
        if (k > 0) return k;
        switch (SSL_get_error(c->ssl, k)) {
        case SSL_ERROR_WANT_READ: return -1;
        case SSL_ERROR_WANT_WRITE: *want_write = 1; return -1;
        case SSL_ERROR_ZERO_RETURN: return 0;
        default: ERR_clear_error(); return -2;
        }
    } else {
        ssize_t k = read(c->fd, rbuf, sizeof rbuf);
        if (k > 0) return (long)k;
        if (k == 0) return 0;
        return (errno == EAGAIN || errno == EINTR) ? -1 : -2;
    }
}

/* Writes the backlog, or while input still streams in (whole_records) only
   its whole TLS records' worth: the rest waits to fill its record with the
   next echo rather than go as a record of a few bytes. Returns 0, or -1
   when the connection failed. */
static int conn_flush(conn *c, int *blocked, int whole_records) {
    size_t keep = whole_records && c->ssl ? pending(c) % RECORD : 0;
    *blocked = 0;
    while (pending(c) > keep) {
        size_t n = pending(c) - keep < WRITE_CHUNK ? pending(c) - keep : WRITE_CHUNK;
        if (c->ssl) {
            int k = SSL_write(c->ssl, c->out + c->out_off, (int)n);
            if (k <= 0) {
                int e = SSL_get_error(c->ssl, k);
                if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) { *blocked = 1; return 0; }
                ERR_clear_error();
                return -1;
            }
            c->out_off += (size_t)k;
        } else {
            ssize_t k = send(c->fd, c->out + c->out_off, n, MSG_NOSIGNAL);
            if (k < 0) {
                if (errno == EAGAIN || errno == EINTR) { *blocked = 1; return 0; }
                return -1;
            }
            c->out_off += (size_t)k;
        }
    }
    if (!keep) c->out_off = c->out_len = 0;
    return 0;
}

static void conn_step(conn *c) {
    int want_write = 0, blocked = 0;
    unsigned ev;
    if (c->state == S_TLS_ACCEPT) {
        int k = SSL_accept(c->ssl);
        if (k <= 0) {
            int e = SSL_get_error(c->ssl, k);
            if (e == SSL_ERROR_WANT_READ) { set_events(c, EPOLLIN); return; }
            if (e == SSL_ERROR_WANT_WRITE) { set_events(c, EPOLLOUT); return; }
            ERR_clear_error();
            conn_free(c);
            return;
        }
        c->state = c->kind == K_WSS ? S_HTTP : S_OPEN;
    }
    /* Read everything there is (unless backlogged), then write it all back. */
    while (!c->close_after && !c->read_eof && pending(c) < BACKLOG_LIMIT) {
        long k = conn_read(c, &want_write);
        if (k == -1) break;
        if (k == -2) { conn_free(c); return; }
        if (k == 0) { c->read_eof = 1; break; }
        if (consume(c, rbuf, (size_t)k) != 0) { conn_free(c); return; }
        if (pending(c) >= FLUSH_AT) { /* keep the echo flowing while input streams in */
            if (conn_flush(c, &blocked, 1) != 0) { conn_free(c); return; }
        }
    }
    if (conn_flush(c, &blocked, 0) != 0) { conn_free(c); return; }
    if (!blocked && (c->close_after || c->read_eof)) {
        if (c->ssl) SSL_shutdown(c->ssl); /* close_notify; we do not wait for the peer's */
        conn_free(c);
        return;
    }
    ev = 0;
    if (!c->close_after && pending(c) < BACKLOG_LIMIT) ev |= EPOLLIN;
    if (blocked || want_write) ev |= EPOLLOUT;
    set_events(c, ev);
}

static void accept_all(const listener *l) {
    for (;;) {
        struct epoll_event e;
        int one = 1;
        conn *c;
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            if (errno == EMFILE || errno == ENFILE) { fprintf(stderr, "echo_server: out of descriptors\n"); return; }
            return;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c = calloc(1, sizeof *c);
        if (!c) { close(fd); return; }
        c->fd = fd;
        c->kind = l->kind;
        c->state = S_OPEN;
        if (l->ctx) {
            c->ssl = SSL_new(l->ctx);
            SSL_set_fd(c->ssl, fd);
            c->state = S_TLS_ACCEPT;
        } else if (l->kind == K_WS) {
            c->state = S_HTTP;
        }
        c->events = EPOLLIN;
        e.events = EPOLLIN;
        e.data.ptr = c;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0) fatal("epoll_ctl");
    }
}

static listener *listen_on(int kind, SSL_CTX *ctx) {
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    struct epoll_event e;
    int one = 1;
    listener *l = calloc(1, sizeof *l);
    if (!l) fatal("calloc");
    l->is_listener = 1;
    l->kind = kind;
    l->ctx = ctx;
    l->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) fatal("socket");
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l->fd, (struct sockaddr *)&a, sizeof a) != 0) fatal("bind");
    if (listen(l->fd, 1024) != 0) fatal("listen");
    if (getsockname(l->fd, (struct sockaddr *)&a, &al) != 0) fatal("getsockname");
    e.events = EPOLLIN;
    e.data.ptr = l;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &e) != 0) fatal("epoll_ctl");
    return l;
}

static int port_of(const listener *l) {
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    getsockname(l->fd, (struct sockaddr *)&a, &al);
    return ntohs(a.sin_port);
}

/* A server context for one TLS version: 1.2 with the cipher list, 1.3 with
   its AES-128-GCM suite. */
static SSL_CTX *tls_setup(int version, const char *cert, const char *key, const char *cipher, const char *groups) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) fatal("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    if (version == TLS1_2_VERSION && SSL_CTX_set_cipher_list(ctx, cipher) != 1) fatal("cipher list");
    if (version == TLS1_3_VERSION && SSL_CTX_set_ciphersuites(ctx, TLS13_SUITE) != 1) fatal("TLS 1.3 suite");
    if (SSL_CTX_set1_groups_list(ctx, groups) != 1) fatal("groups list");
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) fatal(cert);
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) fatal(key);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"wsbench", 7);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx, 1);
    return ctx;
}

int main(int argc, char **argv) {
    const char *cipher = "ECDHE-ECDSA-AES128-GCM-SHA256", *groups = "X25519";
    listener *ls[L_COUNT];
    SSL_CTX *ctx12, *ctx13;
    struct epoll_event evs[256];
    struct sigaction sa;
    int i;
    if (argc < 3) {
        fprintf(stderr, "usage: echo_server CERT KEY [--cipher LIST] [--groups LIST]\n");
        return 2;
    }
    for (i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--cipher") == 0) cipher = argv[i + 1];
        else if (strcmp(argv[i], "--groups") == 0) groups = argv[i + 1];
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    ctx12 = tls_setup(TLS1_2_VERSION, argv[1], argv[2], cipher, groups);
    ctx13 = tls_setup(TLS1_3_VERSION, argv[1], argv[2], cipher, groups);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) fatal("epoll_create1");
    {
        SSL_CTX *ctxs[L_COUNT];
        ctxs[0] = ctxs[2] = ctx12;
        ctxs[1] = ctxs[3] = NULL;
        ctxs[4] = ctxs[5] = ctx13;
        for (i = 0; i < L_COUNT; i++) ls[i] = listen_on(listener_kinds[i], ctxs[i]);
    }
    printf("ports");
    for (i = 0; i < L_COUNT; i++) printf(" %s=%d", listener_names[i], port_of(ls[i]));
    printf("\ncipher %s group %s\n", cipher, groups);
    printf("tls13 cipher %s group %s\n", TLS13_SUITE, groups);
    fflush(stdout);
    while (!stop) {
        int n = epoll_wait(ep, evs, (int)(sizeof evs / sizeof evs[0]), 1000);
        if (n < 0) {
            if (errno == EINTR) continue;
            fatal("epoll_wait");
        }
        for (i = 0; i < n; i++) {
            if (*(int *)evs[i].data.ptr) accept_all((listener *)evs[i].data.ptr);
            else conn_step((conn *)evs[i].data.ptr);
        }
    }
    return 0;
}

/* bench_raw_ossl.c - the OpenSSL TLS ceiling, bench_raw_tls.c's twin: OpenSSL 3
   over a socket, moving the same bytes as a wss:// run with no WebSocket
   framing, against the echo server's raw TLS port. What the OpenSSL build of
   wsclient.h (WSCLIENT_TLS_OPENSSL) is measured against.
   cc -std=c99 -O2 bench/bench_raw_ossl.c -o bench_raw_ossl -lssl -lcrypto
   bench_raw_ossl --url tls://127.0.0.1:PORT --cafile ca.pem --mode rtt|stream|connect|idle
                  --size BYTES --count N [--resume 0|1] [--tls13] [--framed]
   TLS 1.2 (the echo server's one suite, ECDHE-ECDSA-AES128-GCM-SHA256);
   --tls13: TLS 1.3 only, TLS_AES_128_GCM_SHA256 (against a server that
   speaks it: echo_server --tls13). The socket is OpenSSL's own (a socket
   BIO, no BIO pair), read-ahead on: the least work OpenSSL can do.
   A "message" is --size bytes; its echo is the next --size bytes read back.
   Messages under 16 KiB are gathered, as many as the window allows, into one
   SSL_write of at most 16 KiB (one record), written when full or before the
   client would wait: the ceiling a batching client can reach, as
   bench_raw_tls's engine buffer. Larger ones are written straight from the
   payload, and read straight into the message buffer while 16 KiB or more
   of it is missing (no copy a client could avoid).
   connect: TCP connect, handshake, the WebSocket upgrade and close
   handshake as the least a client can do (bench_common.h), close_notify
   both ways, close. With a tls:// URL, no upgrade (a bare handshake). One
   SSL_CTX (the CA loaded once) serves every connect, a new SSL each;
   --resume 1 offers the previous connection's session (its ticket).
   The chain is verified against the CA by OpenSSL, and the IP address or
   name of the URL against the certificate (wsclient.h checks both).
   --framed (rtt and stream, a wss:// URL, messages of at most 125 bytes):
   the least WebSocket client on the same loop, for the framing's share of
   a small message's cost (docs/benchmarks.md, "Small messages"): the
   canned upgrade, then each message a whole masked frame (its key from a
   xorshift generator, which a real client may not use: RFC 6455 §10.3
   asks for unpredictable keys) and each echo's 2-byte header parsed. */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "bench_tcp.h"
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

enum { RECORD = 16384 };

static SSL_CTX *ctx;
static int tls13;

static void ossl_fail(const char *what) {
    unsigned long e = ERR_get_error();
    fprintf(stderr, "bench_raw_ossl: %s (%s)\n", what, e ? ERR_reason_error_string(e) : strerror(errno));
    exit(1);
}


static void ctx_init(const bench_args *a) {
    int v = tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (!(ctx = SSL_CTX_new(TLS_client_method()))) ossl_fail("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, v);
    SSL_CTX_set_max_proto_version(ctx, v);
    if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1) ossl_fail("ciphersuites");
    if (SSL_CTX_load_verify_locations(ctx, a->cafile, NULL) != 1) ossl_fail(a->cafile);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_read_ahead(ctx, 1);
}

/* What an SSL call's r <= 0 asks for: poll() for it and return 1, or 0 once
   the server closed (close_notify or TCP). */
static int ossl_wait(SSL *ssl, int r, int block) {
    struct pollfd p;
    p.fd = SSL_get_fd(ssl);
    p.revents = 0;
    switch (SSL_get_error(ssl, r)) {
    case SSL_ERROR_WANT_READ: p.events = POLLIN; break;
    case SSL_ERROR_WANT_WRITE: p.events = POLLOUT; break;
    case SSL_ERROR_ZERO_RETURN: return 0;
    case SSL_ERROR_SYSCALL: if (errno == 0 || errno == ECONNRESET || errno == EPIPE) return 0; /* fall through */
    default: ossl_fail("TLS failed");
    }
    if (block) poll(&p, 1, -1);
    return 1;
}

static SSL *tls_handshake(const bench_args *a, SSL_SESSION *resume) {
    SSL *ssl = SSL_new(ctx);
    unsigned char ip[16];
    int r;
    if (!ssl || SSL_set_fd(ssl, bench_tcp_connect(a, 1)) != 1) ossl_fail("SSL_new");
    if (inet_pton(AF_INET, a->host, ip) == 1 || inet_pton(AF_INET6, a->host, ip) == 1) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), a->host) != 1) ossl_fail("IP check");
    } else if (SSL_set1_host(ssl, a->host) != 1 || SSL_set_tlsext_host_name(ssl, a->host) != 1) {
        ossl_fail("name check");
    }
    if (resume) SSL_set_session(ssl, resume);
    while ((r = SSL_connect(ssl)) != 1)
        if (!ossl_wait(ssl, r, 1)) ossl_fail("handshake failed");
    return ssl;
}

/* close_notify out, the server's back (or its TCP close), then close;
   with keep, the session is kept there for the next connect. */
static void tls_close(SSL *ssl, SSL_SESSION **keep) {
    unsigned char sink[4096];
    int r;
    while ((r = SSL_shutdown(ssl)) != 1) {
        if (r == 0) { /* ours went out: read up to the server's */
            while ((r = SSL_read(ssl, sink, sizeof sink)) > 0) {}
            if (!ossl_wait(ssl, r, 1)) break;
        } else if (!ossl_wait(ssl, r, 1)) {
            break;
        }
    }
    if (keep) {
        SSL_SESSION_free(*keep);
        *keep = SSL_get1_session(ssl);
    }
    close(SSL_get_fd(ssl));
    SSL_free(ssl);
}

/* ---- modes ------------------------------------------------------------- */

static int framed; /* --framed */
static void tls_send_all(void *io, const void *data, size_t n);
static size_t tls_recv_until(void *io, unsigned char *out, size_t cap, int (*done)(const unsigned char *, size_t));

typedef struct xfer {
    const bench_args *a;
    SSL *ssl;
    unsigned char *payload, *rx, tx[RECORD], chunk[RECORD];
    size_t tx_len, tx_off, rx_off; /* bytes gathered; into the message being sent; received */
    long sent, got, window;
    short want; /* poll events the last SSL call asked for */
    uint32_t key; /* --framed: the xorshift state masking keys come from */
    size_t rx_head; /* --framed: bytes of the echo's 2-byte header seen */
} xfer;

/* --framed: one masked frame of the payload appended to tx. */
static void gather_frame(xfer *x) {
    unsigned char *f = x->tx + x->tx_len, *k = f + 2;
    size_t i, n = x->a->size;
    x->key ^= x->key << 13;
    x->key ^= x->key >> 17;
    x->key ^= x->key << 5;
    f[0] = 0x82;
    f[1] = (unsigned char)(0x80 | n);
    memcpy(k, &x->key, 4);
    for (i = 0; i < n; i++) f[6 + i] = x->payload[i] ^ k[i & 3];
    x->tx_len += 6 + n;
    x->sent++;
}

/* The message in rx, once whole: checked and counted (rx_off back to 0). */
static void rx_whole(xfer *x) {
    if (x->rx_off == x->a->size) { bench_check(x->a, x->rx, x->a->size, x->payload); x->rx_off = 0; x->got++; }
}

/* Up to the rest of the message being received from p[0..n) into rx.
   Returns the bytes taken. */
static size_t take_payload(xfer *x, const unsigned char *p, size_t n) {
    size_t k = x->a->size - x->rx_off < n ? x->a->size - x->rx_off : n;
    memcpy(x->rx + x->rx_off, p, k);
    x->rx_off += k;
    rx_whole(x);
    return k;
}

/* --framed: byte i of an echo's header: a binary frame of the message's length. */
static void check_head(const xfer *x, size_t i, unsigned char b) {
    if (b != (i ? x->a->size : 0x82)) ossl_fail("echo is not a binary frame of the message's length");
}

/* --framed: the echoes in p[0..n): a 2-byte header, then the payload. */
static void take_frames(xfer *x, const unsigned char *p, size_t n) {
    size_t whole = 2 + x->a->size, k;
    while (n > 0) {
        if (x->rx_head == 0 && n >= whole) { /* a whole frame: checked where it is */
            check_head(x, 0, p[0]);
            check_head(x, 1, p[1]);
            bench_check(x->a, p + 2, x->a->size, x->payload);
            x->got++;
            p += whole;
            n -= whole;
        } else if (x->rx_head < 2) {
            check_head(x, x->rx_head++, *p++);
            n--;
        } else {
            k = take_payload(x, p, n);
            p += k;
            n -= k;
            if (!x->rx_off) x->rx_head = 0; /* (k > 0: that message is whole) */
        }
    }
}

/* Whether tx has no room for another message (frames go whole). */
static int tx_full(const xfer *x) {
    return framed ? x->tx_len + 6 + x->a->size > RECORD : x->tx_len >= RECORD;
}

/* Gathers small messages into tx while the window allows. */
static void gather(xfer *x) {
    while (x->sent < x->a->count && x->sent - x->got < x->window && !tx_full(x)) {
        size_t k;
        if (framed) {
            gather_frame(x);
            continue;
        }
        k = x->a->size - x->tx_off < RECORD - x->tx_len ? x->a->size - x->tx_off : RECORD - x->tx_len;
        memcpy(x->tx + x->tx_len, x->payload + x->tx_off, k);
        x->tx_len += k;
        x->tx_off += k;
        if (x->tx_off == x->a->size) { x->tx_off = 0; x->sent++; }
    }
}

/* One SSL_write: the gathered bytes (when full or before waiting), or the
   rest of a large message. 1 if bytes went. */
static int write_some(xfer *x) {
    int r, large = x->a->size >= RECORD;
    if (large) {
        if (x->sent == x->a->count || x->sent - x->got >= x->window) return 0;
        r = SSL_write(x->ssl, x->payload + x->tx_off, (int)(x->a->size - x->tx_off));
    } else {
        int more = x->sent < x->a->count && x->sent - x->got < x->window;
        if (!x->tx_len || (more && !tx_full(x))) return 0;
        r = SSL_write(x->ssl, x->tx, (int)x->tx_len);
    }
    if (r <= 0) {
        if (!ossl_wait(x->ssl, r, 0)) ossl_fail("connection closed");
        x->want |= SSL_get_error(x->ssl, r) == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return 0;
    }
    if (large) {
        x->tx_off += (size_t)r;
        if (x->tx_off == x->a->size) { x->tx_off = 0; x->sent++; }
    } else {
        memmove(x->tx, x->tx + r, x->tx_len - (size_t)r);
        x->tx_len -= (size_t)r;
    }
    return 1;
}

/* Every echo already decrypted or readable without waiting. 1 if bytes came. */
static int read_some(xfer *x) {
    int moved = 0;
    for (;;) {
        size_t need = x->a->size - x->rx_off;
        int direct = need >= RECORD, r;
        r = SSL_read(x->ssl, direct ? x->rx + x->rx_off : x->chunk, direct ? (int)need : RECORD);
        if (r <= 0) {
            if (!ossl_wait(x->ssl, r, 0)) ossl_fail("connection closed");
            x->want |= SSL_get_error(x->ssl, r) == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
            return moved;
        }
        moved = 1;
        if (direct) {
            x->rx_off += (size_t)r;
            rx_whole(x);
        } else if (framed) {
            take_frames(x, x->chunk, (size_t)r);
            if (x->got == x->a->count) return 1;
            continue;
        } else {
            const unsigned char *p = x->chunk;
            size_t n = (size_t)r, k;
            for (; n > 0; p += k, n -= k) k = take_payload(x, p, n); /* a chunk may end one message and start the next ones */
        }
        if (x->got == x->a->count) return 1;
    }
}

static void run_transfer(const bench_args *a) {
    xfer *x = (xfer *)calloc(1, sizeof *x);
    if (!x) { perror("calloc"); exit(1); }
    x->a = a;
    x->payload = bench_payload(a->size);
    x->rx = (unsigned char *)malloc(a->size);
    x->window = a->mode == BENCH_RTT ? 1 : bench_window(a);
    if (!x->rx) { perror("malloc"); exit(1); }
    x->ssl = tls_handshake(a, NULL);
    x->key = 0x9E3779B9u;
    if (framed) bench_upgrade(x->ssl, a, tls_send_all, tls_recv_until); /* the 101's head alone comes before our first frame */
    bench_start();
    while (x->got < a->count) {
        int moved;
        x->want = 0;
        if (a->size < RECORD) gather(x);
        moved = write_some(x);
        moved |= read_some(x);
        if (!moved && x->got < a->count) {
            struct pollfd p;
            p.fd = SSL_get_fd(x->ssl);
            p.events = (short)(x->want ? x->want : POLLIN);
            p.revents = 0;
            poll(&p, 1, -1);
        }
    }
    bench_stop();
    tls_close(x->ssl, NULL);
    bench_result(a, a->count, (double)a->count * (double)a->size);
    free(x->payload);
    free(x->rx);
    free(x);
}

/* Application bytes out, all of them. */
static void tls_send_all(void *io, const void *data, size_t n) {
    SSL *ssl = (SSL *)io;
    const unsigned char *p = (const unsigned char *)data;
    while (n > 0) {
        int r = SSL_write(ssl, p, (int)n);
        if (r <= 0) {
            if (!ossl_wait(ssl, r, 1)) ossl_fail("closed while sending");
            continue;
        }
        p += r;
        n -= (size_t)r;
    }
}

/* Application bytes in, until done(buf, len) says the answer is whole. */
static size_t tls_recv_until(void *io, unsigned char *out, size_t cap, int (*done)(const unsigned char *, size_t)) {
    SSL *ssl = (SSL *)io;
    size_t got = 0;
    while (!done(out, got)) {
        int r;
        if (got == cap) ossl_fail("answer too long");
        r = SSL_read(ssl, out + got, (int)(cap - got));
        if (r <= 0) {
            if (!ossl_wait(ssl, r, 1)) ossl_fail("closed while receiving");
            continue;
        }
        got += (size_t)r;
    }
    return got;
}

static void run_connect(const bench_args *a) {
    SSL_SESSION *sess = NULL;
    long i, resumed = 0;
    for (i = -1; i < a->count; i++) { /* connect -1: before the clock, as every client makes one */
        SSL *ssl;
        if (i == 0) bench_start();
        ssl = tls_handshake(a, a->resume ? sess : NULL);
        if (strcmp(a->scheme, "wss") == 0) bench_websocket(ssl, a, tls_send_all, tls_recv_until);
        if (i >= 0 && SSL_session_reused(ssl)) resumed++;
        /* kept after the close: TLS 1.3 tickets come after the handshake */
        tls_close(ssl, a->resume ? &sess : NULL);
    }
    bench_stop();
    bench_result(a, a->count, 0);
    printf("resumed=%ld\n", resumed);
    SSL_SESSION_free(sess);
}

static void run_idle(const bench_args *a) {
    long i, base = bench_rss_kb();
    SSL **ts = (SSL **)malloc(sizeof *ts * (size_t)(a->count + 1));
    if (!ts) { perror("malloc"); exit(1); }
    for (i = 0; i < a->count; i++) ts[i] = tls_handshake(a, NULL);
    bench_idle_result(a->count, base, bench_rss_kb());
    for (i = 0; i < a->count; i++) tls_close(ts[i], NULL);
    free(ts);
}

int main(int argc, char **argv) {
    bench_args a;
    int i, j = 1;
    /* Our own flag, --tls13, is taken out before the shared parser sees the rest. */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tls13") == 0) { tls13 = 1; continue; }
        if (strcmp(argv[i], "--framed") == 0) { framed = 1; continue; }
        argv[j++] = argv[i];
    }
    bench_parse(j, argv, &a);
    if (!a.cafile) { fprintf(stderr, "bench_raw_ossl: --cafile is required\n"); return 2; }
    if (framed && (strcmp(a.scheme, "wss") != 0 || a.size > 125 || (a.mode != BENCH_RTT && a.mode != BENCH_STREAM))) {
        fprintf(stderr, "bench_raw_ossl: --framed is for rtt and stream over wss:// with --size 125 or less\n");
        return 2;
    }
    ctx_init(&a);
    switch (a.mode) {
    case BENCH_RTT: case BENCH_STREAM: run_transfer(&a); break;
    case BENCH_CONNECT: run_connect(&a); break;
    default: run_idle(&a); break;
    }
    SSL_CTX_free(ctx);
    return 0;
}

/* bench_raw_tls.c - the TLS ceiling: BearSSL's engine over a socket, moving
   the same bytes as a wss:// run with no WebSocket framing, against the echo
   server's raw TLS port. The same BearSSL setup as wsclient.h: the full
   client profile (br_ssl_client_init_full), the same trust anchors from
   --cafile, a bidirectional buffer of BR_SSL_BUFSIZE_BIDI, TLS 1.0-1.2.
   cc -std=c99 -O2 bench/bench_raw_tls.c -o bench_raw_tls -lbearssl
   bench_raw_tls --url tls://127.0.0.1:PORT --cafile ca.pem --mode rtt|stream|connect|idle
                 --size BYTES --count N [--resume 0|1]
   A "message" is --size bytes pushed into the engine; its echo is the next
   --size bytes read back into our buffer. The engine is flushed only before
   the client would wait (a full record goes out by itself), so small
   messages in a stream share records: the ceiling a batching client can
   reach, not one record per message.
   connect: TCP connect, handshake, the WebSocket upgrade and close
   handshake as the least a client can do (a canned GET, the 101 read up to
   its blank line, a masked close frame out and the server's back),
   close_notify both ways, close. With a tls:// URL, no upgrade (a bare
   handshake). One client context serves every connect (reset between
   them), as the cheapest a client can be; --resume 1 resumes the previous
   session by its ID.
   The certificate chain is verified against the CA; the server name is
   not checked (the URL holds an IP address and BearSSL's minimal X.509
   engine matches DNS names only). */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"
#include "bench_tcp.h"
#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

typedef struct tls_client {
    int fd;
    int eof; /* the server closed TCP */
    br_ssl_client_context cc;
    br_x509_minimal_context xc;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
} tls_client;

static br_x509_trust_anchor *anchors;
static size_t n_anchors;

/* ---- trust anchors from a PEM file ----------------------------------- */

typedef struct dbuf {
    unsigned char *data;
    size_t len, cap;
} dbuf;

static void dbuf_append(void *ctx, const void *p, size_t n) {
    dbuf *b = (dbuf *)ctx;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n) cap *= 2;
        b->data = (unsigned char *)realloc(b->data, cap);
        if (!b->data) { perror("realloc"); exit(1); }
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static unsigned char *dup_bytes(const unsigned char *p, size_t n) {
    unsigned char *d = (unsigned char *)malloc(n ? n : 1);
    if (!d) { perror("malloc"); exit(1); }
    memcpy(d, p, n);
    return d;
}

static void add_anchor(const unsigned char *der, size_t len) {
    br_x509_decoder_context dc;
    dbuf dn = {NULL, 0, 0};
    const br_x509_pkey *pk;
    br_x509_trust_anchor *ta;
    br_x509_decoder_init(&dc, dbuf_append, &dn);
    br_x509_decoder_push(&dc, der, len);
    pk = br_x509_decoder_get_pkey(&dc);
    if (!pk) { fprintf(stderr, "bench_raw_tls: cannot decode a CA certificate\n"); exit(1); }
    anchors = (br_x509_trust_anchor *)realloc(anchors, (n_anchors + 1) * sizeof *anchors);
    if (!anchors) { perror("realloc"); exit(1); }
    ta = &anchors[n_anchors++];
    ta->dn.data = dn.data;
    ta->dn.len = dn.len;
    ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_EC) {
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.qlen = pk->key.ec.qlen;
    } else {
        ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
        ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.elen = pk->key.rsa.elen;
    }
}

static void load_anchors(const char *path) {
    br_pem_decoder_context pc;
    dbuf file = {NULL, 0, 0}, der = {NULL, 0, 0};
    unsigned char chunk[4096];
    size_t k, off = 0;
    int in_cert = 0;
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) dbuf_append(&file, chunk, k);
    fclose(f);
    dbuf_append(&file, "\n", 1);
    br_pem_decoder_init(&pc);
    while (off < file.len) {
        off += br_pem_decoder_push(&pc, file.data + off, file.len - off);
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
            in_cert = strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") == 0 ||
                      strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE") == 0;
            der.len = 0;
            br_pem_decoder_setdest(&pc, in_cert ? dbuf_append : NULL, &der);
            break;
        case BR_PEM_END_OBJ:
            if (in_cert) add_anchor(der.data, der.len);
            in_cert = 0;
            break;
        case BR_PEM_ERROR:
            fprintf(stderr, "bench_raw_tls: %s is not valid PEM\n", path);
            exit(1);
        default:
            break;
        }
    }
    free(file.data);
    free(der.data);
    if (n_anchors == 0) { fprintf(stderr, "bench_raw_tls: no certificate in %s\n", path); exit(1); }
}

/* ---- the engine over a socket ------------------------------------------ */


static void tls_init(tls_client *t) {
    br_ssl_client_init_full(&t->cc, &t->xc, anchors, n_anchors);
    br_ssl_engine_set_buffer(&t->cc.eng, t->iobuf, sizeof t->iobuf, 1);
}

static void tls_fail(tls_client *t, const char *what) {
    fprintf(stderr, "bench_raw_tls: %s (BearSSL error %d)\n", what, br_ssl_engine_last_error(&t->cc.eng));
    exit(1);
}

/* Moves records between the engine and the socket, one send and one recv
   at most; with wait, blocks in poll() until one can move. Returns 0 once
   the engine is closed or the server closed TCP. */
static int tls_records(tls_client *t, int wait) {
    br_ssl_engine_context *eng = &t->cc.eng;
    for (;;) {
        unsigned st = br_ssl_engine_current_state(eng);
        int moved = 0;
        struct pollfd p;
        if ((st & BR_SSL_CLOSED) || t->eof) return 0;
        if (st & BR_SSL_SENDREC) {
            size_t len;
            unsigned char *buf = br_ssl_engine_sendrec_buf(eng, &len);
            ssize_t k = send(t->fd, buf, len, MSG_NOSIGNAL);
            if (k > 0) { br_ssl_engine_sendrec_ack(eng, (size_t)k); moved = 1; }
            else if (k < 0 && errno != EAGAIN && errno != EINTR) tls_fail(t, "send failed");
        }
        if (st & BR_SSL_RECVREC) {
            size_t len;
            unsigned char *buf = br_ssl_engine_recvrec_buf(eng, &len);
            ssize_t k = recv(t->fd, buf, len, 0);
            if (k > 0) { br_ssl_engine_recvrec_ack(eng, (size_t)k); moved = 1; }
            else if (k == 0) { t->eof = 1; return 0; }
            else if (errno != EAGAIN && errno != EINTR) tls_fail(t, "recv failed");
        }
        if (moved || !wait) return 1;
        st = br_ssl_engine_current_state(eng);
        p.fd = t->fd;
        p.events = (short)(((st & BR_SSL_SENDREC) ? POLLOUT : 0) | ((st & BR_SSL_RECVREC) ? POLLIN : 0));
        p.revents = 0;
        if (!p.events) return 1; /* only the caller can move (application data waiting) */
        poll(&p, 1, -1);
    }
}

static void tls_handshake(tls_client *t, const bench_args *a, int resume) {
    t->fd = bench_tcp_connect(a, 1);
    t->eof = 0;
    if (!br_ssl_client_reset(&t->cc, NULL, resume)) tls_fail(t, "reset");
    while (!(br_ssl_engine_current_state(&t->cc.eng) & BR_SSL_SENDAPP))
        if (!tls_records(t, 1)) tls_fail(t, "handshake failed");
}

/* close_notify out, the server's back (or its TCP close), then close. */
static void tls_close(tls_client *t) {
    br_ssl_engine_close(&t->cc.eng);
    while (tls_records(t, 1)) {
        size_t len;
        if (br_ssl_engine_recvapp_buf(&t->cc.eng, &len)) br_ssl_engine_recvapp_ack(&t->cc.eng, len);
    }
    close(t->fd);
}

/* ---- modes ------------------------------------------------------------- */

static void run_transfer(const bench_args *a) {
    tls_client *t = (tls_client *)malloc(sizeof *t);
    br_ssl_engine_context *eng = &t->cc.eng;
    unsigned char *payload = bench_payload(a->size), *rx = (unsigned char *)malloc(a->size);
    long window = a->mode == BENCH_RTT ? 1 : bench_window(a), sent = 0, got = 0;
    size_t tx_off = 0, rx_off = 0;
    if (!t || !rx) { perror("malloc"); exit(1); }
    tls_init(t);
    tls_handshake(t, a, 0);
    bench_start();
    while (got < a->count) {
        unsigned char *buf;
        size_t len, k;
        /* Every message the window allows goes into the engine before any I/O. */
        while (sent < a->count && sent - got < window && (buf = br_ssl_engine_sendapp_buf(eng, &len)) != NULL) {
            k = a->size - tx_off < len ? a->size - tx_off : len;
            memcpy(buf, payload + tx_off, k);
            br_ssl_engine_sendapp_ack(eng, k);
            tx_off += k;
            if (tx_off == a->size) { tx_off = 0; sent++; }
        }
        while ((buf = br_ssl_engine_recvapp_buf(eng, &len)) != NULL) {
            k = a->size - rx_off < len ? a->size - rx_off : len;
            memcpy(rx + rx_off, buf, k);
            br_ssl_engine_recvapp_ack(eng, k);
            rx_off += k;
            if (rx_off == a->size) { bench_check(a, rx, a->size, payload); rx_off = 0; got++; }
        }
        if (got == a->count) break;
        /* Wait only when we have nothing left to hand the engine; flush first. */
        {
            int wait = !(sent < a->count && sent - got < window && (br_ssl_engine_current_state(eng) & BR_SSL_SENDAPP));
            if (wait) br_ssl_engine_flush(eng, 0);
            if (!tls_records(t, wait)) tls_fail(t, "connection closed");
        }
    }
    bench_stop();
    tls_close(t);
    bench_result(a, a->count, (double)a->count * (double)a->size);
    free(payload);
    free(rx);
    free(t);
}

/* Application bytes out, flushed, and pushed to the socket. */
static void tls_send_all(void *io, const void *data, size_t n) {
    tls_client *t = (tls_client *)io;
    const unsigned char *p = (const unsigned char *)data;
    while (n > 0) {
        size_t len, k;
        unsigned char *buf = br_ssl_engine_sendapp_buf(&t->cc.eng, &len);
        if (!buf) {
            if (!tls_records(t, 1)) tls_fail(t, "closed while sending");
            continue;
        }
        k = n < len ? n : len;
        memcpy(buf, p, k);
        br_ssl_engine_sendapp_ack(&t->cc.eng, k);
        p += k;
        n -= k;
    }
    br_ssl_engine_flush(&t->cc.eng, 0);
}

/* Application bytes in, until done(buf, len) says the answer is whole. */
static size_t tls_recv_until(void *io, unsigned char *out, size_t cap, int (*done)(const unsigned char *, size_t)) {
    tls_client *t = (tls_client *)io;
    size_t got = 0;
    while (!done(out, got)) {
        size_t len, k;
        unsigned char *buf = br_ssl_engine_recvapp_buf(&t->cc.eng, &len);
        if (!buf) {
            if (!tls_records(t, 1)) tls_fail(t, "closed while receiving");
            continue;
        }
        k = cap - got < len ? cap - got : len;
        if (k == 0) tls_fail(t, "answer too long");
        memcpy(out + got, buf, k);
        br_ssl_engine_recvapp_ack(&t->cc.eng, k);
        got += k;
    }
    return got;
}

/* A handshake resumed when the server took back the session ID offered. */
static void run_connect(const bench_args *a) {
    tls_client *t = (tls_client *)malloc(sizeof *t);
    br_ssl_session_parameters before, after;
    long i, resumed = 0;
    if (!t) { perror("malloc"); exit(1); }
    tls_init(t);
    for (i = -1; i < a->count; i++) { /* connect -1: before the clock, as every client makes one */
        if (i == 0) bench_start();
        br_ssl_engine_get_session_parameters(&t->cc.eng, &before);
        tls_handshake(t, a, a->resume);
        if (strcmp(a->scheme, "wss") == 0) bench_websocket(t, a, tls_send_all, tls_recv_until);
        br_ssl_engine_get_session_parameters(&t->cc.eng, &after);
        if (i >= 0 && a->resume && before.session_id_len > 0 && after.session_id_len == before.session_id_len &&
            memcmp(before.session_id, after.session_id, before.session_id_len) == 0)
            resumed++;
        tls_close(t);
    }
    bench_stop();
    bench_result(a, a->count, 0);
    printf("resumed=%ld\n", resumed);
    free(t);
}

static void run_idle(const bench_args *a) {
    long i, base = bench_rss_kb();
    tls_client **ts = (tls_client **)malloc(sizeof *ts * (size_t)(a->count + 1));
    for (i = 0; i < a->count; i++) {
        ts[i] = (tls_client *)malloc(sizeof **ts);
        if (!ts[i]) { perror("malloc"); exit(1); }
        tls_init(ts[i]);
        tls_handshake(ts[i], a, 0);
    }
    bench_idle_result(a->count, base, bench_rss_kb());
    for (i = 0; i < a->count; i++) { tls_close(ts[i]); free(ts[i]); }
    free(ts);
}

int main(int argc, char **argv) {
    bench_args a;
    bench_parse(argc, argv, &a);
    if (!a.cafile) { fprintf(stderr, "bench_raw_tls: --cafile is required\n"); return 2; }
    load_anchors(a.cafile);
    switch (a.mode) {
    case BENCH_RTT: case BENCH_STREAM: run_transfer(&a); break;
    case BENCH_CONNECT: run_connect(&a); break;
    default: run_idle(&a); break;
    }
    return 0;
}

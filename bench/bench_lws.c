/* bench_lws.c - the peer: the same benchmark over libwebsockets 4.1
   (Debian's libwebsockets-dev, OpenSSL underneath).
   cc -std=c99 -O2 bench/bench_lws.c -o bench_lws -lwebsockets
   bench_lws --url wss://127.0.0.1:PORT/ --cafile ca.pem --mode rtt|stream|connect|idle
             --size BYTES --count N [--resume 0|1] [--tls13]
   Written as lws wants it: one context, the event loop in lws_service(),
   writes only from LWS_CALLBACK_CLIENT_WRITEABLE. Binary messages, one
   lws_write() each (lws keeps what the kernel does not take and finishes
   it before the next WRITEABLE). lws masks in place, so each write first
   copies the payload into the LWS_PRE-padded buffer. Received fragments are
   copied into one message buffer until the message is whole (final
   fragment, nothing remaining), as a user must do to get whole messages.
   The close is lws's: a close frame, then waiting for the server's.
   Tuning: rx_buffer_size and pt_serv_buf_size of 64 KiB (the defaults of
   4 KiB made 64 KiB and 1 MiB streaming slower).
   --tls13: the client's OpenSSL options rule out every version below 1.3
   (lws 4.1 has no setting for the version itself), and each connection is
   checked to have agreed 1.3. */
#define _POSIX_C_SOURCE 200809L
#include <libwebsockets.h>
#include "bench_common.h"

static bench_args A;
static struct lws_context *ctx;
static unsigned char *txbuf, *payload, *rxbuf;
static size_t rx_len;
static long sent, got, window, established, closed;
static int closing, failed, tls13;

/* With --tls13: the rows must measure what they say. */
static void check_tls13(struct lws *wsi) {
    SSL *ssl = lws_get_ssl(wsi);
    if (tls13 && (!ssl || SSL_version(ssl) != TLS1_3_VERSION)) {
        fprintf(stderr, "bench_lws: --tls13 but %s was agreed\n", ssl ? SSL_get_version(ssl) : "no TLS");
        exit(1);
    }
}

static void request_close(struct lws *wsi) {
    closing = 1;
    lws_callback_on_writable(wsi);
}

static int on_receive(struct lws *wsi, const void *in, size_t len) {
    if (rx_len + len > A.size) { fprintf(stderr, "bench_lws: echo longer than sent\n"); exit(1); }
    memcpy(rxbuf + rx_len, in, len);
    rx_len += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
    bench_check(&A, rxbuf, rx_len, payload);
    rx_len = 0;
    got++;
    if (got == A.count) {
        bench_stop();
        request_close(wsi);
    } else if (sent < A.count && sent - got < window) {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

static int on_writeable(struct lws *wsi) {
    if (closing) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        return -1;
    }
    if (sent < A.count && sent - got < window) {
        memcpy(txbuf + LWS_PRE, payload, A.size); /* lws masks the buffer in place */
        if (lws_write(wsi, txbuf + LWS_PRE, A.size, LWS_WRITE_BINARY) < (int)A.size) {
            fprintf(stderr, "bench_lws: lws_write failed\n");
            exit(1);
        }
        sent++;
        if (sent < A.count && sent - got < window) lws_callback_on_writable(wsi);
    }
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        fprintf(stderr, "bench_lws: connect failed: %s\n", in ? (const char *)in : "(no reason)");
        failed = 1;
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        established++;
        check_tls13(wsi);
        if (A.mode == BENCH_CONNECT) request_close(wsi);
        else if (A.mode != BENCH_IDLE) { bench_start(); lws_callback_on_writable(wsi); }
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(wsi);
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(wsi, in, len);
    case LWS_CALLBACK_CLIENT_CLOSED:
        closed++;
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"bench", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}
};

static void connect_one(void) {
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = ctx;
    ci.address = A.host;
    ci.port = A.port;
    ci.path = A.path;
    ci.host = A.host;
    ci.origin = A.host;
    ci.ssl_connection = strcmp(A.scheme, "wss") == 0 ? LCCSCF_USE_SSL : 0;
    if (!lws_client_connect_via_info(&ci)) { fprintf(stderr, "bench_lws: cannot start a connect\n"); exit(1); }
}

/* Services until cond becomes true (or a connect fails). */
#define SERVICE_UNTIL(cond) \
    do { \
        while (!(cond) && !failed) lws_service(ctx, 0); \
        if (failed) exit(1); \
    } while (0)

int main(int argc, char **argv) {
    struct lws_context_creation_info info;
    long i;
    int j = 1;
    /* Our own flag, --tls13, is taken out before the shared parser sees the rest. */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tls13") == 0) { tls13 = 1; continue; }
        argv[j++] = argv[i];
    }
    bench_parse(j, argv, &A);
    lws_set_log_level(LLL_ERR, NULL);
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.client_ssl_ca_filepath = A.cafile;
    if (tls13) info.ssl_client_options_set = (long)(SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2);
    info.pt_serv_buf_size = 65536;
    info.fd_limit_per_thread = (unsigned)(A.count + 64);
    info.gid = -1;
    info.uid = -1;
    if (A.mode == BENCH_CONNECT && A.resume) printf("resume=unsupported\n"); /* no client session reuse in 4.1 */
    if (A.mode == BENCH_IDLE) {
        long base = bench_rss_kb();
        if (!(ctx = lws_create_context(&info))) { fprintf(stderr, "bench_lws: no context\n"); return 1; }
        for (i = 0; i < A.count; i++) connect_one();
        SERVICE_UNTIL(established == A.count);
        bench_idle_result(A.count, base, bench_rss_kb());
        lws_context_destroy(ctx);
        return 0;
    }
    if (!(ctx = lws_create_context(&info))) { fprintf(stderr, "bench_lws: no context\n"); return 1; }
    if (A.mode == BENCH_CONNECT) {
        for (i = -1; i < A.count; i++) { /* connect -1: before the clock, as every client makes one */
            if (i == 0) bench_start();
            connect_one();
            SERVICE_UNTIL(closed == i + 2);
        }
        bench_stop();
        bench_result(&A, A.count, 0);
    } else {
        window = A.mode == BENCH_RTT ? 1 : bench_window(&A);
        txbuf = (unsigned char *)malloc(LWS_PRE + A.size);
        rxbuf = (unsigned char *)malloc(A.size);
        payload = bench_payload(A.size);
        if (!txbuf || !rxbuf) { perror("malloc"); return 1; }
        connect_one();
        SERVICE_UNTIL(closed == 1);
        if (got != A.count) { fprintf(stderr, "bench_lws: closed after %ld of %ld echoes\n", got, A.count); return 1; }
        bench_result(&A, A.count, (double)A.count * (double)A.size);
    }
    lws_context_destroy(ctx);
    return 0;
}

/* memory_transport.c - wsclient.h over a user transport: an in-memory pipe to
   a tiny WebSocket echo server in the same program. No sockets at all, as on
   a device whose network stack (lwIP, a modem, a serial link) is not BSD:

       cc -std=c99 -DWSCLIENT_NO_SOCKETS -I. examples/memory_transport.c -o memory_transport -lbearssl

   The five functions of struct pipe_transport are all a port needs to write.
   Prints the echoes and exits 0 when every one matched. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- a byte pipe, one direction ---- */

typedef struct pipe_buf {
    unsigned char data[1 << 16];
    size_t len;
} pipe_buf;

static size_t pipe_put(pipe_buf *p, const void *src, size_t n) {
    if (n > sizeof p->data - p->len) n = sizeof p->data - p->len;
    memcpy(p->data + p->len, src, n);
    p->len += n;
    return n;
}

static size_t pipe_take(pipe_buf *p, void *dst, size_t n) {
    if (n > p->len) n = p->len;
    if (dst) memcpy(dst, p->data, n);
    memmove(p->data, p->data + n, p->len - n);
    p->len -= n;
    return n;
}

/* ---- the echo server at the far end of the pipe ---- */

typedef struct server {
    pipe_buf in, out;  /* in: from the client; out: to the client */
    int upgraded, closed;
} server;

/* Answers the opening handshake once the request head is complete. */
static void server_upgrade(server *sv) {
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char head[2048], answer[256], accept[29];
    unsigned char digest[20];
    const char *key, *end;
    br_sha1_context sha;
    size_t n;
    int i;
    memcpy(head, sv->in.data, sv->in.len < sizeof head - 1 ? sv->in.len : sizeof head - 1);
    head[sv->in.len < sizeof head - 1 ? sv->in.len : sizeof head - 1] = 0;
    if (!(end = strstr(head, "\r\n\r\n"))) return;
    pipe_take(&sv->in, NULL, (size_t)(end + 4 - head));
    if (!(key = strstr(head, "Sec-WebSocket-Key: "))) { sv->closed = 1; return; }
    key += 19;
    br_sha1_init(&sha);
    br_sha1_update(&sha, key, (size_t)(strstr(key, "\r\n") - key));
    br_sha1_update(&sha, guid, sizeof guid - 1);
    br_sha1_out(&sha, digest);
    for (i = 0, n = 0; i < 21; i += 3) { /* 20 bytes: six full groups and one of two */
        unsigned v = (unsigned)digest[i] << 16 | (unsigned)(i + 1 < 20 ? digest[i + 1] : 0) << 8 | (i + 2 < 20 ? digest[i + 2] : 0u);
        accept[n++] = b64[v >> 18];
        accept[n++] = b64[(v >> 12) & 63];
        accept[n++] = i + 1 < 20 ? b64[(v >> 6) & 63] : '=';
        accept[n++] = i + 2 < 20 ? b64[v & 63] : '=';
    }
    accept[28] = 0;
    n = (size_t)snprintf(answer, sizeof answer, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    pipe_put(&sv->out, answer, n);
    sv->upgraded = 1;
}

/* Echoes every whole client frame back unmasked; a close is answered and ends it. */
static void server_echo(server *sv) {
    while (!sv->closed && sv->in.len >= 6) {
        unsigned char *f = sv->in.data, h[4];
        size_t len = f[1] & 0x7F, at = 2, i;
        if (len == 126) { len = (size_t)f[2] << 8 | f[3]; at = 4; }
        if (len == 127) { sv->closed = 1; return; } /* this small server takes nothing that big */
        if (sv->in.len < at + 4 + len) return;
        for (i = 0; i < len; i++) f[at + 4 + i] ^= f[at + i % 4];
        h[0] = f[0];
        h[1] = (unsigned char)(len < 126 ? len : 126);
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        pipe_put(&sv->out, h, len < 126 ? 2 : 4);
        pipe_put(&sv->out, f + at + 4, len);
        if ((f[0] & 0x0F) == 0x8) sv->closed = 1;
        pipe_take(&sv->in, NULL, at + 4 + len);
    }
}

/* ---- the transport: five functions over the pipe ---- */

static void *pipe_connect(void *user, const char *host, int port) {
    server *sv = (server *)user;
    (void)host; (void)port;
    memset(sv, 0, sizeof *sv);
    return sv;
}

static long pipe_send(void *user, void *conn, const void *data, size_t len) {
    server *sv = (server *)conn;
    size_t n = pipe_put(&sv->in, data, len);
    (void)user;
    if (!sv->upgraded) server_upgrade(sv);
    if (sv->upgraded) server_echo(sv);
    return (long)n;
}

static long pipe_recv(void *user, void *conn, void *buf, size_t len) {
    server *sv = (server *)conn;
    (void)user;
    if (sv->out.len == 0) return sv->closed ? WSC_IO_EOF : WSC_IO_AGAIN;
    return (long)pipe_take(&sv->out, buf, len);
}

/* The server answers inside send(), so what is not here now never comes:
   sleep out the wait. A real port would wait on its stack's events here. */
static int pipe_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    int i, ready = 0;
    struct timespec ts;
    (void)user;
    for (i = 0; i < count; i++) {
        server *sv = (server *)items[i].conn;
        items[i].revents = WSC_IO_WRITE | (sv->out.len || sv->closed ? WSC_IO_READ : 0);
        ready += (items[i].revents & items[i].events) != 0;
    }
    if (ready || timeout_ms == 0) return ready;
    ts.tv_sec = timeout_ms < 0 ? 1 : timeout_ms / 1000;
    ts.tv_nsec = timeout_ms < 0 ? 0 : (long)(timeout_ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    return 0;
}

static void pipe_close(void *user, void *conn) { (void)user; (void)conn; }

int main(void) {
    static server sv;
    static const wsc_transport pipe_transport = {&sv, pipe_connect, pipe_send, pipe_recv, pipe_wait, pipe_close, NULL, NULL};
    static const char *const messages[] = {
        "Hello over a pipe!", "",
        ("a longer message, to cross the 125-byte line: "
         "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890")};
    char reply[512];
    int i, bad = 0;
    wsc_set_transport(&pipe_transport);
    if (!wsc_connect("pipe", "in-memory", 80, "/echo", NULL, 1000)) {
        fprintf(stderr, "connect: %s\n", wsc_error_info());
        return 1;
    }
    for (i = 0; i < 3; i++) {
        long n = wsc_write("pipe", messages[i]) ? wsc_read("pipe", reply, sizeof reply, 1000, NULL) : -1;
        if (n < 0 || strcmp(reply, messages[i]) != 0) {
            fprintf(stderr, "echo %d: %s\n", i, n < 0 ? wsc_error_info() : "differs");
            bad++;
        } else {
            printf("echo: %s\n", reply);
        }
    }
    if (!wsc_close("pipe")) { fprintf(stderr, "close: %s\n", wsc_error_info()); bad++; }
    printf("%s\n", bad ? "memory transport FAILED" : "memory transport OK");
    return bad != 0;
}

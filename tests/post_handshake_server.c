/* post_handshake_server.c - a WebSocket server on OpenSSL 3 that sends
   TLS messages after the handshake, for tests/tls.c: what a server may do
   to a connection that is already carrying WebSocket frames.
     post_handshake_server CERT KEY     prints "PORT n", then serves
   Each connection is a child process (bounded by alarm). The request path
   picks what it does after the 101:
     /keyupdate  TLS 1.3: 50 rounds of a KeyUpdate asking for the client's,
                 a text frame "update I", the client's message M read and
                 answered "got M"; then "client updates N", the KeyUpdates
                 the client sent (RFC 8446 §4.6.3: one a request)
     /keyflood   TLS 1.3: 2000 KeyUpdates asking for the client's, at once,
                 then "flood sent"; then, for each client message,
                 "client updates N"
     /keybulk    TLS 1.3: for each client message (up to 1 MiB), a KeyUpdate
                 asking for the client's, then "len L updates N"
     /keybig     TLS 1.3: a 1 MiB binary frame, byte i (i * 13) & 255, in
                 65 writes of 16 KiB or less (the header in the first) with a
                 KeyUpdate asking for the client's after each; then "big
                 sent"; then, for each client message, "client updates N"
     /tickets    TLS 1.3: 500 NewSessionTickets, then "tickets sent"
     /renegotiate  TLS 1.2: a HelloRequest, then "asked"; then what the
                 client's answer makes OpenSSL do (a refusal: a fatal
                 handshake_failure alert)
   Then, on every path, each client message is echoed (up to 125 bytes)
   until its close. */
#define _POSIX_C_SOURCE 200809L /* fork, strncasecmp */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int client_updates; /* KeyUpdate messages read from the client */

static void on_message(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
    (void)version, (void)ssl, (void)arg;
    if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 && ((const unsigned char *)buf)[0] == SSL3_MT_KEY_UPDATE)
        client_updates++;
}

static void die(const char *what) {
    fprintf(stderr, "post_handshake_server: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static int read_exact(SSL *ssl, unsigned char *p, size_t n) {
    while (n > 0) {
        int k = SSL_read(ssl, p, (int)n);
        if (k <= 0) return 0;
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

static void send_frame(SSL *ssl, int opcode, const void *p, size_t n) {
    unsigned char f[2 + 125];
    if (n > 125) die("frame too long");
    f[0] = (unsigned char)(0x80 | opcode);
    f[1] = (unsigned char)n;
    memcpy(f + 2, p, n);
    if (SSL_write(ssl, f, (int)(2 + n)) != (int)(2 + n)) die("SSL_write");
}

static void send_text(SSL *ssl, const char *s) { send_frame(ssl, 1, s, strlen(s)); }

#define FRAME_MAX (1u << 20)

/* The client's next frame (payload up to FRAME_MAX bytes) into buf, which
   has room for that and a NUL: its opcode, or -1 when the connection ended. */
static int read_frame(SSL *ssl, char *buf, size_t *len) {
    unsigned char h[2], x[8], key[4];
    size_t i, n;
    if (!read_exact(ssl, h, 2) || !(h[1] & 0x80)) return -1;
    n = h[1] & 0x7F;
    if (n >= 126) {
        size_t k = n == 126 ? 2 : 8;
        if (!read_exact(ssl, x, k)) return -1;
        for (n = 0, i = 0; i < k; i++) n = n << 8 | x[i];
        if (n > FRAME_MAX) return -1;
    }
    if (!read_exact(ssl, key, 4) || (n && !read_exact(ssl, (unsigned char *)buf, n))) return -1;
    for (i = 0; i < n; i++) buf[i] ^= (char)key[i & 3];
    buf[n] = 0;
    *len = n;
    return h[0] & 0x0F;
}

/* Reads the upgrade request, answers 101; its path into path. */
static int upgrade(SSL *ssl, char *path, size_t cap) {
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char head[4096], cat[128], acc[64], resp[256], *k;
    unsigned char sha[SHA_DIGEST_LENGTH];
    size_t len = 0, kl;
    while (len < 4 || memcmp(head + len - 4, "\r\n\r\n", 4) != 0) {
        if (len + 1 >= sizeof head || SSL_read(ssl, head + len, 1) != 1) return 0;
        len++;
    }
    head[len] = 0;
    if (sscanf(head, "GET %127s", cat) != 1) return 0;
    snprintf(path, cap, "%s", cat);
    for (k = head; *k && strncasecmp(k, "\r\nSec-WebSocket-Key:", 20) != 0; k++) {}
    if (!*k) return 0;
    for (k += 20; *k == ' '; k++) {}
    kl = strcspn(k, " \r\n");
    if (kl == 0 || kl + sizeof guid > sizeof cat) return 0;
    memcpy(cat, k, kl);
    memcpy(cat + kl, guid, sizeof guid);
    SHA1((const unsigned char *)cat, kl + sizeof guid - 1, sha);
    EVP_EncodeBlock((unsigned char *)acc, sha, SHA_DIGEST_LENGTH);
    snprintf(resp, sizeof resp,
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
    return SSL_write(ssl, resp, (int)strlen(resp)) == (int)strlen(resp);
}

static void key_update(SSL *ssl) {
    if (!SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) || SSL_do_handshake(ssl) != 1) die("SSL_key_update");
}

static void serve(SSL *ssl) {
    static char msg[FRAME_MAX + 1];
    char path[128], out[160];
    size_t len;
    int i, op;
    if (SSL_accept(ssl) != 1 || !upgrade(ssl, path, sizeof path)) return;
    if (strcmp(path, "/keyupdate") == 0) {
        for (i = 0; i < 50; i++) {
            key_update(ssl);
            snprintf(out, sizeof out, "update %d", i);
            send_text(ssl, out);
            if (read_frame(ssl, msg, &len) != 1) return;
            snprintf(out, sizeof out, "got %.100s", msg);
            send_text(ssl, out);
        }
        snprintf(out, sizeof out, "client updates %d", client_updates);
        send_text(ssl, out);
    } else if (strcmp(path, "/keyflood") == 0) {
        for (i = 0; i < 2000; i++) key_update(ssl);
        send_text(ssl, "flood sent");
    } else if (strcmp(path, "/keybig") == 0) {
        static unsigned char big[10 + FRAME_MAX];
        size_t n = sizeof big, off;
        big[0] = 0x82;
        big[1] = 127;
        for (i = 0; i < 8; i++) big[2 + i] = (unsigned char)((uint64_t)FRAME_MAX >> (56 - 8 * i));
        for (off = 10; off < n; off++) big[off] = (unsigned char)(((off - 10) * 13) & 255);
        for (off = 0; off < n; off += 16384) {
            int k = (int)(n - off < 16384 ? n - off : 16384);
            if (SSL_write(ssl, big + off, k) != k) die("SSL_write");
            key_update(ssl);
        }
        send_text(ssl, "big sent");
    } else if (strcmp(path, "/tickets") == 0) {
        for (i = 0; i < 500; i++)
            if (!SSL_new_session_ticket(ssl) || SSL_do_handshake(ssl) != 1) die("SSL_new_session_ticket");
        send_text(ssl, "tickets sent");
    } else if (strcmp(path, "/renegotiate") == 0) {
        if (!SSL_renegotiate(ssl) || SSL_do_handshake(ssl) != 1) die("SSL_renegotiate");
        send_text(ssl, "asked");
    }
    while ((op = read_frame(ssl, msg, &len)) >= 0) {
        if (op == 8) { /* close: answered, then the TLS close */
            send_frame(ssl, 8, msg, len);
            SSL_shutdown(ssl);
            return;
        }
        if (strcmp(path, "/keyflood") == 0 || strcmp(path, "/keybig") == 0) {
            snprintf(out, sizeof out, "client updates %d", client_updates);
            send_text(ssl, out);
        } else if (strcmp(path, "/keybulk") == 0) {
            key_update(ssl);
            snprintf(out, sizeof out, "len %zu updates %d", len, client_updates);
            send_text(ssl, out);
        } else if (len <= 125) {
            send_frame(ssl, op, msg, len);
        }
    }
}

int main(int argc, char **argv) {
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    SSL_CTX *ctx;
    int fd, one = 1;
    if (argc != 3) {
        fprintf(stderr, "usage: post_handshake_server CERT KEY\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    if (!(ctx = SSL_CTX_new(TLS_server_method()))) die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_num_tickets(ctx, 1);
    if (SSL_CTX_use_certificate_chain_file(ctx, argv[1]) != 1 || SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1)
        die("certificate or key");
    SSL_CTX_set_msg_callback(ctx, on_message);
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) die("socket");
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0)
        die("listen");
    printf("PORT %d\n", ntohs(a.sin_port));
    fflush(stdout);
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0) continue;
        if (fork() == 0) {
            SSL *ssl = SSL_new(ctx);
            close(fd);
            alarm(30); /* a client that stalls does not keep a child */
            if (!ssl) die("SSL_new");
            SSL_set_fd(ssl, c);
            serve(ssl);
            SSL_free(ssl);
            _exit(0);
        }
        close(c);
    }
}

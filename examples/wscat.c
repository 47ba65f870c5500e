/* wscat.c - a small command-line WebSocket client: stdin lines out, messages in.
   Build: cc -O2 -I.. wscat.c -o wscat -lbearssl
   Usage: wscat [options] ws[s]://host[:port][/path]
     --cafile FILE        trust the CAs in FILE instead of the system bundle
     --cert FILE          our client certificate (PEM, leaf first; may hold the key too)
     --key FILE           its private key (PEM, RSA or EC, not encrypted)
     --tls LIST           allowed versions: tls1,tls1_1,tls1_2,tls1_3 (default tls1,tls1_1,tls1_2)
     --protocols LIST     subprotocols to offer, comma-separated
     --timeout-ms N       bound on the connect (default 10000)
     --linger-ms N        after end of input, wait this long for more messages (default 1000)
     --insecure           accept ANY server certificate (no trust, date or name check)
   Each line of stdin is sent as one text message; each message received is
   printed on its own line (binary ones as "<binary: N bytes>"). */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failed, closed, opened;
static long long last_activity_ms;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_event(const wsc_event_data *ev) {
    last_activity_ms = now_ms();
    switch (ev->event) {
    case WSC_EVENT_OPEN:
        opened = 1;
        if (ev->length) fprintf(stderr, "connected (subprotocol %s)\n", ev->message);
        else fprintf(stderr, "connected\n");
        break;
    case WSC_EVENT_MESSAGE:
        if (ev->binary) printf("<binary: %lu bytes>\n", (unsigned long)ev->length);
        else printf("%s\n", ev->message);
        fflush(stdout);
        break;
    case WSC_EVENT_CLOSE:
        fprintf(stderr, "closed by server: %d %s\n", ev->code, ev->message);
        closed = 1;
        break;
    case WSC_EVENT_ERROR:
        fprintf(stderr, "error: %s\n", ev->message);
        failed = closed = 1;
        break;
    }
}

static unsigned parse_tls(const char *list) {
    unsigned mask = 0;
    char buf[128], *tok, *save = NULL;
    snprintf(buf, sizeof buf, "%s", list);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "tls1") == 0) mask |= WSC_TLS1;
        else if (strcmp(tok, "tls1_1") == 0) mask |= WSC_TLS1_1;
        else if (strcmp(tok, "tls1_2") == 0) mask |= WSC_TLS1_2;
        else if (strcmp(tok, "tls1_3") == 0) mask |= WSC_TLS1_3;
        else { fprintf(stderr, "unknown TLS version '%s'\n", tok); exit(2); }
    }
    return mask;
}

static int usage(void) {
    fprintf(stderr, "usage: wscat [--cafile F] [--cert F] [--key F] [--tls LIST] [--protocols P] [--timeout-ms N] "
                    "[--linger-ms N] [--insecure] ws[s]://host[:port][/path]\n");
    return 2;
}

/* Sends every complete line in buf[0..*len), keeps the partial rest. */
static void send_lines(char *buf, size_t *len) {
    size_t start = 0, i;
    for (i = 0; i < *len; i++) {
        if (buf[i] != '\n') continue;
        if (i > start && buf[i - 1] == '\r') buf[i - 1] = 0;
        buf[i] = 0;
        if (!wsc_write("wscat", buf + start)) fprintf(stderr, "write failed: %s\n", wsc_error_info());
        start = i + 1;
    }
    memmove(buf, buf + start, *len - start);
    *len -= start;
}

int main(int argc, char **argv) {
    wsc_config cfg;
    static char line[65536];
    size_t len = 0;
    int i, input_done = 0, linger_ms = 1000;
    memset(&cfg, 0, sizeof cfg);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--cafile") == 0 && has_value) cfg.ca_file = argv[++i];
        else if (strcmp(a, "--cert") == 0 && has_value) cfg.client_cert_file = argv[++i];
        else if (strcmp(a, "--key") == 0 && has_value) cfg.client_key_file = argv[++i];
        else if (strcmp(a, "--tls") == 0 && has_value) cfg.ssl_options = parse_tls(argv[++i]);
        else if (strcmp(a, "--protocols") == 0 && has_value) cfg.protocols = argv[++i];
        else if (strcmp(a, "--timeout-ms") == 0 && has_value) cfg.timeout_ms = atoi(argv[++i]);
        else if (strcmp(a, "--linger-ms") == 0 && has_value) linger_ms = atoi(argv[++i]);
        else if (strcmp(a, "--insecure") == 0) cfg.dangerous_no_certificate_check = 1;
        else if (a[0] == '-' || cfg.url) return usage();
        else cfg.url = a;
    }
    if (!cfg.url) return usage();
    cfg.callback = on_event;
    if (!wsc_open("wscat", &cfg)) {
        fprintf(stderr, "error: %s\n", wsc_error_info());
        return 1;
    }
    last_activity_ms = now_ms();
    while (!closed) {
        struct pollfd in;
        in.fd = 0;
        in.events = POLLIN;
        in.revents = 0;
        /* stdin is read only once the socket is open, so no line is lost */
        if (!input_done && opened && poll(&in, 1, 0) > 0) {
            ssize_t k = read(0, line + len, sizeof line - 1 - len);
            if (k <= 0) {
                input_done = 1;
                last_activity_ms = now_ms();
                if (len) { line[len++] = '\n'; send_lines(line, &len); } /* last line without newline */
            } else {
                len += (size_t)k;
                if (len == sizeof line - 1) { line[len++] = '\n'; } /* overlong line: send what we have */
                send_lines(line, &len);
            }
        }
        wsc_pump(input_done ? 50 : 10);
        if (input_done && !closed && now_ms() - last_activity_ms >= linger_ms) {
            wsc_close("wscat");
            break;
        }
    }
    return failed;
}

/* wscat.c - a small command-line WebSocket client: stdin lines out, messages in.
   Build: cc -O2 -I.. wscat.c -o wscat -lbearssl
   Usage: wscat [options] ws[s]://host[:port][/path]
     --cafile FILE        trust the CAs in FILE instead of the system bundle
     --cert FILE          our client certificate (PEM, leaf first; may hold the key too)
     --key FILE           its private key (PEM, RSA or EC, not encrypted)
     --tls LIST           allowed versions: tls1,tls1_1,tls1_2,tls1_3 (default tls1,tls1_1,tls1_2)
     --protocols LIST     subprotocols to offer, comma-separated
     --timeout TEXT       bound on the connect (default 10 s): milliseconds, or a
                          duration such as "1 min 30 s", "2s", "500 ms" (units h,
                          min, s or sec, ms); --timeout-ms N is the same
     --linger TEXT        after end of input, wait this long for more messages
                          (default 1 s); a duration as for --timeout; --linger-ms N
     --close-code N       when input ends, close with this code (default 1000):
                          1000-1003, 1007-1011 or 3000-4999; another is refused
                          then: the error is printed and wscat exits with 1
     --close-reason TEXT  the reason sent with --close-code (UTF-8, at most 123 bytes)
     --insecure           accept ANY server certificate (no trust, date or name check)
     -H "Name: value"     an extra header of the upgrade request (repeatable,
                          at most WSCLIENT_MAX_HEADERS)
     --origin URL         send Origin: URL
     --user-agent TEXT    the User-Agent header ("" sends none)
   Credentials in the URL (wss://user:password@host/) go as Basic auth.
     --max-redirects N    follow up to N redirects (301, 302, 303, 307, 308; at most 10;
                          default 0: a redirect is a refusal)
     --show-headers       print the headers of the server's 101 answer to stderr
     --proxy URL          connect through the HTTP proxy http://[user:password@]host[:port]
                          ("" or "none": no proxy, and the environment's is not used);
                          without it, https_proxy / http_proxy / all_proxy / no_proxy
                          apply as in curl
     --reconnect          connect again when the connection drops (docs/api.md
                          "Automatic reconnect"); each wait is printed to stderr
     --reconnect-min-ms N first wait (default 500), doubled each attempt ...
     --reconnect-max-ms N ... up to this (default 30000)
     --ping-interval-ms N a ping every N ms (a duration as for --timeout); no pong
                          within --pong-timeout-ms ends wscat with an error
     --pong-timeout-ms N  how long a ping may wait for its pong (default: the interval)
     --show-pongs         print each pong's round trip to stderr
   A refused upgrade (401, 429, a redirect not followed ...) prints the error,
   the HTTP status and the WWW-Authenticate, Retry-After and Location headers
   to stderr, and wscat exits with 1.
   Each line of stdin is sent as one text message; each message received is
   printed on its own line (binary ones as "<binary: N bytes>"). When input
   ends and the server stays quiet for the linger time, wscat closes; the
   server's answer is printed as "closed: CODE REASON". Exit status 0, or 1
   when the connection failed or the close was refused, 2 for bad options. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failed, closed, opened, show_headers, show_pongs;
static long long last_activity_ms;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints text from the server with every byte but printable ASCII as \xHH. */
static void print_escaped(const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7F && c != '\\') fputc(c, stderr);
        else fprintf(stderr, "\\x%02X", c);
    }
}

static void print_header(const char *name, const char *value) {
    print_escaped(name);
    fputs(": ", stderr);
    print_escaped(value);
    fputc('\n', stderr);
}

/* The answer's headers, during the OPEN event. */
static void show_answer(const char *name) {
    const char *h, *v;
    int i;
    for (i = 0; (h = wsc_response_header_at(name, i, &v)) != NULL; i++) print_header(h, v);
}

/* What a refused upgrade said: its status and the headers that say what to do. */
static void show_refusal(void) {
    static const char *const names[] = {"WWW-Authenticate", "Retry-After", "Location"};
    const char *v;
    int i, k;
    if (!wsc_error_http_status()) return;
    fprintf(stderr, "HTTP %d\n", wsc_error_http_status());
    for (i = 0; i < 3; i++)
        for (k = 0; (v = wsc_error_header(names[i], k)) != NULL; k++) print_header(names[i], v);
}

static void on_event(const wsc_event_data *ev) {
    if (ev->event != WSC_EVENT_PONG) last_activity_ms = now_ms(); /* a pong answers us: not the server talking */
    switch (ev->event) {
    case WSC_EVENT_PONG:
        if (!show_pongs) break;
        if (ev->code >= 0) fprintf(stderr, "pong: %d ms round trip\n", ev->code);
        else fprintf(stderr, "pong (not an answer to our pings, %lu bytes)\n", (unsigned long)ev->length);
        break;
    case WSC_EVENT_OPEN:
        opened = 1;
        if (ev->length) fprintf(stderr, "connected (subprotocol %s)\n", ev->message);
        else fprintf(stderr, "connected\n");
        if (show_headers) show_answer(ev->name);
        break;
    case WSC_EVENT_MESSAGE:
        if (ev->binary) printf("<binary: %lu bytes>\n", (unsigned long)ev->length);
        else printf("%s\n", ev->message);
        fflush(stdout);
        break;
    case WSC_EVENT_CLOSE: /* the server's close, or its answer to ours */
        fprintf(stderr, "closed: %d %s\n", ev->code, ev->message);
        closed = 1;
        break;
    case WSC_EVENT_RECONNECTING: /* stdin waits until the next OPEN */
        fprintf(stderr, "reconnecting in %d ms (attempt %d): %s\n", ev->reconnect_ms, ev->attempt, ev->message);
        opened = 0;
        break;
    case WSC_EVENT_ERROR:
        fprintf(stderr, "error: %s\n", ev->message);
        show_refusal();
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
    fprintf(stderr, "usage: wscat [--cafile F] [--cert F] [--key F] [--tls LIST] [--protocols P] [--timeout TEXT] "
                    "[--linger TEXT] [--close-code N [--close-reason TEXT]] [--insecure] [-H \"Name: value\"]... "
                    "[--origin URL] [--user-agent TEXT] [--max-redirects N] [--show-headers] [--proxy URL] "
                    "[--reconnect [--reconnect-min-ms N] [--reconnect-max-ms N]] [--ping-interval-ms N] "
                    "[--pong-timeout-ms N] [--show-pongs] ws[s]://[user:password@]host[:port][/path]\n");
    return 2;
}

/* A duration option: milliseconds or "1 min 30 s" (wsc_duration_ms). */
static int parse_duration(const char *opt, const char *text) {
    int ms;
    if (!wsc_duration_ms(text, &ms)) {
        fprintf(stderr, "%s: %s\n", opt, wsc_error_info());
        exit(2);
    }
    return ms;
}

/* A whole decimal number, or exit 2 naming the option (atoi reads "x" as 0). */
static int parse_number(const char *opt, const char *text) {
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < -100000 || v > 100000) {
        fprintf(stderr, "%s: '%s' is not a number\n", opt, text);
        exit(2);
    }
    return (int)v;
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

/* -H "Name: value": the name and the value, the blanks after the colon dropped. */
static int parse_header(char *arg, wsc_header *h) {
    char *colon = strchr(arg, ':');
    if (!colon) { fprintf(stderr, "-H '%s': want \"Name: value\"\n", arg); return 0; }
    *colon++ = 0;
    while (*colon == ' ' || *colon == '\t') colon++;
    h->name = arg;
    h->value = colon;
    return 1;
}

int main(int argc, char **argv) {
    wsc_config cfg;
    static wsc_header headers[WSCLIENT_MAX_HEADERS];
    static char line[65536];
    size_t len = 0;
    int i, input_done = 0, linger_ms = 1000, close_code = 1000;
    const char *close_reason = NULL;
    memset(&cfg, 0, sizeof cfg);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--cafile") == 0 && has_value) cfg.ca_file = argv[++i];
        else if (strcmp(a, "--cert") == 0 && has_value) cfg.client_cert_file = argv[++i];
        else if (strcmp(a, "--key") == 0 && has_value) cfg.client_key_file = argv[++i];
        else if (strcmp(a, "--tls") == 0 && has_value) cfg.ssl_options = parse_tls(argv[++i]);
        else if (strcmp(a, "--protocols") == 0 && has_value) cfg.protocols = argv[++i];
        else if ((strcmp(a, "--timeout") == 0 || strcmp(a, "--timeout-ms") == 0) && has_value)
            cfg.timeout_ms = parse_duration(a, argv[++i]);
        else if ((strcmp(a, "--linger") == 0 || strcmp(a, "--linger-ms") == 0) && has_value)
            linger_ms = parse_duration(a, argv[++i]);
        else if (strcmp(a, "--close-code") == 0 && has_value) close_code = parse_number(a, argv[++i]);
        else if (strcmp(a, "--close-reason") == 0 && has_value) close_reason = argv[++i];
        else if (strcmp(a, "--insecure") == 0) cfg.dangerous_no_certificate_check = 1;
        else if (strcmp(a, "--origin") == 0 && has_value) cfg.origin = argv[++i];
        else if (strcmp(a, "--user-agent") == 0 && has_value) cfg.user_agent = argv[++i];
        else if (strcmp(a, "-H") == 0 && has_value) {
            if (cfg.header_count == WSCLIENT_MAX_HEADERS) {
                fprintf(stderr, "more than %d -H headers (WSCLIENT_MAX_HEADERS)\n", WSCLIENT_MAX_HEADERS);
                return 2;
            }
            if (!parse_header(argv[++i], &headers[cfg.header_count++])) return 2;
            cfg.headers = headers;
        }
        else if (strcmp(a, "--max-redirects") == 0 && has_value) cfg.max_redirects = parse_number(a, argv[++i]);
        else if (strcmp(a, "--show-headers") == 0) show_headers = 1;
        else if (strcmp(a, "--proxy") == 0 && has_value) { /* "none": no proxy either */
            cfg.proxy = argv[++i];
            if (strcmp(cfg.proxy, "none") == 0) cfg.proxy = "";
        }
        else if (strcmp(a, "--reconnect") == 0) cfg.reconnect = 1;
        else if (strcmp(a, "--reconnect-min-ms") == 0 && has_value) cfg.reconnect_min_ms = parse_number(a, argv[++i]);
        else if (strcmp(a, "--reconnect-max-ms") == 0 && has_value) cfg.reconnect_max_ms = parse_number(a, argv[++i]);
        else if (strcmp(a, "--ping-interval-ms") == 0 && has_value) cfg.ping_interval_ms = parse_duration(a, argv[++i]);
        else if (strcmp(a, "--pong-timeout-ms") == 0 && has_value) cfg.pong_timeout_ms = parse_duration(a, argv[++i]);
        else if (strcmp(a, "--show-pongs") == 0) show_pongs = 1;
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
        if (input_done && !closed && !opened && wsc_exist("wscat") && now_ms() - last_activity_ms >= linger_ms) {
            wsc_close("wscat"); /* between two connections of --reconnect: nothing to hand shake */
            break;
        }
        if (input_done && !closed && now_ms() - last_activity_ms >= linger_ms) {
            /* asynchronous: the close frame is queued, its answer comes as an event */
            if (!wsc_close_with("wscat", close_code, close_reason)) {
                fprintf(stderr, "error: %s\n", wsc_error_info());
                wsc_abort("wscat");
                return 1;
            }
            while (!closed) wsc_pump(100); /* the close handshake is bounded */
        }
    }
    return failed;
}

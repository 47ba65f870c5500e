/* wscat.c - a small command-line WebSocket client: stdin out, messages in.
   Installed by make install as wsclient-cat (node's wscat keeps its name);
   man/wsclient-cat.1 is its manual, and --help prints the options (HELP below).
   Build: cc -O2 -I.. wscat.c -o wscat -lbearssl
   Usage: wscat [options] ws[s]://[user:password@]host[:port][/path]

   Text mode (the default): each line of stdin (LF or CR LF; the last one may
   lack it) goes as one text message, whole whatever its length, NULs
   included; a line longer than WSCLIENT_MAX_MESSAGE (16 MiB) or not valid
   UTF-8 is refused with an error and exit status 4, nothing of it sent. Each
   message received is written raw to stdout (fwrite of its length), then a
   newline. -b/--binary: stdin goes as binary messages, one per read (up to
   64 KiB each), and messages are written raw with nothing added.

   When input ends, wscat waits for replies: it closes once the server has
   been quiet for --wait-ms (default 2 s). -1/--once closes after the first
   message. The server's close is printed to stderr as "closed: CODE REASON".
   Exit status: 0 a normal close (1000 or 1001, or the server's answer to our
   close), 1 the connect or the upgrade failed, 2 bad options, 3 any other
   close code or an abnormal end (no close frame, a ping unanswered), 4 input
   refused. The loop sleeps in poll() until stdin, the socket or the next
   deadline (wsc_watches) needs it: idle, it does not wake. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_NORMAL = 0, EXIT_CONNECT = 1, EXIT_USAGE = 2, EXIT_ABNORMAL = 3, EXIT_INPUT = 4 };
#define CHUNK 65536u                  /* one read of stdin */
#define MAX_LINE WSCLIENT_MAX_MESSAGE /* the largest message the library sends */

static const char HELP[] =
    "usage: wsclient-cat [options] ws[s]://[user:password@]host[:port][/path]\n"
    "Sends each line of stdin as a text message; writes each message received to stdout.\n"
    "  -b, --binary         stdin is sent raw as binary messages (one per read, up to 64 KiB);\n"
    "                       messages are written raw, nothing added (text mode adds a newline)\n"
    "  -1, --once           close after the first message received\n"
    "  --wait-ms TEXT       after end of input, close once the server has been quiet this\n"
    "                       long (default 2 s); a duration as for --timeout; --wait, --linger\n"
    "                       and --linger-ms are the same\n"
    "  --cafile FILE        trust the CAs in FILE instead of the system bundle\n"
    "  --cert FILE          our client certificate (PEM, leaf first; may hold the key too)\n"
    "  --key FILE           its private key (PEM, RSA or EC, not encrypted)\n"
    "  --tls LIST           allowed versions: tls1,tls1_1,tls1_2,tls1_3 (default tls1,tls1_1,tls1_2)\n"
    "  --protocols LIST     subprotocols to offer, comma-separated\n"
    "  --timeout TEXT       bound on the connect (default 10 s): milliseconds, or a duration\n"
    "                       such as \"1 min 30 s\", \"2s\", \"500 ms\"; --timeout-ms N is the same\n"
    "  --close-code N       close with this code (default 1000): 1000-1003, 1007-1011 or\n"
    "                       3000-4999; another is refused when the close comes (exit 2)\n"
    "  --close-reason TEXT  the reason sent with --close-code (UTF-8, at most 123 bytes)\n"
    "  --insecure           accept ANY server certificate (no trust, date or name check)\n"
    "  -H \"Name: value\"     an extra header of the upgrade request (repeatable)\n"
    "  --origin URL         send Origin: URL\n"
    "  --user-agent TEXT    the User-Agent header (\"\" sends none)\n"
    "  --max-redirects N    follow up to N redirects (at most 10; default 0: a refusal)\n"
    "  --show-headers       print the headers of the server's 101 answer to stderr\n"
    "  --show-tls           print the TLS version, cipher suite and ALPN agreed to stderr\n"
    "  --proxy URL          connect through http://[user:password@]host[:port] (\"\" or \"none\":\n"
    "                       no proxy); without it, https_proxy, http_proxy, all_proxy and\n"
    "                       no_proxy apply as in curl\n"
    "  --reconnect          connect again when the connection drops (each wait on stderr)\n"
    "  --reconnect-min-ms N first wait (default 500), doubled each attempt ...\n"
    "  --reconnect-max-ms N ... up to this (default 30000)\n"
    "  --ping-interval-ms N a ping every N ms; no pong within --pong-timeout-ms ends wscat\n"
    "  --pong-timeout-ms N  how long a ping may wait for its pong (default: the interval)\n"
    "  --show-pongs         print each pong's round trip to stderr\n"
    "  -h, --help           this text\n"
    "Credentials in the URL go as Basic auth. A refused upgrade prints the HTTP status and\n"
    "the WWW-Authenticate, Retry-After and Location headers to stderr.\n"
    "Text mode: a line (LF or CR LF) goes whole, NULs included; a line over 16 MiB or not\n"
    "valid UTF-8 is refused, nothing of it sent (use --binary for bytes).\n"
    "Exit status: 0 a normal close (1000 or 1001, or the server's answer to our close);\n"
    "1 the connect or the upgrade failed; 2 bad options; 3 any other close code, or an\n"
    "abnormal end (no close frame, a ping unanswered); 4 input refused (see above).\n";

static int binary_mode, once, show_headers, show_pongs, show_tls;
static int opened, ever_opened, closed, closing, sent_code, got_message, status;
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

/* What TLS the connection agreed (wss:// only). */
static void show_tls_info(const char *name) {
    wsc_tls_info info;
    if (wsc_tls_get_info(name, &info))
        fprintf(stderr, "tls: %s, %s%s, ALPN %s\n", info.version_name, info.cipher_name, info.resumed ? ", resumed" : "",
                info.alpn[0] ? info.alpn : "none");
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

/* A message as it came: its length, not up to a NUL; text mode ends it with a newline. */
static void write_message(const wsc_event_data *ev) {
    if (once && got_message) return; /* --once: only the first */
    got_message = 1;
    fwrite(ev->message, 1, ev->length, stdout);
    if (!binary_mode) fputc('\n', stdout);
    fflush(stdout);
}

/* 1000 and 1001 are normal ends; so is the server's answer to a close of ours. */
static int close_status(int code) {
    if (code == 1000 || code == 1001 || (sent_code && code == sent_code)) return EXIT_NORMAL;
    return EXIT_ABNORMAL;
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
        opened = ever_opened = 1;
        if (ev->length) fprintf(stderr, "connected (subprotocol %s)\n", ev->message);
        else fprintf(stderr, "connected\n");
        if (show_headers) show_answer(ev->name);
        if (show_tls) show_tls_info(ev->name);
        break;
    case WSC_EVENT_MESSAGE:
        write_message(ev);
        break;
    case WSC_EVENT_CLOSE: /* the server's close, or its answer to ours */
        fprintf(stderr, "closed: %d ", ev->code);
        print_escaped(ev->message);
        fputc('\n', stderr);
        status = close_status(ev->code);
        closed = 1;
        break;
    case WSC_EVENT_RECONNECTING: /* stdin waits until the next OPEN */
        fprintf(stderr, "reconnecting in %d ms (attempt %d): %s\n", ev->reconnect_ms, ev->attempt, ev->message);
        opened = 0;
        break;
    case WSC_EVENT_ERROR:
        fprintf(stderr, "error: %s\n", ev->message);
        show_refusal();
        status = ever_opened ? EXIT_ABNORMAL : EXIT_CONNECT;
        closed = 1;
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
        else { fprintf(stderr, "unknown TLS version '%s'\n", tok); exit(EXIT_USAGE); }
    }
    return mask;
}

static int usage(void) {
    fprintf(stderr, "usage: wsclient-cat [options] ws[s]://[user:password@]host[:port][/path] (--help: the options)\n");
    return EXIT_USAGE;
}

/* A duration option: milliseconds or "1 min 30 s" (wsc_duration_ms). */
static int parse_duration(const char *opt, const char *text) {
    int ms;
    if (!wsc_duration_ms(text, &ms)) {
        fprintf(stderr, "%s: %s\n", opt, wsc_error_info());
        exit(EXIT_USAGE);
    }
    return ms;
}

/* A whole decimal number, or exit 2 naming the option (atoi reads "x" as 0). */
static int parse_number(const char *opt, const char *text) {
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < -100000 || v > 100000) {
        fprintf(stderr, "%s: '%s' is not a number\n", opt, text);
        exit(EXIT_USAGE);
    }
    return (int)v;
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

/* --- Input: stdin to messages --- */

/* The bytes of stdin not sent yet: in text mode the line being read. It
   grows as a long line needs (up to MAX_LINE), so a line never splits where
   a read happened to end. */
static struct {
    char *p;
    size_t len, cap, scanned; /* scanned: bytes known to hold no newline */
    long line;                /* lines sent so far, for the error text */
    int done, refused;        /* end of input; input refused (exit 4) */
} in;

/* Sends one message; when the library's queue is full, pumps until it takes it. */
static int send_message(const char *data, size_t len) {
    for (;;) {
        int ok = binary_mode ? wsc_write_binary("wscat", data, len) : wsc_write_text("wscat", data, len);
        if (ok) return 1;
        if (wsc_error_code() != WSC_ERR_QUEUE_FULL || closed) return 0;
        wsc_pump(100); /* the server reads slower than stdin comes: wait for it */
    }
}

/* Stops reading stdin with an error: exit status 4 once closed. */
static void refuse_input(const char *why, const char *hint) {
    fprintf(stderr, "error: line %ld: %s%s\n", in.line + 1, why, hint);
    in.refused = in.done = 1;
}

/* Sends the line in.p[start .. end) (a CR before the newline dropped). */
static void send_line(size_t start, size_t end) {
    char why[96];
    if (end > start && in.p[end - 1] == '\r') end--;
    if (end - start > MAX_LINE) {
        snprintf(why, sizeof why, "longer than %lu bytes (WSCLIENT_MAX_MESSAGE): not sent", (unsigned long)MAX_LINE);
        refuse_input(why, "");
        return;
    }
    if (send_message(in.p + start, end - start)) { in.line++; return; }
    if (wsc_error_code() == WSC_ERR_ARGUMENT) { /* the library refused the text: not UTF-8 */
        refuse_input(wsc_error_info(), "; -b/--binary sends bytes as they are");
        return;
    }
    fprintf(stderr, "write failed: %s\n", wsc_error_info());
    in.done = 1;
}

/* Sends every complete line in the buffer and keeps the partial rest. */
static void send_lines(void) {
    size_t start = 0, i;
    for (i = in.scanned; i < in.len && !in.done; i++) {
        if (in.p[i] != '\n') continue;
        send_line(start, i);
        start = i + 1;
    }
    if (in.done) return;
    if (start) memmove(in.p, in.p + start, in.len - start); /* a long line is not moved on every read */
    in.len -= start;
    in.scanned = in.len;
    if (in.len > MAX_LINE + 1) send_line(0, in.len); /* no newline can make it fit: refuse it now */
}

/* Room for one more read; 0 when memory ran out. */
static int reserve_chunk(void) {
    char *p;
    size_t cap = in.cap ? in.cap : CHUNK;
    while (cap - in.len < CHUNK) cap *= 2;
    if (cap == in.cap) return 1;
    if ((p = (char *)realloc(in.p, cap)) == NULL) return 0;
    in.p = p;
    in.cap = cap;
    return 1;
}

/* End of input: the last line may lack its newline. */
static void end_input(void) {
    if (!binary_mode && in.len && !in.done) send_line(0, in.len);
    in.len = 0;
    in.done = 1;
    last_activity_ms = now_ms(); /* --wait-ms counts from here */
}

/* One read of stdin (poll() said it would not block). */
static void read_input(void) {
    ssize_t k;
    if (!reserve_chunk()) { refuse_input("out of memory", ""); return; }
    k = read(0, in.p + in.len, CHUNK);
    if (k < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (k <= 0) { end_input(); return; }
    if (binary_mode) { /* one read, one message */
        if (!send_message(in.p, (size_t)k)) { fprintf(stderr, "write failed: %s\n", wsc_error_info()); in.done = 1; }
        return;
    }
    in.len += (size_t)k;
    send_lines();
}

/* --- The loop --- */

/* Starts the close handshake; its answer comes as the CLOSE event. 0 when
   the library refused the close code (a usage error). */
static int start_close(int code, const char *reason) {
    closing = 1;
    if (!opened) { /* between two connections of --reconnect: nothing to hand shake */
        wsc_close("wscat");
        status = EXIT_ABNORMAL;
        closed = 1;
        return 1;
    }
    if (!wsc_close_with("wscat", code, reason)) {
        fprintf(stderr, "error: %s\n", wsc_error_info());
        wsc_abort("wscat");
        return 0;
    }
    sent_code = code;
    return 1;
}

/* Milliseconds until we close (-1: no deadline of ours). */
static int our_timeout(int wait_ms) {
    long long left;
    if (closing) return -1;
    if (in.refused || (once && got_message)) return 0;
    if (!in.done) return -1;
    left = last_activity_ms + wait_ms - now_ms();
    return left < 0 ? 0 : (int)left;
}

/* Sleeps until the socket, stdin or a deadline (the library's or ours) needs us. */
static int wait_for_work(struct pollfd **fds, int *cap, int mine) {
    static wsc_watch watches[16];
    int lib_ms, n, i, k = 0;
    n = wsc_watches(watches, 16, &lib_ms);
    if (n < 0) n = 0;
    if (n > 16) { n = 16; lib_ms = 0; } /* cannot happen with one socket; pump soon to be safe */
    if (*cap < n + 1) {
        *cap = n + 1;
        *fds = (struct pollfd *)realloc(*fds, (size_t)*cap * sizeof **fds);
        if (!*fds) { fprintf(stderr, "out of memory\n"); exit(EXIT_ABNORMAL); }
    }
    for (i = 0; i < n; i++) {
        if (watches[i].fd == WSC_NO_FD) continue;
        (*fds)[k].fd = watches[i].fd;
        (*fds)[k].events = (short)(((watches[i].events & WSC_IO_READ) ? POLLIN : 0) | ((watches[i].events & WSC_IO_WRITE) ? POLLOUT : 0));
        (*fds)[k++].revents = 0;
    }
    if (!in.done && opened && !closing) { /* stdin is read only once the socket is open, so no line is lost */
        (*fds)[k].fd = 0;
        (*fds)[k].events = POLLIN;
        (*fds)[k++].revents = 0;
    }
    if (mine >= 0 && (lib_ms < 0 || mine < lib_ms)) lib_ms = mine;
    if (poll(*fds, (nfds_t)k, lib_ms) < 0 && errno != EINTR) return 0;
    return k > 0 && (*fds)[k - 1].fd == 0 && (*fds)[k - 1].revents;
}

int main(int argc, char **argv) {
    wsc_config cfg;
    static wsc_header headers[WSCLIENT_MAX_HEADERS];
    struct pollfd *fds = NULL;
    int i, nfds = 0, wait_ms = 2000, close_code = 1000;
    const char *close_reason = NULL;
    memset(&cfg, 0, sizeof cfg);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { fputs(HELP, stdout); return EXIT_NORMAL; }
        else if (strcmp(a, "-b") == 0 || strcmp(a, "--binary") == 0) binary_mode = 1;
        else if (strcmp(a, "-1") == 0 || strcmp(a, "--once") == 0) once = 1;
        else if (strcmp(a, "--cafile") == 0 && has_value) cfg.ca_file = argv[++i];
        else if (strcmp(a, "--cert") == 0 && has_value) cfg.client_cert_file = argv[++i];
        else if (strcmp(a, "--key") == 0 && has_value) cfg.client_key_file = argv[++i];
        else if (strcmp(a, "--tls") == 0 && has_value) cfg.ssl_options = parse_tls(argv[++i]);
        else if (strcmp(a, "--protocols") == 0 && has_value) cfg.protocols = argv[++i];
        else if ((strcmp(a, "--timeout") == 0 || strcmp(a, "--timeout-ms") == 0) && has_value)
            cfg.timeout_ms = parse_duration(a, argv[++i]);
        else if ((strcmp(a, "--wait-ms") == 0 || strcmp(a, "--wait") == 0 || strcmp(a, "--linger") == 0 ||
                  strcmp(a, "--linger-ms") == 0) && has_value)
            wait_ms = parse_duration(a, argv[++i]);
        else if (strcmp(a, "--close-code") == 0 && has_value) close_code = parse_number(a, argv[++i]);
        else if (strcmp(a, "--close-reason") == 0 && has_value) close_reason = argv[++i];
        else if (strcmp(a, "--insecure") == 0) cfg.dangerous_no_certificate_check = 1;
        else if (strcmp(a, "--origin") == 0 && has_value) cfg.origin = argv[++i];
        else if (strcmp(a, "--user-agent") == 0 && has_value) cfg.user_agent = argv[++i];
        else if (strcmp(a, "-H") == 0 && has_value) {
            if (cfg.header_count == WSCLIENT_MAX_HEADERS) {
                fprintf(stderr, "more than %d -H headers (WSCLIENT_MAX_HEADERS)\n", WSCLIENT_MAX_HEADERS);
                return EXIT_USAGE;
            }
            if (!parse_header(argv[++i], &headers[cfg.header_count++])) return EXIT_USAGE;
            cfg.headers = headers;
        }
        else if (strcmp(a, "--max-redirects") == 0 && has_value) cfg.max_redirects = parse_number(a, argv[++i]);
        else if (strcmp(a, "--show-headers") == 0) show_headers = 1;
        else if (strcmp(a, "--show-tls") == 0) show_tls = 1;
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
        return EXIT_CONNECT;
    }
    last_activity_ms = now_ms();
    while (!closed) {
        int mine = our_timeout(wait_ms);
        if (mine == 0 && !closing) { /* input ended and the server went quiet, --once, or bad input */
            if (start_close(in.refused ? 1000 : close_code, in.refused ? NULL : close_reason)) continue;
            status = EXIT_USAGE; /* a close code the library refuses: end at once, freeing what we hold */
            wsc_abort("wscat");
            break;
        }
        if (wait_for_work(&fds, &nfds, mine) && !in.done) read_input();
        wsc_pump(0);
    }
    free(fds);
    free(in.p);
    return in.refused ? EXIT_INPUT : status;
}

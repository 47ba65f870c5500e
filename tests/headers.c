/* headers.c - the upgrade request's own headers (wsc_config.headers, origin,
   user_agent) and Basic credentials from the URL, against real servers on
   loopback: tests/ws_server.py (python3-websockets: /headers sends back the
   request's headers, /auth wants a Bearer token) and tests/node_server.js
   (node's ws: Origin checked by verifyClient; skipped without node). Every
   way in: ws:// and wss://, sync and async, the built-in TCP and a user
   transport. Also every refusal, the limits at their edge, and that no
   error text shows a password. Built also with WSCLIENT_NO_HEAP and
   WSCLIENT_SMALL (which parses no URLs and trusts compiled-in anchors only:
   there the plain ws:// part runs). */
#define _POSIX_C_SOURCE 200809L
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

/* Names under .test fail to resolve here, at once: a DNS failure without a
   query leaving the machine. */
static int test_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints, struct addrinfo **res) {
    size_t n = strlen(host);
    if (n > 5 && strcmp(host + n - 5, ".test") == 0) return EAI_NONAME;
    return getaddrinfo(host, port, hints, res);
}
#define WSCLIENT_GETADDRINFO(host, port, hints, res) test_getaddrinfo(host, port, hints, res)
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

static int plain_port, wss_port, node_port, node_tls_port;

/* ---- a pass-through user transport: plain TCP, non-blocking -------------- */

static void *pt_connect(void *user, const char *host, int port) {
    struct addrinfo hints, *ai = NULL;
    char ps[8];
    int fd, *conn;
    (void)user;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_INET;
    snprintf(ps, sizeof ps, "%d", port);
    if (strcmp(host, "localhost") == 0) host = "127.0.0.1"; /* loopback only */
    if (getaddrinfo(host, ps, &hints, &ai) != 0) return NULL;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) { close(fd); freeaddrinfo(ai); return NULL; }
    freeaddrinfo(ai);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    conn = (int *)malloc(sizeof *conn);
    *conn = fd;
    return conn;
}

static long pt_result(ssize_t k, int eof_ok) {
    if (k > 0) return (long)k;
    if (k == 0) return eof_ok ? WSC_IO_EOF : WSC_IO_AGAIN;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? WSC_IO_AGAIN : WSC_IO_ERROR;
}

static long pt_send(void *user, void *conn, const void *data, size_t len) {
    (void)user;
    return pt_result(send(*(int *)conn, data, len, MSG_NOSIGNAL), 0);
}

static long pt_recv(void *user, void *conn, void *buf, size_t len) {
    (void)user;
    return pt_result(recv(*(int *)conn, buf, len, 0), 1);
}

static int pt_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    struct pollfd pfd[WSCLIENT_MAX_SOCKETS];
    int i, n;
    (void)user;
    for (i = 0; i < count; i++) {
        pfd[i].fd = *(int *)items[i].conn;
        pfd[i].events = (short)(((items[i].events & WSC_IO_READ) ? POLLIN : 0) | ((items[i].events & WSC_IO_WRITE) ? POLLOUT : 0));
        pfd[i].revents = 0;
    }
    n = poll(pfd, (nfds_t)count, timeout_ms);
    for (i = 0; i < count; i++)
        items[i].revents = ((pfd[i].revents & POLLIN) ? WSC_IO_READ : 0) | ((pfd[i].revents & POLLOUT) ? WSC_IO_WRITE : 0);
    return n;
}

static void pt_close(void *user, void *conn) {
    (void)user;
    close(*(int *)conn);
    free(conn);
}

static const wsc_transport passthrough = {NULL, pt_connect, pt_send, pt_recv, pt_wait, pt_close, NULL, NULL};

/* ---- opening a socket every way, reading the server's first message ------ */

typedef struct way {
    int tls, async, user_tp;
    const char *label;
} way;

static const way ways[] = {
    {0, 0, 0, "ws:// sync"},  {0, 1, 0, "ws:// async"},  {0, 0, 1, "ws:// sync, user transport"},
    {1, 0, 0, "wss:// sync"}, {1, 1, 0, "wss:// async"}, {1, 1, 1, "wss:// async, user transport"},
};
#ifdef WSCLIENT_SMALL
#define WAYS 3 /* no CA file in the small build: ws:// only */
#else
#define WAYS 6
#endif

static char async_first[WSCLIENT_MAX_REQUEST * 2];
static int async_state; /* 0 waiting, 1 got the first message, 2 failed */
static int async_code;

static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_MESSAGE && async_state == 0) {
        snprintf(async_first, sizeof async_first, "%s", ev->message);
        async_state = 1;
    } else if (ev->event == WSC_EVENT_ERROR && async_state == 0) {
        snprintf(async_first, sizeof async_first, "%s", ev->message);
        async_code = ev->code;
        async_state = 2;
    }
}

/* Opens c (address, port, tls, callback and transport set by w) and returns
   the server's first message (malloc'd), or NULL with the failure kept in
   wsc_error_info() / async_code. */
static char *first_message(wsc_config c, const way *w, int port) {
    char *h, *a;
    if (!c.url) {
        c.address = w->tls ? "localhost" : "127.0.0.1";
        c.port = port;
        c.tls = w->tls;
    }
    c.timeout_ms = 5000;
    if (w->user_tp) c.transport = &passthrough;
    if (!w->async) {
        if (!wsc_open("h", &c)) return NULL;
        a = wsc_read_alloc("h", 5000, NULL, NULL);
        if (!a) printf("  %s: read: %s\n", w->label, wsc_error_info());
        wsc_close("h");
        if (!a) return NULL;
        h = (char *)malloc(strlen(a) + 1); /* callers free() it, whatever the build */
        strcpy(h, a);
        wsc_free(a);
        return h;
    }
    c.callback = on_event;
    async_state = async_code = 0;
    if (!wsc_open("h", &c)) return NULL;
    while (async_state == 0 && wsc_exist("h")) wsc_pump(50);
    wsc_close("h");
    pump_until_gone("h");
    if (async_state != 1) {
        wsc__set_error((wsc_result)async_code, "%s", async_first);
        return NULL;
    }
    h = (char *)malloc(strlen(async_first) + 1);
    strcpy(h, async_first);
    return h;
}

#ifndef WSCLIENT_SMALL
/* A port on 127.0.0.1 where nothing listens. */
static int closed_port(void) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}
#endif

static int port_of(const way *w) { return w->tls ? wss_port : plain_port; }

/* The lines of want appear in got in this order, one after the other. */
static int has_lines(const char *got, const char *want, const way *w) {
    int ok = got && strstr(got, want) != NULL;
    if (!ok) printf("  %s: want\n%s\n  in\n%s\n", w->label, want, got ? got : wsc_error_info());
    return ok;
}

/* ---- the tests ----------------------------------------------------------- */

static const wsc_header some[] = {
    {"X-One", "1"},
    {"X-Repeat", "first"},
    {"x-lower-case", "two words\twith a tab, and \xc3\xa9"},
    {"X-Repeat", "second"},
    {"X-Empty", ""},
    {"Cookie", "session=abc; theme=dark"},
    {"Authorization", "Bearer s3cret-token"},
};
static const char some_lines[] = "X-One: 1\nX-Repeat: first\nx-lower-case: two words\twith a tab, and \xc3\xa9\n"
                                 "X-Repeat: second\nX-Empty: \nCookie: session=abc; theme=dark\n"
                                 "Authorization: Bearer s3cret-token";

TEST(headers_arrive_exactly) {
    int i;
    for (i = 0; i < WAYS; i++) {
        wsc_config c = {0};
        char *h;
        c.path = "/auth"; /* refused without the Authorization header */
        c.headers = some;
        c.header_count = sizeof some / sizeof *some;
        c.protocols = "chat";
        h = first_message(c, &ways[i], port_of(&ways[i]));
        CHECK(has_lines(h, some_lines, &ways[i]));
        CHECK(has_lines(h, "User-Agent: wsclient.h/" WSCLIENT_VERSION_STRING "\n", &ways[i]));
        CHECK(has_lines(h, "Sec-WebSocket-Protocol: chat", &ways[i]));
        CHECK(h && !strstr(h, "Origin:"));
        free(h);
    }
}

TEST(bearer_refused_without_the_header) {
    int i;
    for (i = 0; i < WAYS; i++) {
        wsc_config c = {0};
        wsc_header wrong = {"Authorization", "Bearer guess"};
        c.path = "/auth";
        CHECK(!first_message(c, &ways[i], port_of(&ways[i])) && wsc_error_code() == WSC_ERR_HTTP_STATUS &&
              strstr(wsc_error_info(), "401"));
        c.headers = &wrong;
        c.header_count = 1;
        CHECK(!first_message(c, &ways[i], port_of(&ways[i])) && wsc_error_code() == WSC_ERR_HTTP_STATUS &&
              strstr(wsc_error_info(), "401"));
    }
}

TEST(user_agent_default_replaced_removed) {
    int i;
    for (i = 0; i < WAYS; i++) {
        wsc_config c = {0};
        char *h;
        c.path = "/headers";
        c.user_agent = "thermostat/2.1 (wsclient.h)";
        h = first_message(c, &ways[i], port_of(&ways[i]));
        CHECK(has_lines(h, "\nUser-Agent: thermostat/2.1 (wsclient.h)", &ways[i]));
        CHECK(h && !strstr(h, "wsclient.h/"));
        free(h);
        c.user_agent = "";
        h = first_message(c, &ways[i], port_of(&ways[i]));
        CHECK(has_lines(h, "Sec-WebSocket-Version: 13", &ways[i]));
        CHECK(h && !strstr(h, "User-Agent"));
        free(h);
    }
}

/* node's ws checks Origin in verifyClient: the right one opens, a wrong one
   or none is refused with 403. */
TEST(origin_checked_by_node_ws) {
    int i;
    if (!getenv("WSC_TEST_NODE_PORT") && SKIP("node or its ws module is missing (apt-get install nodejs node-ws)")) return;
    for (i = 0; i < WAYS; i++) {
        const way *w = &ways[i];
        int port = w->tls ? node_tls_port : node_port;
        wsc_config c = {0};
        wsc_header extra = {"X-Device", "kitchen"};
        char *h;
        c.path = "/origin";
        c.origin = "http://good.example";
        c.headers = &extra;
        c.header_count = 1;
        h = first_message(c, w, port);
        CHECK(has_lines(h, "Origin: http://good.example\n", w));
        CHECK(has_lines(h, "X-Device: kitchen", w));
        CHECK(has_lines(h, "User-Agent: wsclient.h/" WSCLIENT_VERSION_STRING, w));
        free(h);
        c.origin = "http://evil.example";
        CHECK(!first_message(c, w, port) && wsc_error_code() == WSC_ERR_HTTP_STATUS && strstr(wsc_error_info(), "403"));
        c.origin = NULL;
        CHECK(!first_message(c, w, port) && wsc_error_code() == WSC_ERR_HTTP_STATUS && strstr(wsc_error_info(), "403"));
        c.origin = "";
        CHECK(!first_message(c, w, port) && wsc_error_code() == WSC_ERR_HTTP_STATUS && strstr(wsc_error_info(), "403"));
    }
}

/* Fails at wsc_open with WSC_ERR_ARGUMENT and both words (w2 may be NULL). */
static int refused(const wsc_config *in, const char *w1, const char *w2) {
    wsc_config c = *in;
    int ok;
    if (!c.url) { c.address = "127.0.0.1"; c.port = plain_port; }
    c.timeout_ms = 5000;
    ok = !wsc_open("r", &c) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), w1) &&
         (!w2 || strstr(wsc_error_info(), w2));
    if (!ok) printf("  expected a refusal with '%s' '%s', got %d: %s\n", w1, w2 ? w2 : "", (int)wsc_error_code(), wsc_error_info());
    if (wsc_exist("r")) wsc_close("r");
    return ok;
}

static int refused_header(const char *name, const char *value, const char *w1) {
    wsc_config c = {0};
    wsc_header h;
    h.name = name;
    h.value = value;
    c.headers = &h;
    c.header_count = 1;
    return refused(&c, w1, NULL) && (!name || !value || !name[0] || strstr(wsc_error_info(), name)) &&
           (!value || strlen(value) < 4 || !strstr(wsc_error_info(), value)); /* a value never shows */
}

TEST(refusals) {
    static const char *const owned[] = {"Host", "upgrade", "CONNECTION", "Sec-WebSocket-Key", "sec-websocket-version",
                                        "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Origin", "user-agent",
                                        "Content-Length", "Transfer-Encoding"};
    size_t i;
    wsc_config c = {0};
    /* names: RFC 9110 tokens only (a CR, LF, space or colon is not one) */
    CHECK(refused_header("", "x", "not a token"));
    CHECK(refused_header("X Bad", "x", "not a token"));
    CHECK(refused_header("X:Bad", "x", "not a token"));
    CHECK(refused_header("X-Evil\r\nHost", "x", "not a token"));
    CHECK(refused_header("X-Tab\t", "x", "not a token"));
    CHECK(refused_header("X-\xc3\xa9", "x", "not a token"));
    /* values: no CR, LF or other control character, no white space at an end */
    CHECK(refused_header("X-Inject", "1\r\nX-Evil: 2", "control character"));
    CHECK(refused_header("X-Inject", "1\nX-Evil: 2", "control character"));
    CHECK(refused_header("X-Inject", "1\rX-Evil: 2", "control character"));
    CHECK(refused_header("X-Ctl", "a\x01z", "control character"));
    CHECK(refused_header("X-Ctl", "a\x7fz", "control character"));
    CHECK(refused_header("X-Ctl", "a\x1bz", "control character"));
    CHECK(refused_header("X-Space", " leading", "white space"));
    CHECK(refused_header("X-Space", "trailing ", "white space"));
    CHECK(refused_header("X-Space", "\ttab", "white space"));
    CHECK(refused_header("X-Space", " ", "white space"));
    /* NULL name or value */
    CHECK(refused_header(NULL, "x", "NULL"));
    CHECK(refused_header("X-Null", NULL, "NULL"));
    c.header_count = 1;
    CHECK(refused(&c, "headers is NULL", NULL));
    /* the library's own headers, in any case */
    for (i = 0; i < sizeof owned / sizeof *owned; i++) CHECK(refused_header(owned[i], "v4lue", "library's own"));
    /* the fields are checked as the list is */
    memset(&c, 0, sizeof c);
    c.origin = "http://a.example\r\nX-Evil: 1";
    CHECK(refused(&c, "Origin", "control character"));
    c.origin = NULL;
    c.user_agent = "agent\n";
    CHECK(refused(&c, "User-Agent", "control character"));
    CHECK(!wsc_exist("r") && wsc_count() == 0);
}

/* Exactly WSCLIENT_MAX_HEADERS headers and a request of exactly
   WSCLIENT_MAX_REQUEST bytes go through; one more of either is refused by
   name, never cut. */
TEST(limits_at_the_edge) {
    static wsc_header many[WSCLIENT_MAX_HEADERS + 1];
    static char names[WSCLIENT_MAX_HEADERS + 1][24], pad[WSCLIENT_MAX_REQUEST];
    char want[64], digits[16];
    wsc_config c = {0};
    size_t base, n;
    char *h;
    int i;
    for (i = 0; i <= WSCLIENT_MAX_HEADERS; i++) {
        snprintf(names[i], sizeof names[i], "X-H%d", i);
        many[i].name = names[i];
        many[i].value = names[i];
    }
    c.path = "/headers";
    c.headers = many;
    c.header_count = WSCLIENT_MAX_HEADERS;
    h = first_message(c, &ways[0], plain_port);
    snprintf(want, sizeof want, "X-H0: X-H0\nX-H1: X-H1\n");
    CHECK(has_lines(h, want, &ways[0]));
    snprintf(want, sizeof want, "\nX-H%d: X-H%d", WSCLIENT_MAX_HEADERS - 1, WSCLIENT_MAX_HEADERS - 1);
    CHECK(has_lines(h, want, &ways[0]));
    free(h);
    c.header_count = WSCLIENT_MAX_HEADERS + 1;
    snprintf(want, sizeof want, "(%d)", WSCLIENT_MAX_HEADERS);
    CHECK(refused(&c, "WSCLIENT_MAX_HEADERS", want));

    /* GET /headers HTTP/1.1, Host, Upgrade, Connection, the key, the
       version, then X-Pad0 ... X-Pad3 (no User-Agent), then the blank line;
       python's websockets takes lines of 4 KiB at most: 4 headers */
    snprintf(digits, sizeof digits, "%d", plain_port);
    base = strlen("GET /headers HTTP/1.1\r\n") + strlen("Host: 127.0.0.1:\r\n") + strlen(digits) +
           strlen("Upgrade: websocket\r\n") + strlen("Connection: Upgrade\r\n") + strlen("Sec-WebSocket-Key: \r\n") + 24 +
           strlen("Sec-WebSocket-Version: 13\r\n") + 4 * strlen("X-PadN: \r\n") + 2;
    n = WSCLIENT_MAX_REQUEST - base; /* the four values together */
    memset(pad, 'p', sizeof pad);
    for (i = 0; i < 4; i++) {
        size_t part = i < 3 ? n / 4 : n - 3 * (n / 4);
        snprintf(names[i], sizeof names[i], "X-Pad%d", i);
        many[i].name = names[i];
        many[i].value = pad + sizeof pad - 1 - part; /* pad ends in a NUL */
    }
    pad[sizeof pad - 1] = 0;
    c.header_count = 4;
    c.user_agent = "";
    h = first_message(c, &ways[0], plain_port);
    CHECK(h && strstr(h, "X-Pad3: ") && strlen(strstr(h, "X-Pad3: ") + 8) == n - 3 * (n / 4));
    if (!h) printf("  a request of exactly %d bytes: %s\n", WSCLIENT_MAX_REQUEST, wsc_error_info());
    free(h);
    many[3].value--; /* one byte more */
    snprintf(want, sizeof want, "(%d bytes)", WSCLIENT_MAX_REQUEST);
    CHECK(refused(&c, "WSCLIENT_MAX_REQUEST", want));
    c.header_count = 1;
    memset(pad, 'p', sizeof pad - 1); /* a value alone over the bound */
    pad[sizeof pad - 1] = 0;
    many[0].value = pad;
    CHECK(refused(&c, "WSCLIENT_MAX_REQUEST", want));
}

/* drop_credentials (set when a redirect goes to another origin): the
   request built again leaves out Authorization, Proxy-Authorization,
   Cookie and the URL's credentials, and keeps the rest in order. */
static char *request_of(const wsc_config *c, int drop, const char *path) {
    wsc__socket *s = wsc__socket_new("d", c, wsc__slot_mem(0));
    char *r;
    if (!s) { printf("  %s\n", wsc_error_info()); return NULL; }
    s->out.len = 0;
    s->drop_credentials = drop;
    if (!wsc__queue_request(s, path)) { wsc__socket_free(s); return NULL; }
    r = (char *)malloc(s->out.len + 1);
    memcpy(r, s->out.data, s->out.len);
    r[s->out.len] = 0;
    wsc__socket_free(s);
    return r;
}

TEST(drop_credentials_honoured) {
    static const wsc_header list[] = {
        {"X-Before", "1"}, {"Authorization", "Bearer t"}, {"proxy-authorization", "Basic eDp5"},
        {"X-Middle", "2"}, {"COOKIE", "a=b"}, {"X-After", "3"},
    };
    wsc_config c = {0};
    char *r;
    c.address = "127.0.0.1";
    c.port = plain_port;
    c.headers = list;
    c.header_count = sizeof list / sizeof *list;
    c.origin = "http://o.example";
    r = request_of(&c, 0, "/first");
    CHECK(r && strstr(r, "GET /first HTTP/1.1\r\n") &&
          strstr(r, "X-Before: 1\r\nAuthorization: Bearer t\r\nproxy-authorization: Basic eDp5\r\nX-Middle: 2\r\n"
                    "COOKIE: a=b\r\nX-After: 3\r\n\r\n") && strstr(r, "Origin: http://o.example\r\n") && !strchr(r, '\1'));
    free(r);
    r = request_of(&c, 1, "/second");
    CHECK(r && strstr(r, "GET /second HTTP/1.1\r\n") && strstr(r, "X-Before: 1\r\nX-Middle: 2\r\nX-After: 3\r\n\r\n") &&
          !strstr(r, "uthorization") && !strstr(r, "COOKIE") && strstr(r, "Origin: http://o.example\r\n") &&
          strstr(r, "User-Agent: wsclient.h/") && !strchr(r, '\1'));
    free(r);
#ifndef WSCLIENT_SMALL
    memset(&c, 0, sizeof c);
    c.url = "ws://alice:open%20sesame@127.0.0.1:1/x";
    c.headers = list + 3;
    c.header_count = 3;
    r = request_of(&c, 0, "/x");
    CHECK(r && strstr(r, "Authorization: Basic YWxpY2U6b3BlbiBzZXNhbWU=\r\n") && strstr(r, "COOKIE: a=b\r\n"));
    free(r);
    r = request_of(&c, 1, "/x");
    CHECK(r && !strstr(r, "Authorization") && !strstr(r, "COOKIE") && strstr(r, "X-Middle: 2\r\nX-After: 3\r\n\r\n"));
    free(r);
#endif
}

#ifndef WSCLIENT_SMALL
/* The URL's user information is sent as Basic credentials (RFC 7617),
   percent-decoded (RFC 3986 §3.2.1). */
TEST(basic_credentials_from_the_url) {
    static const struct { const char *userinfo, *basic; } cases[] = {
        {"alice:open%20sesame", "YWxpY2U6b3BlbiBzZXNhbWU="}, /* alice:open sesame */
        {"al%69ce:open sesame", "YWxpY2U6b3BlbiBzZXNhbWU="}, /* an escaped user name */
        {"a:b%3Ac", "YTpiOmM="},                               /* a:b:c, ':' escaped */
        {"a:b:c", "YTpiOmM="},                                 /* the first ':' splits */
        {"bob:", "Ym9iOg=="},                                  /* an empty password */
        {"bob", "Ym9iOg=="},                                   /* no password */
        {"alice:p%40ss", "YWxpY2U6cEBzcw=="},                  /* alice:p@ss */
        {"alice:p@ss", "YWxpY2U6cEBzcw=="},                    /* the last '@' ends it */
    };
    size_t k;
    int i;
    char url[256], want[128];
    for (k = 0; k < sizeof cases / sizeof *cases; k++) {
        for (i = 0; i < WAYS; i++) {
            const way *w = &ways[i];
            wsc_config c = {0};
            char *h;
            snprintf(url, sizeof url, "%s://%s@%s:%d/headers", w->tls ? "wss" : "ws", cases[k].userinfo,
                     w->tls ? "localhost" : "127.0.0.1", port_of(w));
            c.url = url;
            snprintf(want, sizeof want, "\nAuthorization: Basic %s", cases[k].basic);
            h = first_message(c, w, 0);
            CHECK(has_lines(h, want, w));
            CHECK(h && !strstr(h, "@"));
            free(h);
        }
    }
}

/* Every refusal of URL credentials, and no error text with the password in it. */
TEST(credentials_refused_and_never_shown) {
    static const char *const bad[] = {
        "ws://alice:hunter2%4@127.0.0.1/", "ws://alice:hunter2%zz@127.0.0.1/", "ws://alice:hunter2%@127.0.0.1/",
        "ws://alice:hunter2%0D%0AX-Evil:1@127.0.0.1/", "ws://alice:hunter2%0A@127.0.0.1/", "ws://alice:hunter2%00@127.0.0.1/",
        "ws://al%3Aice:hunter2@127.0.0.1/", "ws://alice:hunter2\x01@127.0.0.1/",
    };
    static const wsc_header auth = {"Authorization", "Bearer hunter2"};
    char url[256];
    wsc_config c = {0};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        c.url = bad[i];
        CHECK(refused(&c, "URL user information", NULL));
        CHECK(!strstr(wsc_error_info(), "hunter2"));
    }
    c.url = "ws://alice:hunter2@127.0.0.1/";
    c.headers = &auth;
    c.header_count = 1;
    CHECK(refused(&c, "Authorization", "not both"));
    CHECK(!strstr(wsc_error_info(), "hunter2"));
    c.headers = NULL;
    c.header_count = 0;
    /* failures after the URL was taken apart: none shows the password */
    snprintf(url, sizeof url, "ws://alice:hunter2@127.0.0.1:%d/404", plain_port);
    c.url = url;
    CHECK(fails_with(&c, WSC_ERR_HTTP_STATUS, "404", NULL) && !strstr(wsc_error_info(), "hunter2"));
    snprintf(url, sizeof url, "ws://alice:hunter2@127.0.0.1:%d/", closed_port());
    c.url = url;
    CHECK(fails_with(&c, WSC_ERR_CONNECT, "127.0.0.1", NULL) && !strstr(wsc_error_info(), "hunter2"));
    c.url = "ws://alice:hunter2@nowhere.test/";
    CHECK(fails_with(&c, WSC_ERR_DNS, "nowhere.test", NULL) && !strstr(wsc_error_info(), "hunter2"));
    c.url = "wss://alice:hunter2@nowhere.test:1/";
    CHECK(fails_with(&c, WSC_ERR_DNS, "nowhere.test", NULL) && !strstr(wsc_error_info(), "hunter2"));
    snprintf(url, sizeof url, "wss://alice:hunter2@localhost:%d/", env_port("WSC_TEST_WRONG_PORT")); /* another name's certificate */
    c.url = url;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, NULL, NULL) && !strstr(wsc_error_info(), "hunter2"));
    snprintf(url, sizeof url, "ws://alice:hunter2@127.0.0.1:%d/ bad path", plain_port);
    c.url = url;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "path", NULL) && !strstr(wsc_error_info(), "hunter2"));
    c.url = "ws://alice:hunter2@127.0.0.1:99999/";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "port", NULL) && !strstr(wsc_error_info(), "hunter2"));
    /* and the asynchronous error event */
    snprintf(url, sizeof url, "ws://alice:hunter2@127.0.0.1:%d/404", plain_port);
    c.url = url;
    c.callback = on_event;
    async_state = 0;
    CHECK(wsc_open("a", &c));
    pump_until_gone("a");
    CHECK(async_state == 2 && strstr(async_first, "404") && !strstr(async_first, "hunter2"));
}
#endif

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    wss_port = env_port("WSC_TEST_TLS_PORT");
    if (getenv("WSC_TEST_NODE_PORT")) {
        node_port = env_port("WSC_TEST_NODE_PORT");
        node_tls_port = env_port("WSC_TEST_NODE_TLS_PORT");
    }
    (void)tls_port; /* loopback.h's, not all used here */
    (void)fails_with;
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    setenv("SSL_CERT_FILE", cert("ca.pem"), 1); /* the system-bundle path honours SSL_CERT_FILE */
    RUN(headers_arrive_exactly);
    RUN(bearer_refused_without_the_header);
    RUN(user_agent_default_replaced_removed);
    RUN(origin_checked_by_node_ws);
    RUN(refusals);
    RUN(limits_at_the_edge);
    RUN(drop_credentials_honoured);
#ifndef WSCLIENT_SMALL
    RUN(basic_credentials_from_the_url);
    RUN(credentials_refused_and_never_shown);
#endif
    CHECK(wsc_count() == 0);
    return test_summary("test_headers");
}

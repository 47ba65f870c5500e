/* answer.c - the server's answer to the upgrade: the 101's headers
   (wsc_response_header), a refusal's status, headers and body (wsc_error_http_status,
   wsc_error_header, wsc_error_body, the error words, ev->http_status), and
   redirects (wsc_config.max_redirects). Every case runs four ways: sync and
   async, over the built-in TCP and over a user transport, against
   tests/answer_server.py (python3-websockets) and tests/fault_server.py. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static int plain_a, plain_b, tls_a, tls_b, fault, cn_only;

/* A user transport: plain TCP of our own (loopback, so a blocking connect). */
static void *ut_connect(void *user, const char *host, int port) {
    struct addrinfo hints, *res = NULL;
    char p[8];
    int fd = -1;
    (void)user;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(p, sizeof p, "%d", port);
    if (getaddrinfo(host, p, &hints, &res) != 0) return NULL;
    fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) { close(fd); fd = -1; }
    freeaddrinfo(res);
    if (fd < 0) return NULL;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return (void *)(long)(fd + 1);
}
static long ut_io(long k) {
    if (k >= 0) return k;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? WSC_IO_AGAIN : WSC_IO_ERROR;
}
static long ut_send(void *user, void *conn, const void *data, size_t len) {
    (void)user;
    return ut_io((long)send((int)(long)conn - 1, data, len, MSG_NOSIGNAL));
}
static long ut_recv(void *user, void *conn, void *buf, size_t len) {
    long k = (long)recv((int)(long)conn - 1, buf, len, 0);
    (void)user;
    return k == 0 ? WSC_IO_EOF : ut_io(k);
}
static int ut_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    struct pollfd p[WSCLIENT_MAX_SOCKETS];
    int i, n;
    (void)user;
    for (i = 0; i < count; i++) {
        p[i].fd = (int)(long)items[i].conn - 1;
        p[i].events = (short)(((items[i].events & WSC_IO_READ) ? POLLIN : 0) | ((items[i].events & WSC_IO_WRITE) ? POLLOUT : 0));
        p[i].revents = 0;
    }
    n = poll(p, (nfds_t)count, timeout_ms);
    for (i = 0; i < count; i++) items[i].revents = (p[i].revents & POLLIN ? WSC_IO_READ : 0) | (p[i].revents & POLLOUT ? WSC_IO_WRITE : 0);
    return n;
}
static void ut_close(void *user, void *conn) { (void)user; close((int)(long)conn - 1); }
static const wsc_transport user_tp = {NULL, ut_connect, ut_send, ut_recv, ut_wait, ut_close, NULL, NULL};

/* What one connect came to, whichever way it ran. */
typedef struct result {
    int opened, code, status, ev_status, elapsed_ms, lines, cookies_seen, upgrade_seen;
    char words[1024], first[1024], cookie[2][128], custom[128], nothird[8];
    char www[256], retry[64], location[512], body[300];
    size_t body_len;
} result;

static result R;
static int mode_async, mode_user;
static const wsc_header *run_headers; /* extra request headers of run() */
static size_t run_header_count;
static const char *mode_name(void) {
    static const char *const n[] = {"sync", "async", "sync, user transport", "async, user transport"};
    return n[mode_async + 2 * mode_user];
}

static void copy(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src ? src : "(none)");
    if (n >= cap) n = cap - 1;
    memcpy(dst, src ? src : "(none)", n);
    dst[n] = 0;
}

static void keep_open_headers(const char *name) {
    const char *h, *v;
    copy(R.cookie[0], sizeof R.cookie[0], wsc_response_header(name, "set-cookie", 0));
    copy(R.cookie[1], sizeof R.cookie[1], wsc_response_header(name, "SET-COOKIE", 1));
    copy(R.nothird, sizeof R.nothird, wsc_response_header(name, "Set-Cookie", 2));
    copy(R.custom, sizeof R.custom, wsc_response_header(name, "X-Custom", 0));
    for (R.lines = 0; (h = wsc_response_header_at(name, R.lines, &v)) != NULL; R.lines++) {
        R.cookies_seen += strcmp(h, "Set-Cookie") == 0;
        R.upgrade_seen += strcmp(h, "Upgrade") == 0 && strcmp(v, "websocket") == 0;
    }
}

static void keep_refusal(void) {
    const char *b = wsc_error_body(&R.body_len);
    R.status = wsc_error_http_status();
    copy(R.www, sizeof R.www, wsc_error_header("WWW-Authenticate", 0));
    copy(R.retry, sizeof R.retry, wsc_error_header("retry-after", 0));
    copy(R.location, sizeof R.location, wsc_error_header("Location", 0));
    if (b) memcpy(R.body, b, R.body_len < sizeof R.body ? R.body_len : sizeof R.body - 1);
}

static void on_event(const wsc_event_data *ev) {
    switch (ev->event) {
    case WSC_EVENT_OPEN: R.opened = 1; keep_open_headers(ev->name); break;
    case WSC_EVENT_MESSAGE:
        copy(R.first, sizeof R.first, ev->message);
        wsc_close(ev->name);
        break;
    case WSC_EVENT_ERROR:
        R.code = ev->code;
        R.ev_status = ev->http_status;
        copy(R.words, sizeof R.words, ev->message);
        keep_refusal();
        break;
    default: break;
    }
}

/* Connects to url (any of the four ways), reads the first message when it
   opens, and fills R. */
static void run(const char *url, int max_redirects, int timeout_ms) {
    wsc_config c;
    long long t0 = now_ms();
    memset(&R, 0, sizeof R);
    memset(&c, 0, sizeof c);
    c.url = url;
    c.max_redirects = max_redirects;
    c.timeout_ms = timeout_ms;
    c.headers = run_headers;
    c.header_count = run_header_count;
    c.ca_file = cert("ca.pem");
    c.transport = mode_user ? &user_tp : NULL;
    if (mode_async) {
        c.callback = on_event;
        if (wsc_open("a", &c)) {
            long long end = now_ms() + timeout_ms + 5000;
            while (wsc_exist("a") && now_ms() < end) {
                wsc_pump(50);
                if (R.opened && end > now_ms() + 1000) end = now_ms() + 1000; /* tls_server.py sends nothing first */
            }
            if (wsc_exist("a")) wsc_close("a");
        } else {
            printf("  async open refused at once: %s\n", wsc_error_info());
        }
    } else if (wsc_open("s", &c)) {
        R.opened = 1;
        keep_open_headers("s");
        if (wsc_read("s", R.first, sizeof R.first, 1000, NULL) < 0) copy(R.first, sizeof R.first, wsc_error_info());
        wsc_close("s");
    } else {
        R.code = (int)wsc_error_code();
        R.ev_status = -1; /* no event */
        copy(R.words, sizeof R.words, wsc_error_info());
        keep_refusal();
    }
    R.elapsed_ms = (int)(now_ms() - t0);
}

#define EACH_MODE for (mode_user = 0; mode_user < 2; mode_user++) for (mode_async = 0; mode_async < 2; mode_async++)
#define CHECKM(cond) CHECKF(cond, "%s: words '%s' status %d first '%s' location '%s'", mode_name(), R.words, R.status, R.first, R.location)

static const char *url(const char *fmt, ...) {
    static char buf[4][1024];
    static int next;
    char *b = buf[next++ % 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof buf[0], fmt, ap);
    va_end(ap);
    return b;
}

/* Refused with status: the code, the status by function (and in the ERROR
   event), the status in the words. */
static int refused_with(int status) {
    char want[64];
    snprintf(want, sizeof want, "HTTP %d", status);
    return !R.opened && R.code == WSC_ERR_HTTP_STATUS && R.status == status &&
           (R.ev_status == -1 || R.ev_status == status) && strstr(R.words, want) != NULL;
}

/* No control byte, and no byte over 0x7F but the UTF-8 of the words' own "§". */
static int printable(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7F ||
            ((unsigned char)*s >= 0x80 && !((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA7 && s++)))
            return 0;
    return 1;
}

TEST(headers_of_the_101) {
    int tls;
    EACH_MODE for (tls = 0; tls < 2; tls++) {
        run(tls ? url("wss://localhost:%d/cookies", tls_a) : url("ws://127.0.0.1:%d/cookies", plain_a), 0, 5000);
        CHECKM(R.opened);
        CHECKM(strcmp(R.cookie[0], "a=1; Path=/") == 0);
        CHECKM(strcmp(R.cookie[1], "b=2") == 0);
        CHECKM(strcmp(R.nothird, "(none)") == 0);
        CHECKM(strcmp(R.custom, "hello there") == 0); /* trimmed */
        CHECKM(R.cookies_seen == 2 && R.upgrade_seen == 1 && R.lines >= 6);
        CHECKM(strstr(R.first, "/cookies") != NULL);
    }
    CHECK(wsc_response_header("no such socket", "Set-Cookie", 0) == NULL);
}

TEST(refusal_401_429) {
    int tls;
    EACH_MODE for (tls = 0; tls < 2; tls++) {
        run(tls ? url("wss://localhost:%d/401", tls_a) : url("ws://127.0.0.1:%d/401", plain_a), 0, 5000);
        CHECKM(refused_with(401));
        CHECKM(strcmp(R.www, "Basic realm=\"answer\"") == 0);
        CHECKM(strstr(R.words, "WWW-Authenticate: Basic realm=\"answer\"") != NULL);
        CHECKM(R.body_len == 21 && strcmp(R.body, "authorization needed\n") == 0);
        CHECKM(strstr(R.words, "body: \"authorization needed\\x0A\"") != NULL);
        CHECKM(R.elapsed_ms < 3000); /* the body's length is known: no wait for more */
        run(tls ? url("wss://localhost:%d/429", tls_a) : url("ws://127.0.0.1:%d/429", plain_a), 0, 5000);
        CHECKM(refused_with(429));
        CHECKM(strcmp(R.retry, "7") == 0 && strstr(R.words, "Retry-After: 7") != NULL);
        CHECKM(strcmp(R.www, "(none)") == 0);
    }
    /* the next call clears it */
    CHECK(wsc_exist("x") == 0);
    wsc_close("x");
    CHECK(wsc_error_http_status() == 0 && wsc_error_header("Retry-After", 0) == NULL && wsc_error_body(NULL) == NULL);
}

TEST(refusal_body_cut_with_a_mark) {
    EACH_MODE {
        run(url("ws://127.0.0.1:%d/big-body", plain_a), 0, 5000);
        CHECKM(refused_with(403));
        CHECKM(R.body_len == 256 && memcmp(R.body, "0123456789012", 13) == 0);
        CHECKM(strstr(R.words, "...") != NULL && strstr(R.words, "(cut: the first 256 of its 1000 bytes)") != NULL);
    }
}

TEST(refusal_body_that_never_comes) {
    EACH_MODE {
        run(url("ws://127.0.0.1:%d/stall-body", fault), 0, 1500);
        CHECKM(refused_with(503));
        CHECKM(strcmp(R.retry, "30") == 0);
        CHECKM(R.body_len == 10 && strcmp(R.body, "0123456789") == 0);
        CHECKM(strstr(R.words, "10 of its 1000 bytes came before the connect deadline") != NULL);
        CHECKF(R.elapsed_ms >= 1400 && R.elapsed_ms < 1500 + 1500, "%s: %d ms", mode_name(), R.elapsed_ms);
    }
}

TEST(refusal_hostile_bytes) {
    EACH_MODE {
        run(url("ws://127.0.0.1:%d/hostile", fault), 0, 5000);
        CHECKM(refused_with(400));
        CHECKM(printable(R.words));
        CHECKM(strstr(R.words, "Bad [31mRequest\\xFF") != NULL);
        CHECKM(strstr(R.words, "Basic \\x1B]0;pwned\\x07realm") == NULL); /* control bytes became spaces first */
        CHECKM(strstr(R.words, "WWW-Authenticate: Basic  ]0;pwned realm=\"x\"") != NULL);
        CHECKM(strstr(R.words, "body: \"b\\x00\\x1B[2J\\xFF\\xFE\\x0D\\x0Aend!\"") != NULL);
        CHECKM(strcmp(R.www, "Basic  ]0;pwned realm=\"x\"") == 0); /* by function: control bytes as spaces */
        CHECKM(R.body_len == 14 && memcmp(R.body, "b\0\x1b[2J", 6) == 0); /* the body as sent */
    }
}

/* The server's bytes reach no error words raw: a subprotocol or extension
   it chose with escape sequences in it. */
TEST(hostile_101_words_escaped) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "127.0.0.1";
    c.port = fault;
    c.protocols = "chat";
    c.path = "/hostile-protocol";
    CHECK(!wsc_open("h", &c) && wsc_error_code() == WSC_ERR_SUBPROTOCOL);
    CHECKF(printable(wsc_error_info()) && strstr(wsc_error_info(), "\\x1B[31mchat"), "%s", wsc_error_info());
    c.path = "/hostile-extension";
    CHECK(!wsc_open("h", &c) && wsc_error_code() == WSC_ERR_HANDSHAKE);
    CHECKF(printable(wsc_error_info()) && strstr(wsc_error_info(), "\\x1B]0;x\\x07deflate"), "%s", wsc_error_info());
}

TEST(redirect_off_is_a_refusal) {
    EACH_MODE {
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=/elsewhere", plain_a), 0, 5000);
        CHECKM(refused_with(302));
        CHECKM(strcmp(R.location, "/elsewhere") == 0 && strstr(R.words, "Location: /elsewhere") != NULL);
    }
}

/* Followed to where: the first message is "<port> <path>". */
static int landed(int port, const char *path) {
    char want[600];
    snprintf(want, sizeof want, "%d %s", port, path);
    return R.opened && strcmp(R.first, want) == 0;
}

TEST(redirect_forms) {
    static const int statuses[] = {301, 302, 303, 307, 308};
    int i;
    EACH_MODE {
        for (i = 0; i < 5; i++) {
            run(url("ws://127.0.0.1:%d/redirect?status=%d&to=ws://127.0.0.1:%d/abs%d", plain_a, statuses[i], plain_b, i), 3, 5000);
            CHECKM(landed(plain_b, url("/abs%d", i)));
        }
        run(url("ws://127.0.0.1:%d/redirect?status=307&to=http://127.0.0.1:%d/from-http", plain_a, plain_b), 3, 5000);
        CHECKM(landed(plain_b, "/from-http"));
        run(url("ws://127.0.0.1:%d/redirect?status=308&to=https://localhost:%d/from-https", plain_a, tls_b), 3, 5000);
        CHECKM(landed(tls_b, "/from-https")); /* ws:// to wss:// is fine */
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=wss%%3A//localhost:%d/x%%23frag", plain_a, tls_a), 3, 5000);
        CHECKM(landed(tls_a, "/x"));
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=/abs?q=1", plain_a), 3, 5000);
        CHECKM(landed(plain_a, "/abs?q=1"));
        run(url("ws://127.0.0.1:%d/a/b/redirect?status=302&to=rel?k=v", plain_a), 3, 5000);
        CHECKM(landed(plain_a, "/a/b/rel?k=v"));
        run(url("ws://127.0.0.1:%d/a/b/redirect?status=302&to=../up/./x", plain_a), 3, 5000);
        CHECKM(landed(plain_a, "/a/up/x"));
        run(url("ws://127.0.0.1:%d/d/redirect?status=302&to=%%3Fq=2", plain_a), 3, 5000);
        CHECKM(landed(plain_a, "/d/redirect?q=2"));
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=//127.0.0.1:%d/net", plain_a, plain_b), 3, 5000);
        CHECKM(landed(plain_b, "/net"));
        run(url("ws://127.0.0.1:%d/chain?n=3", plain_a), 3, 5000);
        CHECKM(landed(plain_a, "/chain?n=0"));
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=ftp://127.0.0.1/x", plain_a), 3, 5000);
        CHECKM(!R.opened && R.code == WSC_ERR_HTTP_STATUS && strstr(R.words, "only ws, wss, http and https") != NULL &&
               strstr(R.words, "'ftp://127.0.0.1/x'") != NULL);
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=ws://user@127.0.0.1:%d/", plain_a, plain_b), 3, 5000);
        CHECKM(!R.opened && strstr(R.words, "user information") != NULL);
    }
}

TEST(redirect_errors) {
    EACH_MODE {
        run(url("ws://127.0.0.1:%d/chain?n=5", plain_a), 3, 5000);
        CHECKM(refused_with(302) && strstr(R.words, "too many redirects: hop 4") != NULL &&
               strstr(R.words, "max_redirects (3)") != NULL && strstr(R.words, "'chain?n=1'") != NULL);
        CHECKM(strcmp(R.location, "chain?n=1") == 0);
        run(url("ws://127.0.0.1:%d/loop-a", plain_a), 10, 5000);
        CHECKM(refused_with(302) && strstr(R.words, "redirect loop: hop 2") != NULL && strstr(R.words, "/loop-a'") != NULL);
        run(url("wss://localhost:%d/redirect?status=302&to=ws://127.0.0.1:%d/", tls_a, plain_a), 3, 5000);
        CHECKM(refused_with(302) && strstr(R.words, "wss:// to ws://") != NULL);
        run(url("wss://localhost:%d/redirect?status=302&to=http://127.0.0.1:%d/", tls_a, plain_a), 3, 5000);
        CHECKM(refused_with(302) && strstr(R.words, "wss:// to ws://") != NULL);
    }
}

TEST(redirect_to_another_host_checks_its_name) {
    EACH_MODE {
        /* cn-only's certificate names localhost alone */
        run(url("wss://127.0.0.1:%d/redirect?status=307&to=wss://localhost:%d/", tls_a, cn_only), 3, 5000);
        CHECKM(R.opened);
        run(url("wss://localhost:%d/redirect?status=307&to=wss://127.0.0.1:%d/", tls_a, cn_only), 3, 5000);
        CHECKM(!R.opened && R.code == WSC_ERR_CERTIFICATE && strstr(R.words, "127.0.0.1") != NULL);
    }
}

TEST(redirect_hops_share_one_timeout) {
    EACH_MODE {
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=ws://127.0.0.1:%d/stall", plain_a, fault), 3, 1500);
        CHECKM(!R.opened && R.code == WSC_ERR_TIMEOUT && strstr(R.words, "after a redirect") != NULL);
        CHECKF(R.elapsed_ms >= 1400 && R.elapsed_ms < 1500 + 1500, "%s: %d ms", mode_name(), R.elapsed_ms);
    }
}

/* A redirect to another origin (scheme, host or port) must not carry the
   caller's credentials there: Authorization, Cookie and the URL's Basic
   credentials are left out; other headers go on. To the same origin they stay. */
TEST(redirect_keeps_credentials_to_its_origin_only) {
    static const wsc_header secret[] = {{"Authorization", "Bearer s3cret"}, {"Cookie", "session=42"}, {"X-Keep", "yes"}};
    static const wsc_header keep[] = {{"X-Keep", "yes"}};
    EACH_MODE {
        run_headers = secret;
        run_header_count = 3;
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=/headers", plain_a), 3, 5000);
        CHECKM(R.opened && strstr(R.first, "Authorization: Bearer s3cret") && strstr(R.first, "Cookie: session=42") &&
               strstr(R.first, "X-Keep: yes"));
        run(url("ws://127.0.0.1:%d/redirect?status=307&to=ws://127.0.0.1:%d/headers", plain_a, plain_b), 3, 5000);
        CHECKM(R.opened && !strstr(R.first, "s3cret") && !strstr(R.first, "session=42") && strstr(R.first, "X-Keep: yes"));
        run(url("ws://127.0.0.1:%d/redirect?status=308&to=ws://localhost:%d/headers", plain_a, plain_a), 3, 5000);
        CHECKM(R.opened && !strstr(R.first, "s3cret") && !strstr(R.first, "session=42") && strstr(R.first, "X-Keep: yes"));
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=wss://127.0.0.1:%d/headers", plain_a, tls_a), 3, 5000);
        CHECKM(!strstr(R.first, "s3cret") && !strstr(R.first, "session=42"));
        /* once another origin was seen, back to the first one: still left out */
        run(url("ws://127.0.0.1:%d/redirect?status=302&to=ws://127.0.0.1:%d/redirect%%3Fstatus%%3D302%%26to%%3Dws://127.0.0.1:%d/headers",
                plain_a, plain_b, plain_a), 3, 5000);
        CHECKM(R.opened && !strstr(R.first, "s3cret") && strstr(R.first, "X-Keep: yes"));
        run_headers = keep;
        run_header_count = 1;
        run(url("ws://user:pa%%3Ass@127.0.0.1:%d/redirect?status=302&to=/headers", plain_a), 3, 5000);
        CHECKM(R.opened && strstr(R.first, "Authorization: Basic dXNlcjpwYTpzcw==")); /* user:pa:ss */
        run(url("ws://user:pa%%3Ass@127.0.0.1:%d/redirect?status=302&to=ws://127.0.0.1:%d/headers", plain_a, plain_b), 3, 5000);
        CHECKM(R.opened && !strstr(R.first, "Authorization") && strstr(R.first, "X-Keep: yes"));
        run_headers = NULL;
        run_header_count = 0;
    }
}

TEST(max_redirects_negative) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "127.0.0.1";
    c.port = plain_a;
    c.max_redirects = -1;
    CHECK(!wsc_open("n", &c) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "max_redirects"));
}

int main(void) {
    snprintf(certs, sizeof certs, "%s", getenv("WSC_TEST_CERTS") ? getenv("WSC_TEST_CERTS") : "build/certs");
    plain_a = env_port("WSC_ANSWER_PLAIN_A_PORT");
    plain_b = env_port("WSC_ANSWER_PLAIN_B_PORT");
    tls_a = env_port("WSC_ANSWER_TLS_A_PORT");
    tls_b = env_port("WSC_ANSWER_TLS_B_PORT");
    fault = env_port("WSC_TEST_FAULT_PORT");
    cn_only = tls_port("CN_ONLY");
    (void)fails_with, (void)pump_until_gone;
    RUN(headers_of_the_101);
    RUN(refusal_401_429);
    RUN(refusal_body_cut_with_a_mark);
    RUN(refusal_body_that_never_comes);
    RUN(refusal_hostile_bytes);
    RUN(hostile_101_words_escaped);
    RUN(redirect_off_is_a_refusal);
    RUN(redirect_forms);
    RUN(redirect_errors);
    RUN(redirect_to_another_host_checks_its_name);
    RUN(redirect_hops_share_one_timeout);
    RUN(redirect_keeps_credentials_to_its_origin_only);
    RUN(max_redirects_negative);
    return test_summary("test_answer");
}

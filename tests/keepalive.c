/* keepalive.c - pings from the caller (wsc_ping, WSC_EVENT_PONG), the counts
   (wsc_get_stats), keepalive with dead-peer detection (ping_interval_ms,
   pong_timeout_ms) and TCP keepalive, against real servers on loopback:
   python3-websockets (tests/ws_server.py), node's ws (tests/node_server.js),
   a relay whose path dies without a FIN (tests/relay.py), and a user
   transport that goes silent in the middle of a message. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static int plain_port, tls_port_, relay_port, relay_tls_port, node_port = -1;

/* A config for ws:// or wss:// to 127.0.0.1:port (the test CA), path. */
static wsc_config cfg_for(int tls, int port, const char *path) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "127.0.0.1";
    c.port = port;
    c.path = path;
    c.tls = tls;
    c.server_name = "localhost";
    if (tls) c.ca_file = cert("ca.pem");
    c.timeout_ms = 5000;
    return c;
}

static wsc__socket *sock_of(const char *name) {
    int i = wsc__find(name);
    return i < 0 ? NULL : wsc__g.slots[i];
}

/* The local port of a built-in TCP socket: the relay knows a connection by it. */
static int local_port(const char *name) {
    struct sockaddr_in a;
    socklen_t n = sizeof a;
    wsc__socket *s = sock_of(name);
    if (!s || getsockname(s->fd, (struct sockaddr *)&a, &n) != 0) return -1;
    return ntohs(a.sin_port);
}

/* Tells tests/relay.py to drop everything of that connection, silently. */
static int relay_stall(int relay, int client_port) {
    struct sockaddr_in a;
    char line[32], answer[16] = "";
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)relay);
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { if (fd >= 0) close(fd); return 0; }
    snprintf(line, sizeof line, "STALL %d\n", client_port);
    ok = write(fd, line, strlen(line)) == (ssize_t)strlen(line) && read(fd, answer, sizeof answer - 1) > 0;
    close(fd);
    return ok && strncmp(answer, "ok", 2) == 0;
}

static long read_text(const char *name, char *buf, size_t cap, int timeout_ms) {
    return wsc_read(name, buf, cap, timeout_ms, NULL);
}

/* Asks a /pings endpoint how many pings it has answered. */
static int server_pings(const char *name) {
    char buf[32];
    if (!wsc_write(name, "count") || read_text(name, buf, sizeof buf, 3000) < 0) return -1;
    return atoi(buf);
}

/* ---- wsc_ping's arguments and states --------------------------------- */

static void ping_arguments(int tls) {
    wsc_config c = cfg_for(tls, tls ? tls_port_ : plain_port, "/");
    unsigned char p[126];
    char buf[64];
    wsc_stats st;
    memset(p, 'p', sizeof p);
    CHECK(wsc_open("k", &c));
    CHECK(wsc_ping("k", NULL, 0));
    CHECK(wsc_ping("k", p, 1));
    CHECK(wsc_ping("k", p, 125));
    CHECK(!wsc_ping("k", p, 126) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), "125"));
    CHECK(!wsc_ping("k", NULL, 3) && wsc_error_code() == WSC_ERR_ARGUMENT);
    CHECK(!wsc_ping("nobody", p, 1) && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
    /* the echo comes after the three pongs (one TCP stream, in order) */
    CHECK(wsc_write("k", "x") && read_text("k", buf, sizeof buf, 3000) == 1);
    CHECK(wsc_get_stats("k", &st));
    CHECKF(st.pings_sent == 3 && st.pongs_received == 3, "pings %lld pongs %lld", st.pings_sent, st.pongs_received);
    CHECKF(st.last_rtt_ms >= 0 && st.last_rtt_ms < 3000, "rtt %d", st.last_rtt_ms);
    CHECK(st.messages_out == 1 && st.bytes_out == 1 && st.messages_in == 1 && st.bytes_in == 1);
    CHECK(st.pings_received == 0 && st.pongs_sent == 0);
    CHECK(st.connected_ms >= 0 && st.connected_ms < 10000);
    CHECK(!wsc_get_stats("k", NULL) && wsc_error_code() == WSC_ERR_ARGUMENT);
    wsc_close("k");
    /* a socket the server closed: refused, nothing sent */
    c.path = "/close";
    CHECK(wsc_open("k", &c));
    CHECK(read_text("k", buf, sizeof buf, 3000) < 0);
    CHECK(!wsc_ping("k", p, 1) && wsc_error_code() == WSC_ERR_CLOSED);
    wsc_close("k");
}

static int async_events[8], async_codes[8], async_count;
static char async_payload[8][130];
static int also_write; /* after our pong, a message: it must come as a MESSAGE */

static void record(const wsc_event_data *ev) {
    if (async_count < 8) {
        async_events[async_count] = ev->event;
        async_codes[async_count] = ev->code;
        snprintf(async_payload[async_count], sizeof async_payload[0], "%.*s", (int)ev->length, ev->message ? ev->message : "");
        async_count++;
    }
    if (ev->event == WSC_EVENT_OPEN) CHECK(wsc_ping(ev->name, "abc", 3));
    if (ev->event == WSC_EVENT_PONG && ev->code >= 0 && also_write) CHECK(wsc_write(ev->name, "after"));
}

static int wait_events(int n, int ms) {
    long long end = now_ms() + ms;
    while (async_count < n && now_ms() < end) wsc_pump(50);
    return async_count >= n;
}

TEST(ping_while_connecting) {
    wsc_config c = cfg_for(0, plain_port, "/slow-open");
    c.callback = record;
    async_count = 0;
    CHECK(wsc_open("k", &c));
    CHECK(!wsc_ping("k", "x", 1) && wsc_error_code() == WSC_ERR_NOT_OPEN);
    wsc_abort("k");
}

TEST(ping_arguments_ws) { ping_arguments(0); }
TEST(ping_arguments_wss) { ping_arguments(1); }

/* The PONG event: the payload of our ping and its round trip, in order
   with the messages; and one nobody asked for: code -1, no round trip. */
static void async_pong(int tls) {
    wsc_config c = cfg_for(tls, tls ? tls_port_ : plain_port, "/");
    wsc_stats st;
    c.callback = record;
    async_count = 0;
    CHECK(wsc_open("a", &c));
    CHECK(wait_events(2, 5000));
    CHECK(async_events[0] == WSC_EVENT_OPEN && async_events[1] == WSC_EVENT_PONG);
    CHECK(strcmp(async_payload[1], "abc") == 0);
    CHECKF(async_codes[1] >= 0 && async_codes[1] < 3000, "rtt %d", async_codes[1]);
    CHECK(wsc_get_stats("a", &st) && st.last_rtt_ms == async_codes[1] && st.pings_sent == 1 && st.pongs_received == 1);
    also_write = 1;
    wsc_ping("a", "abc", 3);
    CHECK(wait_events(4, 5000) && async_events[2] == WSC_EVENT_PONG && async_events[3] == WSC_EVENT_MESSAGE &&
          async_codes[3] == 0 && strcmp(async_payload[3], "after") == 0);
    also_write = 0;
    wsc_close("a");
    pump_until_gone("a");

    c.path = "/unsolicited-pong";
    async_count = 0;
    CHECK(wsc_open("a", &c));
    CHECK(wait_events(3, 5000));
    CHECK(async_events[1] == WSC_EVENT_PONG && async_events[2] == WSC_EVENT_PONG);
    /* which comes first is the server's: ours answers "abc", its own is "surprise" */
    {
        int mine = strcmp(async_payload[1], "abc") == 0 ? 1 : 2, other = 3 - mine;
        CHECK(strcmp(async_payload[mine], "abc") == 0 && async_codes[mine] >= 0);
        CHECK(strcmp(async_payload[other], "surprise") == 0 && async_codes[other] == -1);
    }
    CHECK(wsc_get_stats("a", &st) && st.pongs_received == 2 && st.pings_sent == 1);
    wsc_close("a");
    pump_until_gone("a");
}

TEST(async_pong_ws) { async_pong(0); }
TEST(async_pong_wss) { async_pong(1); }

/* A known exchange, counted exactly: the server's ping and our answer,
   whole messages and one sent in parts. */
TEST(stats_exact) {
    int tls;
    for (tls = 0; tls < 2; tls++) {
        wsc_config c = cfg_for(tls, tls ? tls_port_ : plain_port, "/ping");
        char buf[64];
        wsc_stats st;
        CHECK(wsc_open("k", &c));
        CHECK(read_text("k", buf, sizeof buf, 5000) == 7 && strcmp(buf, "pong ok") == 0);
        CHECK(wsc_write("k", "hello") && wsc_write_binary("k", "\1\2\3", 3));
        CHECK(wsc_write_part("k", "ab", 2, 0, 0) && wsc_write_part("k", "cd", 2, 0, 1));
        CHECK(read_text("k", buf, sizeof buf, 3000) == 5 && read_text("k", buf, sizeof buf, 3000) == 3 &&
              read_text("k", buf, sizeof buf, 3000) == 4);
        CHECK(wsc_get_stats("k", &st));
        CHECKF(st.messages_out == 3 && st.bytes_out == 12, "out %lld msgs %lld bytes", st.messages_out, st.bytes_out);
        CHECKF(st.messages_in == 4 && st.bytes_in == 19, "in %lld msgs %lld bytes", st.messages_in, st.bytes_in);
        CHECK(st.pings_received == 1 && st.pongs_sent == 1 && st.pings_sent == 0 && st.pongs_received == 0);
        CHECK(st.last_rtt_ms == -1);
        wsc_close("k");
    }
}

/* ---- keepalive -------------------------------------------------------- */

/* The keepalive pings reach the server (it counts them), and a synchronous
   socket that only pumps sends them: one pump with a long bound wakes for
   each due ping. */
static void pings_seen(const char *label, int port, int tls) {
    wsc_config c = cfg_for(tls, port, "/pings");
    wsc_stats st;
    long long t0;
    int n;
    c.ping_interval_ms = 200;
    CHECK(wsc_open("k", &c));
    t0 = now_ms();
    wsc_pump(1100); /* one call: its wait must wake for each ping */
    CHECKF(now_ms() - t0 >= 1000, "%s: pump returned after %lld ms", label, now_ms() - t0);
    CHECK(wsc_get_stats("k", &st));
    CHECKF(st.pings_sent >= 4 && st.pongs_received >= st.pings_sent - 1, "%s: %lld pings, %lld pongs", label, st.pings_sent,
           st.pongs_received);
    n = server_pings("k");
    CHECKF(n >= 4 && n <= st.pings_sent + 1, "%s: the server counted %d pings, we sent %lld", label, n, st.pings_sent);
    printf("  %s: %lld keepalive pings in 1.1 s of wsc_pump, the server answered %d, last round trip %d ms\n", label,
           st.pings_sent, n, st.last_rtt_ms);
    wsc_close("k");
}

TEST(keepalive_pings_seen) {
    pings_seen("python ws://", plain_port, 0);
    pings_seen("python wss://", tls_port_, 1);
    if (node_port < 0 && SKIP("node or its ws module is missing (apt-get install -y nodejs node-ws)")) return;
    pings_seen("node ws://", node_port, 0);
}

/* A server that stops reading (pings unanswered): a sync socket's next
   read fails with the pong timeout in words, within interval + timeout and
   slack; its close then returns at once. */
static void silent_sync(const char *label, int tls, int port) {
    wsc_config c = cfg_for(tls, port, "/silent");
    char buf[64];
    long long t0, took;
    long n;
    c.ping_interval_ms = 300;
    c.pong_timeout_ms = 500;
    c.close_timeout_ms = 5000;
    CHECK(wsc_open("k", &c));
    t0 = now_ms();
    n = read_text("k", buf, sizeof buf, 10000);
    took = now_ms() - t0;
    CHECKF(n < 0 && wsc_error_code() == WSC_ERR_TIMEOUT && strstr(wsc_error_info(), "no pong within 500 ms (pong_timeout_ms)"),
           "%s: %ld, %d %s", label, n, (int)wsc_error_code(), wsc_error_info());
    CHECKF(took >= 700 && took <= 800 + 1500L * test_slow(), "%s: found after %lld ms", label, took);
    printf("  %s: silent server found after %lld ms (interval 300 + timeout 500)\n", label, took);
    t0 = now_ms();
    CHECK(!wsc_close("k") && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECKF(now_ms() - t0 < 1000, "%s: close took %lld ms", label, now_ms() - t0);
}

TEST(silent_server_sync) {
    silent_sync("python ws://", 0, plain_port);
    silent_sync("python wss://", 1, tls_port_);
    if (node_port < 0 && SKIP("node or its ws module is missing (apt-get install -y nodejs node-ws)")) return;
    silent_sync("node ws://", 0, node_port);
}

static int err_code, err_seen;
static char err_words[512];
static void on_error(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_ERROR) {
        err_seen = 1;
        err_code = ev->code;
        snprintf(err_words, sizeof err_words, "%s", ev->message);
    }
}

/* The same, asynchronous: the ERROR event says it. */
static void silent_async(const char *label, int tls, int port) {
    wsc_config c = cfg_for(tls, port, "/silent");
    long long t0, end;
    c.ping_interval_ms = 300;
    c.pong_timeout_ms = 500;
    c.callback = on_error;
    err_seen = 0;
    CHECK(wsc_open("a", &c));
    t0 = now_ms();
    end = t0 + 10000;
    while (!err_seen && now_ms() < end) wsc_pump(5000); /* long bounds: the waits must wake */
    CHECKF(err_seen && err_code == WSC_ERR_TIMEOUT && strstr(err_words, "no pong within 500 ms"), "%s: %d %s", label, err_code,
           err_words);
    CHECKF(now_ms() - t0 <= 800 + 1500L * test_slow(), "%s: found after %lld ms", label, now_ms() - t0);
    printf("  %s: silent server found after %lld ms (async)\n", label, now_ms() - t0);
    CHECK(!wsc_exist("a"));
}

TEST(silent_server_async) {
    silent_async("python ws://", 0, plain_port);
    silent_async("python wss://", 1, tls_port_);
    if (node_port < 0 && SKIP("node or its ws module is missing (apt-get install -y nodejs node-ws)")) return;
    silent_async("node ws://", 0, node_port);
}

/* The path dies without a FIN (tests/relay.py drops everything, closes
   nothing): sync, async, and a sync socket served by wsc_pump alone. */
static void dead_path(const char *label, int tls, int relay) {
    wsc_config c = cfg_for(tls, relay, "/");
    char buf[64];
    long long t0, took;
    wsc_stats st;
    c.ping_interval_ms = 300;
    c.pong_timeout_ms = 600;
    c.close_timeout_ms = 5000;
    /* sync: alive through the relay, then the path dies */
    CHECK(wsc_open("k", &c));
    CHECK(wsc_write("k", "alive") && read_text("k", buf, sizeof buf, 3000) == 5);
    CHECK(relay_stall(relay, local_port("k")));
    t0 = now_ms();
    CHECK(read_text("k", buf, sizeof buf, 15000) < 0);
    took = now_ms() - t0;
    CHECKF(wsc_error_code() == WSC_ERR_TIMEOUT && strstr(wsc_error_info(), "the server or the path is gone"), "%s: %s", label,
           wsc_error_info());
    CHECKF(took <= 900 + 1500L * test_slow(), "%s: found after %lld ms", label, took);
    printf("  %s: dead path found after %lld ms by a sync read (interval 300 + timeout 600)\n", label, took);
    t0 = now_ms();
    wsc_close("k");
    CHECKF(now_ms() - t0 < 1000, "%s: close took %lld ms", label, now_ms() - t0);

    /* sync, served by wsc_pump alone: alive for 1 s of pumps, then dead */
    CHECK(wsc_open("k", &c));
    t0 = now_ms();
    while (now_ms() - t0 < 1000) wsc_pump(100);
    CHECK(wsc_get_stats("k", &st) && st.pings_sent >= 2 && st.pongs_received >= st.pings_sent - 1);
    CHECK(wsc_write("k", "still") && read_text("k", buf, sizeof buf, 3000) == 5);
    CHECK(relay_stall(relay, local_port("k")));
    t0 = now_ms();
    while (now_ms() - t0 < 900 + 1500L * test_slow() && sock_of("k") && sock_of("k")->state == WSC__OPEN) wsc_pump(100);
    took = now_ms() - t0;
    CHECKF(sock_of("k") && sock_of("k")->state == WSC__FAILED, "%s: pumps did not find the dead path in %lld ms", label, took);
    printf("  %s: dead path found after %lld ms by wsc_pump alone\n", label, took);
    t0 = now_ms();
    CHECK(read_text("k", buf, sizeof buf, 5000) < 0 && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECK(!wsc_write("k", "x") && wsc_error_code() == WSC_ERR_TIMEOUT);
    wsc_close("k");
    CHECKF(now_ms() - t0 < 1000, "%s: read and close took %lld ms", label, now_ms() - t0);

    /* async */
    c.callback = on_error;
    err_seen = 0;
    CHECK(wsc_open("a", &c));
    t0 = now_ms();
    while (local_port("a") <= 0 || (sock_of("a") && sock_of("a")->state != WSC__OPEN)) {
        if (now_ms() - t0 > 5000) break;
        wsc_pump(20);
    }
    CHECK(relay_stall(relay, local_port("a")));
    t0 = now_ms();
    while (!err_seen && now_ms() - t0 < 10000) wsc_pump(10000);
    CHECKF(err_seen && err_code == WSC_ERR_TIMEOUT, "%s: %d %s", label, err_code, err_words);
    CHECKF(now_ms() - t0 <= 900 + 1500L * test_slow(), "%s: async found after %lld ms", label, now_ms() - t0);
}

TEST(dead_path_ws) { dead_path("relay ws://", 0, relay_port); }
TEST(dead_path_wss) { dead_path("relay wss://", 1, relay_tls_port); }

/* Without keepalive the dead path goes unnoticed: the read waits out its
   own bound (what happened before ping_interval_ms). */
TEST(dead_path_without_keepalive) {
    wsc_config c = cfg_for(0, relay_port, "/");
    char buf[64];
    long long t0;
    CHECK(wsc_open("k", &c));
    CHECK(relay_stall(relay_port, local_port("k")));
    t0 = now_ms();
    CHECK(read_text("k", buf, sizeof buf, 1500) < 0 && wsc_error_code() == WSC_ERR_TIMEOUT && strstr(wsc_error_info(), "no message"));
    CHECK(now_ms() - t0 >= 1400);
    wsc_abort("k");
}

/* ---- TCP keepalive ------------------------------------------------------ */

static int sockopt(const char *name, int level, int opt) {
    int v = -1;
    socklen_t n = sizeof v;
    wsc__socket *s = sock_of(name);
    if (!s || getsockopt(s->fd, level, opt, &v, &n) != 0) return -99;
    return v;
}

TEST(tcp_keepalive_options) {
    wsc_config c = cfg_for(0, plain_port, "/");
    CHECK(wsc_open("k", &c));
    CHECK(sockopt("k", SOL_SOCKET, SO_KEEPALIVE) != 0);
    CHECK(sockopt("k", IPPROTO_TCP, TCP_KEEPIDLE) == 60);
    CHECK(sockopt("k", IPPROTO_TCP, TCP_KEEPINTVL) == 10);
    CHECK(sockopt("k", IPPROTO_TCP, TCP_KEEPCNT) == 6);
    wsc_close("k");
    c.tcp_keepalive_idle_s = 7;
    c.tcp_keepalive_interval_s = 3;
    c.tcp_keepalive_count = 2;
    CHECK(wsc_open("k", &c));
    CHECK(sockopt("k", SOL_SOCKET, SO_KEEPALIVE) != 0);
    CHECK(sockopt("k", IPPROTO_TCP, TCP_KEEPIDLE) == 7);
    CHECK(sockopt("k", IPPROTO_TCP, TCP_KEEPINTVL) == 3);
    CHECK(sockopt("k", IPPROTO_TCP, TCP_KEEPCNT) == 2);
    wsc_close("k");
    c.tcp_keepalive_count = -1;
    CHECK(wsc_open("k", &c));
    CHECK(sockopt("k", SOL_SOCKET, SO_KEEPALIVE) == 0);
    wsc_close("k");
}

static void refused(wsc_config c, const char *word) {
    CHECKF(!wsc_open("k", &c) && wsc_error_code() == WSC_ERR_ARGUMENT && strstr(wsc_error_info(), word), "%s: %d %s", word,
           (int)wsc_error_code(), wsc_error_info());
    if (wsc_exist("k")) wsc_abort("k");
}

TEST(keepalive_refused_values) {
    wsc_config c = cfg_for(0, plain_port, "/"), d;
    d = c; d.tcp_keepalive_idle_s = -2; refused(d, "tcp_keepalive_idle_s");
    d = c; d.tcp_keepalive_idle_s = 40000; refused(d, "tcp_keepalive_idle_s");
    d = c; d.tcp_keepalive_interval_s = -5; refused(d, "tcp_keepalive_interval_s");
    d = c; d.tcp_keepalive_interval_s = 1000000; refused(d, "tcp_keepalive_interval_s");
    d = c; d.tcp_keepalive_count = 128; refused(d, "tcp_keepalive_count");
    d = c; d.tcp_keepalive_count = -3; refused(d, "tcp_keepalive_count");
    d = c; d.ping_interval_ms = -1; refused(d, "ping_interval_ms");
    d = c; d.pong_timeout_ms = -1; refused(d, "pong_timeout_ms");
}

/* ---- a user transport: untouched, and silent in the middle of a message - */

typedef struct { int fd; long got; } sconn;
static long silent_after = -1; /* bytes received before the path goes silent, -1: never */
static long silent_got;       /* bytes received (the connection is freed when the socket fails) */

static void *st_connect(void *user, const char *host, int port) {
    struct sockaddr_in a;
    sconn *c = (sconn *)calloc(1, sizeof *c);
    (void)user; (void)host;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) { close(c->fd); free(c); return NULL; }
    return c;
}
static long st_send(void *user, void *conn, const void *p, size_t n) {
    sconn *c = (sconn *)conn;
    long k;
    (void)user;
    if (silent_after >= 0 && c->got >= silent_after) return (long)n; /* swallowed by the dead path */
    k = (long)send(c->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    return k >= 0 ? k : (errno == EAGAIN ? WSC_IO_AGAIN : WSC_IO_ERROR);
}
static long st_recv(void *user, void *conn, void *p, size_t n) {
    sconn *c = (sconn *)conn;
    long k;
    (void)user;
    if (silent_after >= 0) {
        if (c->got >= silent_after) return WSC_IO_AGAIN;
        if ((long)n > silent_after - c->got) n = (size_t)(silent_after - c->got);
    }
    k = (long)recv(c->fd, p, n, MSG_DONTWAIT);
    if (k == 0) return WSC_IO_EOF;
    if (k < 0) return errno == EAGAIN ? WSC_IO_AGAIN : WSC_IO_ERROR;
    c->got += k;
    silent_got = c->got;
    return k;
}
static int st_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    struct pollfd p[16];
    int i;
    (void)user;
    for (i = 0; i < count && i < 16; i++) {
        sconn *c = (sconn *)items[i].conn;
        int silent = silent_after >= 0 && c->got >= silent_after;
        p[i].fd = silent ? -1 : c->fd;
        p[i].events = (short)(((items[i].events & WSC_IO_READ) ? POLLIN : 0) | ((items[i].events & WSC_IO_WRITE) ? POLLOUT : 0));
        p[i].revents = 0;
    }
    return poll(p, (nfds_t)i, timeout_ms);
}
static void st_close(void *user, void *conn) {
    (void)user;
    close(((sconn *)conn)->fd);
    free(conn);
}
static const wsc_transport silent_tp = {NULL, st_connect, st_send, st_recv, st_wait, st_close, NULL, NULL};

TEST(user_transport_silent_mid_message) {
    wsc_config c = cfg_for(0, plain_port, "/send?size=300000&type=binary");
    char buf[64];
    long long t0, took;
    sconn *conn;
    c.transport = &silent_tp;
    c.ping_interval_ms = 300;
    c.pong_timeout_ms = 500;
    silent_after = 400 + 100000; /* the 101 answer, then a third of the message */
    silent_got = 0;
    CHECK(wsc_open("k", &c));
    conn = sock_of("k") ? (sconn *)sock_of("k")->conn : NULL;
    /* the user transport's socket is left alone: no SO_KEEPALIVE set on it */
    if (conn) {
        int v = -1;
        socklen_t n = sizeof v;
        CHECK(getsockopt(conn->fd, SOL_SOCKET, SO_KEEPALIVE, &v, &n) == 0 && v == 0);
    }
    t0 = now_ms();
    CHECK(read_text("k", buf, sizeof buf, 10000) < 0);
    took = now_ms() - t0;
    CHECKF(wsc_error_code() == WSC_ERR_TIMEOUT && strstr(wsc_error_info(), "no pong within 500 ms"), "%s", wsc_error_info());
    CHECKF(silent_got == silent_after, "the message was cut after %ld bytes", silent_got);
    CHECKF(took <= 800 + 1500L * test_slow(), "found after %lld ms", took);
    printf("  user transport silent mid-message: found after %lld ms\n", took);
    t0 = now_ms();
    wsc_close("k");
    CHECKF(now_ms() - t0 < 1000, "close took %lld ms", now_ms() - t0);
    silent_after = -1;
}

int main(void) {
    (void)fails_with;
    (void)tls_port;
    snprintf(certs, sizeof certs, "%s", getenv("WSC_TEST_CERTS") ? getenv("WSC_TEST_CERTS") : "build/certs");
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    tls_port_ = env_port("WSC_TEST_TLS_PORT");
    relay_port = env_port("WSC_TEST_RELAY_PORT");
    relay_tls_port = env_port("WSC_TEST_RELAY_TLS_PORT");
    if (getenv("WSC_TEST_NODE_PORT") && *getenv("WSC_TEST_NODE_PORT")) node_port = atoi(getenv("WSC_TEST_NODE_PORT"));
    RUN(ping_arguments_ws);
    RUN(ping_arguments_wss);
    RUN(ping_while_connecting);
    RUN(async_pong_ws);
    RUN(async_pong_wss);
    RUN(stats_exact);
    RUN(keepalive_pings_seen);
    RUN(silent_server_sync);
    RUN(silent_server_async);
    RUN(dead_path_ws);
    RUN(dead_path_wss);
    RUN(dead_path_without_keepalive);
    RUN(tcp_keepalive_options);
    RUN(keepalive_refused_values);
    RUN(user_transport_silent_mid_message);
    return test_summary("test_keepalive");
}

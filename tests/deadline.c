/* deadline.c - a call keeps its bound however busy the other side is:
   a TLS server that sends empty records without end, a pump whose callbacks
   write to a server that never stops sending, and a connect whose first
   address never answers.

   The empty records come from a BearSSL server run in this process behind
   a user transport (es_*): BearSSL sends an empty record when flushed with
   force, and before the handshake ends anyone on the path can inject the 5
   plaintext bytes of an empty handshake record. Each flood stops after
   FLOOD_MS, so that code which does not look at the clock still returns,
   late, and fails the bound instead of hanging the test. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <poll.h>
#include <unistd.h>

#define SLACK_MS 1500 /* generous: the machine is shared */
#define FLOOD_MS 4000

static int fault_port, v4only_port;

/* A wait of bound ms took no more than bound + SLACK_MS. */
static int within(const char *what, long long took, int bound) {
    int ok = took <= bound + SLACK_MS;
    printf("  %-56s bound %4d ms, took %5lld ms%s\n", what, bound, took, ok ? "" : "  OUT OF BOUND");
    return ok;
}

/* ---- a BearSSL server behind a user transport ---- */

enum { FLOOD_NONE, FLOOD_HANDSHAKE, FLOOD_UPGRADE, FLOOD_OPEN };

static struct {
    br_ssl_server_context sc;
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
    br_x509_certificate chain[1];
    unsigned char cert[4096], key[4096];
    br_ec_private_key ec;
    int mode;           /* FLOOD_*: when the empty records come           */
    int flooding;       /* they come now                                  */
    long long flood_end;
    int tx_full;        /* send takes nothing (the peer stopped reading)  */
    char req[4096];     /* the upgrade request, as it arrives             */
    size_t req_len;
    int answered;
    long empties;       /* empty records sent                             */
} es;

typedef struct dbuf { unsigned char *p; size_t len, cap; } dbuf;

static void dbuf_put(void *ctx, const void *src, size_t n) {
    dbuf *d = (dbuf *)ctx;
    if (d->len + n <= d->cap) memcpy(d->p + d->len, src, n);
    d->len += n;
}

/* The DER of the first PEM object of a file; 0 when none. */
static size_t pem_first(const char *path, unsigned char *out, size_t cap) {
    static char text[16384];
    br_pem_decoder_context pc;
    dbuf d;
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(text, 1, sizeof text, f) : 0, off = 0;
    if (f) fclose(f);
    d.p = out;
    d.len = 0;
    d.cap = cap;
    br_pem_decoder_init(&pc);
    while (off < n) {
        off += br_pem_decoder_push(&pc, text + off, n - off);
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ: br_pem_decoder_setdest(&pc, dbuf_put, &d); break;
        case BR_PEM_END_OBJ: return d.len <= cap ? d.len : 0;
        case BR_PEM_ERROR: return 0;
        default: break;
        }
    }
    return 0;
}

static int es_load(void) {
    br_skey_decoder_context kd;
    const br_ec_private_key *k;
    size_t n = pem_first(cert("server.pem"), es.cert, sizeof es.cert);
    es.chain[0].data = es.cert;
    es.chain[0].data_len = n;
    if (!n || !(n = pem_first(cert("server.key"), es.key, sizeof es.key))) return 0;
    br_skey_decoder_init(&kd);
    br_skey_decoder_push(&kd, es.key, n);
    if (!(k = br_skey_decoder_get_ec(&kd))) return 0;
    memmove(es.key, k->x, k->xlen); /* k->x points into kd */
    es.ec.curve = k->curve;
    es.ec.x = es.key;
    es.ec.xlen = k->xlen;
    return 1;
}

static void es_flood(void) {
    es.flooding = 1;
    es.flood_end = now_ms() + FLOOD_MS;
}

/* The server's application side: reads the request, answers 101 (or not). */
static void es_serve(void) {
    br_ssl_engine_context *eng = &es.sc.eng;
    unsigned char *p;
    size_t n;
    if (es.mode == FLOOD_UPGRADE && !es.flood_end && (br_ssl_engine_current_state(eng) & BR_SSL_SENDAPP)) es_flood();
    while ((p = br_ssl_engine_recvapp_buf(eng, &n)) != NULL) { /* kept while there is room, else dropped */
        size_t keep = n < sizeof es.req - 1 - es.req_len ? n : sizeof es.req - 1 - es.req_len;
        memcpy(es.req + es.req_len, p, keep);
        es.req_len += keep;
        es.req[es.req_len] = 0;
        br_ssl_engine_recvapp_ack(eng, n);
    }
    if (es.mode == FLOOD_OPEN && !es.answered && strstr(es.req, "\r\n\r\n")) {
        const char *k = strstr(es.req, "Sec-WebSocket-Key: ");
        char accept[29], head[256];
        int len;
        char key[25];
        if (!k) return;
        memcpy(key, k + 19, 24);
        key[24] = 0;
        wsc__accept_value(accept, key);
        len = snprintf(head, sizeof head, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
        if (!(p = br_ssl_engine_sendapp_buf(eng, &n)) || n < (size_t)len) return;
        memcpy(p, head, (size_t)len);
        br_ssl_engine_sendapp_ack(eng, (size_t)len);
        br_ssl_engine_flush(eng, 0);
        es.answered = 1;
        es_flood();
    }
}

static void *es_connect(void *user, const char *host, int port) {
    (void)user; (void)host; (void)port;
    br_ssl_server_init_full_ec(&es.sc, es.chain, 1, BR_KEYTYPE_EC, &es.ec);
    br_ssl_engine_set_buffer(&es.sc.eng, es.iobuf, sizeof es.iobuf, 1);
    br_ssl_server_reset(&es.sc);
    es.flooding = 0;
    es.flood_end = 0;
    es.tx_full = 0;
    es.req_len = 0;
    es.req[0] = 0;
    es.answered = 0;
    es.empties = 0;
    if (es.mode == FLOOD_HANDSHAKE) es_flood();
    return &es;
}

static long es_send(void *user, void *conn, const void *data, size_t len) {
    br_ssl_engine_context *eng = &es.sc.eng;
    size_t taken = 0;
    (void)user; (void)conn;
    if (es.tx_full) return WSC_IO_AGAIN;
    while (taken < len) {
        size_t room;
        unsigned char *p = br_ssl_engine_recvrec_buf(eng, &room);
        if (!p || !room) break;
        if (room > len - taken) room = len - taken;
        memcpy(p, (const unsigned char *)data + taken, room);
        br_ssl_engine_recvrec_ack(eng, room);
        taken += room;
        es_serve();
    }
    return (long)taken;
}

static long es_recv(void *user, void *conn, void *buf, size_t len) {
    static const unsigned char empty_handshake[5] = {0x16, 0x03, 0x03, 0x00, 0x00};
    br_ssl_engine_context *eng = &es.sc.eng;
    unsigned char *p;
    size_t n;
    (void)user; (void)conn;
    if (es.flooding && now_ms() >= es.flood_end) es.flooding = 0;
    es_serve();
    if (es.flooding && es.mode == FLOOD_HANDSHAKE && len >= 5) { /* before the server's first byte */
        memcpy(buf, empty_handshake, 5);
        es.empties++;
        return 5;
    }
    if (es.flooding && !br_ssl_engine_sendrec_buf(eng, &n)) {
        br_ssl_engine_flush(eng, 1); /* an empty application_data record */
        es.empties++;
    }
    if (!(p = br_ssl_engine_sendrec_buf(eng, &n)) || !n) return WSC_IO_AGAIN;
    if (n > len) n = len;
    memcpy(buf, p, n);
    br_ssl_engine_sendrec_ack(eng, n);
    return (long)n;
}

static int es_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    size_t n;
    struct timespec ts;
    (void)user; (void)items;
    if (count > 0 && (es.flooding || br_ssl_engine_sendrec_buf(&es.sc.eng, &n))) return 1;
    if (timeout_ms < 0 || timeout_ms > 5) timeout_ms = 5; /* nothing else can wake us */
    ts.tv_sec = 0;
    ts.tv_nsec = timeout_ms * 1000000L;
    nanosleep(&ts, NULL);
    return 0;
}

static void es_close(void *user, void *conn) { (void)user; (void)conn; es.flooding = 0; }

static const wsc_transport empty_tp = {NULL, es_connect, es_send, es_recv, es_wait, es_close, NULL, NULL};

static wsc_config es_config(int mode, int timeout_ms) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "localhost";
    c.port = 443;
    c.tls = 1;
    c.ca_file = cert("ca.pem");
    c.timeout_ms = timeout_ms;
    c.transport = &empty_tp;
    es.mode = mode;
    return c;
}

/* Empty TLS records carry nothing, and BearSSL takes any number of them:
   a flood of them must not hold open, read, write or close past its bound. */
TEST(empty_tls_records_keep_every_bound) {
    wsc_config c;
    long long t0;
    char buf[16];
    if (!es_load()) { CHECKF(0, "cannot load %s and its key", cert("server.pem")); return; }
    /* before the handshake ends: plaintext empty handshake records */
    c = es_config(FLOOD_HANDSHAKE, 500);
    t0 = now_ms();
    CHECKF(!wsc_open("e", &c) && wsc_error_code() == WSC_ERR_TIMEOUT, "%d %s", wsc_error_code(), wsc_error_info());
    CHECK(within("wsc_open, empty handshake records", now_ms() - t0, 500));
    CHECKF(es.empties > 1000, "%ld empty records", es.empties);
    /* after it, before the 101: empty application_data records */
    c = es_config(FLOOD_UPGRADE, 500);
    t0 = now_ms();
    CHECKF(!wsc_open("e", &c) && wsc_error_code() == WSC_ERR_TIMEOUT && strstr(wsc_error_info(), "upgrade"), "%d %s",
           wsc_error_code(), wsc_error_info());
    CHECK(within("wsc_open, empty records instead of the 101", now_ms() - t0, 500));
    /* open, with the flood right behind the 101; then read, write (the
       server not reading), close */
    c = es_config(FLOOD_OPEN, 500);
    c.close_timeout_ms = 500;
    c.write_timeout_ms = 300;
    t0 = now_ms();
    CHECKF(wsc_open("e", &c), "%s", wsc_error_info());
    CHECK(within("wsc_open, empty records behind the 101", now_ms() - t0, 500));
    if (!wsc_exist("e")) return;
    es_flood();
    t0 = now_ms();
    CHECKF(wsc_read("e", buf, sizeof buf, 300, NULL) == -1 && wsc_error_code() == WSC_ERR_TIMEOUT, "%s", wsc_error_info());
    CHECK(within("wsc_read(300), empty records", now_ms() - t0, 300));
    es.tx_full = 1;
    es_flood();
    t0 = now_ms();
    wsc_write("e", "x"); /* done once TLS has it, or timed out: either way in time */
    CHECK(within("wsc_write, write bound 300, empty records", now_ms() - t0, 300));
    es_flood();
    t0 = now_ms();
    CHECK(wsc_close("e") == 0 && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECK(within("wsc_close, close bound 500, empty records", now_ms() - t0, 500));
    CHECK(wsc_count() == 0);
}

/* ---- a pump whose callbacks write to servers that never stop sending ---- */

static long delivered[2], replies[2];
static int opened[2];

/* Request/reply: every message gets an answer, from inside the callback. */
static void reply(const wsc_event_data *ev) {
    int i = ev->name[1] - '0';
    if (ev->event == WSC_EVENT_OPEN) opened[i] = 1;
    if (ev->event != WSC_EVENT_MESSAGE) return;
    delivered[i]++;
    if (wsc_write(ev->name, "ack")) replies[i]++;
}

/* A write in a callback moves its socket, which reads and queues more; the
   pump still returns at its bound, and every socket gets its turn (the old
   pump gave one socket millions of messages in one call, the other none).
   Whether a socket has bytes at a given call is up to the server's threads,
   so a turn is counted over the rounds, not in each. */
TEST(pump_returns_while_callbacks_write) {
    long long t0, took, longest = 0;
    int i, round, turns[2] = {0, 0};
    for (i = 0; i < 2; i++) {
        wsc_config c;
        char name[3] = {'f', (char)('0' + i), 0};
        memset(&c, 0, sizeof c);
        c.address = "127.0.0.1";
        c.port = fault_port;
        c.path = "/chatter";
        c.timeout_ms = 3000;
        c.close_timeout_ms = 300;
        c.callback = reply;
        delivered[i] = replies[i] = opened[i] = 0;
        CHECKF(wsc_open(name, &c), "%s", wsc_error_info());
    }
    t0 = now_ms();
    while (!(opened[0] && opened[1]) && wsc_count() == 2 && now_ms() - t0 < 3000) wsc_pump(100);
    CHECK(opened[0] && opened[1]);
    for (round = 0; round < 20 && wsc_count() == 2; round++) {
        long before[2];
        before[0] = delivered[0];
        before[1] = delivered[1];
        t0 = now_ms();
        wsc_pump(100);
        took = now_ms() - t0;
        if (took > longest) longest = took;
        for (i = 0; i < 2; i++) turns[i] += delivered[i] > before[i];
    }
    CHECK(within("wsc_pump(100), callbacks write, 2 flooding servers", longest, 100));
    CHECKF(turns[0] > 0 && turns[1] > 0, "of %d pumps, %d and %d delivered to each socket", round, turns[0], turns[1]);
    CHECKF(replies[0] > 0 && replies[1] > 0, "%ld and %ld replies", replies[0], replies[1]);
    printf("  %d pumps: %d and %d delivered to each socket, %ld and %ld messages answered\n", round, turns[0], turns[1],
           replies[0], replies[1]);
    wsc_close("f0");
    wsc_close("f1");
    CHECK(wsc_count() == 0);
}

/* ---- a connect whose first address never answers ---- */

/* A listener on 127.0.0.1 whose accept queue is full: Linux drops the SYNs
   of further connects (tcp_abort_on_overflow 0), which then neither succeed
   nor fail, as with a host that silently drops packets. */
static int black_hole(int *port, int *filler) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    struct pollfd p;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    listen(fd, 0); /* room for one connection, never accepted */
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    *filler = socket(AF_INET, SOCK_STREAM, 0);
    connect(*filler, (struct sockaddr *)&a, sizeof a); /* fills the queue */
    p.fd = *filler;
    p.events = POLLOUT;
    poll(&p, 1, 1000);
    return fd;
}

/* Descriptors open in this process: a race must close every attempt it
   started, the winner's when the socket closes. */
/* 127.0.0.1 at each port in turn, as one resolver answer. */
static struct addrinfo *addresses(const int *ports, int n) {
    struct addrinfo hints, *head = NULL, **tail = &head;
    int i;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    for (i = 0; i < n; i++) {
        char port[8];
        snprintf(port, sizeof port, "%d", ports[i]);
        if (getaddrinfo("127.0.0.1", port, &hints, tail) != 0) break;
        while (*tail) tail = &(*tail)->ai_next; /* glibc frees the chain node by node */
    }
    return head;
}

/* Connects name to the addresses as if the resolver had answered them. */
static int open_addresses(const char *name, const int *ports, int n, int timeout_ms) {
    wsc_config c;
    wsc__socket *s;
    int ok;
    memset(&c, 0, sizeof c);
    c.address = "eyeballs.test";
    c.port = ports[n - 1];
    c.path = "/echo";
    c.timeout_ms = timeout_ms;
    WSC__LOCK(); /* the library's internals run under its lock */
    if (!(s = wsc__socket_new(name, &c, wsc__slot_mem(wsc__free_slot())))) { WSC__UNLOCK(); return 0; }
    s->addrs = s->next_addr = addresses(ports, n);
    s->state = WSC__WAITING; /* resolved */
    ok = wsc__start(wsc__free_slot(), s);
    WSC__UNLOCK();
    return ok;
}

/* RFC 8305: the next address gets its attempt after a short delay while the
   first keeps running; the connect does not wait out its whole bound on an
   address that never answers. */
TEST(connect_tries_the_next_address) {
    int hole[3], filler[3], fd[3], i, ports[4], fds;
    long long t0, took;
    char buf[8];
    for (i = 0; i < 3; i++) fd[i] = black_hole(&hole[i], &filler[i]);
    fds = open_fds();
    ports[0] = hole[0];
    ports[1] = v4only_port;
    t0 = now_ms();
    CHECKF(open_addresses("he", ports, 2, 5000), "%s", wsc_error_info());
    took = now_ms() - t0;
    printf("  open, first address silent, second answers: %lld ms\n", took);
    CHECKF(took < 250 + SLACK_MS, "%lld ms", took);
    CHECK(wsc_write("he", "hi") && wsc_read("he", buf, sizeof buf, 2000, NULL) == 2);
    wsc_close("he");
    /* three silent addresses before the one that answers */
    for (i = 0; i < 3; i++) ports[i] = hole[i];
    ports[3] = v4only_port;
    t0 = now_ms();
    CHECKF(open_addresses("he", ports, 4, 5000), "%s", wsc_error_info());
    took = now_ms() - t0;
    printf("  open, three addresses silent, the fourth answers: %lld ms\n", took);
    CHECKF(took < 750 + SLACK_MS, "%lld ms", took);
    wsc_close("he");
    /* none answers: the bound holds, and it says where it stopped */
    t0 = now_ms();
    CHECKF(!open_addresses("he", hole, 3, 1000) && wsc_error_code() == WSC_ERR_TIMEOUT && strstr(wsc_error_info(), "connecting"),
           "%s", wsc_error_info());
    CHECK(within("open, every address silent", now_ms() - t0, 1000));
    CHECK(wsc_count() == 0);
    CHECKF(open_fds() == fds, "%d descriptors open, %d before the races", open_fds(), fds);
    for (i = 0; i < 3; i++) {
        close(filler[i]);
        close(fd[i]);
    }
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    fault_port = env_port("WSC_TEST_FAULT_PORT");
    v4only_port = env_port("WSC_TEST_V4ONLY_PORT");
    RUN(empty_tls_records_keep_every_bound);
    RUN(pump_returns_while_callbacks_write);
    RUN(connect_tries_the_next_address);
    wsc_close_all();
    (void)tls_port; /* loopback.h helpers this program does not need */
    (void)fails_with;
    (void)pump_until_gone;
    return test_summary("test_deadline");
}

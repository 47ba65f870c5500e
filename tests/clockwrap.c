/* clockwrap.c - the small build's 32-bit clock across its wrap. WSCLIENT_SMALL
   keeps times in 32-bit milliseconds (a device's tick counter, which wraps
   every 49.7 days) and compares them only through their difference. Every
   test here starts the clock just below 2^32, so that each deadline falls
   past the wrap: the connect, read, write and close timeouts and the pump's
   own bound must each end at their moment, neither at once (a plain a < b
   sees the deadline as long past) nor never (a 64-bit clock sees time go
   back).

   No sockets and no servers: an in-memory transport whose wait() moves a
   simulated clock by the timeout it is given (so a test takes no real time),
   and a server in the same program that answers the upgrade, then sends
   nothing, or takes nothing. A wait with no bound, or a test past a minute of
   simulated time, fails the connection instead of hanging the test. */
#define WSCLIENT_SMALL
#define WSCLIENT_NO_SOCKETS
#define WSCLIENT_NOW_MS() fake_now
#include <stdint.h>
static uint32_t fake_now; /* the device's tick counter */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"

enum { MUTE, OPEN, DEAF }; /* answers nothing; answers the upgrade only; then takes nothing */

static struct {
    int mode, upgraded, gave_up;
    char head[1024];
    size_t head_len;
    char answer[256];
    size_t answer_len;
} sv;

static uint32_t start; /* the clock when the test began */

static uint32_t elapsed(void) { return fake_now - start; }

static void begin(int mode) {
    memset(&sv, 0, sizeof sv);
    sv.mode = mode;
    start = fake_now = 0xFFFFFFFFu - 299u; /* 300 ms before the wrap */
}

static void *mem_connect(void *user, const char *host, int port) {
    (void)user, (void)host, (void)port;
    return &sv;
}

/* Takes the request head and answers it with a 101 (the key's accept value
   from the header's own function); frames from the client are swallowed. */
static long mem_send(void *user, void *conn, const void *data, size_t len) {
    (void)user, (void)conn;
    if (sv.gave_up) return WSC_IO_ERROR;
    if (sv.mode == MUTE || (sv.mode == DEAF && sv.upgraded)) return WSC_IO_AGAIN;
    if (!sv.upgraded && sv.head_len + len < sizeof sv.head) {
        const char *key;
        char accept[29];
        memcpy(sv.head + sv.head_len, data, len);
        sv.head_len += len;
        sv.head[sv.head_len] = 0;
        if (strstr(sv.head, "\r\n\r\n") && (key = strstr(sv.head, "Sec-WebSocket-Key: ")) != NULL) {
            char k[25];
            memcpy(k, key + 19, 24);
            k[24] = 0;
            wsc__accept_value(accept, k);
            sv.answer_len = (size_t)snprintf(sv.answer, sizeof sv.answer, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                             "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
            sv.upgraded = 1;
        }
    }
    return (long)len;
}

static long mem_recv(void *user, void *conn, void *buf, size_t len) {
    (void)user, (void)conn;
    if (sv.gave_up) return WSC_IO_ERROR;
    if (!sv.answer_len) return WSC_IO_AGAIN;
    if (len > sv.answer_len) len = sv.answer_len;
    memcpy(buf, sv.answer, len);
    memmove(sv.answer, sv.answer + len, sv.answer_len - len);
    sv.answer_len -= len;
    return (long)len;
}

/* Nothing ever arrives by itself: the wait is the clock moving on. */
static int mem_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    int i, ready = 0;
    (void)user;
    for (i = 0; i < count; i++) {
        items[i].revents = (sv.answer_len ? WSC_IO_READ : 0) | (sv.mode == OPEN || !sv.upgraded ? WSC_IO_WRITE : 0);
        if (sv.mode == MUTE) items[i].revents = 0;
        ready += (items[i].revents & items[i].events) != 0;
    }
    if (ready) return ready;
    if (timeout_ms < 0 || elapsed() + (uint32_t)timeout_ms > 60000u) { /* never, or far too late */
        printf("  a wait of %d ms at %u ms: giving up\n", timeout_ms, (unsigned)elapsed());
        sv.gave_up = 1;
        return 0;
    }
    fake_now += (uint32_t)timeout_ms;
    return 0;
}

static void mem_close(void *user, void *conn) { (void)user, (void)conn; }

static const wsc_transport mem = {NULL, mem_connect, mem_send, mem_recv, mem_wait, mem_close, NULL, NULL};

static wsc_config cfg(void) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "device";
    c.port = 80;
    c.path = "/";
    c.timeout_ms = 1000;
    return c;
}

/* Did the call end at ms after the start, the simulated clock exact but for
   the library's few ms of work? */
static int at(uint32_t ms) {
    int ok = elapsed() >= ms && elapsed() <= ms + 20 && !sv.gave_up;
    if (!ok) printf("  ended at %u ms, wanted %u: %s\n", (unsigned)elapsed(), (unsigned)ms, wsc_error_info());
    return ok;
}

static wsc_event_data last; /* the latest event of an async socket */
static int events;
static char last_words[WSC__ERRLEN]; /* ev->message lives only during the callback: a copy */
static void on_event(const wsc_event_data *ev) {
    last = *ev;
    snprintf(last_words, sizeof last_words, "%s", ev->message ? ev->message : "");
    last.message = last_words;
    events++;
}

TEST(connect_timeout_across_the_wrap) {
    wsc_config c = cfg();
    begin(MUTE);
    CHECK(!wsc_open("c", &c) && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECK(at(1000));
}

TEST(read_timeout_across_the_wrap) {
    wsc_config c = cfg();
    char buf[16];
    begin(OPEN);
    CHECKF(wsc_open("r", &c), "%s", wsc_error_info());
    CHECK(at(0));
    CHECK(wsc_read("r", buf, sizeof buf, 700, NULL) < 0 && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECK(at(700));
    CHECK(wsc_read("r", buf, sizeof buf, 0, NULL) < 0 && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECK(at(700));
    wsc_abort("r");
}

TEST(write_timeout_across_the_wrap) {
    wsc_config c = cfg();
    static char big[3000];
    begin(DEAF);
    c.write_timeout_ms = 500;
    CHECKF(wsc_open("w", &c), "%s", wsc_error_info());
    CHECK(!wsc_write_binary("w", big, sizeof big) && wsc_error_code() == WSC_ERR_TIMEOUT);
    CHECK(at(500));
    wsc_abort("w");
}

TEST(close_timeout_across_the_wrap) {
    wsc_config c = cfg();
    begin(OPEN);
    c.close_timeout_ms = 900;
    CHECKF(wsc_open("x", &c), "%s", wsc_error_info());
    CHECK(!wsc_close("x") && !wsc_exist("x"));
    CHECK(at(900));
}

/* The pump's bound and a socket's deadline, one each side of the wrap: the
   wait takes the sooner, and the later one still comes at its time. */
TEST(pump_and_connect_deadline_across_the_wrap) {
    wsc_config c = cfg();
    begin(MUTE);
    c.callback = on_event;
    c.timeout_ms = 2500;
    events = 0;
    CHECK(wsc_open("a", &c));
    CHECK(wsc_pump(200) == 0 && events == 0); /* before the wrap */
    CHECK(at(200));
    CHECK(wsc_pump(1000) == 0 && events == 0); /* across it */
    CHECK(at(1200));
    CHECK(wsc_pump(5000) == 1 && events == 1 && last.event == WSC_EVENT_ERROR && strstr(last.message, "timed out"));
    CHECK(at(2500));
    CHECK(!wsc_exist("a"));
}

int main(void) {
    wsc_set_transport(&mem);
    RUN(connect_timeout_across_the_wrap);
    RUN(read_timeout_across_the_wrap);
    RUN(write_timeout_across_the_wrap);
    RUN(close_timeout_across_the_wrap);
    RUN(pump_and_connect_deadline_across_the_wrap);
    return test_summary("test_clockwrap");
}

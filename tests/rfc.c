/* rfc.c - RFC 6455 client requirements, case by case, against tests/rfc_server.py,
   which sends each case frame by frame and judges what the client did (the
   verdict names the RFC section). This side also checks what the caller sees. */
#define WSCLIENT_MAX_MESSAGE (4u * 1024u * 1024u)
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

static int port, rfc_tls_port;

/* How to reach the server over ws:// or wss:// (its certificate checked). */
static wsc_config server(int tls, const char *path) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "127.0.0.1";
    c.port = tls ? rfc_tls_port : port;
    c.path = path;
    c.tls = tls;
    c.server_name = "localhost";
    c.ca_file = cert("ca.pem");
    c.timeout_ms = 5000;
    return c;
}

/* The verdict of the ws:// (or wss://) server on one case this agent ran. */
static int verdict_on(int tls, const char *name, const char *agent, char *out, size_t cap) {
    char path[256];
    wsc_config c;
    long n;
    snprintf(path, sizeof path, "/result?name=%s&agent=%s", name, agent);
    c = server(tls, path);
    if (!wsc_open("verdict", &c)) {
        snprintf(out, cap, "no verdict: %s", wsc_error_info());
        return 0;
    }
    n = wsc_read("verdict", out, cap, 12000, NULL);
    if (n < 0) snprintf(out, cap, "no verdict: %s", wsc_error_info());
    wsc_close("verdict");
    return n > 0 && strncmp(out, "PASS", 4) == 0;
}

static int verdict_of(const char *name, const char *agent, char *out, size_t cap) { return verdict_on(0, name, agent, out, cap); }
static int verdict(const char *name, char *out, size_t cap) { return verdict_of(name, "rfc-c", out, cap); }

/* Runs a case as the Autobahn client does (echo until the end) and returns
   the error code that ended the reading. */
static wsc_result run_case(const char *name, const char *query, char *err, size_t cap) {
    char path[256];
    wsc_result code;
    snprintf(path, sizeof path, "/runCase?name=%s&agent=rfc-c%s", name, query);
    if (!wsc_connect("case", "127.0.0.1", port, path, NULL, 5000)) {
        snprintf(err, cap, "%s", wsc_error_info());
        return wsc_error_code();
    }
    for (;;) {
        size_t len;
        int binary;
        char *m = wsc_read_alloc("case", 10000, &len, &binary);
        if (!m) break;
        if (!(binary ? wsc_write_binary("case", m, len) : wsc_write_text("case", m, len))) { wsc_free(m); break; }
        wsc_free(m);
    }
    code = wsc_error_code();
    snprintf(err, cap, "%s", wsc_error_info());
    wsc_close("case");
    return code;
}

typedef struct { const char *name; wsc_result ends_with; } rfc_case;

/* Every case of tests/rfc_server.py, with what the caller must see at the end:
   WSC_ERR_CLOSED when the server closed normally, or the failure. */
static const rfc_case cases[] = {
    {"text_empty", WSC_ERR_CLOSED}, {"text_hello", WSC_ERR_CLOSED}, {"binary_small", WSC_ERR_CLOSED},
    {"length_125", WSC_ERR_CLOSED}, {"length_126", WSC_ERR_CLOSED}, {"length_127", WSC_ERR_CLOSED},
    {"length_128", WSC_ERR_CLOSED}, {"length_65535", WSC_ERR_CLOSED}, {"length_65536", WSC_ERR_CLOSED},
    {"text_length_125", WSC_ERR_CLOSED}, {"text_length_126", WSC_ERR_CLOSED}, {"text_length_65536", WSC_ERR_CLOSED},
    {"text_utf8", WSC_ERR_CLOSED}, {"two_in_one_write", WSC_ERR_CLOSED}, {"slow_frame", WSC_ERR_CLOSED},
    {"fragments_3", WSC_ERR_CLOSED}, {"fragments_ping_between", WSC_ERR_CLOSED}, {"fragments_empty", WSC_ERR_CLOSED},
    {"fragments_one_byte", WSC_ERR_CLOSED}, {"fragments_utf8_split", WSC_ERR_CLOSED},
    {"continuation_without_start", WSC_ERR_PROTOCOL}, {"text_inside_fragmented", WSC_ERR_PROTOCOL},
    {"binary_inside_fragmented", WSC_ERR_PROTOCOL},
    {"ping_empty", WSC_ERR_CLOSED}, {"ping_125", WSC_ERR_CLOSED}, {"ping_ten", WSC_ERR_CLOSED},
    {"ping_126", WSC_ERR_PROTOCOL}, {"ping_fragmented", WSC_ERR_PROTOCOL}, {"pong_unsolicited", WSC_ERR_CLOSED},
    {"close_fragmented", WSC_ERR_PROTOCOL},
    {"reserved_bits_1", WSC_ERR_PROTOCOL}, {"reserved_bits_2", WSC_ERR_PROTOCOL}, {"reserved_bits_4", WSC_ERR_PROTOCOL},
    {"reserved_opcode_3", WSC_ERR_PROTOCOL}, {"reserved_opcode_4", WSC_ERR_PROTOCOL}, {"reserved_opcode_5", WSC_ERR_PROTOCOL},
    {"reserved_opcode_6", WSC_ERR_PROTOCOL}, {"reserved_opcode_7", WSC_ERR_PROTOCOL}, {"reserved_opcode_11", WSC_ERR_PROTOCOL},
    {"reserved_opcode_12", WSC_ERR_PROTOCOL}, {"reserved_opcode_13", WSC_ERR_PROTOCOL}, {"reserved_opcode_14", WSC_ERR_PROTOCOL},
    {"reserved_opcode_15", WSC_ERR_PROTOCOL}, {"masked_server_frame", WSC_ERR_PROTOCOL}, {"length_msb_set", WSC_ERR_PROTOCOL},
    {"utf8_invalid", WSC_ERR_PROTOCOL}, {"utf8_invalid_in_fragments", WSC_ERR_PROTOCOL}, {"utf8_truncated", WSC_ERR_PROTOCOL},
    {"utf8_overlong", WSC_ERR_PROTOCOL}, {"utf8_fail_fast", WSC_ERR_PROTOCOL}, {"utf8_fail_fast_fragments", WSC_ERR_PROTOCOL},
    {"close_with_reason", WSC_ERR_CLOSED}, {"close_empty", WSC_ERR_CLOSED}, {"close_one_byte", WSC_ERR_PROTOCOL},
    {"close_code_1001", WSC_ERR_CLOSED}, {"close_code_1003", WSC_ERR_CLOSED}, {"close_code_1007", WSC_ERR_CLOSED},
    {"close_code_1011", WSC_ERR_CLOSED}, {"close_code_3000", WSC_ERR_CLOSED}, {"close_code_4999", WSC_ERR_CLOSED},
    {"close_code_invalid_0", WSC_ERR_PROTOCOL}, {"close_code_invalid_999", WSC_ERR_PROTOCOL},
    {"close_code_invalid_1004", WSC_ERR_PROTOCOL}, {"close_code_invalid_1005", WSC_ERR_PROTOCOL},
    {"close_code_invalid_1006", WSC_ERR_PROTOCOL}, {"close_code_invalid_1015", WSC_ERR_PROTOCOL},
    {"close_code_invalid_1016", WSC_ERR_PROTOCOL}, {"close_code_invalid_1100", WSC_ERR_PROTOCOL},
    {"close_code_invalid_2000", WSC_ERR_PROTOCOL}, {"close_code_invalid_2999", WSC_ERR_PROTOCOL},
    {"close_code_invalid_5000", WSC_ERR_PROTOCOL}, {"close_reason_not_utf8", WSC_ERR_PROTOCOL},
    {"close_then_data", WSC_ERR_CLOSED},
    {"many_small", WSC_ERR_CLOSED}, {"large_binary_1m", WSC_ERR_CLOSED}, {"large_text_1m", WSC_ERR_CLOSED},
    {"large_fragmented_4m", WSC_ERR_CLOSED},
    {"small_burst_mixed", WSC_ERR_CLOSED}, {"small_burst_utf8_invalid", WSC_ERR_PROTOCOL},
    {"small_burst_utf8_cut", WSC_ERR_PROTOCOL}, {"small_burst_masked", WSC_ERR_PROTOCOL},
    {"small_burst_reserved_bits", WSC_ERR_PROTOCOL}, {"small_burst_inside_fragmented", WSC_ERR_PROTOCOL},
    {"small_burst_continuation_alone", WSC_ERR_PROTOCOL},
    {"large_in_pieces", WSC_ERR_CLOSED}, {"large_text_utf8_in_pieces", WSC_ERR_CLOSED},
    {"large_utf8_invalid_in_a_piece", WSC_ERR_PROTOCOL}, {"large_fragments_ping_in_pieces", WSC_ERR_CLOSED},
};

TEST(every_case_by_name) {
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[WSC__ERRLEN], v[WSC__ERRLEN + 16];
        wsc_result code = run_case(cases[i].name, "", err, sizeof err);
        CHECKF(code == cases[i].ends_with, "%s: ended with %d (%s), expected %d", cases[i].name, code, err, cases[i].ends_with);
        CHECKF(verdict(cases[i].name, v, sizeof v), "%s", v);
    }
}

TEST(failure_reasons_reach_the_caller) {
    char err[WSC__ERRLEN], v[WSC__ERRLEN + 16];
    CHECK(run_case("reserved_bits_1", "", err, sizeof err) == WSC_ERR_PROTOCOL && strstr(err, "reserved bits") && strstr(err, "5.2"));
    CHECK(run_case("utf8_invalid", "", err, sizeof err) == WSC_ERR_PROTOCOL && strstr(err, "UTF-8") && strstr(err, "8.1"));
    CHECK(run_case("masked_server_frame", "", err, sizeof err) == WSC_ERR_PROTOCOL && strstr(err, "masked"));
    /* §10.4: over WSCLIENT_MAX_MESSAGE (4 MiB here), whole or in fragments: 1009 */
    CHECK(run_case("too_big", "&max=4194304", err, sizeof err) == WSC_ERR_MESSAGE_TOO_BIG && strstr(err, "WSCLIENT_MAX_MESSAGE"));
    CHECKF(verdict("too_big", v, sizeof v), "%s", v);
    CHECK(run_case("too_big_fragmented", "&max=4194304", err, sizeof err) == WSC_ERR_MESSAGE_TOO_BIG);
    CHECKF(verdict("too_big_fragmented", v, sizeof v), "%s", v);
}

/* A frame that comes in pieces 50 ms apart, read with 10 ms waits: each read
   that gives up mid-message leaves what it had to the library (the reader's
   buffer is its own again), and the message still arrives whole (§5.2). */
TEST(reads_that_give_up_mid_message) {
    char buf[64], v[512];
    long n = -1;
    int tries = 0;
    if (!wsc_connect("slow", "127.0.0.1", port, "/runCase?name=slow_frame&agent=rfc-mid", NULL, 5000)) { CHECK(0); return; }
    while (n < 0 && tries++ < 500) {
        memset(buf, 'x', sizeof buf);
        n = wsc_read("slow", buf, sizeof buf, 10, NULL);
        if (n < 0) CHECK(wsc_error_code() == WSC_ERR_TIMEOUT);
    }
    CHECKF(n == 5 && strcmp(buf, "Hello") == 0 && tries > 3, "n %ld after %d tries", n, tries);
    CHECK(n == 5 && wsc_write_text("slow", buf, 5));
    while (wsc_read("slow", buf, sizeof buf, 2000, NULL) >= 0) {}
    wsc_close("slow");
    CHECKF(verdict_of("slow_frame", "rfc-mid", v, sizeof v), "%s", v);
}

/* Large frames whose payload comes in pieces (read straight into the
   message over ws://), read into a buffer of ours with a reader waiting:
   one just the message's size, one larger, and one too small, which fails
   and leaves the message queued for a read with room. */
TEST(large_frames_in_pieces_into_a_readers_buffer) {
    static const struct { const char *name; long len; } big[] = {
        {"large_in_pieces", 100000}, {"large_text_utf8_in_pieces", 120000}, {"large_fragments_ping_in_pieces", 90000}};
    static const long extra[] = {0, 50000, -1};
    static char buf[170001];
    size_t i, j;
    for (i = 0; i < sizeof big / sizeof big[0]; i++) {
        for (j = 0; j < sizeof extra / sizeof extra[0]; j++) {
            char agent[32], path[128], v[512];
            long n, cap = big[i].len + (extra[j] < 0 ? -1 : extra[j]);
            int binary = -1;
            snprintf(agent, sizeof agent, "rfc-buf%lu", (unsigned long)j);
            snprintf(path, sizeof path, "/runCase?name=%s&agent=%s", big[i].name, agent);
            if (!wsc_connect("piece", "127.0.0.1", port, path, NULL, 5000)) { CHECKF(0, "%s", wsc_error_info()); continue; }
            n = wsc_read("piece", buf, (size_t)cap, 10000, &binary);
            if (extra[j] < 0) {
                CHECKF(n == -1 && wsc_error_code() == WSC_ERR_BUFFER_TOO_SMALL, "%s into %ld bytes: %ld (%s)", big[i].name, cap, n,
                       wsc_error_info());
                n = wsc_read("piece", buf, sizeof buf, 10000, &binary);
            }
            CHECKF(n == big[i].len, "%s into %ld bytes: %ld (%s)", big[i].name, cap, n, n < 0 ? wsc_error_info() : "");
            while (n >= 0) { /* echo it and what follows until the server closes; it judges the bytes */
                if (!(binary ? wsc_write_binary("piece", buf, (size_t)n) : wsc_write_text("piece", buf, (size_t)n))) break;
                n = wsc_read("piece", buf, sizeof buf, 10000, &binary);
            }
            CHECKF(wsc_error_code() == WSC_ERR_CLOSED, "%s: %s", big[i].name, wsc_error_info());
            wsc_close("piece");
            CHECKF(verdict_of(big[i].name, agent, v, sizeof v), "%s into %ld bytes: %s", big[i].name, cap, v);
        }
    }
}

static int async_code;
static char async_text[256];

static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_ERROR || ev->event == WSC_EVENT_CLOSE) {
        async_code = ev->event == WSC_EVENT_ERROR ? ev->code : -ev->code;
        snprintf(async_text, sizeof async_text, "%s", ev->message);
    }
}

TEST(async_failure_is_an_error_event) {
    long long end;
    char v[512];
    async_code = 0;
    CHECK(wsc_connect_async("acase", on_event, "127.0.0.1", port, "/runCase?name=ping_126&agent=rfc-c", NULL));
    end = (long long)time(NULL) + 10;
    while (wsc_exist("acase") && time(NULL) < end) wsc_pump(100);
    CHECK(async_code == WSC_ERR_PROTOCOL && strstr(async_text, "125 bytes") && strstr(async_text, "5.5"));
    CHECKF(verdict("ping_126", v, sizeof v), "%s", v);
}

/* Whole small frames (up to 1 KiB, 7- and 16-bit lengths) in one write are
   queued straight from the receive buffer (wsc__receive_small), among
   frames that are not (1025 bytes and more, fragments): a reader's buffer
   (wsc_read) and callbacks see them all in order, and a bad frame behind
   200 good ones still fails with its own words. */
static char burst_buf[70001];

static void on_burst(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_MESSAGE) {
        if (!(ev->binary ? wsc_write_binary(ev->name, ev->message, ev->length) : wsc_write_text(ev->name, ev->message, ev->length)))
            async_code = -1;
    } else {
        on_event(ev);
    }
}

TEST(small_frames_in_a_burst) {
    char v[512];
    long long end;
    long n;
    int binary = 0, got = 0;
    /* wsc_read into a buffer (with a reader waiting, and not) */
    if (!wsc_connect("burst", "127.0.0.1", port, "/runCase?name=small_burst_mixed&agent=rfc-read", NULL, 5000)) { CHECK(0); return; }
    while ((n = wsc_read("burst", burst_buf, sizeof burst_buf, got % 2 ? 10000 : 0, &binary)) >= 0 ||
           wsc_error_code() == WSC_ERR_TIMEOUT) {
        if (n < 0) continue;
        got++;
        if (!(binary ? wsc_write_binary("burst", burst_buf, (size_t)n) : wsc_write_text("burst", burst_buf, (size_t)n))) break;
    }
    CHECKF(wsc_error_code() == WSC_ERR_CLOSED, "%s", wsc_error_info());
    wsc_close("burst");
    CHECKF(got == 400, "%d messages", got);
    CHECKF(verdict_of("small_burst_mixed", "rfc-read", v, sizeof v), "%s", v);
    /* callbacks */
    async_code = 0;
    CHECK(wsc_connect_async("aburst", on_burst, "127.0.0.1", port, "/runCase?name=small_burst_mixed&agent=rfc-cb", NULL));
    end = (long long)time(NULL) + 20;
    while (wsc_exist("aburst") && time(NULL) < end) wsc_pump(100);
    CHECKF(async_code == -1000, "%d: %s", async_code, async_text);
    CHECKF(verdict_of("small_burst_mixed", "rfc-cb", v, sizeof v), "%s", v);
    /* the failures' own words, behind the burst */
    CHECK(run_case("small_burst_utf8_invalid", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "not UTF-8") && strstr(v, "8.1"));
    CHECK(run_case("small_burst_utf8_cut", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "inside a UTF-8 sequence"));
    CHECK(run_case("small_burst_masked", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "masked"));
    CHECK(run_case("small_burst_reserved_bits", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "reserved bits"));
    CHECK(run_case("small_burst_inside_fragmented", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "inside a fragmented"));
    CHECK(run_case("small_burst_continuation_alone", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "without a message"));
    CHECK(run_case("small_burst_utf8_invalid_wide", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "not UTF-8") && strstr(v, "8.1"));
    CHECK(run_case("small_burst_masked_wide", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "masked"));
    CHECK(run_case("small_burst_reserved_bits_wide", "", v, sizeof v) == WSC_ERR_PROTOCOL && strstr(v, "reserved bits"));
}

TEST(client_sends_in_parts) {
    char v[512];
    if (!wsc_connect("parts", "127.0.0.1", port, "/runCase?name=client_sends_parts&agent=rfc-c", NULL, 5000)) { CHECK(0); return; }
    CHECK(wsc_write_part("parts", "part1", 5, 0, 0));
    CHECK(!wsc_write("parts", "whole") && wsc_error_code() == WSC_ERR_STATE);   /* not inside a message */
    CHECK(!wsc_write_part("parts", "x", 1, 1, 0) && wsc_error_code() == WSC_ERR_ARGUMENT); /* type changes */
    CHECK(!wsc_write_part("parts", "\xff", 1, 0, 0) && wsc_error_code() == WSC_ERR_ARGUMENT); /* not UTF-8 */
    CHECK(wsc_write_part("parts", "part2", 5, 0, 0));
    CHECK(!wsc_write_part("parts", "part3\xe2\x82", 7, 0, 1) && wsc_error_code() == WSC_ERR_ARGUMENT); /* ends mid-character */
    CHECK(wsc_write_part("parts", "part3", 5, 0, 1));
    CHECK(wsc_close("parts"));
    CHECKF(verdict("client_sends_parts", v, sizeof v), "%s", v);
}

/* Opens /hs/NAME; returns 1 and the first message if the connect worked. */
static int handshake(const char *name, char *first, size_t cap) {
    char path[64];
    snprintf(path, sizeof path, "/hs/%s", name);
    first[0] = 0;
    if (!wsc_connect("hs", "127.0.0.1", port, path, NULL, 5000)) return 0;
    wsc_read("hs", first, cap, 5000, NULL);
    return 1;
}

TEST(handshake_strictness) {
    char m[64];
    CHECK(!handshake("status_200", m, sizeof m) && wsc_error_code() == WSC_ERR_HTTP_STATUS && strstr(wsc_error_info(), "200"));
    CHECK(!handshake("bad_accept", m, sizeof m) && wsc_error_code() == WSC_ERR_HANDSHAKE && strstr(wsc_error_info(), "Accept"));
    CHECK(!handshake("no_upgrade", m, sizeof m) && wsc_error_code() == WSC_ERR_HANDSHAKE && strstr(wsc_error_info(), "Upgrade"));
    CHECK(!handshake("no_connection", m, sizeof m) && wsc_error_code() == WSC_ERR_HANDSHAKE && strstr(wsc_error_info(), "Connection"));
    CHECK(!handshake("extension", m, sizeof m) && wsc_error_code() == WSC_ERR_HANDSHAKE && strstr(wsc_error_info(), "extension"));
#ifndef WSCLIENT_SMALL
    CHECK(!handshake("protocol", m, sizeof m) && wsc_error_code() == WSC_ERR_SUBPROTOCOL && strstr(wsc_error_info(), "unoffered"));
#else /* the small build quotes no value of the server's (docs/platforms.md "WSCLIENT_SMALL") */
    CHECK(!handshake("protocol", m, sizeof m) && wsc_error_code() == WSC_ERR_SUBPROTOCOL && strstr(wsc_error_info(), "subprotocol '?'"));
#endif
    CHECK(!handshake("huge", m, sizeof m) && wsc_error_code() == WSC_ERR_HANDSHAKE && strstr(wsc_error_info(), "WSCLIENT_MAX_HEADER"));
    CHECK(!handshake("not_http", m, sizeof m) && wsc_error_code() == WSC_ERR_HANDSHAKE);
    CHECK(handshake("odd_case", m, sizeof m) && strcmp(m, "odd ok") == 0);
    wsc_close("hs");
    CHECK(handshake("split", m, sizeof m) && strcmp(m, "split ok") == 0);
    wsc_close("hs");
    CHECK(handshake("early", m, sizeof m) && strcmp(m, "early") == 0);
    CHECK(wsc_read("hs", m, sizeof m, 5000, NULL) == 11 && strcmp(m, "after early") == 0);
    wsc_close("hs");
    CHECK(wsc_count() == 0);
}

/* RFC 6455 §4.1 items 1-9: the server checks every part of our request. */
TEST(request_is_rfc_4_1) {
    char m[512];
    int i;
    for (i = 0; i < 3; i++) { /* three connects: three different keys */
        CHECK(handshake(i == 2 ? "request?x=1&y=%20" : "request", m, sizeof m));
        CHECKF(strcmp(m, "request ok") == 0, "%s", m);
        wsc_close("hs");
    }
}

static int opened_in_group;

static void group_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_MESSAGE && ev->length == 2 && memcmp(ev->message, "ok", 2) == 0) opened_in_group++;
}

/* RFC 6455 §4.1 item 2: no more than one connection to a server in its
   opening handshake at a time, whichever syntax started it. */
TEST(one_connecting_per_server) {
    char m[256];
    long long end;
    const char *path = "/hs/one_connecting?group=mix";
    opened_in_group = 0;
    CHECK(wsc_connect_async("oc1", group_event, "127.0.0.1", port, path, NULL));
    CHECK(wsc_connect_async("oc2", group_event, "127.0.0.1", port, path, NULL));
    /* a sync connect behind two async ones drives them while it waits its turn */
    CHECKF(wsc_connect("oc3", "127.0.0.1", port, path, NULL, 5000), "%s", wsc_error_info());
    CHECK(wsc_read("oc3", m, sizeof m, 5000, NULL) == 2 && strcmp(m, "ok") == 0);
    wsc_close("oc3");
    CHECK(wsc_connect_async("oc4", group_event, "127.0.0.1", port, path, NULL));
    end = (long long)time(NULL) + 10;
    while ((wsc_exist("oc1") || wsc_exist("oc2") || wsc_exist("oc4")) && time(NULL) < end) wsc_pump(100);
    CHECK(opened_in_group == 3);
    if (!wsc_connect("ocv", "127.0.0.1", port, "/connecting-verdict?group=mix", NULL, 5000)) { CHECK(0); return; }
    CHECK(wsc_read("ocv", m, sizeof m, 5000, NULL) > 0);
    CHECKF(strncmp(m, "PASS", 4) == 0, "%s", m);
    wsc_close("ocv");
}

/* The client fails with frames of its own on their way, the server's bad
   frame already there when it writes (so that the batch's first hand-over,
   which leaves a frame half on the wire, also reads it): the close frame
   still comes whole, behind the messages queued before it (RFC 6455
   §7.1.7), and in a close handshake of the client's own it is not sent a
   second time (§5.5.1). Over ws:// and wss://. */
TEST(failing_with_frames_on_their_way) {
    int tls, tls_too = 1;
#ifdef WSCLIENT_SMALL
    tls_too = 0; /* (its trust anchors are compiled in, not the test CA) */
#endif
    for (tls = 0; tls <= tls_too; tls++) {
        char v[512], path[128] = "", agent[32];
        wsc_config c = server(tls, path);
#ifndef WSCLIENT_SMALL /* (no batches there) */
        char m[21];
        long i, written = 0;
        snprintf(agent, sizeof agent, "rfc-batch%d", tls);
        snprintf(path, sizeof path, "/runCase?name=fail_mid_batch&agent=%s", agent);
        if (!wsc_open("mid", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        sleep_ms(1000);
        for (i = 0; i < 4000; i++) {
            snprintf(m, sizeof m, "m%05lu..............", (unsigned long)i % 100000ul); /* (5 digits: it fits m for any i) */
            if (!wsc_write_more("mid", m, 20, 1)) break;
            written++;
        }
        if (written == 4000) CHECK(!wsc_flush("mid") || wsc_read("mid", m, sizeof m, 5000, NULL) < 0);
        CHECKF(wsc_error_code() == WSC_ERR_PROTOCOL, "after %ld messages: %s", written, wsc_error_info());
        wsc_close("mid");
        CHECKF(verdict_on(tls, "fail_mid_batch", agent, v, sizeof v), "%s", v);
#endif
        snprintf(agent, sizeof agent, "rfc-closing%d", tls);
        snprintf(path, sizeof path, "/runCase?name=fail_while_closing&agent=%s", agent);
        if (!wsc_open("closing", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        sleep_ms(1000);
        CHECK(!wsc_close("closing"));
        CHECKF(verdict_on(tls, "fail_while_closing", agent, v, sizeof v), "%s", v);
    }
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    port = env_port("WSC_TEST_RFC_PORT");
    rfc_tls_port = env_port("WSC_TEST_RFC_TLS_PORT");
    RUN(every_case_by_name);
    RUN(failure_reasons_reach_the_caller);
    RUN(reads_that_give_up_mid_message);
    RUN(large_frames_in_pieces_into_a_readers_buffer);
    RUN(async_failure_is_an_error_event);
    RUN(small_frames_in_a_burst);
    RUN(client_sends_in_parts);
    RUN(handshake_strictness);
    RUN(request_is_rfc_4_1);
    RUN(one_connecting_per_server);
    RUN(failing_with_frames_on_their_way);
    return test_summary("test_rfc");
}

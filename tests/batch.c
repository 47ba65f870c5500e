/* batch.c - many messages cheaply (issue 18): wsc_write_more / wsc_flush on
   synchronous sockets, and the batched writes of asynchronous ones, against
   the echo servers of tests/run.sh over ws:// and wss://. Every message must
   come back exactly once, in order, intact, whatever the record and buffer
   boundaries; a batch is bounded by WSCLIENT_MAX_MESSAGE; nothing sits unsent
   while a pump sleeps. A large message that began to arrive before its
   read goes on into the reader's buffer, not into the library's to be
   copied out after; a reader that leaves mid-message leaves its buffer
   untouched from then on, and the library holds what came, not the
   buffer's size. The built-in TCP's sends and receives, the library's
   copies and its largest block are seen through the linker and the
   allocator hooks (the Makefile links this program with -Wl,--wrap=send,
   -Wl,--wrap=recv, -Wl,--wrap=memmove and -Wl,--wrap=memcpy). */
#define _POSIX_C_SOURCE 200809L /* the implementation comes after a system header here */
#define WSCLIENT_MAX_MESSAGE (256u * 1024u) /* small: the limit is reached quickly */
static long clock_reads; /* the library's looks at its clock */
static long long counted_now_ms(void);
#define WSCLIENT_NOW_MS() counted_now_ms()
#include <stdlib.h>
/* The largest block the library asked for while blocks.on. */
static struct {
    int on;
    size_t biggest;
} blocks;
static void *watched(void *p, size_t size) {
    if (p && blocks.on && size > blocks.biggest) blocks.biggest = size;
    return p;
}
#define WSCLIENT_MALLOC(size, user) ((void)(user), watched(malloc(size), size))
#define WSCLIENT_REALLOC(ptr, size, user) ((void)(user), watched(realloc(ptr, size), size))
#define WSCLIENT_FREE(ptr, user) ((void)(user), free(ptr))
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"
#include <pthread.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static int tls_port_, plain_port, fault_port, fault_tls_port;

/* Every send() of this program while sends.on: its size. With
   sends.refuse, every send after the first is refused once ("would block")
   before it is let through, as a full kernel buffer would. */
#define MAX_SENDS 1024
static struct {
    int on, refuse, last_refused, last_partial;
    long n, refused, dropped;
    size_t len[MAX_SENDS];
    int cut[MAX_SENDS]; /* the kernel took it, or the send before, in part */
} sends;

ssize_t __real_send(int fd, const void *p, size_t n, int flags);
ssize_t __wrap_send(int fd, const void *p, size_t n, int flags);
ssize_t __wrap_send(int fd, const void *p, size_t n, int flags) {
    ssize_t k;
    if (sends.on && sends.refuse && sends.n > 0 && !sends.last_refused) {
        sends.last_refused = 1;
        sends.refused++;
        errno = EAGAIN;
        return -1;
    }
    k = __real_send(fd, p, n, flags);
    if (sends.on && k > 0) {
        sends.last_refused = 0;
        if (sends.n == MAX_SENDS) { sends.dropped++; return k; }
        sends.cut[sends.n] = sends.last_partial || (size_t)k < n;
        sends.last_partial = (size_t)k < n;
        sends.len[sends.n++] = (size_t)k < n ? (size_t)k : n;
    }
    return k;
}

/* recv() calls of this program while recvs.on. */
static struct {
    int on;
    long n;
} recvs;

ssize_t __real_recv(int fd, void *p, size_t n, int flags);
ssize_t __wrap_recv(int fd, void *p, size_t n, int flags);
ssize_t __wrap_recv(int fd, void *p, size_t n, int flags) {
    if (recvs.on) recvs.n++;
    return __real_recv(fd, p, n, flags);
}

/* memmove() calls of this program while moves.on: how many, how many bytes
   (-Wl,--wrap=memmove; the library's moves of a buffer's rest). */
static struct {
    int on;
    long calls;
    size_t bytes;
} moves;

void *__real_memmove(void *d, const void *p, size_t n);
void *__wrap_memmove(void *d, const void *p, size_t n);
void *__wrap_memmove(void *d, const void *p, size_t n) {
    if (moves.on) {
        moves.calls++;
        moves.bytes += n;
    }
    return __real_memmove(d, p, n);
}

/* memcpy() calls of this program while copies.on: their bytes
   (-Wl,--wrap=memcpy; the library's copies of payload). */
static struct {
    int on;
    size_t bytes;
} copies;

void *__real_memcpy(void *d, const void *p, size_t n);
void *__wrap_memcpy(void *d, const void *p, size_t n);
void *__wrap_memcpy(void *d, const void *p, size_t n) {
    if (copies.on) copies.bytes += n;
    return __real_memcpy(d, p, n);
}

static void sends_start(int refuse) {
    memset(&sends, 0, sizeof sends);
    sends.refuse = refuse;
    sends.on = 1;
}

static long long counted_now_ms(void) {
    struct timespec ts;
    clock_reads++;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static wsc_config config(int tls, int port, const char *path) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "127.0.0.1";
    c.port = port;
    c.path = path;
    c.tls = tls;
    c.server_name = "localhost";
    c.timeout_ms = 5000;
    c.ca_file = cert("ca.pem");
    return c;
}

/* Message i: its size walks over the record and buffer boundaries, its bytes
   say which message it is, odd ones are text. */
static const size_t sizes[] = {0, 1, 15, 16, 125, 126, 127, 1000, 16370, 16377, 16378, 16384, 16385, 16400,
                               32768, 65535, 65536, 16, 16, 16, 16, 16, 16, 16};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static size_t msg_size(long i) { return sizes[(size_t)i % NSIZES]; }

static void msg_fill(long i, unsigned char *p, size_t n) {
    size_t k;
    for (k = 0; k < n; k++) p[k] = (unsigned char)('a' + (size_t)(i * 7 + (long)k) % 26);
}

static int msg_check(long i, const unsigned char *p, long n, int binary) {
    static unsigned char want[70000];
    if (n != (long)msg_size(i) || binary != (int)((i & 1) == 0)) {
        printf("  message %ld: %ld bytes, binary %d (want %lu, %d)\n", i, n, binary, (unsigned long)msg_size(i), (int)((i & 1) == 0));
        return 0;
    }
    msg_fill(i, want, (size_t)n);
    if (memcmp(p, want, (size_t)n) != 0) { printf("  message %ld: bytes differ\n", i); return 0; }
    return 1;
}

/* Writes count messages, a window at a time: with wsc_write_more (a plain
   write or wsc_flush ends each window, in turn), and reads every echo. */
static void sync_round(int tls, long count) {
    static unsigned char buf[70000], out[70000];
    wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
    long sent = 0, got = 0, bad = 0;
    if (!wsc_open("b", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    while (got < count && !bad) {
        long end = sent + 1 + sent % 97; /* windows of 1 to 97 messages */
        if (end > count) end = count;
        for (; sent < end; sent++) {
            int plain_last = sent == end - 1 && (end & 1);
            size_t n = msg_size(sent);
            msg_fill(sent, out, n);
            if (!(plain_last ? (sent & 1 ? wsc_write_text("b", (const char *)out, n) : wsc_write_binary("b", out, n))
                             : wsc_write_more("b", out, n, (sent & 1) == 0))) {
                CHECKF(0, "write %ld: %s", sent, wsc_error_info());
                bad = 1;
                break;
            }
        }
        if (!bad && !(end & 1) && !wsc_flush("b")) { CHECKF(0, "flush: %s", wsc_error_info()); bad = 1; }
        while (!bad && got < sent) {
            int binary = -1;
            long n = wsc_read("b", buf, sizeof buf, 10000, &binary);
            if (n < 0) { CHECKF(0, "read %ld: %s", got, wsc_error_info()); bad = 1; break; }
            if (!msg_check(got, buf, n, binary)) bad = 1;
            got++;
        }
    }
    CHECKF(!bad && got == count, "%s: %ld of %ld echoed", tls ? "wss" : "ws", got, count);
    CHECK(wsc_close("b"));
}

TEST(sync_batches_arrive_once_in_order_intact) {
    sync_round(0, 3000);
    sync_round(1, 3000);
}

/* Many tiny messages in one batch: far more than one record holds. */
TEST(sync_batch_of_small_messages) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
        char msg[32], buf[64];
        long i, ok = 1;
        if (!wsc_open("s", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        for (i = 0; i < 5000 && ok; i++) {
            int n = snprintf(msg, sizeof msg, "m%07ld", i);
            ok = wsc_write_more("s", msg, (size_t)n, 0);
        }
        CHECKF(ok && wsc_flush("s"), "%s", wsc_error_info());
        for (i = 0; i < 5000 && ok; i++) {
            int binary = -1;
            long n = wsc_read("s", buf, sizeof buf, 10000, &binary);
            snprintf(msg, sizeof msg, "m%07ld", i);
            ok = n == 8 && binary == 0 && memcmp(buf, msg, 8) == 0;
            if (!ok) printf("  %s message %ld: %ld bytes: %.*s\n", tls ? "wss" : "ws", i, n, n > 0 ? (int)n : 0, buf);
        }
        CHECK(ok);
        CHECK(wsc_close("s"));
    }
}

/* A batch exactly as large as WSCLIENT_MAX_MESSAGE allows goes; one byte
   more is refused whole, and the messages around it still go, once. */
TEST(batch_bounded_by_max_message) {
    static unsigned char big[WSCLIENT_MAX_MESSAGE], buf[WSCLIENT_MAX_MESSAGE + 1];
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
        size_t fill = WSCLIENT_MAX_MESSAGE - 106 - 14; /* 106: a 100-byte frame, masked */
        long n;
        int binary;
        memset(big, 'x', sizeof big);
        if (!wsc_open("q", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        CHECK(wsc_write_more("q", big, 100, 1));
        CHECKF(wsc_write_more("q", big, fill, 1), "%s", wsc_error_info());
        CHECK(wsc_flush("q"));
        CHECK(wsc_write_more("q", big, 100, 1));
        CHECK(!wsc_write_more("q", big, fill + 1, 1) && wsc_error_code() == WSC_ERR_QUEUE_FULL);
        CHECK(wsc_write_binary("q", big, 5)); /* ends the batch: 100 then 5 */
        n = wsc_read("q", buf, sizeof buf, 10000, &binary);
        CHECKF(n == 100, "%ld", n);
        n = wsc_read("q", buf, sizeof buf, 10000, &binary);
        CHECKF(n == (long)fill, "%ld", n);
        n = wsc_read("q", buf, sizeof buf, 10000, &binary);
        CHECKF(n == 100, "%ld", n);
        n = wsc_read("q", buf, sizeof buf, 10000, &binary);
        CHECKF(n == 5, "%ld: the refused message went?", n);
        CHECK(wsc_read("q", buf, sizeof buf, 300, &binary) < 0 && wsc_error_code() == WSC_ERR_TIMEOUT);
        CHECK(wsc_close("q"));
    }
}

/* While a batch is being written, what goes out is whole records of it:
   the frames of 1 KiB messages (1032 bytes) never end on a 16 KiB record,
   and the tail left each time waits for the frames after it, not sealed
   alone into a small record and system call; wsc_flush sends the last.
   Over ws:// the pieces are 64 KiB (16 KiB took four times the system
   calls). Seen through a user transport that counts what it is handed. */
static struct { int on, fd; long calls, small; size_t rest, piece; } ct;

static void *ct_connect(void *user, const char *host, int port) {
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    (void)user, (void)host;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { if (fd >= 0) close(fd); return NULL; }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    ct.fd = fd;
    return &ct.fd;
}

static long ct_result(ssize_t k, int eof_ok) {
    if (k > 0) return (long)k;
    if (k == 0) return eof_ok ? WSC_IO_EOF : WSC_IO_AGAIN;
    return errno == EAGAIN || errno == EINTR ? WSC_IO_AGAIN : WSC_IO_ERROR;
}

static long ct_send(void *user, void *conn, const void *data, size_t len) {
    long k = ct_result(send(*(int *)conn, data, len, MSG_NOSIGNAL), 0);
    (void)user;
    if (ct.on) {
        ct.calls++;
        if (len < ct.piece && len != ct.rest) ct.small++; /* not the rest of a send the socket took in part */
    }
    ct.rest = k > 0 && (size_t)k < len ? len - (size_t)k : 0;
    return k;
}

static long ct_recv(void *user, void *conn, void *buf, size_t len) {
    (void)user;
    return ct_result(recv(*(int *)conn, buf, len, 0), 1);
}

static int ct_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    struct pollfd pfd[1];
    int n;
    (void)user;
    if (count > 1) return -1;
    if (count == 0) { poll(NULL, 0, timeout_ms); return 0; }
    pfd[0].fd = *(int *)items[0].conn;
    pfd[0].events = (short)(((items[0].events & WSC_IO_READ) ? POLLIN : 0) | ((items[0].events & WSC_IO_WRITE) ? POLLOUT : 0));
    pfd[0].revents = 0;
    n = poll(pfd, 1, timeout_ms);
    items[0].revents = ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) ? WSC_IO_READ : 0) | ((pfd[0].revents & POLLOUT) ? WSC_IO_WRITE : 0);
    return n;
}

static void ct_close(void *user, void *conn) {
    (void)user;
    close(*(int *)conn);
}

TEST(batch_goes_out_in_whole_records) {
    static const wsc_transport counting = {NULL, ct_connect, ct_send, ct_recv, ct_wait, ct_close, NULL, NULL};
    static unsigned char out[1024], buf[2048];
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
        long i, got = 0;
        c.transport = &counting;
        if (!wsc_open("w", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        ct.on = 1;
        ct.calls = ct.small = 0;
        ct.piece = tls ? 16384 : 65536;
        for (i = 0; i < 100; i++) {
            msg_fill(i, out, sizeof out);
            if (!wsc_write_more("w", out, sizeof out, (i & 1) == 0)) { CHECKF(0, "write %ld: %s", i, wsc_error_info()); break; }
        }
        ct.on = 0;
        CHECKF(ct.calls >= (tls ? 5 : 1) && ct.small == 0, "%s: %ld sends while the batch was written, %ld of them small", tls ? "wss" : "ws",
               ct.calls, ct.small);
        CHECKF(wsc_flush("w"), "%s", wsc_error_info());
        for (; got < 100; got++) {
            int binary = -1;
            long n = wsc_read("w", buf, sizeof buf, 10000, &binary);
            if (n != (long)sizeof out || binary != (int)((got & 1) == 0)) break;
            msg_fill(got, out, sizeof out);
            if (memcmp(buf, out, sizeof out) != 0) break;
        }
        CHECKF(got == 100, "%s: %ld of 100 echoed intact", tls ? "wss" : "ws", got);
        CHECK(wsc_close("w"));
    }
}

/* Batches of 1 KiB messages, each flushed and its echoes read: their bytes
   are copied into out and handed on a whole record (or 64 KiB piece) at a
   time, and what is left behind moves to the front of out. That rest was
   moved only once out was full, when it was nearly a record: the whole
   stream copied once more (64% of its bytes here over ws://, 85% over
   wss://). Now a short rest moves as soon as the record went (1% and 3%). */
TEST(a_batch_moves_few_of_its_bytes) {
    static unsigned char out[1024], buf[2048];
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
        long w, sent = 0, got = 0, bad = 0;
        if (!wsc_open("v", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        memset(&moves, 0, sizeof moves);
        moves.on = 1;
        for (w = 0; w < 16 && !bad; w++) {
            long end = sent + 200;
            for (; sent < end && !bad; sent++) {
                msg_fill(sent, out, sizeof out);
                if (!wsc_write_more("v", out, sizeof out, 1)) { CHECKF(0, "write %ld: %s", sent, wsc_error_info()); bad = 1; }
            }
            if (!bad && !wsc_flush("v")) { CHECKF(0, "flush: %s", wsc_error_info()); bad = 1; }
            for (; got < sent && !bad; got++) {
                int binary = -1;
                long n = wsc_read("v", buf, sizeof buf, 10000, &binary);
                msg_fill(got, out, sizeof out);
                if (n != (long)sizeof out || memcmp(buf, out, sizeof out) != 0) { CHECKF(0, "echo %ld: %ld bytes", got, n); bad = 1; }
            }
        }
        moves.on = 0;
        printf("  %s: %lu of %ld bytes moved again, in %ld memmove calls\n", tls ? "wss" : "ws", (unsigned long)moves.bytes, sent * (long)sizeof out,
               moves.calls);
        CHECKF(moves.calls > 0 && moves.bytes <= (size_t)sent * sizeof out / 4, "%s: %lu of the %ld bytes sent moved again, in %ld memmove calls",
               tls ? "wss" : "ws", (unsigned long)moves.bytes, sent * (long)sizeof out, moves.calls);
        CHECK(wsc_close("v"));
    }
}

/* A message's sends over the built-in TCP: the write returns once every
   byte went (the echo proves it came whole). Over ws:// the frame's header
   leaves with the first part of its payload, not alone, and the payload
   in 64 KiB sends (16 KiB took four times the system calls). With refuse, every
   send after the first is refused once, as a full buffer would: the write
   waits and goes on, and returns only once every byte went (the last TLS
   record too). */
static void message_sends(int tls, int refuse) {
    static const size_t lens[] = {100, 16384, 65536, 200000};
    static unsigned char out[200000], buf[200001];
    wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
    const char *how = refuse ? "each send refused once" : "as the kernel takes them";
    size_t i;
    if (!wsc_open("m", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        long j, got, small = 0;
        size_t sum = 0;
        int ok, binary = -1;
        msg_fill((long)i, out, lens[i]);
        sends_start(refuse);
        ok = wsc_write_binary("m", out, lens[i]);
        sends.on = 0;
        CHECKF(ok, "%s %lu: %s", tls ? "wss" : "ws", (unsigned long)lens[i], wsc_error_info());
        if (!ok) break;
        for (j = 0; j < sends.n; j++) sum += sends.len[j];
        for (j = 0; j + 1 < sends.n; j++) /* a header alone, a tail sealed early; over ws:// a part under 64 KiB */
            small += sends.len[j] < (tls ? 16384u : 65536u) && !sends.cut[j];
        CHECKF(sends.n >= 1 && sends.dropped == 0, "%ld sends", sends.n);
        /* a sync write returns once the transport took every byte of it */
        CHECKF(sum >= lens[i] + 2, "%s %lu bytes, %s: the write returned when %lu bytes had gone", tls ? "wss" : "ws", (unsigned long)lens[i], how,
               (unsigned long)sum);
        if (!tls) CHECKF(small == 0, "ws %lu bytes, %s: %ld sends of under 64 KiB before the last", (unsigned long)lens[i], how, small);
        if (refuse && sends.n > 1) CHECKF(sends.refused > 0, "ws%s %lu: no send was refused", tls ? "s" : "", (unsigned long)lens[i]);
        got = wsc_read("m", buf, sizeof buf, 5000, &binary);
        CHECKF(got == (long)lens[i] && binary == 1 && memcmp(buf, out, lens[i]) == 0, "%s %lu bytes, %s: echo of %ld bytes (%s)", tls ? "wss" : "ws",
               (unsigned long)lens[i], how, got, got < 0 ? wsc_error_info() : "binary, compared");
    }
    CHECK(wsc_close("m"));
}

TEST(a_message_leaves_in_full_sends) {
    message_sends(0, 0);
    message_sends(1, 0);
}

TEST(a_write_with_refused_sends_returns_once_all_went) {
    message_sends(0, 1);
    message_sends(1, 1);
}

/* The end of a batch: wsc_flush returns once every byte of it went (the
   last TLS record too), with or without refusals on the way, and every
   message comes back. */
TEST(a_flushed_batch_returns_once_all_went) {
    static unsigned char out[1024], buf[2048];
    int tls, refuse;
    for (refuse = 0; refuse <= 1; refuse++) {
        for (tls = 0; tls <= 1; tls++) {
            wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
            long i, j, got = 0;
            size_t sum = 0;
            int ok = 1;
            if (!wsc_open("f", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
            sends_start(refuse);
            for (i = 0; i < 100 && ok; i++) {
                msg_fill(i, out, sizeof out);
                ok = wsc_write_more("f", out, sizeof out, 1);
            }
            ok = ok && wsc_flush("f");
            sends.on = 0;
            CHECKF(ok, "%s: %s", tls ? "wss" : "ws", wsc_error_info());
            for (j = 0; j < sends.n; j++) sum += sends.len[j];
            CHECKF(sum >= 100 * (sizeof out + 8), "%s%s: the flush returned when %lu bytes had gone", tls ? "wss" : "ws", refuse ? " (refusals)" : "",
                   (unsigned long)sum);
            for (; ok && got < 100; got++) {
                int binary = -1;
                long n = wsc_read("f", buf, sizeof buf, 5000, &binary);
                msg_fill(got, out, sizeof out);
                if (n != (long)sizeof out || binary != 1 || memcmp(buf, out, sizeof out) != 0) break;
            }
            CHECKF(got == 100, "%s: %ld of 100 echoed intact", tls ? "wss" : "ws", got);
            CHECK(wsc_close("f"));
        }
    }
}

/* A large message over ws:// comes in as few receives as the kernel
   allows, read straight into the message, where the receive buffer took it
   16 KiB a call: the echo of 250,000 bytes is given a moment to arrive. */
TEST(a_large_message_arrives_in_few_receives) {
    static unsigned char out[250000], buf[250001];
    wsc_config c = config(0, plain_port, "/");
    struct timespec pause = {0, 300000000L};
    long n;
    int binary = -1;
    msg_fill(3, out, sizeof out);
    if (!wsc_open("r", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    CHECKF(wsc_write_binary("r", out, sizeof out), "%s", wsc_error_info());
    nanosleep(&pause, NULL);
    recvs.n = 0;
    recvs.on = 1;
    n = wsc_read("r", buf, sizeof buf, 5000, &binary);
    recvs.on = 0;
    CHECKF(n == (long)sizeof out && binary == 1 && memcmp(buf, out, sizeof out) == 0, "echo of %ld bytes (%s)", n,
           n < 0 ? wsc_error_info() : "binary, compared");
    printf("  %ld receives for the echo's rest\n", recvs.n);
    CHECKF(recvs.n <= 10, "%ld receives for the echo of 250,000 bytes", recvs.n);
    CHECK(wsc_close("r"));
}

/* ---- a message begun before its read (fault_server.py /halves) ---- */

#define HALVES 200000 /* a binary message sent in two halves, each at a message of ours */

static int halves_open(const char *name, int tls, const char *end) {
    char path[96];
    wsc_config c;
    snprintf(path, sizeof path, "/halves?size=%d&delay=200%s%s", HALVES, *end ? "&end=" : "", end);
    c = config(tls, tls ? fault_tls_port : fault_port, path);
    if (!wsc_open(name, &c)) { CHECKF(0, "open %s: %s", path, wsc_error_info()); return 0; }
    return 1;
}

/* Bytes of the message being received on name, in the library's memory or a reader's. */
static size_t halves_in(const char *name) {
    int slot = wsc__find(name);
    return slot >= 0 ? wsc__g.slots[slot]->rx.msg_len : 0;
}

/* Pumps until the first half is in (the server sends it 200 ms after our message). */
static int halves_first_in(const char *name) {
    long long end = now_ms() + 5000;
    while (halves_in(name) < HALVES / 2 && now_ms() < end) wsc_pump(10);
    CHECKF(halves_in(name) == HALVES / 2, "%lu bytes of the first half in", (unsigned long)halves_in(name));
    return halves_in(name) == HALVES / 2;
}

static int halves_intact(const unsigned char *p, long n) {
    long i;
    if (n != HALVES) return 0;
    for (i = 0; i < n; i++)
        if (p[i] != (unsigned char)((i * 7 + 3) % 251)) return 0;
    return 1;
}

/* Half a large message is in when the read comes: the rest goes straight
   into the reader's buffer, so the library copies the half that came
   before, not the whole message after (a second copy of every byte). Over
   BearSSL the rest is copied once out of its record buffer; OpenSSL and
   plain TCP read it in place, but for a record or so. */
TEST(a_message_begun_before_its_read_goes_on_in_the_readers_buffer) {
    static unsigned char buf[HALVES + 1];
    int tls, binary = -1;
    for (tls = 0; tls <= 1; tls++) {
#ifdef WSCLIENT_TLS_OPENSSL
        size_t bound = HALVES / 2 + 33 * 1024;
#else
        size_t bound = tls ? HALVES + 16 * 1024 : HALVES / 2 + 16 * 1024;
#endif
        long n;
        if (!halves_open("h", tls, "")) continue;
        CHECK(wsc_write("h", "go"));
        if (halves_first_in("h")) {
            CHECK(wsc_write("h", "go on")); /* the second half comes 200 ms after it */
            memset(buf, 0, sizeof buf);
            copies.bytes = 0;
            copies.on = 1;
            n = wsc_read("h", buf, sizeof buf, 5000, &binary);
            copies.on = 0;
            CHECKF(halves_intact(buf, n) && binary == 1, "%s: read %ld (%s)", tls ? "wss" : "ws", n, n < 0 ? wsc_error_info() : "compared");
            printf("  %s: %lu bytes copied for a message of %d, half of it in before the read\n", tls ? "wss" : "ws",
                   (unsigned long)copies.bytes, HALVES);
            CHECKF(copies.bytes >= HALVES / 2 && copies.bytes <= bound, "%s: %lu bytes copied (from %d to %lu)",
                   tls ? "wss" : "ws", (unsigned long)copies.bytes, HALVES / 2, (unsigned long)bound);
            n = wsc_read("h", buf, sizeof buf, 5000, &binary);
            CHECKF(n == 3 && memcmp(buf, "end", 3) == 0, "then %ld (%s)", n, n < 0 ? wsc_error_info() : "");
        }
        CHECK(wsc_close("h"));
    }
}

/* A reader whose buffer got part of a message times out: the part moves
   to the library's memory, in a block its size (the buffer's size, or
   twice it, would let a stalling server make the library hold whatever a
   reader offered), the buffer is not written again, and the next read
   gets the whole message. Both ways in: a buffer lent before the message
   began, and one that took over a message begun in ours. */
TEST(a_reader_leaving_mid_message_takes_its_buffer_back) {
    static unsigned char first[WSCLIENT_MAX_MESSAGE], second[HALVES + 1];
    int tls, adopt, binary = -1;
    size_t k;
    for (tls = 0; tls <= 1; tls++)
        for (adopt = 0; adopt <= 1; adopt++) {
            const char *how = adopt ? "taken over" : "lent";
            long n;
            if (!halves_open("l", tls, "")) continue;
            CHECK(wsc_write("l", "go"));
            if (adopt && !halves_first_in("l")) { wsc_close("l"); continue; }
            blocks.biggest = 0;
            blocks.on = 1;
            n = wsc_read("l", first, sizeof first, adopt ? 100 : 600, &binary); /* lent: the half comes at 200 ms */
            blocks.on = 0;
            CHECKF(n == -1 && wsc_error_code() == WSC_ERR_TIMEOUT, "%s %s: %ld (%s)", tls ? "wss" : "ws", how, n, wsc_error_info());
            CHECKF(halves_in("l") == HALVES / 2, "%s %s: %lu bytes kept", tls ? "wss" : "ws", how, (unsigned long)halves_in("l"));
            CHECKF(blocks.biggest <= HALVES / 2 + 64, "%s %s: a block of %lu bytes for %d that came", tls ? "wss" : "ws", how,
                   (unsigned long)blocks.biggest, HALVES / 2);
            memset(first, 0xEE, sizeof first);
            CHECK(wsc_write("l", "go on"));
            n = wsc_read("l", second, sizeof second, 5000, &binary);
            CHECKF(halves_intact(second, n) && binary == 1, "%s %s: read %ld (%s)", tls ? "wss" : "ws", how, n,
                   n < 0 ? wsc_error_info() : "compared");
            for (k = 0; k < sizeof first && first[k] == 0xEE; k++) {}
            CHECKF(k == sizeof first, "%s %s: the first reader's buffer written at %lu after it left", tls ? "wss" : "ws", how,
                   (unsigned long)k);
            CHECK(wsc_close("l"));
        }
}

/* A buffer too small for the frame under way is not taken: the message
   comes whole into ours, and is refused to that buffer and read by the
   next. */
TEST(a_buffer_too_small_for_the_message_is_not_taken) {
    static unsigned char small[HALVES - 1], big[HALVES];
    int tls, binary = -1;
    for (tls = 0; tls <= 1; tls++) {
        long n;
        if (!halves_open("s", tls, "")) continue;
        CHECK(wsc_write("s", "go"));
        if (halves_first_in("s")) {
            memset(small, 0xEE, sizeof small);
            CHECK(wsc_read("s", small, sizeof small, 100, NULL) == -1 && wsc_error_code() == WSC_ERR_TIMEOUT);
            CHECK(small[0] == 0xEE && small[HALVES / 2 - 1] == 0xEE);
            CHECK(wsc_write("s", "go on"));
            n = wsc_read("s", small, sizeof small, 5000, NULL);
            CHECKF(n == -1 && wsc_error_code() == WSC_ERR_BUFFER_TOO_SMALL, "%s: %ld (%s)", tls ? "wss" : "ws", n, wsc_error_info());
            n = wsc_read("s", big, sizeof big, 5000, &binary);
            CHECKF(halves_intact(big, n) && binary == 1, "%s: read %ld (%s)", tls ? "wss" : "ws", n, n < 0 ? wsc_error_info() : "compared");
        }
        CHECK(wsc_close("s"));
    }
}

/* The server's end halfway through a large message, while it goes into
   the reader's buffer: a clear error within the read's time, no hang.
   Over TLS a TCP end without close_notify says so; with close_notify it
   is a clean TLS end, and only the WebSocket close is missing. */
TEST(an_end_mid_message_is_an_error_in_time) {
    static const struct { int tls; const char *end; wsc_result code; const char *words, *not_words; } ends[] = {
        {0, "fin", WSC_ERR_CLOSED, "without a close frame (1006)", NULL},
        {0, "rst", WSC_ERR_IO, "reset", NULL},
        {1, "fin", WSC_ERR_CLOSED, "without TLS close_notify", NULL},
        {1, "notify", WSC_ERR_CLOSED, "without a close frame (1006)", "close_notify"},
        {1, "rst", WSC_ERR_IO, "reset", NULL},
    };
    static unsigned char buf[HALVES + 1];
    size_t i;
    for (i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        long long t0;
        long n;
        if (!halves_open("e", ends[i].tls, ends[i].end)) continue;
        CHECK(wsc_write("e", "go"));
        t0 = now_ms();
        n = wsc_read("e", buf, sizeof buf, 3000, NULL);
        CHECKF(n == -1 && wsc_error_code() == ends[i].code && strstr(wsc_error_info(), ends[i].words) &&
                   (!ends[i].not_words || !strstr(wsc_error_info(), ends[i].not_words)),
               "%s end=%s: %ld, code %d (%s)", ends[i].tls ? "wss" : "ws", ends[i].end, n, wsc_error_code(), wsc_error_info());
        CHECKF(now_ms() - t0 < 2500, "%s end=%s: %lld ms", ends[i].tls ? "wss" : "ws", ends[i].end, now_ms() - t0);
        wsc_close("e");
    }
}

/* A read that finds its message queued takes it without a look at the
   clock (a system call on some machines, and a read a message in a
   stream): the deadline is worked out only when the read must wait. */
TEST(reading_a_queued_message_reads_no_clock) {
    wsc_config c = config(0, plain_port, "/");
    char buf[64];
    long i, got = 0, at_hand = 0, looked = 0;
    if (!wsc_open("k", &c)) { CHECKF(0, "open: %s", wsc_error_info()); return; }
    for (i = 0; i < 200; i++) CHECK(wsc_write_more("k", "tick", 4, 0));
    CHECK(wsc_flush("k"));
    poll(NULL, 0, 300); /* most echoes wait in the kernel: a read queues what came */
    while (got < 200) {
        int s = wsc__find("k"), queued = s >= 0 && wsc__g.slots[s]->queue != NULL;
        long before = clock_reads;
        if (wsc_read("k", buf, sizeof buf, queued ? 0 : 5000, NULL) != 4) break;
        got++;
        if (queued) at_hand++, looked += clock_reads != before; /* (a read that waits may look) */
    }
    CHECKF(got == 200 && at_hand >= 20, "%ld of 200 echoes, %ld of them queued before their read", got, at_hand);
    CHECKF(looked == 0, "%ld of %ld reads of a queued message looked at the clock", looked, at_hand);
    CHECK(wsc_close("k"));
}

/* A batch's small write and a read of a queued message each take one step
   (wsc__write_small, wsc__read_queued) past the usual layers: they keep
   every promise of those. The step trusts the socket the last call found:
   calls go in fours to "a" then "ab" (one name the start of the other).
   A call after a failed one leaves no error behind; the counts count; text
   that is not UTF-8 is refused whole; a read whose buffer is too small
   leaves the message queued, and one whose buffer fits it exactly writes
   no NUL past it. */
TEST(one_step_writes_and_reads_keep_every_promise) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
        static const char *names[2] = {"a", "ab"};
        char msg[200], buf[200];
        wsc_stats before, after;
        long i, bad = 0, bytes = 0, at_hand = 0;
        int binary;
        if (!wsc_open("a", &c) || !wsc_open("ab", &c)) { CHECKF(0, "open: %s", wsc_error_info()); wsc_close("a"); continue; }
        CHECK(wsc_get_stats("ab", &before));
        for (i = 0; i < 400 && !bad; i++) {
            int n = snprintf(msg, sizeof msg, "%s:%ld", names[(i >> 2) & 1], i);
            memset(msg + n, 'x', (size_t)(i % 100)); /* up to 125 bytes: the one step's sizes */
            n += (int)(i % 100);
            CHECK(!wsc_flush("nope") && wsc_error_code() == WSC_ERR_UNKNOWN_SOCKET);
            if (!wsc_write_more(names[(i >> 2) & 1], msg, (size_t)n, (int)(i & 2))) { CHECKF(0, "write %ld: %s", i, wsc_error_info()); bad = 1; }
            else if (wsc_error_code() != WSC_OK) { CHECKF(0, "write %ld left error %d", i, (int)wsc_error_code()); bad = 1; }
            if ((i >> 2) & 1) bytes += n;
        }
        CHECK(!wsc_write_more("ab", "\xff\xfe", 2, 0) && wsc_error_code() == WSC_ERR_ARGUMENT);
        CHECK(wsc_get_stats("ab", &after));
        CHECKF(after.messages_out - before.messages_out == 200 && after.bytes_out - before.bytes_out == bytes,
               "'ab' counted %lld messages, %lld bytes (want 200, %ld)", after.messages_out - before.messages_out,
               after.bytes_out - before.bytes_out, bytes);
        CHECK(wsc_flush("a") && wsc_flush("ab"));
        poll(NULL, 0, 300); /* the echoes wait in the kernel: a read queues what came */
        for (i = 0; i < 400 && !bad; i++) {
            int slot = wsc__find(names[(i >> 2) & 1]);
            int n = snprintf(msg, sizeof msg, "%s:%ld", names[(i >> 2) & 1], i);
            long got;
            memset(msg + n, 'x', (size_t)(i % 100));
            n += (int)(i % 100);
            if (i == 2) { /* one byte short: refused, and the message stays */
                CHECK(wsc_read("a", buf, (size_t)n - 1, 0, &binary) < 0 && wsc_error_code() == WSC_ERR_BUFFER_TOO_SMALL);
            }
            CHECK(wsc_read("nope", buf, sizeof buf, 0, NULL) < 0);
            at_hand += slot >= 0 && wsc__g.slots[slot]->queue != NULL;
            memset(buf, '#', sizeof buf);
            binary = -1;
            got = wsc_read(names[(i >> 2) & 1], buf, (size_t)n, 10000, &binary); /* exactly its size: no NUL */
            if (got != n || memcmp(buf, msg, (size_t)n) != 0 || buf[n] != '#' || binary != (int)((i & 2) != 0) || wsc_error_code() != WSC_OK) {
                CHECKF(0, "%s read %ld: %ld bytes '%.*s' binary %d, error %d", names[(i >> 2) & 1], i, got, got > 0 ? (int)got : 0, buf,
                       binary, (int)wsc_error_code());
                bad = 1;
            }
        }
        CHECKF(!bad && at_hand >= 200, "%ld of 400 reads found their message queued", at_hand);
        CHECK(wsc_get_stats("ab", &after)); /* echoes queued in runs count one by one */
        CHECKF(after.messages_in - before.messages_in == 200 && after.bytes_in - before.bytes_in == bytes,
               "'ab' received %lld messages, %lld bytes (want 200, %ld)", after.messages_in - before.messages_in,
               after.bytes_in - before.bytes_in, bytes);
        CHECK(wsc_close("a") && wsc_close("ab"));
    }
}

/* A batch then a close: the server counts every message before the close. */
TEST(batch_then_close_sends_all_first) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        char path[64], report[64];
        wsc_config c;
        long i, want = 0;
        int binary, ok = 1;
        snprintf(path, sizeof path, "/count-report?id=b%d", tls);
        c = config(tls, tls ? tls_port_ : plain_port, path);
        if (!wsc_open("c", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        for (i = 0; i < 2000 && ok; i++) {
            static unsigned char m[400];
            size_t n = (size_t)(i * 37 % 400);
            ok = wsc_write_more("c", m, n, 1);
            want += (long)n;
        }
        CHECKF(ok, "%s", wsc_error_info());
        CHECK(wsc_close("c"));
        snprintf(path, sizeof path, "/count-read?id=b%d", tls);
        c = config(tls, tls ? tls_port_ : plain_port, path);
        CHECK(wsc_open("r", &c));
        CHECK(wsc_read("r", report, sizeof report, 5000, &binary) > 0);
        {
            char expect[64];
            snprintf(expect, sizeof expect, "2000 %ld", want);
            CHECKF(strcmp(report, expect) == 0, "server counted '%s', want '%s'", report, expect);
        }
        wsc_close("r");
    }
}

/* Asynchronous: a callback answers every echo with the next messages (two
   at a time while the window allows), so its writes batch. */
static long a_sent, a_got, a_bad, a_count;
static void async_send(const char *name) {
    static unsigned char out[70000];
    while (a_sent < a_count && a_sent - a_got < 64) {
        size_t n = msg_size(a_sent);
        msg_fill(a_sent, out, n);
        if (!(a_sent & 1 ? wsc_write_text(name, (const char *)out, n) : wsc_write_binary(name, out, n))) { a_bad++; return; }
        a_sent++;
    }
}
static void async_cb(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) async_send(ev->name);
    else if (ev->event == WSC_EVENT_MESSAGE) {
        if (!msg_check(a_got, (const unsigned char *)ev->message, (long)ev->length, ev->binary)) a_bad++;
        a_got++;
        async_send(ev->name);
    } else if (ev->event == WSC_EVENT_ERROR) { printf("  error: %s\n", ev->message); a_bad++; }
}

TEST(async_writes_from_callbacks_batch_and_arrive) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
        long long end = now_ms() + 30000;
        c.callback = async_cb;
        a_sent = a_got = a_bad = 0;
        a_count = 3000;
        if (!wsc_open("a", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        while (a_got < a_count && !a_bad && now_ms() < end) wsc_pump(1000);
        CHECKF(a_got == a_count && !a_bad, "%s: %ld of %ld, %ld bad", tls ? "wss" : "ws", a_got, a_count, a_bad);
        wsc_close("a");
        pump_until_gone("a");
    }
}

/* A write from another thread while the pump sleeps in wsc_pump(10000):
   its message goes out, and the echo is delivered, long before 10 s. */
static volatile int t_echoes;
static void thread_cb(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_MESSAGE) t_echoes++;
}
static void *writer(void *arg) {
    struct timespec d = {0, 300000000};
    (void)arg;
    nanosleep(&d, NULL); /* the pump is asleep by now */
    wsc_write_more("t", "batched", 7, 0);
    wsc_write("t", "plain");
    return NULL;
}

TEST(async_write_from_another_thread_wakes_no_one_late) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = config(tls, tls ? tls_port_ : plain_port, "/");
        pthread_t th;
        long long t0, end;
        c.callback = thread_cb;
        t_echoes = 0;
        if (!wsc_open("t", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        end = now_ms() + 5000;
        while (wsc_get_stats("t", &(wsc_stats){0}) && now_ms() < end && wsc_pump(50) == 0) {} /* the open event */
        t0 = now_ms();
        CHECK(pthread_create(&th, NULL, writer, NULL) == 0);
        while (t_echoes < 2 && now_ms() - t0 < 9000) wsc_pump(10000);
        pthread_join(th, NULL);
        CHECKF(t_echoes == 2 && now_ms() - t0 < 300 + 3000, "%s: %d echoes after %lld ms", tls ? "wss" : "ws", t_echoes, now_ms() - t0);
        wsc_close("t");
        pump_until_gone("t");
    }
}

/* A server that stops reading: a batch grows only to WSCLIENT_MAX_MESSAGE
   (then QUEUE_FULL, whole), and once the kernel's buffers are full too a
   flush gives up at write_timeout_ms. */
TEST(batch_to_a_server_not_reading_is_bounded) {
    int tls;
    for (tls = 0; tls <= 1; tls++) {
        wsc_config c = config(tls, tls ? fault_tls_port : fault_port, "/no-read");
        long i, rounds, refused_right = 1, flushed = 1;
        long long t0 = 0;
        c.write_timeout_ms = 500;
        c.close_timeout_ms = 300;
        if (!wsc_open("n", &c)) { CHECKF(0, "open: %s", wsc_error_info()); continue; }
        for (rounds = 0; rounds < 200 && flushed && refused_right; rounds++) { /* 50 MiB at most */
            int ok = 1;
            for (i = 0; i < 4000000 && ok; i++) ok = wsc_write_more("n", "0123456789abcdef", 16, 1);
            refused_right = !ok && wsc_error_code() == WSC_ERR_QUEUE_FULL;
            t0 = now_ms();
            flushed = wsc_flush("n");
        }
        CHECKF(refused_right, "a batch grew past WSCLIENT_MAX_MESSAGE, or failed otherwise: %s", wsc_error_info());
        CHECKF(!flushed && wsc_error_code() == WSC_ERR_TIMEOUT, "after %ld rounds: %s", rounds, wsc_error_info());
        CHECKF(now_ms() - t0 < 500 + 1500, "flush took %lld ms", now_ms() - t0);
        wsc_close("n");
        CHECK(!wsc_exist("n"));
    }
}

int main(void) {
    const char *dir = getenv("WSC_TEST_CERTS");
    snprintf(certs, sizeof certs, "%s", dir ? dir : "build/certs");
    (void)fails_with; /* loopback.h's, not needed here */
    (void)tls_port;
    tls_port_ = env_port("WSC_TEST_TLS_PORT");
    plain_port = env_port("WSC_TEST_PLAIN_PORT");
    fault_port = env_port("WSC_TEST_FAULT_PORT");
    fault_tls_port = env_port("WSC_TEST_FAULT_TLS_PORT");
    RUN(sync_batches_arrive_once_in_order_intact);
    RUN(sync_batch_of_small_messages);
    RUN(batch_bounded_by_max_message);
    RUN(batch_goes_out_in_whole_records);
    RUN(a_batch_moves_few_of_its_bytes);
    RUN(a_message_leaves_in_full_sends);
    RUN(a_write_with_refused_sends_returns_once_all_went);
    RUN(a_flushed_batch_returns_once_all_went);
    RUN(a_large_message_arrives_in_few_receives);
    RUN(reading_a_queued_message_reads_no_clock);
    RUN(a_message_begun_before_its_read_goes_on_in_the_readers_buffer);
    RUN(a_reader_leaving_mid_message_takes_its_buffer_back);
    RUN(a_buffer_too_small_for_the_message_is_not_taken);
    RUN(an_end_mid_message_is_an_error_in_time);
    RUN(one_step_writes_and_reads_keep_every_promise);
    RUN(batch_then_close_sends_all_first);
    RUN(async_writes_from_callbacks_batch_and_arrive);
    RUN(async_write_from_another_thread_wakes_no_one_late);
    RUN(batch_to_a_server_not_reading_is_bounded);
    return test_summary("test_batch");
}

/* uart_transport.c - wsclient.h on a device whose only link is a UART: a
   wsc_transport that frames one TCP connection over the serial line to a
   bridge on the other side (a host, a modem's firmware). make mcu runs it on
   an emulated Cortex-M4 (tests/mcu/run.sh), the bridge being
   tests/uart_bridge.py.

   The frames, both ways: a type byte, a 16-bit big-endian length, the bytes.
       device -> bridge   'C' "host:port"  open the connection
                          'D' data         bytes for the server
                          'X'              close it
       bridge -> device   'K'              it is open
                          'F' words        it could not open
                          'D' data         bytes from the server
                          'E'              the server ended it (EOF)
   One connection at a time: build with WSCLIENT_MAX_SOCKETS=1.

   What the board gives (tests/mcu/device.c for the emulated MPS2 board):
       int  board_uart_getc(void)       a byte of the link's UART, or -1: none yet
       void board_uart_putc(int c)      a byte out (waits while the FIFO is full)
       unsigned long board_ms(void)     a millisecond tick (SysTick)
       void board_print(const char *s)  a line of text for a person
   and WSCLIENT_NOW_MS(), WSCLIENT_ENTROPY() for the library.

   The program below opens wss://, sends three messages, checks the echoes
   and prints what it saw; its status is 0 when every echo matched, 1 when the
   connect failed, 2 when an echo was wrong. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <stdio.h>
#include <string.h>

int board_uart_getc(void);
void board_uart_putc(int c);
unsigned long board_ms(void);
void board_print(const char *s);

/* ---- the framed link ---- */

#ifndef UART_RX_BUF
#define UART_RX_BUF 1536 /* server bytes read off the UART, not yet taken */
#endif
#define UART_FRAME_MAX 512 /* payload of one 'D' frame we send */

enum { LINK_IDLE, LINK_OPENING, LINK_UP, LINK_EOF, LINK_FAILED };

typedef struct uart_link {
    unsigned char rx[UART_RX_BUF];
    size_t head, len;       /* the ring of received data                */
    int state;
    char why[64];           /* the bridge's words for a failed open     */
    int phase;              /* frame parser: 0 type, 1-2 length, 3 body */
    int type;
    unsigned need, got;
} uart_link;

static void link_frame(int type, const void *data, unsigned len) {
    const unsigned char *p = (const unsigned char *)data;
    unsigned i;
    board_uart_putc(type);
    board_uart_putc((int)(len >> 8));
    board_uart_putc((int)(len & 0xff));
    for (i = 0; i < len; i++) board_uart_putc(p[i]);
}

/* One byte of a frame's body. */
static void link_body(uart_link *l, int c) {
    if (l->type == 'D') {
        l->rx[(l->head + l->len) % UART_RX_BUF] = (unsigned char)c;
        l->len++;
    } else if (l->type == 'F' && l->got < sizeof l->why - 1) {
        l->why[l->got] = (char)c;
        l->why[l->got + 1] = 0;
    }
    l->got++;
}

/* A frame is whole: what it means for the connection. */
static void link_end(uart_link *l) {
    if (l->type == 'K' && l->state == LINK_OPENING) l->state = LINK_UP;
    else if (l->type == 'F') l->state = LINK_FAILED;
    else if (l->type == 'E' && l->state == LINK_UP) l->state = LINK_EOF;
    l->phase = 0;
}

/* Reads what the UART holds, as long as the ring has room for data. */
static void link_pump(uart_link *l) {
    int c;
    for (;;) {
        if (l->phase == 3 && l->type == 'D' && l->len == UART_RX_BUF) return; /* the UART holds the rest */
        if ((c = board_uart_getc()) < 0) return;
        switch (l->phase) {
        case 0: l->type = c; l->phase = 1; break;
        case 1: l->need = (unsigned)c << 8; l->phase = 2; break;
        case 2:
            l->need |= (unsigned)c;
            l->got = 0;
            l->phase = 3;
            if (l->type == 'F') strcpy(l->why, "the bridge could not connect");
            if (l->need == 0) link_end(l);
            break;
        default:
            link_body(l, c);
            if (l->got == l->need) link_end(l);
        }
    }
}

static void *uart_connect(void *user, const char *host, int port) {
    uart_link *l = (uart_link *)user;
    char where[80];
    int n;
    if (l->state != LINK_IDLE) return NULL; /* one connection at a time */
    n = snprintf(where, sizeof where, "%s:%d", host, port);
    if (n < 0 || n >= (int)sizeof where) return NULL;
    l->head = l->len = 0;
    l->why[0] = 0;
    l->state = LINK_OPENING;
    link_frame('C', where, (unsigned)n);
    return l;
}

static long uart_send(void *user, void *conn, const void *data, size_t len) {
    uart_link *l = (uart_link *)user;
    (void)conn;
    link_pump(l);
    if (l->state == LINK_OPENING) return WSC_IO_AGAIN;
    if (l->state != LINK_UP) return WSC_IO_ERROR;
    if (len > UART_FRAME_MAX) len = UART_FRAME_MAX;
    link_frame('D', data, (unsigned)len);
    return (long)len;
}

static long uart_recv(void *user, void *conn, void *buf, size_t len) {
    uart_link *l = (uart_link *)user;
    unsigned char *out = (unsigned char *)buf;
    size_t n = 0;
    (void)conn;
    link_pump(l);
    while (n < len && l->len > 0) {
        out[n++] = l->rx[l->head];
        l->head = (l->head + 1) % UART_RX_BUF;
        l->len--;
    }
    if (n) return (long)n;
    if (l->state == LINK_EOF) return WSC_IO_EOF;
    if (l->state == LINK_FAILED || l->state == LINK_IDLE) return WSC_IO_ERROR;
    return WSC_IO_AGAIN;
}

/* What of events the link can do now. Readable once a data frame is whole
   (or the ring full), not at its first byte: each wake-up costs the library
   and BearSSL about 1,200 instructions, and the UART brings a byte at a time. */
static int link_ready(const uart_link *l, int events) {
    int r = 0, mid_frame = l->phase == 3 && l->type == 'D' && l->len < UART_RX_BUF;
    if ((l->len > 0 && !mid_frame) || l->state >= LINK_EOF) r |= events & WSC_IO_READ;
    if (l->state != LINK_OPENING) r |= events & WSC_IO_WRITE;
    return r;
}

#ifndef UART_WAIT_BEGIN /* hooks for a measurement: the time spent waiting */
#define UART_WAIT_BEGIN()
#define UART_WAIT_END()
#endif

/* Polls the UART against the tick: a device without an RTOS has nothing
   better to do (with one, block on the UART's interrupt instead). */
static int uart_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    uart_link *l = (uart_link *)user;
    unsigned long start = board_ms();
    int i, ready;
    UART_WAIT_BEGIN();
    for (;;) {
        link_pump(l);
        for (i = ready = 0; i < count; i++)
            ready += (items[i].revents = link_ready(l, items[i].events)) != 0;
        if (ready || (timeout_ms >= 0 && board_ms() - start >= (unsigned long)timeout_ms)) break;
    }
    UART_WAIT_END();
    return ready;
}

static void uart_close(void *user, void *conn) {
    uart_link *l = (uart_link *)user;
    (void)conn;
    if (l->state != LINK_FAILED) link_frame('X', NULL, 0);
    l->state = LINK_IDLE;
    l->len = 0;
}

static const char *uart_error(void *user, void *conn) {
    uart_link *l = (uart_link *)user;
    (void)conn;
    return l->why[0] ? l->why : NULL;
}

static uart_link the_link;
static wsc_transport uart_transport = {
    &the_link, uart_connect, uart_send, uart_recv, uart_wait, uart_close, uart_error, NULL
};

/* ---- the program ---- */

#ifndef UART_UNIX_TIME
#define UART_UNIX_TIME 1735689600 /* 2025-01-01: the device has no calendar */
#endif
/* The certificate dates need the date: a device takes it from NTP or a
   real-time clock; here it is fixed when the image is built. */
static long long fixed_time(void *user) {
    (void)user;
    return (long long)UART_UNIX_TIME;
}

#ifdef UART_ANCHORS /* a C file from tools/pem2c (make anchors): the CA */
#include UART_ANCHORS
#define UART_ANCHOR_ARRAY uart_anchors
#endif

#ifndef UART_OPEN_BEGIN /* hooks for a measurement around the connect */
#define UART_OPEN_BEGIN()
#define UART_OPEN_END()
#endif

static void say(const char *what, const char *more) {
    char line[256];
    snprintf(line, sizeof line, "%s%s\n", what, more ? more : "");
    board_print(line);
}

int uart_echo_main(void);
int uart_echo_main(void) {
    static const char *const texts[] = { "Hello from a Cortex-M4", "", "over a UART, a bridge and TLS" };
    static char got[1100], bin[1000];
    wsc_config c;
    long n;
    int i, binary;
    memset(&c, 0, sizeof c);
    wsc_set_transport(&uart_transport);
#ifdef WSCLIENT_SMALL /* no URL parser in the small build */
    c.address = "localhost";
    c.port = 443;
    c.path = "/";
    c.tls = 1;
#else
    c.url = "wss://localhost/";
#endif
#ifdef UART_ANCHOR_ARRAY
    c.trust_anchors = UART_ANCHOR_ARRAY;
    c.trust_anchor_count = sizeof UART_ANCHOR_ARRAY / sizeof UART_ANCHOR_ARRAY[0];
#endif
    c.unix_time = fixed_time;
#ifdef UART_TLS_FRAGMENT /* a smaller record buffer: less RAM */
    c.tls_max_fragment = UART_TLS_FRAGMENT;
    c.tls_half_duplex = 1;
#endif
    c.timeout_ms = 20000;
    UART_OPEN_BEGIN();
    i = wsc_open("uart", &c);
    UART_OPEN_END();
    if (!i) {
        say("open failed: ", wsc_error_info());
        return 1;
    }
    say("open: wss://localhost/ over the UART", NULL);
    for (i = 0; i < (int)sizeof bin; i++) bin[i] = (char)(i * 7);
    for (i = 0; i < 4; i++) {
        if (i < 3 ? !wsc_write("uart", texts[i]) : !wsc_write_binary("uart", bin, sizeof bin)) {
            say("write failed: ", wsc_error_info());
            return 2;
        }
        n = wsc_read("uart", got, sizeof got, 10000, &binary);
        if (i < 3 ? n != (long)strlen(texts[i]) || memcmp(got, texts[i], strlen(texts[i])) || binary
                  : n != (long)sizeof bin || memcmp(got, bin, sizeof bin) || !binary) {
            say("echo wrong: ", n < 0 ? wsc_error_info() : "other bytes");
            return 2;
        }
    }
    say("echo: 3 text messages and 1000 bytes of binary came back", NULL);
    wsc_close("uart");
    return 0;
}

/* win_fdset.c - on Windows (run under wine by tests/portability.sh): a wait
   whose sockets fill Winsock's select() sets still ends at wsc_wake() from
   another thread. 16 sockets (the default WSCLIENT_MAX_SOCKETS) each race 4
   addresses that never answer: 64 descriptors, FD_SETSIZE, and the waiting
   call's wake descriptor is the 65th. FD_SET drops what passes FD_SETSIZE
   without a word; the wake is heard because it is in the read set, which
   the attempts (write and exception sets) leave nearly empty. Were it
   dropped, the wait would sleep through the wake to its bound (20 s).
   The addresses are listeners of ours on 127.0.0.1 whose accept queues are
   full, so the kernel drops every further SYN and the connects stay pending;
   4 of them for each socket, since sockets to one address connect one at a
   time (RFC 6455 §4.1). Usage: win_fdset.exe (no server needed). */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STALLS 4 /* addresses a socket races */
#define SOCKETS 16 /* WSCLIENT_MAX_SOCKETS */
static unsigned short stall_port[SOCKETS * STALLS];

/* Host "sK.invalid" resolves to socket K's 4 stalled listeners, in one list
   the library frees with freeaddrinfo (each node one getaddrinfo answer). */
static int stalled_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints, struct addrinfo **res) {
    struct addrinfo h, *last = NULL, *one;
    char p[8];
    int i, rc;
    int k = atoi(host + 1);
    (void)port;
    if (k < 0 || k >= SOCKETS) return EAI_NONAME;
    memset(&h, 0, sizeof h);
    h.ai_family = AF_INET;
    h.ai_socktype = hints ? hints->ai_socktype : SOCK_STREAM;
    h.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    *res = NULL;
    for (i = 0; i < STALLS; i++) {
        snprintf(p, sizeof p, "%u", stall_port[k * STALLS + i]);
        if ((rc = getaddrinfo("127.0.0.1", p, &h, &one)) != 0) { /* the caller frees only a whole answer */
            if (*res) freeaddrinfo(*res);
            *res = NULL;
            return rc;
        }
        if (last) last->ai_next = one;
        else *res = one;
        for (last = one; last->ai_next; last = last->ai_next) {}
    }
    return 0;
}
#define WSCLIENT_GETADDRINFO(host, port, hints, res) stalled_getaddrinfo(host, port, hints, res)
#define WSCLIENT_MAX_SOCKETS SOCKETS
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

static int failed;
static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN || ev->event == WSC_EVENT_ERROR) {
        printf("%s: unexpected %s: %s\n", ev->name, ev->event == WSC_EVENT_OPEN ? "open" : "error",
               ev->message ? ev->message : "");
        failed = 1;
    }
}

/* A listener whose accept queue is full: connects to it until one stays
   pending. Returns 1, 0 when none would stall, -1 on a Winsock error. */
static int stall_listener(unsigned short *port) {
    struct sockaddr_in a;
    int len = sizeof a, i;
    u_long on = 1;
    SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (l == INVALID_SOCKET) return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 0) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    for (i = 0; i < 32; i++) { /* kept open to the end: they hold the queue full */
        fd_set w;
        struct timeval tv = {0, 100000}; /* loopback answers in far less */
        SOCKET c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        if (c == INVALID_SOCKET) return -1;
        ioctlsocket(c, FIONBIO, &on);
        connect(c, (struct sockaddr *)&a, sizeof a);
        FD_ZERO(&w);
        FD_SET(c, &w);
        if (select(0, NULL, &w, NULL, &tv) == 0) return 1; /* pending: the queue is full */
    }
    return 0;
}

static DWORD WINAPI waker(LPVOID arg) {
    (void)arg;
    Sleep(300);
    wsc_wake();
    return 0;
}

int main(void) {
    wsc_watch watch[80];
    wsc_config c;
    char name[8], host[16];
    int i, n, pending = 0, timeout;
    DWORD t0, ms;
    HANDLE th;
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return 2;
    for (i = 0; i < SOCKETS * STALLS; i++)
        switch (stall_listener(&stall_port[i])) {
        case 1: break;
        case 0: printf("setup: no connect to listener %d stalls\n", i); return 2;
        default: printf("setup: listener %d: Winsock error %d\n", i, WSAGetLastError()); return 1;
        }
    memset(&c, 0, sizeof c);
    c.port = 80;
    c.timeout_ms = 60000;
    c.callback = on_event;
    for (i = 0; i < SOCKETS; i++) {
        snprintf(name, sizeof name, "s%d", i);
        snprintf(host, sizeof host, "s%d.invalid", i);
        c.address = host;
        if (!wsc_open(name, &c)) { printf("open %s: %s\n", name, wsc_error_info()); return 1; }
    }
    /* The races start an attempt every 250 ms: after a second all 4 of each
       are pending. */
    for (i = 0; i < 300 && pending < SOCKETS * STALLS; i++) {
        wsc_pump(10);
        n = wsc_watches(watch, 80, &timeout);
        for (pending = 0; n-- > 0;) pending += n < 80 && watch[n].events == WSC_IO_WRITE; /* a connect attempt */
    }
    if (failed || pending != SOCKETS * STALLS) {
        printf("setup: %d connect attempts pending, not %d\n", pending, SOCKETS * STALLS);
        return 2;
    }
    th = CreateThread(NULL, 0, waker, NULL, 0, NULL);
    t0 = GetTickCount();
    wsc_pump(20000);
    ms = GetTickCount() - t0;
    WaitForSingleObject(th, INFINITE);
    printf("%d attempts pending; wsc_wake after 300 ms ended a wsc_pump(20000) after %lu ms\n", pending, (unsigned long)ms);
    wsc_close_all();
    return failed || ms > 10000; /* not a timing check: a missed wake sleeps the whole 20 s */
}

/* win_dns.c - on Windows (run under wine by tests/portability.sh): a host
   name resolves on a thread of its own, and the connect that follows opens.
   Usage: win_dns.exe PORT   (a plain ws:// echo server on localhost) */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

static DWORD lookup_thread;
static int lookups;

static int counting_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints, struct addrinfo **res) {
    lookup_thread = GetCurrentThreadId();
    lookups++;
    return getaddrinfo(host, port, hints, res);
}
#define WSCLIENT_GETADDRINFO(host, port, hints, res) counting_getaddrinfo(host, port, hints, res)
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

static int opened, failed;

static void on_event(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_OPEN) opened = 1;
    if (ev->event == WSC_EVENT_ERROR) { failed = 1; printf("error: %s\n", ev->message); }
}

int main(int argc, char **argv) {
    wsc_config c;
    int i;
    if (argc < 2) return 2;
    memset(&c, 0, sizeof c);
    c.address = "localhost";
    c.port = atoi(argv[1]);
    c.callback = on_event;
    if (!wsc_open("w", &c)) { printf("open: %s\n", wsc_error_info()); return 1; }
    for (i = 0; i < 500 && !opened && !failed; i++) wsc_pump(10);
    wsc_close_all();
    printf("lookups %d, on the caller's thread: %s, opened: %d\n", lookups,
           lookup_thread == GetCurrentThreadId() ? "yes" : "no", opened);
    return !(opened && lookups == 1 && lookup_thread != GetCurrentThreadId());
}

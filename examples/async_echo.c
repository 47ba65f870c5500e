/* async_echo.c - WinDev's asynchronous example: a callback with its four events.
   Build: cc -O2 -I.. async_echo.c -o async_echo -lbearssl
   Run:   ./async_echo [host [port [path]]]   (default: localhost 443 /)
   Trust: the system CA bundle, or the file named by SSL_CERT_FILE. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <stdio.h>
#include <stdlib.h>

static int failed;

/* Runs on this thread, inside wsc_pump(), like WinDev's WLanguage procedure. */
static void on_event(const wsc_event_data *ev) {
    switch (ev->event) {
    case WSC_EVENT_OPEN:
        printf("Connected.\n");
        wsc_write(ev->name, "Message sent from the client.");
        break;
    case WSC_EVENT_MESSAGE:
        printf("Server message: %s\n", ev->message);
        wsc_close(ev->name); /* one echo is all this example wants */
        break;
    case WSC_EVENT_CLOSE:
        printf("Socket closed by the server: %d %s\n", ev->code, ev->message);
        break;
    case WSC_EVENT_ERROR:
        fprintf(stderr, "Socket error: %s\n", ev->message);
        failed = 1;
        break;
    }
}

int main(int argc, char **argv) {
    const char *host = argc > 1 ? argv[1] : "localhost";
    int port = argc > 2 ? atoi(argv[2]) : 0;
    const char *path = argc > 3 ? argv[3] : NULL;
    int rounds = 0;

    if (!wsc_connect_ssl_async("client", on_event, host, port, path, NULL, 0)) {
        fprintf(stderr, "cannot start: %s\n", wsc_error_info());
        return 1;
    }
    /* The application's main loop: wait for events, 100 ms at a time. */
    while (wsc_count() > 0 && rounds++ < 100) wsc_pump(100);
    if (wsc_count() > 0) {
        fprintf(stderr, "no answer within 10 s\n");
        wsc_close_all();
        return 1;
    }
    return failed;
}

/* sync_echo.c - WinDev's synchronous example: connect, send, read the echo.
   Build: cc -O2 -I.. sync_echo.c -o sync_echo -lbearssl
   Run:   ./sync_echo [host [port [path]]]   (default: localhost 443 /)
   Trust: the system CA bundle, or the file named by SSL_CERT_FILE. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    const char *host = argc > 1 ? argv[1] : "localhost";
    int port = argc > 2 ? atoi(argv[2]) : 0;
    const char *path = argc > 3 ? argv[3] : NULL;
    char reply[1024];
    long n;

    /* Connect in synchronous mode (default TLS mask, 5 s bound). */
    if (!wsc_connect_ssl("wbsocket", host, port, path, NULL, 0, 5000)) {
        fprintf(stderr, "connect failed: %s\n", wsc_error_info());
        return 1;
    }
    /* Send a string to the echo server, which sends the same string back. */
    if (!wsc_write("wbsocket", "Hello world!")) {
        fprintf(stderr, "write failed: %s\n", wsc_error_info());
        wsc_close("wbsocket");
        return 1;
    }
    n = wsc_read("wbsocket", reply, sizeof reply, 5000, NULL);
    if (n < 0) {
        fprintf(stderr, "read failed: %s\n", wsc_error_info());
        wsc_close("wbsocket");
        return 1;
    }
    printf("Server answered: %s\n", reply);
    wsc_close("wbsocket");
    return 0;
}

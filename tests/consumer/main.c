/* A program of a project that uses wsclient.h through its build system
   (tests/consumers.sh builds it through CMake add_subdirectory, FetchContent,
   find_package, and pkg-config). It connects to a closed port on loopback and
   prints what the library says, so that a run shows the header, BearSSL and
   the threads were all found and linked. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <stdio.h>

int main(void) {
    wsc_config cfg = {0};
    int opened;
    cfg.url = "ws://127.0.0.1:1/";
    cfg.timeout_ms = 3000;
    opened = wsc_open("consumer", &cfg);
#ifdef WSCLIENT_TLS_OPENSSL
    printf("consumer: TLS by %s\n", OpenSSL_version(OPENSSL_VERSION));
#endif
    printf("consumer: wsclient.h %s, open %s, %d sockets, error: %s\n", WSCLIENT_VERSION_STRING,
           opened ? "succeeded" : "failed", wsc_count(), wsc_error_info());
    return opened ? 1 : 0;
}

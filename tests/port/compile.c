/* compile.c - the header as most programs use it: the declarations alone,
   then the implementation in the same file. tests/portability.sh builds it
   with every compiler, standard and configuration it proves. */
#include "wsclient.h"
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

int main(void) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.url = "ws://127.0.0.1:1/";
    c.timeout_ms = 1;
    /* Nothing listens there (and a NO_SOCKETS build has no transport): the
       call must fail with words, not crash. */
    if (wsc_open("compile", &c)) return 1;
    return wsc_error_info()[0] ? 0 : 2;
}

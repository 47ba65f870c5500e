/* static_b.c - see static_a.c. */
#define WSCLIENT_STATIC
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

int static_a_count(void);

int main(void) {
    return static_a_count() + wsc_count() + (wsc_exist("none") ? 1 : 0);
}

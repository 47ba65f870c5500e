/* entropy.h - a stand-in for a device's hardware RNG, to check the
   WSCLIENT_ENTROPY hook on a machine that has /dev/urandom. Pass it with
   -include; it says on stderr that it was called. */
#include <stdio.h>
static int port_entropy(void *buf, size_t len) {
    FILE *f = fopen("/dev/urandom", "rb");
    size_t n = f ? fread(buf, 1, len, f) : 0;
    if (f) fclose(f);
    fprintf(stderr, "WSCLIENT_ENTROPY called for %u bytes\n", (unsigned)len);
    return n == len;
}
#define WSCLIENT_ENTROPY(buf, len) port_entropy(buf, len)

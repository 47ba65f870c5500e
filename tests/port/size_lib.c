/* size_lib.c - the library part alone, measured by make size (tests/size.sh).
   On bare metal the clock and the random bytes come from the device: there is
   no clock_gettime there, and BearSSL knows no entropy source. */
#ifdef SIZE_BARE_METAL
#include <stddef.h>
long size_tick_ms(void);
int size_hw_random(void *buf, size_t len);
#define WSCLIENT_NOW_MS() size_tick_ms()
#define WSCLIENT_ENTROPY(buf, len) size_hw_random(buf, len)
#endif
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

/* size_lib.c - the library part alone, measured by make size (tests/size.sh).
   On bare metal the clock comes from the device (no clock_gettime there). */
#ifdef SIZE_BARE_METAL
long size_tick_ms(void);
#define WSCLIENT_NOW_MS() size_tick_ms()
#endif
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

/* static_a.c, static_b.c - WSCLIENT_STATIC: two files, each with its own
   private copy of the library, linked into one program without clashes. */
#define WSCLIENT_STATIC
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

int static_a_count(void);
int static_a_count(void) { return wsc_count(); }

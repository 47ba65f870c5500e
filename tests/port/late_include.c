/* A system header before the implementation, as a user may write it: under a
   strict -std=c99 it fixes glibc's features before wsclient.h can ask for
   POSIX, so clock_gettime stays hidden. The build must stop with an error
   that says the real fix (the Makefile's late_include.refused). */
#include <stdio.h>
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

int main(void) { return wsc_count(); }

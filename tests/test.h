/* test.h - the tiny test runner shared by every test program.
   CHECK records a pass or a failure and goes on; each program ends with
   test_summary(), which prints "<prog>: N passed, N failed" and returns the
   exit status. tests/run.sh adds the counts of every program. */
#ifndef WSC_TEST_H
#define WSC_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int test_passed, test_failed, test_skipped;
static const char *test_current = "";

#define TEST(name) static void name(void)
#define RUN(name) do { test_current = #name; name(); } while (0)

#define CHECK(cond) do { \
    if (cond) test_passed++; \
    else { test_failed++; printf("FAIL %s (%s:%d): %s\n", test_current, __FILE__, __LINE__, #cond); fflush(stdout); } \
} while (0)

/* CHECK with a printf-style explanation on failure. */
#define CHECKF(cond, ...) do { \
    if (cond) test_passed++; \
    else { test_failed++; printf("FAIL %s (%s:%d): %s: ", test_current, __FILE__, __LINE__, #cond); \
           printf(__VA_ARGS__); printf("\n"); fflush(stdout); } \
} while (0)

/* A check this machine cannot make, for want of what it needs: a line that
   says why, counted apart and never as a pass. The value is 1, so that
   `if (SKIP_WITHOUT_IPV6()) return;` reads as it does. */
#define SKIP(why) (test_skipped++, printf("SKIP %s (%s:%d): %s\n", test_current, __FILE__, __LINE__, why), fflush(stdout), 1)
/* tests/run.sh sets WSC_TEST_NO_IPV6 where ::1 cannot be bound. */
#define SKIP_WITHOUT_IPV6() (getenv("WSC_TEST_NO_IPV6") && *getenv("WSC_TEST_NO_IPV6") ? SKIP("no IPv6 on loopback here") : 0)

/* How many times slower than a native run this one may be: tests/portability.sh
   sets WSC_TEST_SLOW under an emulator (qemu runs the client many times slower,
   the servers not). Bounds of checks that are about correctness, not about
   speed, are multiplied by it; deadline checks keep theirs. */
static inline int test_slow(void) {
    const char *v = getenv("WSC_TEST_SLOW");
    int k = v ? atoi(v) : 1;
    return k > 1 ? k : 1;
}

/* Milliseconds on the monotonic clock, and a sleep: the tests' timing.
   POSIX; wsclient.h asks for it when included first (a program that fixed
   strict C99 before it, as clockwrap.c, has neither). */
#ifdef CLOCK_MONOTONIC
static inline long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = ms % 1000 * 1000000L;
    nanosleep(&ts, NULL);
}
#endif

/* The OpenSSL backend's build of a program (Makefile: test_<x>_openssl)
   says so in its summary. */
#ifdef WSCLIENT_TLS_OPENSSL
#define TEST_BACKEND "_openssl"
#else
#define TEST_BACKEND ""
#endif

static int test_summary(const char *prog) {
    if (test_skipped) printf("%s%s: %d checks skipped (see the SKIP lines)\n", prog, TEST_BACKEND, test_skipped);
    printf("%s%s: %d passed, %d failed\n", prog, TEST_BACKEND, test_passed, test_failed);
    return test_failed ? 1 : 0;
}

#endif

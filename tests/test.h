/* test.h - the tiny test runner shared by every test program.
   CHECK records a pass or a failure and goes on; each program ends with
   test_summary(), which prints "<prog>: N passed, N failed" and returns the
   exit status. tests/run.sh adds the counts of every program. */
#ifndef WSC_TEST_H
#define WSC_TEST_H

#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;
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

static int test_summary(const char *prog) {
    printf("%s: %d passed, %d failed\n", prog, test_passed, test_failed);
    return test_failed ? 1 : 0;
}

#endif

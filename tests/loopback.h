/* loopback.h - what the loopback test programs (tests/tls.c, small.c, deadline.c ...) share
   to reach the servers tests/run.sh starts on loopback: their ports from the
   environment, the certificates mkcerts.sh made, and the checks of a
   connect that must succeed or fail (test.h has the clock). Include after
   wsclient.h and test.h. */
#ifndef WSC_LOOPBACK_H
#define WSC_LOOPBACK_H

#include <dirent.h>
#include <stdlib.h>
#include <time.h>

static char certs[512]; /* WSC_TEST_CERTS: the directory of mkcerts.sh's files */

static inline int env_port(const char *name) {
    const char *v = getenv(name);
    if (!v || !v[0]) { printf("%s is not set: run through tests/run.sh (make test)\n", name); exit(2); }
    return atoi(v);
}

/* The port of one listener of tests/tls_server.py, by its name. */
static inline int tls_port(const char *name) {
    char var[64];
    snprintf(var, sizeof var, "WSC_TLS_%s_PORT", name);
    return env_port(var);
}

/* The path of a file of the certificate directory (four kept at once). */
static inline const char *cert(const char *file) {
    static char path[4][600];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", certs, file);
    return p;
}

/* Open file descriptors of this process (its count of /proc/self/fd, which
   includes the descriptor reading it): compare two counts, a leak shows. */
static inline int open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Opens, and closes again when it opened: 1 if the connect succeeded. */
static inline int try_open(const wsc_config *c) {
    int ok = wsc_open("t", c);
    if (ok) wsc_close("t");
    return ok;
}

/* Fails with code and both words (each may be NULL). */
static inline int fails_with(const wsc_config *c, wsc_result code, const char *w1, const char *w2) {
    int ok = !try_open(c) && wsc_error_code() == code && (!w1 || strstr(wsc_error_info(), w1)) &&
             (!w2 || strstr(wsc_error_info(), w2));
    if (!ok) printf("  expected %d with '%s' '%s', got %d: %s\n", (int)code, w1 ? w1 : "", w2 ? w2 : "",
                    (int)wsc_error_code(), wsc_error_info());
    return ok;
}

/* Pumps until the socket is gone (its last event delivered), at most 5 s. */
static inline void pump_until_gone(const char *name) {
    long long end = now_ms() + 5000;
    while (wsc_exist(name) && now_ms() < end) wsc_pump(50);
}

#endif

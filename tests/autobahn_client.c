/* autobahn_client.c - drives the Autobahn|Testsuite fuzzing server's client protocol.
   Build: make autobahn_client   (or: cc -O2 -I. tests/autobahn_client.c -o tests/autobahn_client -lbearssl)
   Usage: tests/autobahn_client URL AGENT [--cafile F]
          URL like ws://127.0.0.1:9001 or wss://localhost:9001
   GET /getCaseCount, then /runCase?case=N&agent=AGENT for every case, echoing
   each message back with its type until the server closes, then
   /updateReports?agent=AGENT. Exits 0 when every case ran. */
#define WSCLIENT_MAX_MESSAGE (64u * 1024u * 1024u) /* case 9.x sends up to 16 MiB */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *base_url, *cafile;

/* Opens a synchronous socket on base_url + path. */
static int open_path(const char *name, const char *path) {
    char url[1024];
    wsc_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(url, sizeof url, "%s%s", base_url, path);
    cfg.url = url;
    cfg.ca_file = cafile;
    cfg.timeout_ms = 10000;
    if (wsc_open(name, &cfg)) return 1;
    fprintf(stderr, "%s: %s\n", url, wsc_error_info());
    return 0;
}

/* Echoes every message back until the server closes or fails the connection. */
static void echo_until_closed(const char *name) {
    for (;;) {
        size_t len;
        int binary;
        char *msg = wsc_read_alloc(name, 60000, &len, &binary);
        int ok;
        if (!msg) break;
        ok = binary ? wsc_write_binary(name, msg, len) : wsc_write_text(name, msg, len);
        wsc_free(msg);
        if (!ok) break;
    }
    wsc_close(name);
}

int main(int argc, char **argv) {
    char path[512], count_text[32];
    const char *agent;
    long n, i, count;
    if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--cafile") == 0)) {
        fprintf(stderr, "usage: autobahn_client URL AGENT [--cafile F]\n");
        return 2;
    }
    base_url = argv[1];
    agent = argv[2];
    cafile = argc == 5 ? argv[4] : NULL;

    if (!open_path("count", "/getCaseCount")) return 1;
    n = wsc_read("count", count_text, sizeof count_text, 10000, NULL);
    wsc_close("count");
    count = n > 0 ? strtol(count_text, NULL, 10) : -1;
    if (count < 0) {
        fprintf(stderr, "no case count from the server: %s\n", wsc_error_info());
        return 1;
    }
    printf("%ld cases\n", count);
    for (i = 1; i <= count; i++) {
        snprintf(path, sizeof path, "/runCase?case=%ld&agent=%s", i, agent);
        if (!open_path("case", path)) return 1;
        echo_until_closed("case");
    }
    snprintf(path, sizeof path, "/updateReports?agent=%s", agent);
    if (!open_path("report", path)) return 1;
    echo_until_closed("report");
    printf("ran %ld cases\n", count);
    return 0;
}

/* many.c - a table of thousands of sockets (issue 17, item 4): names are
   found through an index, slots and the count are kept without a scan, and
   a pump turn visits the sockets that have something to do. Checked
   exactly against a model of the table: names in the same probe chain,
   chains that wrap around the index's end, names that are prefixes of each
   other, closing from the middle of a chain, reuse after close, a name of
   exactly WSCLIENT_MAX_NAME bytes, a full table that empties again. The
   sockets of the index checks are never pumped: nothing goes on the wire.
   The pumped checks talk to tests/ws_server.py on loopback. */
#define WSCLIENT_MAX_SOCKETS 2048
#define WSCLIENT_MAX_NAME 63
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"

#include <stdlib.h>
#include <time.h>

static int env_port(const char *name) {
    const char *v = getenv(name);
    if (!v || !v[0]) { printf("%s is not set: run through tests/run.sh (make test)\n", name); exit(2); }
    return atoi(v);
}

#define NAMES 4096 /* the index's entries for 2048 slots (WSC__NAMES) */
#define POOL 3000

static void quiet(const wsc_event_data *ev) { (void)ev; }

/* The index's FNV-1a home of a name: names with the same one share a chain. */
static unsigned home(const char *name) {
    unsigned h = 2166136261u;
    while (*name) h = (h ^ (unsigned char)*name++) * 16777619u;
    return h & (NAMES - 1);
}

/* An asynchronous socket that is never pumped: in the table, no traffic. */
static int open_idle(const char *name) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.url = "ws://127.0.0.1:9/";
    c.callback = quiet;
    return wsc_open(name, &c);
}

static char pool[POOL][WSCLIENT_MAX_NAME + 1];
static int in[POOL], model_count;

/* Names of the pool: runs of names that share a home (two homes at the
   index's end, so that chains wrap), prefixes of each other, and plain ones. */
static void make_pool(void) {
    int n = 0, i;
    unsigned tries;
    const unsigned homes[3] = {NAMES - 2, NAMES - 1, 7};
    for (i = 0; i < 3; i++)
        for (tries = 0; n < (i + 1) * 300; tries++) {
            snprintf(pool[n], sizeof pool[n], "c%u-%u", i, tries);
            if (home(pool[n]) == homes[i]) n++;
        }
    for (i = 1; i <= WSCLIENT_MAX_NAME; i++, n++) { /* "p", "pp", ... up to the longest name */
        memset(pool[n], 'p', (size_t)i);
        pool[n][i] = 0;
    }
    for (; n < POOL; n++) snprintf(pool[n], sizeof pool[n], "s%d", n);
}

/* The table as the model has it: every pool name's existence, the count. */
static int table_is_model(void) {
    int i;
    for (i = 0; i < POOL; i++)
        if (wsc_exist(pool[i]) != in[i]) { printf("  %s: exist %d, model %d\n", pool[i], wsc_exist(pool[i]), in[i]); return 0; }
    return wsc_count() == model_count;
}

static void toggle(int i) {
    if (in[i]) {
        CHECKF(wsc_abort(pool[i]), "abort %s: %s", pool[i], wsc_error_info());
        in[i] = 0;
        model_count--;
    } else if (model_count < WSCLIENT_MAX_SOCKETS) {
        CHECKF(open_idle(pool[i]), "open %s: %s", pool[i], wsc_error_info());
        in[i] = 1;
        model_count++;
    } else {
        CHECK(!open_idle(pool[i]) && wsc_error_code() == WSC_ERR_TABLE_FULL);
    }
}

TEST(colliding_chains) {
    int i;
    for (i = 0; i < 900; i++) toggle(i); /* three chains of 300, two wrap at the end */
    CHECK(table_is_model());
    for (i = 150; i < 900; i += 3) toggle(i); /* holes in the middle of each chain */
    CHECK(table_is_model());
    for (i = 150; i < 900; i += 3) CHECK(!open_idle(pool[(i + 1) % 900]) && wsc_error_code() == WSC_ERR_NAME_IN_USE);
    for (i = 150; i < 900; i += 3) toggle(i); /* the same names again */
    CHECK(table_is_model());
    for (i = 0; i < 900; i++) if (in[i]) toggle(i);
    CHECK(table_is_model() && wsc_count() == 0);
}

TEST(prefixes_and_longest) {
    char longer[WSCLIENT_MAX_NAME + 2];
    int i, first = 900, last = 900 + WSCLIENT_MAX_NAME - 1;
    for (i = first; i <= last; i += 2) toggle(i); /* "p", "ppp", ...: each a prefix of the next */
    CHECK(table_is_model());
    CHECK(in[last] && strlen(pool[last]) == WSCLIENT_MAX_NAME); /* exactly the longest name */
    memset(longer, 'p', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    CHECK(!open_idle(longer) && wsc_error_code() == WSC_ERR_NAME_TOO_LONG);
    CHECK(!wsc_exist(longer));
    for (i = first; i <= last; i++) toggle(i); /* the odd ones go, the even ones come */
    CHECK(table_is_model());
    for (i = first; i <= last; i++) if (in[i]) toggle(i);
    CHECK(table_is_model());
}

TEST(full_table_then_frees) {
    int i, n = 0;
    for (i = POOL - 1; n < WSCLIENT_MAX_SOCKETS; i--, n++) toggle(i);
    CHECK(wsc_count() == WSCLIENT_MAX_SOCKETS);
    CHECK(!open_idle("one-more") && wsc_error_code() == WSC_ERR_TABLE_FULL);
    CHECK(!wsc_exist("one-more"));
    CHECK(table_is_model());
    for (i = POOL - 1; i >= POOL - WSCLIENT_MAX_SOCKETS; i -= 7) toggle(i); /* free from everywhere */
    CHECK(table_is_model());
    CHECKF(open_idle("one-more"), "%s", wsc_error_info());
    CHECK(wsc_exist("one-more") && wsc_abort("one-more") && !wsc_exist("one-more"));
    for (i = 0; i < POOL; i++) if (in[i]) toggle(i);
    CHECK(table_is_model() && wsc_count() == 0);
}

TEST(random_churn) {
    int step, i;
    srand(17);
    for (step = 0; step < 40000; step++) {
        i = rand() % POOL;
        toggle(i);
        if (step % 4000 == 0) CHECK(table_is_model());
        if (!wsc_exist(pool[i]) != !in[i] || wsc_count() != model_count) {
            CHECKF(0, "step %d, %s", step, pool[i]);
            break;
        }
    }
    CHECK(table_is_model());
    wsc_close_all();
    memset(in, 0, sizeof in);
    model_count = 0;
    CHECK(wsc_count() == 0);
}

/* The pumped part: many open sockets, echoes through a few, closes from the
   middle, a socket that reuses a closed one's name. */
#define LIVE 200
static int opened[LIVE], echoed[LIVE], closed[LIVE];

static int index_of(const char *name) { return atoi(name + 1); }

static void on_event(const wsc_event_data *ev) {
    int i = index_of(ev->name);
    if (ev->event == WSC_EVENT_OPEN) opened[i]++;
    else if (ev->event == WSC_EVENT_MESSAGE) echoed[i]++;
    else closed[i]++;
}

static int sum(const int *v) {
    int i, n = 0;
    for (i = 0; i < LIVE; i++) n += v[i];
    return n;
}

static void pump_for(const int *v, int want) {
    long long end = now_ms() + 20000;
    while (sum(v) < want && now_ms() < end) wsc_pump(200);
}

static int open_live(int i, int port) {
    char name[16], url[64];
    wsc_config c;
    memset(&c, 0, sizeof c);
    snprintf(name, sizeof name, "L%d", i);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/", port);
    c.url = url;
    c.callback = on_event;
    return wsc_open(name, &c);
}

TEST(many_pumped) {
    int port = env_port("WSC_TEST_PLAIN_PORT"), i, ok = 1;
    char name[16];
    for (i = 0; i < LIVE; i++) ok &= open_live(i, port);
    CHECKF(ok, "%s", wsc_error_info());
    pump_for(opened, LIVE);
    CHECK(sum(opened) == LIVE && wsc_count() == LIVE);
    for (i = 0; i < 5; i++) { /* an echo through a few of them */
        snprintf(name, sizeof name, "L%d", i * 41);
        CHECK(wsc_write(name, "hello"));
    }
    pump_for(echoed, 5);
    CHECK(sum(echoed) == 5);
    for (i = 0; i < 5; i++) CHECK(echoed[i * 41] == 1);
    for (i = 50; i < 150; i++) { /* closes from the middle */
        snprintf(name, sizeof name, "L%d", i);
        CHECK(wsc_close(name));
    }
    CHECK(wsc_count() == LIVE - 100 && !wsc_exist("L50") && wsc_exist("L49") && wsc_exist("L150"));
    memset(opened, 0, sizeof opened);
    CHECK(open_live(77, port)); /* a closed one's name again */
    pump_for(opened, 1);
    CHECK(opened[77] == 1);
    CHECK(wsc_write("L77", "again") && wsc_write("L199", "last"));
    pump_for(echoed, 7);
    CHECK(echoed[77] == 1 && echoed[199] == 1 && sum(echoed) == 7);
    CHECK(sum(closed) == 0);
    wsc_close_all();
    CHECK(wsc_count() == 0);
}

int main(void) {
    make_pool();
    RUN(colliding_chains);
    RUN(prefixes_and_longest);
    RUN(full_table_then_frees);
    RUN(random_churn);
    RUN(many_pumped);
    return test_summary("many");
}

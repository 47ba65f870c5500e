/* fuzz_regress.c - replays the fuzz targets of tests/fuzz/ without libFuzzer:
   every file of tests/fuzz/corpus/<target>/ (the seeds) and of
   tests/fuzz/regressions/<target>/ (each input that once found a bug) goes
   through the same target function, with the same checks. One CHECK per
   file. Usage: test_fuzz_regress [DIR]   (DIR defaults to tests/fuzz) */
#define WSC_FUZZ_REPLAY
#include "fuzz/fuzz.h" /* first: it sets the library's allocator, then includes it */
#include "test.h"

#include "fuzz/frame.c"
#include "fuzz/upgrade.c"
#include "fuzz/utf8.c"
#include "fuzz/options.c"
#include "fuzz/pem.c"
#include "fuzz/san.c"

#include <dirent.h>

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

static const struct { const char *name; fuzz_fn fn; } targets[] = {
    {"frame", fuzz_frame}, {"upgrade", fuzz_upgrade}, {"utf8", fuzz_utf8},
    {"options", fuzz_options}, {"pem", fuzz_pem}, {"san", fuzz_san},
};

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs one input file through fn; 1 when every check held. */
static int replay_file(const char *path, fuzz_fn fn) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, k;
    int before = fuzz_failures;
    if (!f) return 0;
    do {
        if (len == cap) {
            unsigned char *p = (unsigned char *)realloc(buf, cap = cap ? cap * 2 : 4096);
            if (!p) { free(buf); fclose(f); return 0; }
            buf = p;
        }
        k = fread(buf + len, 1, cap - len, f);
        len += k;
    } while (k > 0);
    fclose(f);
    fn(buf, len);
    free(buf);
    return fuzz_failures == before;
}

/* Replays every regular file of dir (in name order); returns how many. */
static int replay_dir(const char *dir, fuzz_fn fn) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **p = (char **)realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!p) break;
            names = p;
        }
        names[n] = (char *)malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!names[n]) break;
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        CHECKF(replay_file(names[i], fn), "%s", names[i]);
        free(names[i]);
    }
    free(names);
    return (int)n;
}

int main(int argc, char **argv) {
    const char *root = argc > 1 ? argv[1] : "tests/fuzz";
    char dir[1024];
    size_t i;
    for (i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        int seeds, regressions;
        test_current = targets[i].name;
        snprintf(dir, sizeof dir, "%s/corpus/%s", root, targets[i].name);
        seeds = replay_dir(dir, targets[i].fn);
        CHECKF(seeds > 0, "no seed corpus in %s", dir);
        snprintf(dir, sizeof dir, "%s/regressions/%s", root, targets[i].name);
        regressions = replay_dir(dir, targets[i].fn); /* -1: none yet */
        printf("%s: %d seeds, %d regressions replayed\n", targets[i].name, seeds, regressions < 0 ? 0 : regressions);
    }
    return test_summary("test_fuzz_regress");
}

#!/usr/bin/env bash
# Can ThreadSanitizer run on this machine? tests/tsan.sh DIR CC
# Builds two small programs with CC -fsanitize=thread: one without a race
# (must run clean) and one with a race (must be reported: a TSan that runs but
# sees nothing would pass everything). TSan needs the address-space layout it
# expects; where the kernel's ASLR gets in the way, the programs run again
# under `setarch -R` (no randomisation). Leaves in DIR either
#   wrapper  the command to run TSan programs under (empty: none), exit 0
#   skip     why TSan cannot run here, exit 1 (tests/run.sh prints it as SKIP)
set -u
dir=$1 cc=${2:-cc}
mkdir -p "$dir"
rm -f "$dir/wrapper" "$dir/skip"
skip() { echo "$1" > "$dir/skip"; exit 1; }
cat > "$dir/probe.c" <<'C'
#include <pthread.h>
#include <stdio.h>
static volatile int shared;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* Many touches: TSan does not report every racing pair (one increment a
   thread went unreported in a third to a half of the runs on one machine),
   and a probe that misses would turn TSan off for the whole run. */
static void *touch(void *arg) {
    int i;
    for (i = 0; i < 100000; i++) {
        if (arg) pthread_mutex_lock(&mu);
        shared = shared + 1;
        if (arg) pthread_mutex_unlock(&mu);
    }
    return NULL;
}
int main(int argc, char **argv) {
    pthread_t t;
    void *locked = argc > 1 ? NULL : (void *)&mu; /* an argument: race */
    (void)argv;
    pthread_create(&t, NULL, touch, locked);
    touch(locked);
    pthread_join(t, NULL);
    printf("%d\n", shared);
    return 0;
}
C
"$cc" -fsanitize=thread -g -O1 "$dir/probe.c" -o "$dir/probe" -pthread > "$dir/probe.log" 2>&1 ||
    skip "$cc cannot build with -fsanitize=thread ($(head -n1 "$dir/probe.log"))"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
works() { # works WRAPPER...: the clean run passes and the race is caught
    "$@" "$dir/probe" > "$dir/probe.log" 2>&1 || return 1
    "$@" "$dir/probe" race > "$dir/probe-race.log" 2>&1
    [ $? -eq 66 ] && grep -q 'ThreadSanitizer: data race' "$dir/probe-race.log"
}
if works; then
    : > "$dir/wrapper"
elif command -v setarch >/dev/null 2>&1 && works setarch "$(uname -m)" -R; then
    echo "setarch $(uname -m) -R" > "$dir/wrapper"
else
    why=$(grep -h -m1 -E 'FATAL|ThreadSanitizer|rror' "$dir/probe.log" "$dir/probe-race.log" 2>/dev/null | head -n1)
    skip "ThreadSanitizer does not work with $cc here: ${why:-a data race in a probe went unreported}"
fi
exit 0

#!/usr/bin/env bash
# Runs libFuzzer targets one after the other (the machine's cores are shared),
# each for SECONDS, starting from its seeds in tests/fuzz/corpus/<target>/
# and the inputs of tests/fuzz/regressions/<target>/.
# Usage: tests/fuzz/run.sh OUT SECONDS TARGET...   (the Makefile builds OUT/fuzz_<target>)
#   OUT/corpus/<target>/    what the run adds to the corpus (kept between runs)
#   OUT/findings/<target>/  crashing or failing inputs, named by libFuzzer
#   OUT/<target>.log        libFuzzer's output
# One line per target with its executions, speed and coverage, then the
# total "N passed, N failed": a target fails when libFuzzer found anything.
# Extra libFuzzer flags may come in FUZZ_FLAGS.
set -u
out=${1:?usage: run.sh OUT SECONDS TARGET...}
seconds=${2:?usage: run.sh OUT SECONDS TARGET...}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
passed=0; failed=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
for t in "$@"; do
    bin="$out/fuzz_$t"
    log="$out/$t.log"
    mkdir -p "$out/corpus/$t" "$out/findings/$t"
    dict=()
    [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    # inputs that once found a bug are read first too, so a run fails at once on them
    regress=()
    [ -d "$here/regressions/$t" ] && regress=("$here/regressions/$t")
    echo "== fuzz_$t for ${seconds}s"
    "$bin" -max_total_time="$seconds" -timeout=10 -max_len=4096 -use_value_profile=1 \
        -print_final_stats=1 -artifact_prefix="$out/findings/$t/" "${dict[@]}" ${FUZZ_FLAGS:-} \
        "$out/corpus/$t" "$here/corpus/$t" "${regress[@]}" > "$log" 2>&1
    rc=$?
    # the last status line: "#N DONE cov: C ft: F corp: K/S ..."
    last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(printf '%s' "$last" | sed -nE 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1/p')
    if [ "$rc" -eq 0 ]; then
        echo "fuzz_$t: ok, ${runs:-?} runs in ${seconds}s (${speed:-?} exec/s), ${cov:-no coverage line}"
        passed=$((passed + 1))
    else
        echo "fuzz_$t: FAILED (exit $rc), see $log; the input is in $out/findings/$t/"
        grep -E 'ERROR: |fuzz check failed|SUMMARY: |runtime error' "$log" | head -n 5
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

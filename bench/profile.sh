#!/usr/bin/env bash
# make bench-profile: where bench_client spends its time, next to the raw
# BearSSL ceiling doing the same work.
#   bash bench/profile.sh BUILD/bench [--table]
# - instructions per message against the raw BearSSL ceiling, start-up taken
#   out (BUILD/bench/prof/instructions.md; --table: only that)
# - valgrind --tool=callgrind: instructions per function (self, and inclusive
#   for wsclient.h's own functions) in stream 16 B, stream 64 KiB, rtt 16 B
#   and connect; files in BUILD/bench/prof/cg.* for callgrind_annotate or
#   kcachegrind. Note: glibc's memcpy uses `rep movsb` for large copies, which
#   callgrind counts once per byte, so large copies look dearer than they are.
# - perf stat (when perf works here): task clock, page faults, context switches.
# - strace -c (when installed): system calls per message in rtt 16 B.
# Needs valgrind (Debian: valgrind); perf (linux-perf) and strace are optional.
set -u
build=${1:-build/bench}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "bench-profile needs Debian's valgrind: apt-get install -y valgrind" >&2; exit 2; }
bash "$root/tests/mkcerts.sh" "$build/certs" || exit 2
prof="$build/prof"
mkdir -p "$prof"
ca="$build/certs/ca.pem"

"$build/echo_server" "$build/certs/server.pem" "$build/certs/server.key" > "$prof/server.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q '^ports ' "$prof/server.out" 2>/dev/null && break; sleep 0.05; done
eval "$(sed -n 's/^ports //p' "$prof/server.out" | tr ' ' '\n' | sed 's/^/port_/')"
ours="$build/bench_client --url wss://127.0.0.1:$port_wss/ --cafile $ca"
raw="$build/bench_raw_tls --url tls://127.0.0.1:$port_tls --cafile $ca"

# cg NAME COUNT CLIENT ARGS...: one callgrind run and its summary
cg() {
    local name=$1 count=$2; shift 2
    local out="$prof/cg.$name"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" > "$prof/$name.out" 2> "$prof/$name.err" ||
        { echo "callgrind $name failed: $(tail -n 3 "$prof/$name.err")"; return; }
    local total
    total=$(sed -n 's/^summary: //p;s/^totals: //p' "$out" | head -n1)
    echo "== $name: $total instructions in all, $((total / count)) per message or connect (start-up included)"
    callgrind_annotate "$out" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,14p' | sed 's/\[.*\]//'
    if [ "${1##*/}" = bench_client ]; then
        echo "-- wsclient.h, inclusive:"
        callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E '^ *[0-9,]+ \([ 0-9.]+%\)  [^ ]*wsclient.h:' |
            awk '!seen[$0]++' | head -n 12 | sed 's/\[.*\]//;s|[^ ]*wsclient.h:|wsclient.h:|'
    fi
    echo
}

# total instructions of one callgrind run: insns CLIENT ARGS...
insns() {
    local out="$prof/cg.tmp"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" > /dev/null 2>&1 || { echo 0; return; }
    sed -n 's/^summary: //p;s/^totals: //p' "$out" | head -n1
}

# Instructions per message, start-up and connect taken out: a run of 2N
# messages less a run of N, over N. ours and the ceiling, stream over wss.
per_message_table() {
    echo "| mode | size | wsclient.h | ceiling (raw BearSSL) | ratio |"
    echo "|---|---|--:|--:|--:|"
    local spec mode size n a b
    for spec in "stream 16 20000" "stream 1024 20000" "stream 65536 400" "stream 1048576 24" "rtt 16 4000" "rtt 1024 4000"; do
        set -- $spec
        mode=$1 size=$2 n=$3
        # shellcheck disable=SC2086
        a=$(( ($(insns $ours --mode "$mode" --size "$size" --count $((2 * n))) - $(insns $ours --mode "$mode" --size "$size" --count "$n")) / n ))
        # shellcheck disable=SC2086
        b=$(( ($(insns $raw --mode "$mode" --size "$size" --count $((2 * n))) - $(insns $raw --mode "$mode" --size "$size" --count "$n")) / n ))
        echo "| $mode | $size B | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b ? a / b : 0 }') |"
    done
}

if [ "${2:-}" = "--table" ]; then
    per_message_table | tee "$prof/instructions.md"
    exit 0
fi

{
    echo "# instructions per message (callgrind; a run of 2N less a run of N, over N)"
    per_message_table | tee "$prof/instructions.md"
    echo
    echo "# callgrind (instructions)"
    cg stream16 20000 $ours --mode stream --size 16 --count 20000
    cg stream16-raw 20000 $raw --mode stream --size 16 --count 20000
    cg stream64k 300 $ours --mode stream --size 65536 --count 300
    cg stream64k-raw 300 $raw --mode stream --size 65536 --count 300
    cg rtt16 5000 $ours --mode rtt --size 16 --count 5000
    cg connect 20 $ours --mode connect --count 20
    cg connect-raw 20 $raw --mode connect --count 20

    if perf stat -e task-clock true >/dev/null 2>&1; then
        echo "# perf stat, stream 64 KiB x 3000"
        for c in "$ours" "$raw"; do
            echo "== ${c%% *}"
            # shellcheck disable=SC2086
            perf stat -e task-clock,page-faults,context-switches $c --mode stream --size 65536 --count 3000 2>&1 |
                grep -E 'result|task-clock|page-faults|context-switches'
        done
        echo
    fi
    if command -v strace >/dev/null; then
        echo "# system calls per message, rtt 16 B x 2000 (strace -c; strace slows every call, so"
        echo "# more reads find data waiting than would without it)"
        for c in "$ours" "$raw"; do
            # shellcheck disable=SC2086
            strace -c -o "$prof/strace.txt" $c --mode rtt --size 16 --count 2000 > /dev/null
            echo "== ${c%% *}: $(awk '$NF ~ /^(sendto|recvfrom|poll|read|write)$/ {printf "%s %.2f  ", $NF, $4/2000}' "$prof/strace.txt")"
        done
    fi
} 2>&1 | tee "$prof/summary.txt"
echo "profiles in $prof (callgrind_annotate $prof/cg.NAME)"

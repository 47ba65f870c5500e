#!/usr/bin/env bash
# Drives the built wscat (examples/wscat.c, installed as wsclient-cat) through
# pipes against tests/ws_server.py: lines whole at any size, binary and NULs
# intact both ways, the exit status of each way a connection ends, replies
# after end of input, --once, and no busy wake-ups while idle.
# Usage: tests/wscat.sh BUILD_DIR   (tests/run.sh runs it with the servers up:
# WSC_TEST_PLAIN_PORT). Last line: "wscat: N passed, N failed".
set -u
shopt -s lastpipe # "... | run" sets $rc here, not in a subshell
build=${1:-${WSC_BUILD:-build}}
build=$(cd "$build" && pwd)
wscat="$build/wscat"
work="$build/wscat-test"
rm -rf "$work"
mkdir -p "$work"
url="ws://127.0.0.1:${WSC_TEST_PLAIN_PORT:-0}"
py=/usr/bin/python3
passed=0; failed=0

pass() { echo "PASS wscat $1"; passed=$((passed + 1)); }
fail() { # fail NAME: with wscat's standard error
    echo "FAIL wscat $1"; failed=$((failed + 1))
    [ -s "$work/err" ] && tail -n 5 "$work/err" | sed 's/^/    /'
}
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
# run [ARGS...] < input: wscat with a bound (a hang fails, status 124), its
# output in $work/out, its standard error in $work/err, the status in $rc.
run() { timeout 30 "$wscat" "$@" > "$work/out" 2> "$work/err"; rc=$?; }
# Context switches of a process and its threads: each wake-up of a waiting
# thread is one (voluntary or not).
switches() {
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '/^(non)?voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'
}

if [ ! -x "$wscat" ]; then
    echo "FAIL wscat: $wscat is not built (make $build/wscat)"
    echo "wscat: 0 passed, 1 failed"
    exit 1
fi
if [ -z "${WSC_TEST_PLAIN_PORT:-}" ]; then
    echo "FAIL wscat: WSC_TEST_PLAIN_PORT is not set (run it through tests/run.sh)"
    echo "wscat: 0 passed, 1 failed"
    exit 1
fi

# --- Lines: whole at any size, never split at a read's end ---
seq 1 20000 > "$work/seq"    # 108894 bytes: more than one 64 KiB read
run "$url/echo" < "$work/seq"
check "20000 lines from a file come back whole and in order" 'cmp -s "$work/seq" "$work/out" && [ $rc -eq 0 ]'
seq 1 20000 | run "$url/echo"
check "20000 lines from a pipe come back whole and in order" 'cmp -s "$work/seq" "$work/out" && [ $rc -eq 0 ]'
{ head -c 300000 /dev/zero | tr '\0' x; printf '\nshort\nlast without newline'; } > "$work/long"
{ cat "$work/long"; echo; } > "$work/long.expected"
run "$url/echo" < "$work/long"
check "a 300000-byte line goes as one message, and a last line without newline too" \
    'cmp -s "$work/long.expected" "$work/out" && [ $rc -eq 0 ]'
printf 'crlf\r\n' | run "$url/echo"
check "CR LF ends a line as LF does" '[ "$(cat "$work/out")" = crlf ]'
# Past the cap of a message (WSCLIENT_MAX_MESSAGE, 16 MiB): refused, never split.
{ echo before; head -c 16777217 /dev/zero | tr '\0' y; printf '\nafter\n'; } | run "$url/echo"
check "a line over 16 MiB is refused whole: an error, exit 4, not a piece of it sent" \
    '[ $rc -eq 4 ] && grep -q "longer than" "$work/err" && ! grep -q y "$work/out"'

if [ -n "${WSC_TEST_TLS_PORT:-}" ] && [ -n "${WSC_TEST_CERTS:-}" ]; then
    run --cafile "$WSC_TEST_CERTS/ca.pem" "wss://localhost:$WSC_TEST_TLS_PORT/echo" < "$work/seq"
    check "wss://: 20000 lines come back whole and in order" 'cmp -s "$work/seq" "$work/out" && [ $rc -eq 0 ]'
else
    echo "SKIP wscat wss://: WSC_TEST_TLS_PORT or WSC_TEST_CERTS not set (run it through tests/run.sh)"
fi

# --- Binary and NULs ---
printf 'a\0b\nc\n' > "$work/nul"
run "$url/echo" < "$work/nul"
check "text with a NUL is sent and printed whole" 'cmp -s "$work/nul" "$work/out"'
run --linger-ms 500 "$url/send?size=8&type=binary" < /dev/null
printf '\000\001\002\003\004\005\006\007\n' > "$work/bin8"
check "a binary message is written raw (text mode: then a newline)" 'cmp -s "$work/bin8" "$work/out"'
run -b --linger-ms 500 "$url/send?size=8&type=binary" < /dev/null
check "-b: a binary message is written raw, nothing added" 'cmp -s <(head -c 8 "$work/bin8") "$work/out"'
head -c 200000 /dev/urandom > "$work/random"
run --binary "$url/echo" < "$work/random"
check "--binary: 200000 random bytes go as binary messages and come back the same" \
    'cmp -s "$work/random" "$work/out" && [ $rc -eq 0 ]'
printf 'ok\n\377\376\nnever\n' | run "$url/echo"
check "text mode refuses input that is not UTF-8: an error naming -b, exit 4" \
    '[ $rc -eq 4 ] && grep -q "UTF-8" "$work/err" && grep -q -- "--binary" "$work/err" && ! grep -q never "$work/out"'

# --- Exit status ---
echo hi | run "$url/echo"
check "exit 0 after our normal close" '[ $rc -eq 0 ] && [ "$(cat "$work/out")" = hi ]'
for c in 1000 1001; do
    run "$url/close-code?code=$c" < /dev/null
    check "exit 0 when the server closes with $c" '[ $rc -eq 0 ] && grep -q "closed: $c" "$work/err"'
done
for c in 1011 4000; do
    run "$url/close-code?code=$c&reason=oops" < /dev/null
    check "exit 3 when the server closes with $c" '[ $rc -eq 3 ] && grep -q "closed: $c oops" "$work/err"'
done
run "$url/drop" < /dev/null
check "exit 3 when the connection ends without a close" '[ $rc -eq 3 ]'
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run "ws://127.0.0.1:$port/" < /dev/null
check "exit 1 when the connect fails" '[ $rc -eq 1 ]'
run "$url/404" < /dev/null
check "exit 1 when the upgrade is refused" '[ $rc -eq 1 ] && grep -q "HTTP 404" "$work/err"'
run --no-such-option "$url/echo" < /dev/null
check "exit 2 for a bad option" '[ $rc -eq 2 ]'
run --close-code 999 "$url/echo" < /dev/null
check "exit 2 for a close code that may not be sent" '[ $rc -eq 2 ]'
run --help < /dev/null
check "--help: exit 0, the options and the exit statuses on standard output" \
    '[ $rc -eq 0 ] && grep -q -- "--binary" "$work/out" && grep -q -- "--wait-ms" "$work/out" && grep -qi "exit status" "$work/out"'

# --- After end of input: replies still come ---
echo late | run "$url/delayed-echo?pause=1.5"
check "a reply 1.5 s after end of input is printed (default wait)" '[ "$(cat "$work/out")" = late ] && [ $rc -eq 0 ]'
echo late | run --wait-ms 300 "$url/delayed-echo?pause=1.5"
check "--wait-ms 300 closes before a reply 1.5 s late" '[ ! -s "$work/out" ] && [ $rc -eq 0 ]'
echo late | run --linger-ms 3000 "$url/delayed-echo?pause=1.5"
check "--linger-ms stays an alias of --wait-ms" '[ "$(cat "$work/out")" = late ]'

# --- --once ---
start=$(date +%s)
run --once "$url/echo" < <(echo first; sleep 8) # the pipe stays open 8 s
took=$(( $(date +%s) - start ))
check "--once: exits 0 after the first message, input still open (took ${took} s)" \
    '[ "$(cat "$work/out")" = first ] && [ $rc -eq 0 ] && [ $took -lt 6 ]'
run -1 "$url/send?size=3" < /dev/null
check "-1 is --once" '[ "$(cat "$work/out")" = aaa ] && [ $rc -eq 0 ]'

# --- Idle: no busy wake-ups (the old loop woke 100 times a second) ---
# idle NAME INPUT-COMMAND ARGS...: counts wscat's context switches over 2 s
# once it is connected; a generous bound of 20 (a wait that sleeps until
# something happens makes a handful).
idle() {
    local name=$1 input=$2 pid n0 n1 i; shift 2
    bash -c "$input" | "$wscat" "$@" > "$work/out" 2> "$work/err" &
    pid=$!
    for i in $(seq 1 50); do grep -q '^connected' "$work/err" && break; sleep 0.1; done
    sleep 0.5
    n0=$(switches "$pid"); sleep 2; n1=$(switches "$pid")
    alive=0; kill -0 "$pid" 2>/dev/null && alive=1
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    check "$name: $((n1 - n0)) wake-ups in 2 s (bound 20)" '[ $alive -eq 1 ] && [ $((n1 - n0)) -lt 20 ]'
}
# --- --show-tls: what TLS agreed, on BearSSL and (when built) on OpenSSL ---
tls_url="wss://localhost:${WSC_TEST_TLS_PORT:-0}/echo"
cafile="${WSC_TEST_CERTS:-$build/certs}/ca.pem"
echo hi | run --show-tls --cafile "$cafile" "$tls_url"
check "--show-tls names TLS 1.2, the suite and ALPN (BearSSL)" \
    'grep -q "^tls: TLS 1.2, TLS_[A-Z0-9_]*, ALPN " "$work/err" && [ "$(cat "$work/out")" = hi ] && [ $rc -eq 0 ]'
echo hi | run --tls tls1_3 "$tls_url"
check "--tls tls1_3 alone is refused by the BearSSL build (exit 1, words name TLS 1.3)" \
    '[ $rc -eq 1 ] && grep -q "TLS 1.3" "$work/err"'
if [ -x "$build/wscat_openssl" ]; then
    echo hi | wscat="$build/wscat_openssl" run --show-tls --tls tls1_3 --cafile "$cafile" "$tls_url"
    check "--tls tls1_3 --show-tls on the OpenSSL build: TLS 1.3 and its suite" \
        'grep -q "^tls: TLS 1.3, TLS_[A-Z0-9_]*, ALPN " "$work/err" && [ "$(cat "$work/out")" = hi ] && [ $rc -eq 0 ]'
else
    echo "SKIP wscat OpenSSL build: $build/wscat_openssl is not built (libssl-dev)"
fi

idle "idle with input open" "sleep 5" "$url/echo"
idle "idle waiting for replies after end of input" "true" --linger-ms 5000 "$url/echo"

echo "wscat: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

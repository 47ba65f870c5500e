#!/usr/bin/env bash
# Runs every test program against real servers started here on loopback,
# then prints the total as its last line: "N passed, N failed".
# Usage: tests/run.sh BUILD_DIR   (the Makefile builds the programs first)
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
if ! "$py" -c 'import websockets' 2>/dev/null; then
    echo "tests need Debian's python3-websockets: apt-get install -y python3-websockets" >&2
    exit 2
fi
certs="$build/certs"
bash "$here/mkcerts.sh" "$certs" || { echo "mkcerts.sh failed" >&2; exit 2; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

# start_server VAR SCRIPT ARGS...: starts a server of tests/, puts its port in VAR.
start_server() {
    local var=$1; shift
    local out="$build/server-$var.out"
    local script=$1; shift
    # Empty it first: the redirect below happens in the child, maybe after the
    # first grep, which must not find the port of a previous run.
    : > "$out"
    local run=("$py")
    case $script in *.js) run=(env "NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}" node);; esac
    "${run[@]}" "$here/$script" "$@" > "$out" 2> "$build/server-$var.err" &
    pids+=($!)
    local i
    for i in $(seq 1 100); do
        if grep -q '^PORT [0-9][0-9]*$' "$out" 2>/dev/null; then
            export "$var=$(sed -n 's/^PORT //p' "$out" | head -n1)"
            return 0
        fi
        sleep 0.1
    done
    echo "server $var did not start: $(cat "$build/server-$var.err")" >&2
    exit 2
}

# IPv6 on loopback: some machines (containers, kernels booted ipv6.disable=1)
# have no ::1. There the servers listen on 127.0.0.1 alone and the checks
# that need ::1 are skipped, each saying so (WSC_TEST_NO_IPV6, tests/test.h).
if [ -z "${WSC_TEST_NO_IPV6:-}" ] &&
   ! "$py" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    export WSC_TEST_NO_IPV6=1
fi
if [ -n "${WSC_TEST_NO_IPV6:-}" ]; then
    echo "no IPv6 on loopback here (::1 cannot be bound): the checks that need ::1 are skipped"
fi

start_server WSC_TEST_TLS_PORT ws_server.py --tls "$certs/server.pem" "$certs/server.key"
start_server WSC_TEST_PLAIN_PORT ws_server.py
start_server WSC_TEST_WRONG_PORT ws_server.py --tls "$certs/wrong.pem" "$certs/wrong.key"
start_server WSC_TEST_UNTRUSTED_PORT ws_server.py --tls "$certs/untrusted.pem" "$certs/untrusted.key"
start_server WSC_TEST_RSA_PORT ws_server.py --tls "$certs/server-rsa.pem" "$certs/server-rsa.key"
start_server WSC_TEST_V4ONLY_PORT ws_server.py --host 127.0.0.1
if [ -n "${WSC_TEST_NO_IPV6:-}" ]; then export WSC_TEST_V6ONLY_PORT=0 # its checks are skipped
else start_server WSC_TEST_V6ONLY_PORT ws_server.py --host ::1; fi
start_server WSC_TEST_RFC_PORT rfc_server.py --report "$build/autobahn-ws.txt"
start_server WSC_TEST_RFC_TLS_PORT rfc_server.py --report "$build/autobahn-wss.txt" --tls "$certs/server.pem" "$certs/server.key"
# tests/relay.py: a path that can die without a FIN (tests/keepalive.c)
start_server WSC_TEST_RELAY_PORT relay.py --target "$WSC_TEST_PLAIN_PORT"
start_server WSC_TEST_RELAY_TLS_PORT relay.py --target "$WSC_TEST_TLS_PORT"
start_server WSC_TEST_FAULT_PORT fault_server.py
start_server WSC_TEST_FAULT_TLS_PORT fault_server.py --tls "$certs/server.pem" "$certs/server.key"
export WSC_TEST_CERTS="$certs"
# node's ws (Debian's nodejs and node-ws) for tests/headers.c; without them
# WSC_TEST_NODE_PORT stays unset and those checks print SKIP lines.
if command -v node >/dev/null 2>&1 && NODE_PATH=/usr/share/nodejs node -e "require('ws')" 2>/dev/null; then
    start_server WSC_TEST_NODE_PORT node_server.js
    start_server WSC_TEST_NODE_TLS_PORT node_server.js --tls "$certs/server.pem" "$certs/server.key"
else
    echo "node or its ws module is missing (apt-get install -y nodejs node-ws): the node checks are skipped"
fi

# tests/answer_server.py: refusals and redirects (tests/answer.c), four
# listeners; each port goes to WSC_ANSWER_<NAME>_PORT.
: > "$build/server-answer.out"
"$py" "$here/answer_server.py" "$certs/server.pem" "$certs/server.key" > "$build/server-answer.out" 2> "$build/server-answer.err" &
pids+=($!)
for i in $(seq 1 100); do grep -q '^READY' "$build/server-answer.out" 2>/dev/null && break; sleep 0.1; done
if ! grep -q '^READY' "$build/server-answer.out"; then echo "answer_server.py did not start: $(cat "$build/server-answer.err")" >&2; exit 2; fi
while read -r _ name port; do export "WSC_ANSWER_${name}_PORT=$port"; done < <(grep '^PORT ' "$build/server-answer.out")

# tests/tls_server.py: one process, a listener per TLS version and per
# certificate case; each port goes to WSC_TLS_<NAME>_PORT.
tls_listen=()
for v in 1.0 1.1 1.2 1.3; do tls_listen+=(--listen "V${v/./}" "$certs/server.pem" "$certs/server.key" "$v-$v"); done
for c in server expired notyet selfsigned chain-int leaf-int chain-notca chain-dn badsig ipsan ip6san wild cn-only cn-wild; do
    key=$c; case $c in chain-int|chain-dn) key=leaf-int;; chain-notca) key=leaf-notca;; esac
    name=$(printf '%s' "$c" | tr 'a-z-' 'A-Z_')
    tls_listen+=(--listen "$name" "$certs/$c.pem" "$certs/$key.key" any)
done
: > "$build/server-tls.out"
"$py" "$here/tls_server.py" "${tls_listen[@]}" > "$build/server-tls.out" 2> "$build/server-tls.err" &
pids+=($!)
for i in $(seq 1 100); do grep -q '^READY' "$build/server-tls.out" 2>/dev/null && break; sleep 0.1; done
if ! grep -q '^READY' "$build/server-tls.out"; then echo "tls_server.py did not start: $(cat "$build/server-tls.err")" >&2; exit 2; fi
while read -r _ name port; do export "WSC_TLS_${name}_PORT=$port"; done < <(grep '^PORT ' "$build/server-tls.out")

passed=0; failed=0; skipped=0
for prog in "$build"/test_*; do
    [ -x "$prog" ] || continue
    name=$(basename "$prog")
    echo "== $name"
    # WSC_TEST_WRAPPER may name a runner such as valgrind
    ${WSC_TEST_WRAPPER:-} "$prog" > "$build/$name.log" 2>&1
    cat "$build/$name.log"
    line=$(grep -E "^[A-Za-z0-9_]+: [0-9]+ passed, [0-9]+ failed$" "$build/$name.log" | tail -n1)
    if [ -z "$line" ]; then
        echo "$name: crashed or ended without a summary" >&2
        failed=$((failed + 1))
        continue
    fi
    p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    passed=$((passed + p)); failed=$((failed + f))
    skipped=$((skipped + $(grep -c '^SKIP ' "$build/$name.log")))
done
# Examples that check themselves (exit 0 when all went well).
for prog in "$build"/memory_transport "$build"/memory_transport_noheap "$build"/memory_transport_small; do
    echo "== $(basename "$prog")"
    if ${WSC_TEST_WRAPPER:-} "$prog" > "$build/$(basename "$prog").log" 2>&1; then
        tail -n1 "$build/$(basename "$prog").log"; passed=$((passed + 1))
    else
        cat "$build/$(basename "$prog").log"; echo "$(basename "$prog") failed" >&2; failed=$((failed + 1))
    fi
done

# The churn test again under valgrind, with fewer cycles: no leak (definite or
# indirect), no invalid access. WSC_NO_VALGRIND=1 skips it (.ci/run sets it
# for the sanitizer run, which already checks the same things its own way).
vg_log="$build/churn_valgrind.log"
if [ -x "$build/churn_valgrind" ] && [ -z "${WSC_NO_VALGRIND:-}" ]; then
    echo "== churn_valgrind (under valgrind, ${WSC_VALGRIND_CYCLES:-400} cycles)"
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "valgrind is not installed (apt-get install -y valgrind): churn under valgrind skipped"
    elif WSC_CHURN_CYCLES=${WSC_VALGRIND_CYCLES:-400} valgrind --error-exitcode=1 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect "$build/churn_valgrind" > "$vg_log" 2>&1 &&
         grep -qE '^test_churn: [0-9]+ passed, 0 failed$' "$vg_log"; then
        grep -E 'cycles in|test_churn:|in use at exit|ERROR SUMMARY' "$vg_log"
        passed=$((passed + 1))
    else
        cat "$vg_log"
        echo "churn under valgrind failed" >&2
        failed=$((failed + 1))
    fi
fi

# The Autobahn client protocol, end to end, over ws:// and wss://: every
# numbered case of tests/rfc_server.py, judged by the server.
autobahn() { # autobahn LABEL REPORT URL [ARGS...]
    local label=$1 report=$2; shift 2
    echo "== autobahn_client $*"
    rm -f "$report"
    if ! ${WSC_TEST_WRAPPER:-} "$build/autobahn_client" "$@" > "$build/autobahn-$label.log" 2>&1; then
        cat "$build/autobahn-$label.log"
        echo "autobahn_client ($label) failed" >&2
        failed=$((failed + 1))
        return
    fi
    tail -n1 "$build/autobahn-$label.log"
    grep '^FAIL' "$report" || true
    line=$(grep -E '^autobahn: [0-9]+ passed, [0-9]+ failed$' "$report" 2>/dev/null | tail -n1)
    if [ -z "$line" ]; then echo "no report from the server ($label)" >&2; failed=$((failed + 1)); return; fi
    echo "$label: ${line#autobahn: }"
    p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    passed=$((passed + p)); failed=$((failed + f))
}
autobahn ws "$build/autobahn-ws.txt" "ws://127.0.0.1:$WSC_TEST_RFC_PORT" wsclient-ws
autobahn wss "$build/autobahn-wss.txt" "wss://localhost:$WSC_TEST_RFC_TLS_PORT" wsclient-wss --cafile "$certs/ca.pem"

[ "$skipped" -eq 0 ] || echo "$skipped checks skipped, not counted (the SKIP lines above say why)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

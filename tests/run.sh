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
    local run=("$py" "$here/$script")
    case $script in
    *.js) run=(env "NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}" node "$here/$script");;
    */*) run=(${WSC_TEST_WRAPPER:-} "$script");; # a program of the build dir (qemu-i386 for an i386 one)
    esac
    "${run[@]}" "$@" > "$out" 2> "$build/server-$var.err" &
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
# Mutual TLS: a client certificate of client-ca is required; and ALPN.
start_server WSC_TEST_MTLS_PORT ws_server.py --tls "$certs/server.pem" "$certs/server.key" --client-ca "$certs/client-ca.pem"
start_server WSC_TEST_ALPN_PORT ws_server.py --tls "$certs/server.pem" "$certs/server.key" --alpn http/1.1
start_server WSC_TEST_ALPN_H2_PORT ws_server.py --tls "$certs/server.pem" "$certs/server.key" --alpn h2
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

# tests/reconnect_server.py: automatic reconnect (tests/reconnect.c), three
# listeners; each port goes to WSC_RECONNECT_<NAME>_PORT.
: > "$build/server-reconnect.out"
"$py" "$here/reconnect_server.py" "$certs/server.pem" "$certs/server.key" > "$build/server-reconnect.out" 2> "$build/server-reconnect.err" &
pids+=($!)
for i in $(seq 1 100); do grep -q '^READY' "$build/server-reconnect.out" 2>/dev/null && break; sleep 0.1; done
if ! grep -q '^READY' "$build/server-reconnect.out"; then echo "reconnect_server.py did not start: $(cat "$build/server-reconnect.err")" >&2; exit 2; fi
while read -r _ name port; do export "WSC_RECONNECT_${name}_PORT=$port"; done < <(grep '^PORT ' "$build/server-reconnect.out")

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

# openssl s_server demanding a client certificate of client-ca (-Verify 1
# -verify_return_error): a TLS-level check of the mutual TLS against OpenSSL's
# own server (it answers HTTP, not WebSocket).
: > "$build/server-sserver.out"
openssl s_server -accept 127.0.0.1:0 -cert "$certs/server.pem" -key "$certs/server.key" -www -Verify 1 \
    -verify_return_error -CAfile "$certs/client-ca.pem" > "$build/server-sserver.out" 2> "$build/server-sserver.err" &
pids+=($!)
for i in $(seq 1 100); do grep -q '^ACCEPT' "$build/server-sserver.out" 2>/dev/null && break; sleep 0.1; done
if grep -q '^ACCEPT' "$build/server-sserver.out"; then
    export WSC_TEST_SSERVER_PORT="$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$build/server-sserver.out" | head -n1)"
else echo "openssl s_server did not start: $(cat "$build/server-sserver.err")" >&2; exit 2; fi
# tests/post_handshake_server.c (built where OpenSSL 3 is): KeyUpdates,
# tickets and a HelloRequest after the handshake; without it those checks
# of tests/tls.c print SKIP lines (the Makefile's openssl.skip says why).
if [ -x "$build/post_handshake_server" ]; then
    start_server WSC_TEST_POSTHS_PORT "$build/post_handshake_server" "$certs/server.pem" "$certs/server.key"
fi
# Proxies for tests/proxy.c (Debian's tinyproxy and squid), each our own
# instance on loopback with its config and logs in the build dir; a missing
# one leaves its port unset and its checks print SKIP lines.
free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { # wait_port HOST PORT: up to 20 s (squid starts slowly)
    for i in $(seq 1 200); do
        "$py" -c "import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 0.5)" "$1" "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# start_tinyproxy VAR [EXTRA CONFIG LINE]: the CONNECT ports are the test
# servers' (not WSC_TEST_V4ONLY_PORT: a CONNECT there is refused with 403).
start_tinyproxy() {
    local var=$1 extra=${2:-} port conf
    port=$(free_port)
    conf="$build/tinyproxy-$var.conf"
    {
        echo "Port $port"; echo "Listen 127.0.0.1"; echo "Allow 127.0.0.1"; echo "Timeout 30"
        echo "LogFile \"$build/tinyproxy-$var.log\""; echo "LogLevel Info"; echo "MaxClients 64"
        for p in "$WSC_TEST_PLAIN_PORT" "$WSC_TEST_TLS_PORT" "$WSC_TEST_WRONG_PORT"; do echo "ConnectPort $p"; done
        [ -z "$extra" ] || echo "$extra"
    } > "$conf"
    tinyproxy -d -c "$conf" > "$build/tinyproxy-$var.out" 2>&1 &
    pids+=($!)
    if wait_port 127.0.0.1 "$port"; then export "$var=$port"
    else echo "tinyproxy did not start: $(tail -n3 "$build/tinyproxy-$var.out")" >&2; fi
}
if command -v tinyproxy >/dev/null 2>&1; then
    start_tinyproxy WSC_PROXY_TINY_PORT
    start_tinyproxy WSC_PROXY_TINY_AUTH_PORT "BasicAuth wsuser s3cret-pw"
else
    echo "tinyproxy is missing (apt-get install -y tinyproxy): its proxy checks are skipped"
fi
if command -v squid >/dev/null 2>&1; then
    squid_port=$(free_port)
    squid_dir="$(cd "$build" && pwd)/squid"
    mkdir -p "$squid_dir"
    # As root squid runs as its cache_effective_user (Debian: proxy), which must write there.
    if [ "$(id -u)" = 0 ] && id proxy >/dev/null 2>&1; then chown proxy "$squid_dir"; fi
    {
        echo "http_port 127.0.0.1:$squid_port"
        [ -n "${WSC_TEST_NO_IPV6:-}" ] || echo "http_port [::1]:$squid_port"
        echo "acl test_ports port $WSC_TEST_PLAIN_PORT $WSC_TEST_TLS_PORT $WSC_TEST_WRONG_PORT"
        echo "acl CONNECT method CONNECT"
        echo "http_access deny CONNECT !test_ports"
        echo "http_access allow localhost"
        echo "http_access deny all"
        echo "cache deny all"
        echo "cache_mem 8 MB"
        echo "pid_filename $squid_dir/squid.pid"
        echo "access_log $squid_dir/access.log"
        echo "cache_log $squid_dir/cache.log"
        echo "cache_store_log none"
        echo "coredump_dir $squid_dir"
        echo "shutdown_lifetime 0 seconds"
    } > "$squid_dir/squid.conf"
    squid -N -f "$squid_dir/squid.conf" > "$squid_dir/squid.out" 2>&1 &
    pids+=($!)
    if wait_port 127.0.0.1 "$squid_port"; then export WSC_PROXY_SQUID_PORT=$squid_port
    else echo "squid did not start: $(tail -n3 "$squid_dir/cache.log" 2>/dev/null)" >&2; fi
else
    echo "squid is missing (apt-get install -y squid): its proxy checks are skipped"
fi
export WSC_PROXY_LOGS="$(cd "$build" && pwd)"
# tests/proxy_fault.py: a proxy that answers in something not HTTP, one that stalls.
: > "$build/server-proxyfault.out"
"$py" "$here/proxy_fault.py" > "$build/server-proxyfault.out" 2> "$build/server-proxyfault.err" &
pids+=($!)
for i in $(seq 1 100); do grep -q '^READY' "$build/server-proxyfault.out" 2>/dev/null && break; sleep 0.1; done
while read -r _ name port; do export "WSC_PROXY_${name}_PORT=$port"; done < <(grep '^PORT ' "$build/server-proxyfault.out")

passed=0; failed=0; skipped=0
times="" # "SECONDS NAME" a line, one for each program run_test ran
# run_test PROG LOG [RUNNER...]: runs a test program, adds its counts. One that
# prints no summary failed (crashed); so did one that exits 66, a sanitizer's
# report (TSAN_OPTIONS below) after its summary.
run_test() {
    local prog=$1 log=$2 name rc line p f start=$SECONDS; shift 2
    name=$(basename "$prog")
    "$@" "$prog" > "$log" 2>&1
    rc=$?
    times="$times$((SECONDS - start)) $name"$'\n'
    cat "$log"
    line=$(grep -E "^[A-Za-z0-9_]+: [0-9]+ passed, [0-9]+ failed$" "$log" | tail -n1)
    if [ -z "$line" ]; then
        echo "$name: crashed or ended without a summary" >&2
        failed=$((failed + 1))
        return
    fi
    p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    if [ "$rc" -eq 66 ]; then echo "$name: a sanitizer reported (exit status 66)" >&2; f=$((f + 1)); fi
    passed=$((passed + p)); failed=$((failed + f))
    skipped=$((skipped + $(grep -c '^SKIP ' "$log")))
}
finish() {
    # where the time went, for whoever keeps CI under its limit
    echo "the slowest programs: $(printf '%s' "$times" | sort -rn | head -n 6 | awk '{ printf "%s%s %d s", (NR > 1 ? ", " : ""), $2, $1 }')"
    [ "$skipped" -eq 0 ] || echo "$skipped checks skipped, not counted (the SKIP lines above say why)"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# The ThreadSanitizer builds (make tsan-build, in make test): a report ends
# the program at once with status 66. WSC_NO_TSAN=1 leaves them out (.ci/run
# sets it for its ASan run); WSC_TEST_ONLY=tsan runs only them (make tsan).
tsan_dir="$build/tsan"
if [ -n "${WSC_NO_TSAN:-}" ]; then
    :
elif [ -f "$tsan_dir/skip" ]; then
    echo "SKIP ThreadSanitizer: $(cat "$tsan_dir/skip")"
    skipped=$((skipped + 1))
elif [ -f "$tsan_dir/wrapper" ]; then
    read -r -a tsan_wrapper < "$tsan_dir/wrapper" || true
    for prog in "$tsan_dir"/test_*; do
        [ -x "$prog" ] || continue
        echo "== $(basename "$prog") (ThreadSanitizer${tsan_wrapper[*]:+, under ${tsan_wrapper[*]}})"
        run_test "$prog" "$build/tsan-$(basename "$prog").log" \
            env TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" ${tsan_wrapper[@]+"${tsan_wrapper[@]}"}
    done
elif [ "${WSC_TEST_ONLY:-}" = tsan ]; then
    echo "no ThreadSanitizer build in $tsan_dir (make tsan-build)" >&2
    failed=$((failed + 1))
fi
if [ "${WSC_TEST_ONLY:-}" = tsan ]; then finish; exit; fi

# The OpenSSL backend's programs (test_*_openssl) run with the others; where
# the Makefile found no OpenSSL it says why here.
if [ -f "$build/openssl.skip" ]; then
    echo "SKIP $(cat "$build/openssl.skip")"
    skipped=$((skipped + 1))
fi
for prog in "$build"/test_*; do
    [ -x "$prog" ] || continue
    echo "== $(basename "$prog")"
    # WSC_TEST_WRAPPER may name a runner such as valgrind
    run_test "$prog" "$build/$(basename "$prog").log" ${WSC_TEST_WRAPPER:-}
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

# tests/consumers.sh: make install / uninstall, and a project that uses the
# header through CMake (add_subdirectory, FetchContent, find_package) and
# pkg-config. It is about this machine's tools, so an emulated run
# (WSC_TEST_WRAPPER, make portability) leaves it to the native one.
if [ -z "${WSC_TEST_WRAPPER:-}" ]; then
    echo "== consumers"
    run_test "$here/consumers.sh" "$build/consumers.log" env "WSC_BUILD=$build" bash
fi

# tests/docs_links.sh: every link between README.md and docs/*.md reaches a
# file and a heading. It reads the source tree alone, so the native run does it.
if [ -z "${WSC_TEST_WRAPPER:-}" ]; then
    echo "== docs_links"
    run_test "$here/docs_links.sh" "$build/docs_links.log" bash
fi

# tests/wscat.sh: the command-line tool (examples/wscat.c) through pipes,
# natively only, as consumers.sh (it counts wake-ups and times replies).
if [ -z "${WSC_TEST_WRAPPER:-}" ]; then
    echo "== wscat"
    run_test "$here/wscat.sh" "$build/wscat.log" env "WSC_BUILD=$build" bash
fi

# examples/uv_echo.c: the host event loop on libuv, against the TLS echo server.
echo "== uv_echo"
if [ -x "$build/uv_echo" ]; then
    if ${WSC_TEST_WRAPPER:-} "$build/uv_echo" --cafile "$certs/ca.pem" "wss://localhost:$WSC_TEST_TLS_PORT/echo" \
            > "$build/uv_echo.log" 2>&1; then
        tail -n1 "$build/uv_echo.log"; passed=$((passed + 1))
    else
        cat "$build/uv_echo.log"; echo "uv_echo failed" >&2; failed=$((failed + 1))
    fi
elif [ -n "${WSC_NO_UV:-}" ]; then
    echo "uv_echo: not in this build (WSC_NO_UV: make portability's other architectures have no libuv of theirs)"
elif pkg-config --exists libuv 2>/dev/null; then
    echo "uv_echo was not built, though libuv is installed (make $build/uv_echo)" >&2; failed=$((failed + 1))
else
    echo "SKIP uv_echo: libuv is missing (apt-get install -y libuv1-dev pkg-config)"; skipped=$((skipped + 1))
fi

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
    if ! ${WSC_TEST_WRAPPER:-} "$build/${client:-autobahn_client}" "$@" > "$build/autobahn-$label.log" 2>&1; then
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
# the same over the OpenSSL backend; where the Makefile found no OpenSSL,
# the SKIP line above (openssl.skip) says so for it too
if [ -x "$build/autobahn_client_openssl" ]; then
    client=autobahn_client_openssl autobahn wss-openssl "$build/autobahn-wss.txt" "wss://localhost:$WSC_TEST_RFC_TLS_PORT" \
        wsclient-wss-openssl --cafile "$certs/ca.pem"
elif [ ! -f "$build/openssl.skip" ]; then
    echo "FAIL autobahn wss-openssl: $build/autobahn_client_openssl is not built"; failed=$((failed + 1))
fi

finish

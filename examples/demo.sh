#!/usr/bin/env bash
# make demo: a throwaway CA and certificate, a local wss echo server on
# loopback, and the three examples run against it. The server is stopped
# by its PID at the end. Usage: examples/demo.sh BUILD_DIR
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
"$py" -c 'import websockets' 2>/dev/null || {
    echo "the demo's echo server needs Debian's python3-websockets: apt-get install -y python3-websockets" >&2
    exit 2
}
certs="$build/certs"
bash "$root/tests/mkcerts.sh" "$certs"

: > "$build/demo-server.out" # empty first: the child truncates it only once it runs
"$py" "$root/tests/ws_server.py" --tls "$certs/server.pem" "$certs/server.key" > "$build/demo-server.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/^PORT //p' "$build/demo-server.out" | head -n1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "echo server did not start:" >&2; cat "$build/demo-server.out" >&2; exit 1; }
echo "wss echo server on localhost port $port (pid $server), CA in $certs/ca.pem"
export SSL_CERT_FILE="$certs/ca.pem"

echo
echo "== sync_echo localhost $port   (WinDev's synchronous example)"
"$build/sync_echo" localhost "$port"
echo
echo "== async_echo localhost $port  (WinDev's asynchronous example)"
"$build/async_echo" localhost "$port"
echo
echo "== printf 'Hello\\nworld!\\n' | wscat wss://localhost:$port/echo"
printf 'Hello\nworld!\n' | "$build/wscat" --linger-ms 300 "wss://localhost:$port/echo"
echo
echo "== memory_transport   (a user transport: an in-memory pipe, built without sockets)"
"$build/memory_transport"
echo
echo "demo OK"

#!/usr/bin/env bash
# make mcu: wsclient.h on an emulated Cortex-M4 (QEMU's mps2-an386 board, 256
# KiB of RAM used), unchanged, over examples/uart_transport.c: the device's
# second UART is a QEMU chardev socket to tests/uart_bridge.py, which carries
# the connection to tests/ws_server.py --tls on 127.0.0.1. BearSSL 0.6 is
# built for the Cortex-M4 from Debian's source package (tests/bearssl.sh).
#
#   the wss:// echo in the SMALL and the full build, each with the heap
#       (newlib-nano's malloc) and with the arena (WSCLIENT_NO_HEAP)
#   an untrusted and an expired server certificate refused, with the words
#   the smallest arena that still connects, per arena configuration, bounded
#       by a ceiling (a regression in RAM fails)
#   flash by part (BearSSL, wsclient.h and the program, C library) and the
#       connect's instructions (qemu -icount shift=0: 1 instruction = 1 ns;
#       the time waiting for the bridge is taken off), printed
#
# Each step prints PASS, FAIL or SKIP (a missing tool: never a pass); the last
# line is "mcu: N passed, N failed". Usage: tests/mcu/run.sh [BUILD_DIR]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-build-mcu}
mkdir -p "$B"
B=$(cd "$B" && pwd)
cd "$root"

passed=0; failed=0; skipped=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { # fail NAME [LOG]
    echo "FAIL $1"; failed=$((failed + 1))
    if [ -n "${2:-}" ] && [ -s "$2" ]; then head -n 25 "$2" | sed 's/^/    /'; fi
}
skip() { echo "SKIP $1 ($2)"; skipped=$((skipped + 1)); }
have() { command -v "$1" >/dev/null 2>&1; }
finish() { echo "mcu: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

# Arena ceilings, bytes of WSCLIENT_SOCKET_MEMORY: measured smallest plus a
# small margin (docs/platforms.md, Code size). A change that needs more fails here.
ceiling_small=${WSC_MCU_ARENA_SMALL:-12288}
ceiling_full=${WSC_MCU_ARENA_FULL:-14336}

# ---- what it needs -----------------------------------------------------------
missing=()
have qemu-system-arm || missing+=("qemu-system-arm (apt-get install qemu-system-arm)")
have arm-none-eabi-gcc || missing+=("arm-none-eabi-gcc (apt-get install gcc-arm-none-eabi)")
[ -f /usr/lib/arm-none-eabi/newlib/thumb/v7e-m/nofp/libc_nano.a ] ||
    missing+=("newlib-nano for the Cortex-M4 (apt-get install libnewlib-arm-none-eabi)")
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import websockets' 2>/dev/null ||
    missing+=("python3-websockets (apt-get install python3-websockets)")
have openssl || missing+=("openssl (apt-get install openssl)")
if [ "${#missing[@]}" -gt 0 ]; then
    for m in "${missing[@]}"; do skip "every device run" "no $m"; done
    finish
fi
# shellcheck source=tests/bearssl.sh
. tests/bearssl.sh
if ! bearssl_build m4 arm-none-eabi-gcc -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections \
        > "$B/bearssl-m4.log" 2>&1; then
    skip "every device run" "no BearSSL for the Cortex-M4: apt-get source bearssl needs a deb-src line (see $B/bearssl-m4.log)"
    finish
fi
if ! bash tests/mkcerts.sh "$B/certs" > "$B/mkcerts.log" 2>&1 || ! make -s "$B/pem2c" BUILD="$B" > "$B/pem2c.log" 2>&1 ||
   ! "$B/pem2c" -n uart_anchors "$B/certs/ca.pem" > "$B/anchors.c"; then
    fail "test certificates and their trust anchors (tests/mkcerts.sh, tools/pem2c)" "$B/mkcerts.log"; finish
fi

# ---- building --------------------------------------------------------------
# The certificates were made now: the image's fixed date is now too.
now=$(date +%s)
m4=(-mthumb -mcpu=cortex-m4)
base=(-Os -std=c99 -Wall -Wextra -pedantic -Werror -ffunction-sections -fdata-sections
      -DWSCLIENT_NO_SOCKETS -DWSCLIENT_MAX_MESSAGE=4096 -DUART_TLS_FRAGMENT=1024
      "-DUART_UNIX_TIME=$now" "-DUART_ANCHORS=\"$B/anchors.c\"" -I. -I"$B/bearssl-src/inc")
build() { # build NAME CFLAGS...: $B/NAME.elf
    local name=$1; shift
    arm-none-eabi-gcc "${m4[@]}" "${base[@]}" "$@" --specs=nano.specs --specs=nosys.specs -nostartfiles \
        -T tests/mcu/link.ld -Wl,--gc-sections -Wl,-Map,"$B/$name.map" tests/mcu/device.c \
        "$B/bearssl-m4/libbearssl.a" -o "$B/$name.elf" > "$B/$name.build.log" 2>&1
}

# ---- the loopback servers and the bridge -------------------------------------
pids=()
stop_all() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; pids=(); }
trap stop_all EXIT
listen() { # listen VAR LOG COMMAND...: starts it, waits for "PORT n", n in VAR
    local var=$1 log=$2 i; shift 2
    rm -f "$log" # (a stale "PORT n" of an earlier run must not be read)
    "$@" > "$log" 2>&1 &
    pids+=($!)
    for i in $(seq 1 100); do
        if grep -q '^PORT ' "$log" 2>/dev/null; then
            printf -v "$var" '%s' "$(sed -n 's/^PORT //p' "$log" | head -n1)"; return 0
        fi
        sleep 0.1
    done
    return 1
}
for cert in server untrusted expired; do
    if ! listen "port_$cert" "$B/server-$cert.out" /usr/bin/python3 tests/ws_server.py --tls "$B/certs/$cert.pem" "$B/certs/$cert.key"; then
        fail "tests/ws_server.py --tls $cert.pem started" "$B/server-$cert.out"; finish
    fi
done

# device ELF SERVER_PORT LOG: runs the image until it exits (semihosting), its
# status the device program's; the bridge's words are in LOG.bridge
device() {
    local elf=$1 target=$2 log=$3 bport rc
    if ! listen bport "$log.bridge" /usr/bin/python3 tests/uart_bridge.py --target "$target"; then
        echo "the bridge did not start" > "$log"; return 98
    fi
    timeout 300 qemu-system-arm -M mps2-an386 -display none -monitor none -serial null \
        -serial "tcp:127.0.0.1:$bport" -semihosting-config enable=on,target=native -icount shift=0 \
        -kernel "$elf" > "$log" 2>&1
    rc=$?
    return $rc
}

# ---- the runs ----------------------------------------------------------------
declare -A cfgs=(
    [small-heap]="-DWSCLIENT_SMALL"
    [small-arena]="-DWSCLIENT_SMALL -DWSCLIENT_NO_HEAP -DWSCLIENT_SOCKET_MEMORY=$ceiling_small"
    [full-heap]=""
    [full-arena]="-DWSCLIENT_NO_HEAP -DWSCLIENT_SOCKET_MEMORY=$ceiling_full"
)
order=(small-heap small-arena full-heap full-arena)
for c in "${order[@]}"; do
    # shellcheck disable=SC2086
    if ! build "$c" ${cfgs[$c]}; then fail "$c: built -Werror for the Cortex-M4" "$B/$c.build.log"; continue; fi
    if device "$B/$c.elf" "$port_server" "$B/$c.log" && grep -q '^echo: ' "$B/$c.log"; then
        pass "$c: wss:// echo on the emulated Cortex-M4 ($(grep -c '' "$B/$c.log") lines; $(sed -n 's/^connect: //p' "$B/$c.log"))"
    else fail "$c: wss:// echo on the emulated Cortex-M4" "$B/$c.log"; continue; fi
    for bad in untrusted expired; do
        case $bad in untrusted) words='not trusted|unknown|issuer' ;; expired) words='expired' ;; esac
        device "$B/$c.elf" "$(eval echo "\$port_$bad")" "$B/$c-$bad.log"; rc=$?
        if [ "$rc" = 1 ] && grep -Eiq "^open failed: .*($words)" "$B/$c-$bad.log"; then
            pass "$c: an $bad certificate is refused: $(sed -n 's/^open failed: //p' "$B/$c-$bad.log" | cut -c1-110)"
        else fail "$c: an $bad certificate is refused (status $rc)" "$B/$c-$bad.log"; fi
    done
done

# ---- the smallest arena that runs the echo--------------------------------------
# Halves the range [2048, ceiling] to 256 bytes: each try builds and connects.
for c in small full; do
    eval "ceil=\$ceiling_$c"
    extra=""; [ "$c" = small ] && extra="-DWSCLIENT_SMALL"
    lo=2048 hi=$ceil
    while [ $((hi - lo)) -gt 256 ]; do
        mid=$(( (lo + hi) / 2 / 16 * 16 ))
        # shellcheck disable=SC2086
        if build "$c-arena-try" $extra -DWSCLIENT_NO_HEAP -DWSCLIENT_SOCKET_MEMORY=$mid &&
           device "$B/$c-arena-try.elf" "$port_server" "$B/$c-arena-try.log" && grep -q '^echo: ' "$B/$c-arena-try.log"; then
            hi=$mid
        else
            lo=$mid
            grep -hE "^(open|write) failed|^echo wrong" "$B/$c-arena-try.log" > "$B/$c-arena-fail.words" 2>/dev/null
        fi
    done
    if grep -q '^echo: ' "$B/$c-arena.log" 2>/dev/null; then
        pass "$c-arena: the smallest WSCLIENT_SOCKET_MEMORY that runs the echo is $hi bytes (within 256; the ceiling is $ceil); below: $(cut -c1-80 "$B/$c-arena-fail.words" 2>/dev/null)"
    else fail "$c-arena: connects with a WSCLIENT_SOCKET_MEMORY of $ceil (the ceiling)" "$B/$c-arena.log"; fi
done

# ---- flash by part, RAM ----------------------------------------------------------
# From the link map: each input section's bytes by where it came from.
echo
echo "Flash (.text + .rodata + .data, bytes) by part, and RAM, gcc 12 -Os -mthumb -mcpu=cortex-m4:"
printf '  %-12s %8s %12s %10s %8s %8s %8s\n' build BearSSL "wsclient.h+" "C library" total stack heap
for c in "${order[@]}"; do
    [ -f "$B/$c.map" ] && [ -f "$B/$c.log" ] || continue
    /usr/bin/python3 - "$B/$c.map" "$c" "$B/$c.log" <<'EOF'
import re, sys
parts = {"bearssl": 0, "ours": 0, "libc": 0}
pending = None
for_map = open(sys.argv[1]).read().split("Linker script and memory map", 1)[-1]
for line in for_map.splitlines():
    m = re.match(r"^ (\.(?:text|rodata|data)\S*)\s*$", line)
    if m: pending = m.group(1); continue
    m = re.match(r"^ (\.(?:text|rodata|data)\S*)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
    if not m or (m.group(1) is None and pending is None): pending = None; continue
    size, obj = int(m.group(3), 16), m.group(4)
    pending = None
    if "libbearssl" in obj: parts["bearssl"] += size
    elif re.search(r"lib(c_nano|g_nano|gcc|nosys|m)\.a|crt", obj): parts["libc"] += size
    else: parts["ours"] += size
ram = dict(re.findall(r"(stack|heap) (\d+) bytes", open(sys.argv[3]).read()))
print("  %-12s %8d %12d %10d %8d %8s %8s" % (sys.argv[2], parts["bearssl"], parts["ours"], parts["libc"],
      sum(parts.values()), ram.get("stack", "-"), ram.get("heap", "-")))
EOF
done
echo "  (wsclient.h+: the library, examples/uart_transport.c and the board code in one object;"
echo "   heap: newlib-nano's break at its highest; the arena builds keep the socket in static RAM)"
finish

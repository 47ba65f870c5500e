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
#   BearSSL built four ways (its 31-bit code, that with constant-time 64-bit
#       products, its 15-bit code, and that with its Cortex-M assembly): the connect's instructions with an EC and an
#       RSA server key, and the flash, printed; the default's bounded loosely
#
# Each step prints PASS, FAIL or SKIP (a missing tool: never a pass); the last
# line is "mcu: N passed, N failed". Usage: tests/mcu/run.sh [BUILD_DIR] [bench]
# (bench: the BearSSL comparison alone, make mcu-bench).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-build-mcu}
what=${2:-all}
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
# BearSSL 0.6 detects no Cortex-M: BR_LOMUL=1 makes its defaults the 15-bit
# code (EC m15, ECDSA and RSA i15, GHASH ctmul32), BR_ARMEL_CORTEXM_GCC=1 the
# same (it implies BR_LOMUL) with i15's Montgomery multiplication in Thumb
# assembly; without them it takes the 31-bit code (EC m31, ECDSA and RSA i31),
# BR_CT_MUL31=1 that with its 64-bit products made constant-time for a core
# whose UMULL is not (Cortex-M3). docs/embedded.md says which to take.
declare -A bearssl_flags=([m31]="" [m31-ct]="-DBR_CT_MUL31=1" [m15]="-DBR_LOMUL=1" [m15-asm]="-DBR_ARMEL_CORTEXM_GCC=1")
variants=(m31 m31-ct m15 m15-asm)
bearssl_default=${WSC_MCU_BEARSSL:-m31} # the one the echo, the refusals and the arenas run with
# shellcheck disable=SC2086
if ! bearssl_build "$bearssl_default" arm-none-eabi-gcc -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections \
        ${bearssl_flags[$bearssl_default]} > "$B/bearssl-$bearssl_default.log" 2>&1; then
    skip "every device run" "no BearSSL for the Cortex-M4: apt-get source bearssl needs a deb-src line (see $B/bearssl-$bearssl_default.log)"
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
bearssl=$bearssl_default # the BearSSL build linked: $B/bearssl-$bearssl/libbearssl.a
build() { # build NAME CFLAGS...: $B/NAME.elf
    local name=$1; shift
    arm-none-eabi-gcc "${m4[@]}" "${base[@]}" "$@" --specs=nano.specs --specs=nosys.specs -nostartfiles \
        -T tests/mcu/link.ld -Wl,--gc-sections -Wl,-Map,"$B/$name.map" tests/mcu/device.c \
        "$B/bearssl-$bearssl/libbearssl.a" -o "$B/$name.elf" > "$B/$name.build.log" 2>&1
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
for cert in server untrusted expired server-rsa; do
    if ! listen "port_${cert//-/_}" "$B/server-$cert.out" /usr/bin/python3 tests/ws_server.py --tls "$B/certs/$cert.pem" "$B/certs/$cert.key"; then
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
declare -A smallest=() # the smallest arena that ran, by build
if [ "$what" = all ]; then
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
        smallest[$c]=$hi
        pass "$c-arena: the smallest WSCLIENT_SOCKET_MEMORY that runs the echo is $hi bytes (within 256; the ceiling is $ceil); below: $(cut -c1-80 "$B/$c-arena-fail.words" 2>/dev/null)"
    else fail "$c-arena: connects with a WSCLIENT_SOCKET_MEMORY of $ceil (the ceiling)" "$B/$c-arena.log"; fi
done
fi

# ---- flash by part, RAM ----------------------------------------------------------
# flash_parts MAP: "BearSSL wsclient.h+ libc" bytes (.text + .rodata + .data)
# of the image, from the link map: each input section by where it came from.
flash_parts() {
    /usr/bin/python3 - "$1" <<'EOF'
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
print(parts["bearssl"], parts["ours"], parts["libc"])
EOF
}
# field LOG KEY: the number after KEY in the device's output ("-": none)
field() { local v; v=$(grep -o "$2 [0-9]*" "$1" 2>/dev/null | head -n1 | awk '{print $NF}'); echo "${v:--}"; }

if [ "$what" = all ]; then
    echo
    echo "Flash (.text + .rodata + .data, bytes) by part, gcc 12 -Os -mthumb -mcpu=cortex-m4, BearSSL $bearssl_default:"
    printf '  %-12s %8s %12s %10s %8s\n' build BearSSL "wsclient.h+" "C library" total
    for c in "${order[@]}"; do
        [ -f "$B/$c.map" ] || continue
        read -r bs ours libc < <(flash_parts "$B/$c.map")
        printf '  %-12s %8d %12d %10d %8d\n' "$c" "$bs" "$ours" "$libc" $((bs + ours + libc))
    done
    echo "  (wsclient.h+: the library, examples/uart_transport.c and the board code in one object)"
    echo
    echo "RAM (bytes) of the echo, 1 KiB TLS records, half duplex:"
    printf '  %-12s %10s %10s %10s %8s %10s %8s\n' build "TLS state" "TLS buffer" socket stack "heap peak" static
    for c in "${order[@]}"; do
        [ -f "$B/$c.log" ] || continue
        sock=$(field "$B/$c.log" socket)
        case $c in *-arena) sock="${smallest[${c%-arena}]:--}*" ;; esac
        printf '  %-12s %10s %10s %10s %8s %10s %8s\n' "$c" "$(field "$B/$c.log" state)" "$(field "$B/$c.log" buffer)" \
            "$sock" "$(field "$B/$c.log" stack)" "$(field "$B/$c.log" heap)" "$(field "$B/$c.log" static)"
    done
    echo "  (TLS state and buffer: wsc_tls_get_info; socket: the heap an open, idle socket holds (newlib-nano's"
    echo "   bytes in use); *: the arena builds' smallest WSCLIENT_SOCKET_MEMORY that ran; stack: the high-water"
    echo "   mark; heap peak: newlib-nano's break at its highest; static: .data + .bss, an arena in it)"
fi

# ---- BearSSL's choices for the Cortex-M4 -------------------------------------
# The SMALL and the full image linked with each BearSSL build: the connect's
# instructions against a P-256 ECDSA server key (ECDHE X25519, the ECDSA
# chain check) and an RSA-2048 one, and BearSSL's part of the flash. Each
# variant's echo must run; the default's SMALL connect must stay under a
# loose ceiling (instructions are counted, not timed: the same on any host).
ceiling_connect=${WSC_MCU_CONNECT:-36000000}
echo
echo "BearSSL 0.6 for the Cortex-M4 four ways: the connect's instructions and BearSSL's flash (bytes)"
printf '  %-8s %-26s %10s %10s %10s %12s %8s\n' variant "BearSSL's flags" "SMALL, EC" "SMALL, RSA" "full, EC" "flash: SMALL" full
results=()
for v in "${variants[@]}"; do
    bearssl=$v
    # shellcheck disable=SC2086
    if ! bearssl_build "$v" arm-none-eabi-gcc "${m4[@]}" -ffunction-sections -fdata-sections ${bearssl_flags[$v]} \
            > "$B/bearssl-$v.log" 2>&1; then
        fail "BearSSL $v built for the Cortex-M4" "$B/bearssl-$v.log"; continue
    fi
    ok=1; row=(); bad=""
    for run in small:server small:server_rsa full:server; do
        c=${run%%:*} port=port_${run#*:} name="bench-$v-$c" log="$B/bench-$v-${run/:/-}.log"
        extra=""; [ "$c" = small ] && extra="-DWSCLIENT_SMALL"
        # shellcheck disable=SC2086
        if { [ "$run" = small:server_rsa ] || build "$name" $extra; } && device "$B/$name.elf" "${!port}" "$log" &&
           grep -q '^echo: ' "$log"; then
            row+=("$(field "$log" connect:)")
        else ok=0; row+=(-); bad=$log; [ -f "$bad" ] || bad="$B/$name.build.log"; fi
    done
    read -r fs _ < <(flash_parts "$B/bench-$v-small.map" 2>/dev/null || echo -)
    read -r ff _ < <(flash_parts "$B/bench-$v-full.map" 2>/dev/null || echo -)
    printf '  %-8s %-26s %10s %10s %10s %12s %8s\n' "$v" "${bearssl_flags[$v]:-(none: as 0.6 comes)}" "${row[@]}" "$fs" "$ff"
    results+=("$v ${row[0]}")
    [ $ok = 1 ] || fail "bench $v: the echo in SMALL and full, with an EC and an RSA server key" "$bad"
done
echo "  (SMALL, EC: the SMALL image against the P-256 ECDSA server key; SMALL, RSA: against RSA-2048; full, EC: the full"
echo "   image; flash: BearSSL's part of each image)"
for r in "${results[@]}"; do
    read -r v n <<< "$r"
    [ "$v" = "$bearssl_default" ] || continue
    if [ "$n" != - ] && [ "$n" -lt "$ceiling_connect" ]; then
        pass "bench: the SMALL connect with BearSSL $v (the default) takes $n instructions (the ceiling is $ceiling_connect)"
    else fail "bench: the SMALL connect with BearSSL $v (the default) under $ceiling_connect instructions ($n)"; fi
done
finish

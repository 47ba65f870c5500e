#!/usr/bin/env bash
# make portability: builds wsclient.h on every compiler, standard and
# platform this machine can reach, and runs what it can run. Each step prints
# PASS, FAIL or SKIP; the last line is "portability: N passed, N failed".
#
#   gcc and clang, -std=c99 and -std=c11, -Wall -Wextra -pedantic -Werror,
#       in every configuration (default, NO_HEAP, NO_SOCKETS, both,
#       NO_THREADS, STATIC, SMALL, TLS_SESSIONS=0); each program is run once;
#       and again with
#       -Wconversion -Wsign-conversion -Wcast-qual -Wshadow -Wstrict-prototypes
#   the OpenSSL 3 backend (-DWSCLIENT_TLS_OPENSSL, libssl-dev): gcc, clang and
#       g++, -Werror, and the stricter warnings in each configuration it goes
#       with (default, TLS_SESSIONS=0, NO_THREADS, NO_SOCKETS, STATIC); in the
#       i386 build too
#   WSCLIENT_MAX_SOCKETS=1 (a device's build) at -O2 and -Os: gcc, clang,
#       and arm-none-eabi-gcc for the Cortex-M4, -Werror
#   the header as C++ (g++ and clang++ -std=c++11)
#   tcc: every configuration, and the unit tests (tests/framing.c) run
#   WSCLIENT_STATIC in two files linked together
#   32-bit x86 (gcc -m32): every test of make test, integration included,
#       natively where the kernel runs 32-bit programs, else under qemu-i386;
#       the OpenSSL backend's programs too where libssl-dev:i386 is installed
#   big-endian s390x: cross-built, every test run under qemu-s390x
#   Windows: mingw-w64 builds, and with BearSSL built for Windows from
#       Debian's source package the examples run under wine against the
#       loopback wss server
#
# Usage: tests/portability.sh [BUILD_DIR]   (default build-port)
# A step whose compiler or emulator is missing is skipped, or failed when
# PORTABILITY_STRICT=1 (CI installs everything; see .ci/run).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build-port}
mkdir -p "$B"
B=$(cd "$B" && pwd)
cd "$root"

passed=0; failed=0; skipped=0
strict="-Wall -Wextra -pedantic -Werror"
out="$B/step.out"
jobs=$(nproc 2>/dev/null || echo 2) # the i386 and s390x builds of every test program

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { # fail NAME [LOG]
    echo "FAIL $1"; failed=$((failed + 1))
    if [ -n "${2:-}" ] && [ -s "$2" ]; then head -n 25 "$2" | sed 's/^/    /'; fi
}
skip() { # skip NAME WHY
    if [ "${PORTABILITY_STRICT:-0}" = 1 ]; then fail "$1 ($2)"
    else echo "SKIP $1 ($2)"; skipped=$((skipped + 1)); fi
}
have() { command -v "$1" >/dev/null 2>&1; }
# step NAME COMMAND...: PASS when the command exits 0, else FAIL with its output.
step() {
    local name=$1; shift
    if "$@" > "$out" 2>&1; then pass "$name"; else fail "$name" "$out"; fi
}
# counted NAME LOG: a run that ends with "N passed, N failed"; PASS when 0 failed.
counted() {
    local name=$1 log=$2 line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1)
    if [ -n "$line" ] && [ "${line#* passed, }" = "0 failed" ]; then pass "$name ($line)"
    else fail "$name (${line:-no summary})" "$log"; grep -E '^FAIL|crashed' "$log" | head -n 20 | sed 's/^/    /'; fi
}

configs=("" "-DWSCLIENT_NO_HEAP" "-DWSCLIENT_NO_SOCKETS" "-DWSCLIENT_NO_HEAP -DWSCLIENT_NO_SOCKETS"
         "-DWSCLIENT_NO_THREADS" "-DWSCLIENT_STATIC" "-DWSCLIENT_SMALL" "-DWSCLIENT_SMALL -DWSCLIENT_NO_HEAP -DWSCLIENT_NO_SOCKETS"
         "-DWSCLIENT_TLS_SESSIONS=0")
# The OpenSSL backend's: it goes with neither WSCLIENT_SMALL nor WSCLIENT_NO_HEAP.
ossl_configs=("" "-DWSCLIENT_TLS_SESSIONS=0" "-DWSCLIENT_NO_THREADS" "-DWSCLIENT_NO_SOCKETS" "-DWSCLIENT_STATIC")
cfgname() { [ -n "$1" ] && echo "${1//-DWSCLIENT_/}" | tr ' ' '+' || echo default; }

# BearSSL's headers alone, for cross compilers that must not see /usr/include.
mkdir -p "$B/bearssl-inc"
ln -sfn /usr/include/bearssl.h "$B/bearssl-inc/bearssl.h"
ln -sfn /usr/include/bearssl "$B/bearssl-inc/bearssl"

# ---- gcc and clang, C99 and C11, every configuration ----------------------
compile_run() { # compile_run CC STD CFG: build tests/port/compile.c, run it
    local cc=$1 std=$2 cfg=$3
    # shellcheck disable=SC2086
    $cc -std=$std $strict $cfg -I. tests/port/compile.c -o "$B/compile" -lbearssl && "$B/compile"
}
for cc in gcc clang; do
    for std in c99 c11; do
        for cfg in "${configs[@]}"; do
            name="$cc -std=$std $(cfgname "$cfg")"
            if have "$cc"; then step "$name" compile_run "$cc" "$std" "$cfg"; else skip "$name" "no $cc"; fi
        done
    done
done

# ---- the stricter warnings of embedded and safety-minded projects ---------
# A header copied into a project built with these must add no warning: the
# implementation in every configuration, gcc and clang, -Werror.
picky="-Wconversion -Wsign-conversion -Wcast-qual -Wshadow -Wstrict-prototypes"
for cc in gcc clang; do
    for cfg in "${configs[@]}"; do
        name="$cc -std=c99 $picky $(cfgname "$cfg")"
        # shellcheck disable=SC2086
        if have "$cc"; then step "$name" $cc -std=c99 $strict $picky $cfg -I. -fsyntax-only tests/port/compile.c
        else skip "$name" "no $cc"; fi
    done
done

# ---- the OpenSSL 3 backend ------------------------------------------------
# -DWSCLIENT_TLS_OPENSSL: TLS by OpenSSL 3, certificates still checked by
# BearSSL's X.509 engine (so it links both). Built and run like the default.
ossl_libs="-lssl -lcrypto -lbearssl"
openssl_run() { # openssl_run CC LANG STD [FLAGS...]
    local cc=$1 lang=$2 std=$3; shift 3
    # shellcheck disable=SC2086
    $cc -x "$lang" -std="$std" $strict "$@" -DWSCLIENT_TLS_OPENSSL -I. tests/port/compile.c -x none -o "$B/compile-openssl" $ossl_libs &&
        "$B/compile-openssl"
}
if [ -f /usr/include/openssl/ssl.h ]; then
    for cc in gcc clang; do
        for std in c99 c11; do
            name="$cc -std=$std WSCLIENT_TLS_OPENSSL"
            if have "$cc"; then step "$name" openssl_run "$cc" c "$std"; else skip "$name" "no $cc"; fi
        done
        for cfg in "${ossl_configs[@]}"; do
            name="$cc -std=c99 $picky WSCLIENT_TLS_OPENSSL $(cfgname "$cfg")"
            # shellcheck disable=SC2086
            if have "$cc"; then step "$name" openssl_run "$cc" c c99 $picky $cfg; else skip "$name" "no $cc"; fi
        done
    done
    if have g++; then step "g++ -std=c++11 WSCLIENT_TLS_OPENSSL (the header as C++)" openssl_run g++ c++ c++11
    else skip "g++ WSCLIENT_TLS_OPENSSL" "no g++"; fi
else
    skip "the OpenSSL backend (WSCLIENT_TLS_OPENSSL)" "no OpenSSL 3 headers: apt-get install libssl-dev"
fi

# ---- one socket: WSCLIENT_MAX_SOCKETS=1, as a device is built --------------
# The wait's fixed-size arrays hold one entry then: gcc 12's -Warray-bounds
# at -O2/-Os must find nothing to say (a device builds with -Werror). Host gcc
# and clang build and run tests/port/compile.c; arm-none-eabi-gcc builds the
# bare-metal library part (tests/port/size_lib.c: the device's clock).
one_configs=("" "-DWSCLIENT_SMALL" "-DWSCLIENT_NO_HEAP -DWSCLIENT_NO_SOCKETS" "-DWSCLIENT_SMALL -DWSCLIENT_NO_SOCKETS"
             "-DWSCLIENT_SMALL -DWSCLIENT_NO_HEAP -DWSCLIENT_NO_SOCKETS" "-DWSCLIENT_NO_THREADS")
one_device=("-DWSCLIENT_NO_SOCKETS" "-DWSCLIENT_NO_SOCKETS -DWSCLIENT_NO_HEAP" "-DWSCLIENT_SMALL -DWSCLIENT_NO_SOCKETS"
            "-DWSCLIENT_SMALL -DWSCLIENT_NO_SOCKETS -DWSCLIENT_NO_HEAP")
for opt in -O2 -Os; do
    for cc in gcc clang; do
        for cfg in "${one_configs[@]}"; do
            name="$cc $opt MAX_SOCKETS=1 $(cfgname "$cfg")"
            if have "$cc"; then step "$name" compile_run "$cc" c99 "$opt -DWSCLIENT_MAX_SOCKETS=1 $cfg"
            else skip "$name" "no $cc"; fi
        done
    done
    for cfg in "${one_device[@]}"; do
        name="arm-none-eabi-gcc -mcpu=cortex-m4 $opt MAX_SOCKETS=1 $(cfgname "$cfg")"
        # shellcheck disable=SC2086
        if have arm-none-eabi-gcc; then
            step "$name" arm-none-eabi-gcc -mthumb -mcpu=cortex-m4 -DSIZE_BARE_METAL -std=c99 $strict $opt \
                -DWSCLIENT_MAX_SOCKETS=1 $cfg -I. -I"$B/bearssl-inc" -c tests/port/size_lib.c -o "$B/one-socket.o"
        else skip "$name" "no arm-none-eabi-gcc: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"; fi
    done
done

# ---- the header as C++ ----------------------------------------------------
compile_cxx() { # compile_cxx CXX CFG
    # shellcheck disable=SC2086
    $1 -x c++ -std=c++11 $strict $2 -I. tests/port/compile.c -o "$B/compile-cxx" -lbearssl && "$B/compile-cxx"
}
for cxx in g++ clang++; do
    for cfg in "" "-DWSCLIENT_NO_HEAP -DWSCLIENT_NO_SOCKETS" "-DWSCLIENT_STATIC" "-DWSCLIENT_SMALL -DWSCLIENT_NO_SOCKETS"; do
        name="$cxx -std=c++11 $(cfgname "$cfg")"
        if have "$cxx"; then step "$name" compile_cxx "$cxx" "$cfg"; else skip "$name" "no $cxx"; fi
    done
done

# ---- tcc ---------------------------------------------------------------------
if have tcc; then
    for cfg in "${configs[@]}"; do
        # shellcheck disable=SC2086
        step "tcc $(cfgname "$cfg")" sh -c "tcc -Wall -Werror $cfg -I. tests/port/compile.c -o '$B/compile-tcc' -lbearssl -lpthread && '$B/compile-tcc'"
    done
    step "tcc: tests/framing.c built and run" sh -c \
        "tcc -I. -Itests tests/framing.c -o '$B/framing-tcc' -lbearssl -lpthread && '$B/framing-tcc'"
else
    skip "tcc" "no tcc: apt-get install tcc"
fi

# ---- WSCLIENT_STATIC in two translation units -----------------------------
for cc in gcc clang g++; do
    lang=c; std=c99
    [ "$cc" = g++ ] && { lang=c++; std=c++11; }
    if have "$cc"; then
        step "$cc WSCLIENT_STATIC in two files linked together" sh -c \
            "$cc -x $lang -std=$std $strict -I. tests/port/static_a.c tests/port/static_b.c -o '$B/static2' -lbearssl && '$B/static2'"
    else skip "$cc WSCLIENT_STATIC" "no $cc"; fi
done

# ---- WSCLIENT_ENTROPY: the device's random source instead of the system's ---
entropy_run() {
    gcc -std=c99 $strict -D_POSIX_C_SOURCE=200809L -DWSCLIENT_NO_SOCKETS -DWSCLIENT_NO_HEAP \
        -include tests/port/entropy.h -I. examples/memory_transport.c -o "$B/entropy" -lbearssl &&
        "$B/entropy" 2>&1 | tee "$B/entropy.log" | tail -n 3 && grep -q 'WSCLIENT_ENTROPY called' "$B/entropy.log" &&
        grep -q 'memory transport OK' "$B/entropy.log"
}
if have gcc; then step "WSCLIENT_ENTROPY hook feeds the generator (memory transport, device configuration)" entropy_run
else skip "WSCLIENT_ENTROPY" "no gcc"; fi

# ---- BearSSL from Debian's source package, for targets without a binary ---
# shellcheck source=tests/bearssl.sh
. tests/bearssl.sh

# ---- loopback servers for the emulated runs --------------------------------
certs="$B/certs"
servers=()
stop_servers() { local p; for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; servers=(); }
trap stop_servers EXIT
start_server() { # start_server VAR ARGS...: tests/ws_server.py ARGS, its port in VAR
    local var=$1 i; shift
    /usr/bin/python3 tests/ws_server.py "$@" > "$B/server-$var.out" 2>&1 &
    servers+=($!)
    for i in $(seq 1 100); do
        if grep -q '^PORT ' "$B/server-$var.out" 2>/dev/null; then
            printf -v "$var" '%s' "$(sed -n 's/^PORT //p' "$B/server-$var.out" | head -n1)"; return 0
        fi
        sleep 0.1
    done
    return 1
}

# openssl_share LABEL LOG: the OpenSSL backend's share of an emulated run,
# on a line of its own.
openssl_share() {
    local ossl
    ossl=$(grep -E '^test_[a-z0-9_]+_openssl: [0-9]+ passed, [0-9]+ failed$' "$2" |
           awk '{p += $2; f += $4; n++} END {if (n) printf "%d programs: %d passed, %d failed", n, p, f}')
    case $ossl in
    "") fail "$1: the OpenSSL backend's programs did not run (no test_*_openssl summary in $2)" ;;
    *", 0 failed") pass "$1: the OpenSSL backend (test_*_openssl), $ossl" ;;
    *) fail "$1: the OpenSSL backend (test_*_openssl), $ossl" ;;
    esac
}

# ---- 32-bit x86 ------------------------------------------------------------
# gcc -m32 wants the multilib C library (libc6-dev-i386, lib32gcc-12-dev) and
# BearSSL for i386 (libbearssl-dev:i386). Debian's gcc-multilib would add the
# /usr/include/asm link, but it conflicts with the cross compilers; a private
# link does the same. Some kernels cannot run 32-bit x86 programs at all
# (no IA32 emulation): there the same programs run under qemu-i386, as s390x
# does. WSC_I386_RUNNER=qemu forces that way, =native the other. Built with
# 64-bit file offsets, as a 32-bit program that reads certificate directories
# should be: without, qemu-i386's readdir fails with EOVERFLOW on ext4.
m32="$B/i386"
if have gcc && [ -f /usr/lib/i386-linux-gnu/libbearssl.so ] && [ -f /usr/include/x86_64-linux-gnu/gnu/stubs-32.h ]; then
    mkdir -p "$m32/inc"
    [ -e /usr/include/asm ] || ln -sfn /usr/include/x86_64-linux-gnu/asm "$m32/inc/asm"
    step "i386 (gcc -m32): every test program built -Werror" \
        make -s -j"$jobs" tests "$m32/autobahn_client" BUILD="$m32" CC="gcc -m32 -D_FILE_OFFSET_BITS=64 -isystem $m32/inc" WARN="-std=c99 $strict"
    # The Makefile builds the OpenSSL backend's programs (test_*_openssl) where
    # gcc -m32 finds OpenSSL 3; run.sh runs them with the others.
    i386_openssl=1
    if [ -f "$m32/openssl.skip" ]; then
        i386_openssl=0
        skip "i386 OpenSSL backend (WSCLIENT_TLS_OPENSSL)" "no OpenSSL 3 for gcc -m32: apt-get install libssl-dev:i386"
    fi
    # A program that does nothing tells whether this kernel runs 32-bit code.
    i386_runner=${WSC_I386_RUNNER:-} why="forced by WSC_I386_RUNNER=qemu"
    if [ -z "$i386_runner" ]; then
        printf 'int main(void) { return 0; }\n' > "$m32/true32.c"
        i386_runner=qemu why="this kernel cannot run 32-bit x86 programs"
        if gcc -m32 "$m32/true32.c" -o "$m32/true32" > "$out" 2>&1; then
            "$m32/true32" 2> /dev/null && i386_runner=native
        else
            fail "i386: gcc -m32 links a program that does nothing" "$out"
        fi
    fi
    rm -f "$m32/run.log"
    case $i386_runner in
    native)
        echo "i386: this kernel runs 32-bit x86 programs: the tests run natively"
        WSC_NO_VALGRIND=1 WSC_NO_UV=1 bash tests/run.sh "$m32" > "$m32/run.log" 2>&1
        counted "i386: tests/run.sh natively, unit and loopback integration tests" "$m32/run.log" ;;
    qemu)
        if have qemu-i386; then
            echo "i386: the tests run under qemu-i386 ($why)"
            # valgrind runs the churn test in the native make test; not here
            WSC_NO_VALGRIND=1 WSC_NO_UV=1 WSC_TEST_SLOW=5 WSC_TEST_WRAPPER=qemu-i386 bash tests/run.sh "$m32" > "$m32/run.log" 2>&1
            counted "i386: tests/run.sh under qemu-i386, unit and loopback integration tests" "$m32/run.log"
        else
            skip "i386 runs" "this kernel cannot run 32-bit x86 programs and there is no qemu-i386 (apt-get install qemu-user)"
        fi ;;
    *) fail "i386 runs (WSC_I386_RUNNER must be native or qemu, not '$i386_runner')" ;;
    esac
    if [ "$i386_openssl" = 1 ] && [ -f "$m32/run.log" ]; then openssl_share i386 "$m32/run.log"; fi
else
    skip "i386 (gcc -m32)" "needs libc6-dev-i386 lib32gcc-12-dev libbearssl-dev:i386"
fi

# ---- big-endian: s390x under qemu-user -------------------------------------
be="$B/s390x"
# s390x_openssl: prints the compiler command for the s390x build. Where
# libssl-dev:s390x is installed (multiarch) that is the cross compiler as it
# is. It cannot be where the archive's s390x index lags the amd64 one
# (libssl-dev is Multi-Arch: same, so both must be one version; seen on
# Debian 12, whose security updates carry no s390x): then the s390x
# packages are unpacked here, apart from the system, and the compiler
# pointed at them (their headers first, their libraries and run path).
# Without them, the Makefile leaves the OpenSSL programs out (openssl.skip).
s390x_openssl() {
    local cc=s390x-linux-gnu-gcc root="$be/openssl-root" deb
    # the Makefile's own test: openssl.skip when $cc finds no OpenSSL 3
    make -s openssl-check BUILD="$be" CC="$cc" > /dev/null 2>&1
    if [ ! -f "$be/openssl.skip" ]; then echo "$cc"; return; fi
    if [ ! -f "$root/usr/lib/s390x-linux-gnu/libssl.so" ]; then
        rm -rf "$be/openssl-debs" "$root"; mkdir -p "$be/openssl-debs"
        if (cd "$be/openssl-debs" && apt-get download libssl-dev:s390x libssl3:s390x) > "$be/openssl-fetch.log" 2>&1; then
            for deb in "$be"/openssl-debs/*.deb; do dpkg -x "$deb" "$root" >> "$be/openssl-fetch.log" 2>&1; done
        fi
    fi
    if [ -f "$root/usr/lib/s390x-linux-gnu/libssl.so" ]; then
        echo "$cc -isystem $root/usr/include/s390x-linux-gnu -isystem $root/usr/include -L$root/usr/lib/s390x-linux-gnu -Wl,-rpath,$root/usr/lib/s390x-linux-gnu"
    else
        echo "$cc"
    fi
}
if have s390x-linux-gnu-gcc && have qemu-s390x; then
    # The compiler only recommends its C library and kernel headers; without
    # them it reads the host's /usr/include and fails on asm/errno.h.
    if [ ! -f /usr/s390x-linux-gnu/include/stdio.h ] || [ ! -f /usr/s390x-linux-gnu/include/asm/errno.h ]; then
        skip "s390x" "the cross compiler has no C library or kernel headers: apt-get install libc6-dev-s390x-cross linux-libc-dev-s390x-cross"
    elif [ -f /usr/lib/s390x-linux-gnu/libbearssl.so ] && [ -e /lib/ld64.so.1 ]; then
        # Debian's BearSSL for s390x (multiarch): the whole suite, servers
        # included, and the OpenSSL backend's programs where OpenSSL 3 for
        # s390x is found (s390x_openssl).
        mkdir -p "$be"
        be_cc=$(s390x_openssl)
        step "s390x (big-endian): every test program built -Werror" \
            make -s -j"$jobs" tests "$be/autobahn_client" BUILD="$be" CC="$be_cc" WARN="-std=c99 $strict"
        be_openssl=1
        if [ -f "$be/openssl.skip" ]; then
            be_openssl=0
            skip "s390x OpenSSL backend (WSCLIENT_TLS_OPENSSL)" "no OpenSSL 3 for s390x: apt-get install libssl-dev:s390x (see $be/openssl-fetch.log)"
        fi
        step "s390x: tests/framing.c under qemu-s390x" qemu-s390x "$be/test_framing"
        WSC_NO_VALGRIND=1 WSC_NO_UV=1 WSC_TEST_SLOW=5 WSC_TEST_WRAPPER=qemu-s390x bash tests/run.sh "$be" > "$be/run.log" 2>&1
        counted "s390x: tests/run.sh under qemu-s390x, unit and loopback integration tests" "$be/run.log"
        if [ "$be_openssl" = 1 ]; then openssl_share s390x "$be/run.log"; fi
    elif bearssl_build s390x s390x-linux-gnu-gcc > "$B/bearssl-s390x.log" 2>&1; then
        mkdir -p "$be"
        step "s390x (big-endian): tests/framing.c against BearSSL built from source, under qemu-s390x" sh -c \
            "s390x-linux-gnu-gcc -std=c99 $strict -O2 -static -I'$B/bearssl-src/inc' -I. -Itests tests/framing.c -o '$be/test_framing' '$B/bearssl-s390x/libbearssl.a' && qemu-s390x '$be/test_framing'"
    else
        skip "s390x" "no libbearssl-dev:s390x and no BearSSL source package (deb-src line)"
    fi
else
    skip "s390x (big-endian)" "needs gcc-s390x-linux-gnu qemu-user"
fi

# ---- Windows: mingw-w64, then wine -----------------------------------------
mingw=x86_64-w64-mingw32-gcc
win="$B/win64"
if have "$mingw"; then
    mkdir -p "$win"
    for cfg in "" "-DWSCLIENT_NO_HEAP" "-DWSCLIENT_NO_SOCKETS" "-DWSCLIENT_NO_THREADS" "-DWSCLIENT_STATIC"; do
        # shellcheck disable=SC2086
        step "mingw-w64 (Winsock) -std=c99 $(cfgname "$cfg")" \
            $mingw -std=c99 $strict $cfg -I. -I"$B/bearssl-inc" -c tests/port/compile.c -o "$win/compile.o"
    done
    # Winsock's FD_SET drops what passes FD_SETSIZE (64): 16 sockets racing 4
    # addresses each fill it, so 17 must not build.
    step "mingw-w64: WSCLIENT_MAX_SOCKETS=17 is refused (4 x 17 descriptors pass FD_SETSIZE)" sh -c \
        "! $mingw -std=c99 -DWSCLIENT_MAX_SOCKETS=17 -I. -I'$B/bearssl-inc' -c tests/port/compile.c -o '$win/fdset.o' 2> '$win/fdset.log' && grep -q FD_SETSIZE '$win/fdset.log'"
    if have x86_64-w64-mingw32-g++; then
        step "mingw-w64 g++ -std=c++11 (Winsock, the header as C++)" \
            x86_64-w64-mingw32-g++ -x c++ -std=c++11 $strict -I. -I"$B/bearssl-inc" -c tests/port/compile.c -o "$win/compile-cxx.o"
    fi
    if bearssl_build win64 "$mingw" > "$B/bearssl-win64.log" 2>&1; then
        wlibs=("$B/bearssl-win64/libbearssl.a" -lws2_32 -ladvapi32)
        for ex in sync_echo async_echo; do
            step "mingw-w64: examples/$ex.c linked with BearSSL built for Windows" \
                $mingw -std=c99 $strict -O2 -I. -I"$B/bearssl-src/inc" "examples/$ex.c" -o "$win/$ex.exe" "${wlibs[@]}"
        done
        step "mingw-w64: tests/port/win_dns.c (the DNS thread on Windows)" \
            $mingw -std=c99 $strict -O2 -I. -I"$B/bearssl-src/inc" tests/port/win_dns.c -o "$win/win_dns.exe" "${wlibs[@]}"
        step "mingw-w64: tests/port/win_fdset.c (a wake reaches a wait whose sockets fill FD_SETSIZE)" \
            $mingw -std=c99 $strict -O2 -I. -I"$B/bearssl-src/inc" tests/port/win_fdset.c -o "$win/win_fdset.exe" "${wlibs[@]}"
        step "mingw-w64: examples/memory_transport.c (WSCLIENT_NO_SOCKETS)" \
            $mingw -std=c99 $strict -O2 -DWSCLIENT_NO_SOCKETS -I. -I"$B/bearssl-src/inc" examples/memory_transport.c \
            -o "$win/memory_transport.exe" "$B/bearssl-win64/libbearssl.a" -ladvapi32 -static -lpthread
        if have wine && [ -x /usr/bin/python3 ] && bash tests/mkcerts.sh "$certs" > "$B/mkcerts.log" 2>&1 &&
           start_server WIN_TLS_PORT --tls "$certs/server.pem" "$certs/server.key" &&
           start_server WIN_BAD_PORT --tls "$certs/untrusted.pem" "$certs/untrusted.key" &&
           start_server WIN_PLAIN_PORT; then
            export WINEPREFIX="$win/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
            # Our programs are 64-bit: wine64 runs them where wine would pick a
            # 32-bit loader (wine32 installed) that the kernel may not run.
            winecmd=wine
            if [ -x /usr/lib/wine/wine64 ]; then winecmd=/usr/lib/wine/wine64; export WINELOADER=$winecmd; fi
            wine_run() { # wine_run EXE ARGS...: output in $out
                timeout 300 "$winecmd" "$@" > "$out" 2>&1
            }
            # The first run makes the wine prefix (tens of seconds).
            if SSL_CERT_FILE="$certs/ca.pem" wine_run "$win/sync_echo.exe" localhost "$WIN_TLS_PORT" &&
               grep -q 'Server answered: Hello world!' "$out"; then
                pass "wine: sync_echo.exe over wss:// to the loopback server (CA from SSL_CERT_FILE)"
            else fail "wine: sync_echo.exe over wss://" "$out"; fi
            if SSL_CERT_FILE="$certs/ca.pem" wine_run "$win/async_echo.exe" localhost "$WIN_TLS_PORT" &&
               grep -q 'Server message' "$out"; then
                pass "wine: async_echo.exe (wsc_pump, callbacks) over wss://"
            else fail "wine: async_echo.exe over wss://" "$out"; fi
            if ! SSL_CERT_FILE="$certs/ca.pem" wine_run "$win/sync_echo.exe" localhost "$WIN_BAD_PORT" &&
               grep -q 'certificate' "$out"; then
                pass "wine: an untrusted server certificate is refused"
            else fail "wine: an untrusted server certificate is refused" "$out"; fi
            if ! wine_run "$win/sync_echo.exe" 127.0.0.1 1 && grep -q 'connection refused' "$out"; then
                pass "wine: a refused connect says so (WSAECONNREFUSED)"
            else fail "wine: a refused connect says so" "$out"; fi
            if wine_run "$win/win_dns.exe" "$WIN_PLAIN_PORT" && grep -q "on the caller's thread: no, opened: 1" "$out"; then
                pass "wine: a host name resolves on a thread of its own (CreateThread, loopback UDP pair), then ws:// opens"
            else fail "wine: host name lookup on a thread" "$out"; fi
            # (it needs a kernel that drops SYNs to a full accept queue, as
            # Linux does; where a connect to one never stalls, it says so)
            if wine_run "$win/win_fdset.exe" && grep -q 'wsc_wake after 300 ms ended' "$out"; then
                pass "wine: 16 sockets racing 4 stalled addresses each fill select()'s 64: wsc_wake still ends wsc_pump ($(sed -n 's/.*(20000) \(after [0-9]* ms\).*/\1/p' "$out"))"
            elif grep -q '^setup: no connect to listener' "$out"; then
                skip "wine: wsc_wake ends a wait whose sockets fill FD_SETSIZE" "the kernel let every connect to a full accept queue through"
            else fail "wine: wsc_wake ends a wait whose sockets fill FD_SETSIZE" "$out"; fi
            if wine_run "$win/memory_transport.exe" && grep -q 'memory transport OK' "$out"; then
                pass "wine: memory_transport.exe (user transport, no sockets)"
            else fail "wine: memory_transport.exe" "$out"; fi
            wineserver -k 2>/dev/null || true
        else
            skip "wine runs" "needs wine, python3-websockets and openssl"
        fi
        stop_servers
    else
        skip "mingw-w64 link and wine runs" "no BearSSL for Windows: apt-get source bearssl needs a deb-src line (see $B/bearssl-win64.log)"
    fi
else
    skip "Windows (mingw-w64)" "needs mingw-w64"
fi

if [ "$skipped" -gt 0 ]; then echo "($skipped steps skipped for want of a tool)"; fi
echo "portability: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

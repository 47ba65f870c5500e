#!/usr/bin/env bash
# Builds a small project that uses wsclient.h each way a project would get it,
# and runs it (tests/consumer/): CMake add_subdirectory, CMake FetchContent
# (from a file:// archive), make install then CMake find_package(wsclient
# CONFIG) and pkg-config, from a real prefix and from a staged (DESTDIR) one;
# then make uninstall, which must leave nothing behind. A check whose tool is
# missing prints a SKIP line (Debian: cmake, pkg-config), never a pass.
# Usage: tests/consumers.sh [BUILD_DIR]   (tests/run.sh passes WSC_BUILD)
# Last line: "consumers: N passed, N failed", as tests/run.sh counts it.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${WSC_BUILD:-build}}
mkdir -p "$build"
build=$(cd "$build" && pwd)
work="$build/consumers"
rm -rf "$work"
mkdir -p "$work"
log="$work/step.log"
passed=0; failed=0

pass() { echo "PASS consumers $1"; passed=$((passed + 1)); }
fail() { # fail NAME: prints the end of the step's log
    echo "FAIL consumers $1"; failed=$((failed + 1))
    tail -n 20 "$log" | sed 's/^/    /'
}
skip() { echo "SKIP consumers $1"; }
have() { command -v "$1" >/dev/null 2>&1; }
# The program must build, run, and report what the library said about the
# closed port: the error words of a refused connect.
runs() { # runs NAME PROGRAM [LINE]: LINE, a regex the output must also have
    if "$2" > "$work/run.out" 2>&1 && grep -q '^consumer: wsclient.h .*open failed, 0 sockets, error: .*refused' "$work/run.out" &&
       grep -q "${3:-^consumer: }" "$work/run.out"
    then pass "$1: $(tr '\n' ' ' < "$work/run.out")"
    else cat "$work/run.out" >> "$log"; fail "$1: the program did not say the connect was refused"; fi
}
# cmake_consumer NAME HOW SOURCE [CMAKE ARGS...]: configure, build and run
# (with -DTARGET_NAME=wsclient::openssl, the program must say OpenSSL).
cmake_consumer() {
    local name=$1 how=$2 src=$3 dir="$work/cmake-$2" want="^consumer: "; shift 3
    case "$*" in *wsclient::openssl*) dir="$dir-openssl"; want="^consumer: TLS by OpenSSL 3";; esac
    rm -rf "$dir"
    if cmake -S "$root/tests/consumer" -B "$dir" -DHOW="$how" -DWSCLIENT_SOURCE="$src" "$@" > "$log" 2>&1 &&
       cmake --build "$dir" >> "$log" 2>&1
    then runs "$name" "$dir/consumer" "$want"
    else fail "$name: configure or build failed"; fi
}

# Install: the real prefix, and a staged one (DESTDIR) of PREFIX=/usr/local.
# wsclient-cat is built apart, for this machine: BUILD_DIR may hold another
# platform's programs (make portability's i386 run).
prefix="$work/prefix" stage="$work/stage" tool="$build/consumers-tool"
expected="bin/wsclient-cat include/wsclient.h lib/cmake/wsclient/wsclientBearSSL.cmake
lib/cmake/wsclient/wsclientConfig.cmake lib/cmake/wsclient/wsclientConfigVersion.cmake
lib/pkgconfig/wsclient.pc lib/pkgconfig/wsclient-openssl.pc share/man/man1/wsclient-cat.1"
if make --no-print-directory -s -C "$root" install BUILD="$tool" PREFIX="$prefix" > "$log" 2>&1 &&
   make --no-print-directory -s -C "$root" install BUILD="$tool" DESTDIR="$stage" > "$log" 2>&1; then
    got=$(cd "$stage/usr/local" && find . -type f | sed 's|^\./||' | sort)
    if [ "$got" = "$(printf '%s\n' $expected | sort)" ] && [ -x "$stage/usr/local/bin/wsclient-cat" ]
    then pass "make install DESTDIR=... puts the 8 files under PREFIX=/usr/local"
    else printf 'got:\n%s\n' "$got" >> "$log"; fail "make install: not the expected files"; fi
else
    fail "make install failed"
fi
# The tool runs under its new name, and its man page is whole.
if "$prefix/bin/wsclient-cat" > "$log" 2>&1; [ $? -eq 2 ] && grep -q '^usage: ' "$log"
then pass "wsclient-cat without arguments prints its usage and exits 2"
else fail "wsclient-cat without arguments"; fi
if ! have groff; then skip "man page: groff is missing (apt-get install -y groff-base)"
elif groff -man -ww -z "$prefix/share/man/man1/wsclient-cat.1" > "$log" 2>&1 && [ ! -s "$log" ]
then pass "the man page wsclient-cat.1 formats without a warning"
else fail "the man page wsclient-cat.1 has warnings"; fi

# pkg-config, from the prefix and from the stage (PKG_CONFIG_SYSROOT_DIR).
if ! have pkg-config; then
    skip "pkg-config: pkg-config is missing (apt-get install -y pkg-config)"
else
    for where in prefix stage; do
        if [ $where = prefix ]; then env=(PKG_CONFIG_PATH="$prefix/lib/pkgconfig")
        else env=(PKG_CONFIG_PATH="$stage/usr/local/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"); fi
        if flags=$(env "${env[@]}" pkg-config --cflags --libs wsclient 2>> "$log") &&
           ${CC:-cc} -std=c99 -Wall -Wextra -pedantic -Werror "$root/tests/consumer/main.c" -o "$work/pc-$where" $flags > "$log" 2>&1
        then runs "pkg-config ($where: $flags)" "$work/pc-$where"
        else fail "pkg-config ($where): build failed"; fi
    done
    # The OpenSSL backend's file, where OpenSSL's own .pc files are (libssl-dev).
    if ! pkg-config --exists libssl; then
        skip "pkg-config wsclient-openssl: OpenSSL's libssl.pc is missing (apt-get install -y libssl-dev)"
    elif flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs wsclient-openssl 2>> "$log") &&
         ${CC:-cc} -std=c99 -Wall -Wextra -pedantic -Werror "$root/tests/consumer/main.c" -o "$work/pc-openssl" $flags > "$log" 2>&1
    then runs "pkg-config wsclient-openssl ($flags)" "$work/pc-openssl" "^consumer: TLS by OpenSSL 3"
    else fail "pkg-config wsclient-openssl: build failed"; fi
    if PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --atleast-version=0.1 wsclient &&
       ! PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --atleast-version=99 wsclient
    then pass "pkg-config knows the version, $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --modversion wsclient)"
    else fail "pkg-config version"; fi
fi

# CMake, each way.
if ! have cmake; then
    skip "CMake: cmake is missing (apt-get install -y cmake)"
else
    cmake_consumer "CMake add_subdirectory" subdir "$root"
    tar -C "$root" -czf "$work/wsclient.tar.gz" --transform 's|^|wsclient/|' CMakeLists.txt cmake wsclient.h
    cmake_consumer "CMake FetchContent from a file:// archive" fetch "file://$work/wsclient.tar.gz"
    cmake_consumer "CMake find_package after make install" package "" -DCMAKE_PREFIX_PATH="$prefix"
    cmake_consumer "CMake find_package of a staged (DESTDIR) install" package "" -DCMAKE_PREFIX_PATH="$stage/usr/local"
    # The OpenSSL backend's target, where CMake finds OpenSSL 3 (libssl-dev).
    if [ ! -f /usr/include/openssl/ssl.h ]; then
        skip "CMake wsclient::openssl: OpenSSL's headers are missing (apt-get install -y libssl-dev)"
    else
        cmake_consumer "CMake add_subdirectory, target wsclient::openssl" subdir "$root" -DTARGET_NAME=wsclient::openssl
        cmake_consumer "CMake find_package, target wsclient::openssl" package "" -DCMAKE_PREFIX_PATH="$prefix" \
            -DTARGET_NAME=wsclient::openssl
    fi
    # A version the package is not: find_package must refuse it.
    dir="$work/cmake-version"
    if sed 's/find_package(wsclient 0.1 /find_package(wsclient 1.0 /' "$root/tests/consumer/CMakeLists.txt" > "$work/CMakeLists.txt" &&
       mkdir -p "$work/v" && cp "$work/CMakeLists.txt" "$root/tests/consumer/main.c" "$work/v/" &&
       ! cmake -S "$work/v" -B "$dir" -DHOW=package -DCMAKE_PREFIX_PATH="$prefix" > "$log" 2>&1 &&
       grep -q 'version: 0.1.0' "$log"
    then pass "CMake find_package(wsclient 1.0) refuses version 0.1.0"
    else fail "CMake find_package(wsclient 1.0) did not refuse 0.1.0"; fi
    # No BearSSL: the error names the package to install, both ways.
    for how in subdir package; do
        rm -rf "$work/cmake-nossl"
        if ! cmake -S "$root/tests/consumer" -B "$work/cmake-nossl" -DHOW=$how -DWSCLIENT_SOURCE="$root" \
                -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_ROOT_PATH="$prefix" \
                -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY \
                -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=BOTH > "$log" 2>&1 && grep -q 'libbearssl-dev' "$log"
        then pass "CMake ($how) without BearSSL says to install libbearssl-dev"
        else fail "CMake ($how) without BearSSL: no error naming libbearssl-dev"; fi
    done
fi

# Uninstall leaves nothing behind.
for where in prefix stage; do
    if [ $where = prefix ]; then args=(PREFIX="$prefix"); top=$prefix
    else args=(DESTDIR="$stage"); top=$stage; fi
    if make --no-print-directory -s -C "$root" uninstall BUILD="$tool" "${args[@]}" > "$log" 2>&1 &&
       left=$(find "$top" -type f -o -name '*wsclient*' | head) && [ -z "$left" ]
    then pass "make uninstall ($where) leaves no file behind"
    else echo "left: $left" >> "$log"; fail "make uninstall ($where) left files behind"; fi
done

echo "consumers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

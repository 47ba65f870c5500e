#!/usr/bin/env bash
# Names exactly the Debian packages that `make demo` and `make test` need and
# this machine lacks, with the command that installs them. With "fuzz", those
# of `make fuzz` too (clang and its libFuzzer runtime).
missing=""
if [ "${1:-}" = fuzz ]; then
    command -v clang >/dev/null 2>&1 || missing="$missing clang"
    # clang echoes the bare name back when it has no such file
    [ -f "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] || missing="$missing libclang-rt-14-dev"
fi
[ -f /usr/include/bearssl.h ] || missing="$missing libbearssl-dev"
/usr/bin/python3 -c 'import websockets' 2>/dev/null || missing="$missing python3-websockets"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
if [ -n "$missing" ]; then
    echo "missing Debian packages:$missing" >&2
    echo "install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 2
fi

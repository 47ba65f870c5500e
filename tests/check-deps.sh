#!/usr/bin/env bash
# Names exactly the Debian packages that `make demo` and `make test` need and
# this machine lacks, with the command that installs them.
missing=""
[ -f /usr/include/bearssl.h ] || missing="$missing libbearssl-dev"
/usr/bin/python3 -c 'import websockets' 2>/dev/null || missing="$missing python3-websockets"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
if [ -n "$missing" ]; then
    echo "missing Debian packages:$missing" >&2
    echo "install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 2
fi

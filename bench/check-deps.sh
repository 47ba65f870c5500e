#!/usr/bin/env bash
# Names exactly the Debian packages that `make bench` needs and this machine
# lacks, with the command that installs them. Installs nothing itself.
missing=""
[ -f /usr/include/bearssl.h ] || missing="$missing libbearssl-dev"
[ -f /usr/include/openssl/ssl.h ] || missing="$missing libssl-dev"
[ -f /usr/include/libwebsockets.h ] || missing="$missing libwebsockets-dev"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v "${PYTHON:-python3}" >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
    echo "make bench needs these Debian packages:$missing" >&2
    echo "install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 2
fi

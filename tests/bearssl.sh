# tests/bearssl.sh: BearSSL 0.6 from Debian's source package, built with a
# cross compiler for a target that has no binary package (Windows, bare-metal
# Cortex-M). Sourced by tests/portability.sh and tests/mcu/run.sh, with $B
# their build directory. Needs a deb-src line for apt-get source.
bearssl_src() { # prints the unpacked source directory, fetching it once
    local d="$B/bearssl-src"
    if [ ! -f "$d/inc/bearssl.h" ]; then
        rm -rf "$d" "$B/bearssl-fetch"; mkdir -p "$B/bearssl-fetch"
        (cd "$B/bearssl-fetch" && apt-get source -qq bearssl) > "$B/bearssl-fetch.log" 2>&1 || return 1
        mv "$(find "$B/bearssl-fetch" -mindepth 1 -maxdepth 1 -type d -name 'bearssl*' | head -n1)" "$d" || return 1
    fi
    echo "$d"
}
bearssl_build() { # bearssl_build NAME CC [CFLAGS...]: $B/bearssl-NAME/libbearssl.a from the source package
    local name=$1 cc=$2 src dir f
    shift 2
    dir="$B/bearssl-$name"
    [ -f "$dir/libbearssl.a" ] && return 0
    src=$(bearssl_src) || return 1
    mkdir -p "$dir/obj"
    for f in "$src"/src/*/*.c "$src"/src/*.c; do
        [ -f "$f" ] || continue
        # shellcheck disable=SC2086
        $cc -Os "$@" -I"$src/inc" -I"$src/src" -c "$f" -o "$dir/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o" || return 1
    done
    "${cc%gcc}ar" rcs "$dir/libbearssl.a" "$dir"/obj/*.o && rm -rf "$dir/obj"
}


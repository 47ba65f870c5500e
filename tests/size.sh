#!/usr/bin/env bash
# make size: the code size of the library part of wsclient.h, BearSSL and the
# C library excluded. The library is tests/port/size_lib.c (the implementation
# alone), compiled -Os with -ffunction-sections -fdata-sections and linked with
# --gc-sections against tests/port/size_main.c, a small device program, so
# that only what a program uses counts. Nothing else is linked in: BearSSL and
# libc calls stay undefined (they are not ours), and main's own bytes are
# taken off. Prints a table, then what costs most on the Cortex-M4.
#
#   .text    machine code (the 10 KB target on Cortex-M4 is for this column)
#   .rodata  constant data: error messages, tables (flash too, not code)
#   .bss     static RAM of the library (in WSCLIENT_NO_HEAP: the arenas)
#
# Usage: tests/size.sh [BUILD_DIR]   (default build-size). Ends with
# "size: N passed, N failed": one check per row that built and was measured.
# The Cortex-M4 rows are compared with the 10 KB target (.text): the
# user-transport WSCLIENT_SMALL row must meet it (a failure otherwise), the
# others are reported (see docs/platforms.md, Code size). NO_HEAP rows carry our arena
# allocator, where the others leave malloc to the C library, uncounted.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build-size}
mkdir -p "$B"
B=$(cd "$B" && pwd)
cd "$root"
rm -f "$B"/*.elf "$B"/*.o
limit=${WSC_SIZE_LIMIT:-10240}
passed=0; failed=0

# BearSSL's headers alone, for the bare-metal compiler.
mkdir -p "$B/bearssl-inc"
ln -sfn /usr/include/bearssl.h "$B/bearssl-inc/bearssl.h"
ln -sfn /usr/include/bearssl "$B/bearssl-inc/bearssl"

# sect FILE SIZE_TOOL PATTERN: sum of the sections whose name matches
sect() { "$2" -A "$1" | awk -v re="$3" '$1 ~ re { s += $2 } END { print s + 0 }'; }

rows=()
notes=()
# measure LABEL TARGET_CHECK PREFIX CFLAGS...: one row of the table;
# TARGET_CHECK is info, limit (compared and reported) or enforce (must be under)
measure() {
    local label=$1 check=$2 prefix=$3; shift 3
    local cc="${prefix}gcc" sz="${prefix}size" tag
    tag=$(printf '%s' "$label" | tr -c 'A-Za-z0-9' '_')
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "FAIL $label: no $cc (apt-get install ${prefix:+gcc-arm-none-eabi libnewlib-arm-none-eabi}${prefix:-gcc})"; failed=$((failed + 1)); return
    fi
    local flags=(-Os -std=c99 -ffunction-sections -fdata-sections -I. -I"$B/bearssl-inc" "$@")
    if ! "$cc" "${flags[@]}" -c tests/port/size_lib.c -o "$B/$tag-lib.o" > "$B/$tag.log" 2>&1 ||
       ! "$cc" "${flags[@]}" -c tests/port/size_main.c -o "$B/$tag-main.o" >> "$B/$tag.log" 2>&1 ||
       ! "$cc" "${flags[@]}" -nostdlib -nostartfiles -Wl,--gc-sections -Wl,-e,main -Wl,--unresolved-symbols=ignore-all \
            -Wl,-Map,"$B/$tag.map" "$B/$tag-main.o" "$B/$tag-lib.o" -o "$B/$tag.elf" >> "$B/$tag.log" 2>&1; then
        echo "FAIL $label: did not build"; sed 's/^/    /' "$B/$tag.log" | head -n 20; failed=$((failed + 1)); return
    fi
    local text rodata bss mtext mrodata obj
    text=$(sect "$B/$tag.elf" "$sz" '^\.text$')
    rodata=$(sect "$B/$tag.elf" "$sz" '^\.rodata$')
    bss=$(sect "$B/$tag.elf" "$sz" '^\.bss$')
    mtext=$(sect "$B/$tag-main.o" "$sz" '^\.text')
    mrodata=$(sect "$B/$tag-main.o" "$sz" '^\.rodata')
    obj=$(sect "$B/$tag-lib.o" "$sz" '^\.text')
    text=$((text - mtext)); rodata=$((rodata - mrodata))
    rows+=("$(printf '| %-54s | %7d | %7d | %7d | %13d |' "$label" "$text" "$rodata" "$bss" "$obj")")
    if [ "$check" != info ]; then
        if [ "$text" -lt "$limit" ]; then note="under the $limit-byte target by $((limit - text))"
        else note="over the $limit-byte target by $((text - limit))"; fi
        notes+=("$label: $note")
    fi
    if [ "$check" = enforce ] && [ "$text" -ge "$limit" ]; then
        echo "FAIL $label: $text bytes of .text, $note"; failed=$((failed + 1))
    else
        echo "PASS $label: built and measured ($text bytes of .text)"; passed=$((passed + 1))
        [ "$check" = info ] || echo "     $note"
    fi
    cp "$B/$tag.elf" "$B/last.elf"
    last_nm="${prefix}nm"
}

small="-DWSCLIENT_MAX_SOCKETS=2 -DWSCLIENT_MAX_MESSAGE=4096"
m4=(-mthumb -mcpu=cortex-m4 -DSIZE_BARE_METAL)

# shellcheck disable=SC2086
measure "x86-64 gcc -Os, default (built-in TCP)" info ""
# shellcheck disable=SC2086
measure "x86-64 gcc -Os, NO_SOCKETS" info "" -DWSCLIENT_NO_SOCKETS
# shellcheck disable=SC2086
measure "Cortex-M4 -Os -mthumb, NO_SOCKETS" limit arm-none-eabi- "${m4[@]}" -DWSCLIENT_NO_SOCKETS $small
# shellcheck disable=SC2086
measure "Cortex-M4 -Os -mthumb, NO_SOCKETS + NO_HEAP" limit arm-none-eabi- "${m4[@]}" -DWSCLIENT_NO_SOCKETS -DWSCLIENT_NO_HEAP $small
# shellcheck disable=SC2086
measure "x86-64 gcc -Os, NO_SOCKETS + SMALL" info "" -DWSCLIENT_NO_SOCKETS -DWSCLIENT_SMALL
# shellcheck disable=SC2086
measure "Cortex-M4 -Os -mthumb, NO_SOCKETS + SMALL" enforce arm-none-eabi- "${m4[@]}" -DWSCLIENT_NO_SOCKETS -DWSCLIENT_SMALL $small
# shellcheck disable=SC2086
measure "Cortex-M4 -Os -mthumb, NO_SOCKETS + SMALL + NO_HEAP" limit arm-none-eabi- "${m4[@]}" -DWSCLIENT_NO_SOCKETS -DWSCLIENT_SMALL -DWSCLIENT_NO_HEAP $small
m4_elf="$B/m4.elf"; cp "$B/last.elf" "$m4_elf" 2>/dev/null

echo
echo "Library part only (BearSSL, libc and main excluded), bytes, gcc 12 -Os,"
echo "-ffunction-sections -fdata-sections, --gc-sections against tests/port/size_main.c."
echo "Cortex-M4 rows: $small; the clock is the device's (WSCLIENT_NOW_MS)."
echo
printf '| %-54s | %7s | %7s | %7s | %13s |\n' "build" ".text" ".rodata" ".bss" ".text, no gc"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..56})" "---------" "---------" "---------" "---------------"
for r in "${rows[@]}"; do echo "$r"; done

# What costs most: the same smallest build with -fno-inline, so that each
# function carries its own bytes (the total is a little larger than inlined).
if [ -f "$m4_elf" ]; then
    rows=()
    # shellcheck disable=SC2086
    measure "Cortex-M4, smallest build, -fno-inline (attribution only)" info arm-none-eabi- "${m4[@]}" -fno-inline \
        -DWSCLIENT_NO_SOCKETS -DWSCLIENT_SMALL -DWSCLIENT_NO_HEAP $small > /dev/null
    echo
    echo "Largest functions on the Cortex-M4 (NO_SOCKETS + SMALL + NO_HEAP, -fno-inline), bytes of .text:"
    "$last_nm" --size-sort -S -t d "$B/last.elf" | awk '$3 ~ /^[tT]$/ && $4 != "main" { printf "  %6d  %s\n", $2, $4 }' |
        sort -rn | head -n 20
fi
if [ "${#notes[@]}" -gt 0 ]; then
    echo
    echo "Cortex-M4 code against the ${limit}-byte target (.text; the NO_SOCKETS + SMALL row must meet it):"
    for n in "${notes[@]}"; do echo "  $n"; done
fi
echo "size: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

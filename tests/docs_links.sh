#!/usr/bin/env bash
# Checks the links between the documentation files: in README.md and
# docs/*.md, every relative link names a file that exists, and every
# "#anchor" (same file, or another .md file) names one of its headings, with
# the anchors GitHub makes (lower case, punctuation dropped, spaces as "-",
# "-1", "-2" ... for a heading seen before). Code blocks are skipped; links
# to http(s) and mailto are not followed.
# Usage: tests/docs_links.sh   (tests/run.sh runs it)
# Last line: "docs_links: N passed, N failed", as tests/run.sh counts it.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
passed=0; failed=0

# slug TEXT: the anchor GitHub gives a heading.
slug() {
    printf '%s' "$1" | tr 'A-Z' 'a-z' | LC_ALL=C tr -d '!"#$%&'"'"'()*+,./:;<=>?@[\\]^`{|}~' | tr ' ' '-'
}

# prose FILE: the file without its fenced code blocks.
prose() { awk '/^ *(```|~~~)/ { fenced = !fenced; next } !fenced' "$1"; }

# anchors FILE: every anchor of its headings, one a line.
anchors() {
    local line text s
    declare -A seen=()
    while IFS= read -r line; do
        text=$(printf '%s' "$line" | sed -E 's/^#+[ ]+//; s/[ ]+#+[ ]*$//; s/[ ]+$//')
        s=$(slug "$text")
        if [ -n "${seen[$s]+x}" ]; then
            seen[$s]=$((seen[$s] + 1)); echo "$s-${seen[$s]}"
        else
            seen[$s]=0; echo "$s"
        fi
    done < <(prose "$1" | grep -E '^#{1,6} ')
}

# has_anchor FILE ANCHOR: the anchors of each file are worked out once.
declare -A cache=()
has_anchor() {
    [ -n "${cache[$1]+x}" ] || cache[$1]=$(anchors "$1")
    printf '%s\n' "${cache[$1]}" | grep -qxF -- "$2"
}

files=(README.md docs/*.md)
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    dir=$(dirname "$f")
    n=0; bad=0
    while IFS= read -r target; do
        n=$((n + 1))
        case $target in http://*|https://*|mailto:*) continue;; esac
        path=${target%%#*}; anchor=
        case $target in *'#'*) anchor=${target#*#};; esac
        if [ -z "$path" ]; then dest=$f; else dest="$dir/$path"; fi
        if [ ! -e "$dest" ]; then
            echo "FAIL docs_links $f: ($target): no file $dest"; bad=$((bad + 1)); continue
        fi
        [ -n "$anchor" ] || continue
        case $dest in
        *.md)
            if ! has_anchor "$dest" "$anchor"; then
                echo "FAIL docs_links $f: ($target): no heading of $dest has the anchor #$anchor"; bad=$((bad + 1))
            fi;;
        *) echo "FAIL docs_links $f: ($target): an anchor into a file that is not Markdown"; bad=$((bad + 1));;
        esac
    done < <(prose "$f" | grep -oE '\]\([^) ]+\)' | sed -E 's/^\]\(//; s/\)$//')
    if [ "$bad" -eq 0 ]; then
        echo "PASS docs_links $f: $n links resolve"; passed=$((passed + 1))
    else
        failed=$((failed + bad))
    fi
done
echo "docs_links: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

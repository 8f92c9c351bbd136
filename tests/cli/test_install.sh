#!/usr/bin/env bash
# tests/cli/test_install.sh: `make install PREFIX=...` (and DESTDIR) puts
# bin/hitc, the hitc(1) manual (mdoc, clean under `mandoc -T lint`) and the
# runtime-support kit in place; the installed hitc works and its manual
# renders; `make uninstall` removes exactly what install put there.
#
# Reproduction (before): `make install` was "No rule to make target".
. "$(dirname "$0")/lib.sh"

command -v mandoc >/dev/null || { echo "mandoc is missing: run scripts/deps.sh --test"; exit 1; }
KIT="python/hitc_env.py node/hitc_env.js plugin/python/hitc_plugin.py plugin/node/hitc_plugin.js"

mk() { make -C "$ROOT" --no-print-directory "$@" > make.out 2>&1 || { cat make.out; return 1; }; }

installs_and_runs() {
    local p=$PWD/prefix f
    mk install PREFIX="$p" || return 1
    [ -x "$p/bin/hitc" ] || { echo "no bin/hitc"; return 1; }
    [ -f "$p/share/man/man1/hitc.1" ] || { echo "no hitc.1"; return 1; }
    for f in $KIT; do
        cmp -s "$ROOT/runtime-support/$f" "$p/share/hitc/runtime-support/$f" \
            || { echo "kit file $f not installed"; return 1; }
    done
    "$p/bin/hitc" --version | grep -q '^hitc [0-9]' || { echo "installed hitc --version"; return 1; }
    printf 'table t {\n  key id: string\n}\n' > good.hit
    "$p/bin/hitc" check good.hit || { echo "installed hitc check failed"; return 1; }
    python3 -c "import sys; sys.path.insert(0, '$p/share/hitc/runtime-support/python'); import hitc_env" \
        || { echo "installed hitc_env.py does not import"; return 1; }
}

# The page renders, through man(1) when there is one, and through mandoc.
manual_renders() {
    local p=$PWD/prefix
    mk install PREFIX="$p" || return 1
    mandoc -T utf8 "$p/share/man/man1/hitc.1" | col -b > page.txt || return 1
    grep -q "EXIT STATUS" page.txt && grep -q "hitc build" page.txt \
        || { head -20 page.txt; echo "page does not render"; return 1; }
    if command -v man >/dev/null; then
        MANPAGER=cat MANWIDTH=80 man -l "$p/share/man/man1/hitc.1" 2>/dev/null | col -b > man.txt \
            || { echo "man -l failed"; return 1; }
        grep -q "SEE ALSO" man.txt || { echo "man -l output lacks SEE ALSO"; return 1; }
    fi
}

# mandoc -T lint: no warning or error; of the style notes, only manuals this
# machine lacks (aws(1), dot(1): that depends on what is installed).
manual_is_lint_clean() {
    mandoc -T lint -W warning "$ROOT/docs/hitc.1" || { echo "mandoc warnings above"; return 1; }
    local notes
    notes=$(mandoc -T lint "$ROOT/docs/hitc.1" 2>&1 | grep -v "referenced manual not found") || true
    [ -z "$notes" ] || { echo "$notes"; return 1; }
}

# Every command and option of `hitc --help`, and of each command's own
# `hitc CMD --help`, has its place in the manual.
manual_covers_the_usage() {
    mandoc -T utf8 "$ROOT/docs/hitc.1" | col -b > page.txt
    hitc --help > usage.txt
    local c
    for c in $(hitc --list-commands); do
        hitc "$c" --help | grep -v '^usage:' >> usage.txt || { echo "hitc $c --help failed"; return 1; }
    done
    local w missing=""
    for w in $(grep -oE '(^|[ ,])--?[a-z][a-z-]*' usage.txt | tr -d ' ,' | sort -u) \
             $(sed -n 's/^       hitc \([a-z]*\).*/\1/p; s/^usage: hitc \([a-z]*\).*/\1/p' usage.txt); do
        grep -q -- "$w" page.txt || missing="$missing $w"
    done
    [ -z "$missing" ] || { echo "not in hitc.1:$missing"; return 1; }
    for w in build check graph fmt lint "EXIT STATUS" EXAMPLES FILES "SEE ALSO" NO_COLOR; do
        grep -q -- "$w" page.txt || { echo "hitc.1 lacks $w"; return 1; }
    done
}

uninstall_leaves_no_hitc_file() {
    local p=$PWD/prefix
    mkdir -p "$p/bin"
    echo keep > "$p/bin/other-tool"
    mk install PREFIX="$p" || return 1
    mk uninstall PREFIX="$p" || return 1
    local left; left=$(cd "$p" && find . -type f ! -path ./bin/other-tool)
    [ -z "$left" ] || { echo "left after uninstall: $left"; return 1; }
    [ ! -e "$p/share/hitc" ] || { echo "share/hitc left"; return 1; }
    [ -f "$p/bin/other-tool" ] || { echo "uninstall removed a file it did not install"; return 1; }
}

# A file of the user's in share/hitc stays, and so does its directory.
uninstall_removes_only_its_own() {
    local p=$PWD/prefix
    mk install PREFIX="$p" || return 1
    echo mine > "$p/share/hitc/runtime-support/python/mine.py"
    mk uninstall PREFIX="$p" || return 1
    [ -f "$p/share/hitc/runtime-support/python/mine.py" ] || { echo "user file removed"; return 1; }
    [ ! -e "$p/share/hitc/runtime-support/python/hitc_env.py" ] || { echo "hitc_env.py left"; return 1; }
}

destdir_stages_under_it() {
    local d=$PWD/stage
    mk install DESTDIR="$d" PREFIX=/opt/hitc || return 1
    [ -x "$d/opt/hitc/bin/hitc" ] && [ -f "$d/opt/hitc/share/man/man1/hitc.1" ] \
        && [ -f "$d/opt/hitc/share/hitc/runtime-support/node/hitc_env.js" ] \
        || { find "$d"; echo "not staged under DESTDIR"; return 1; }
    [ ! -e /opt/hitc/bin/hitc ] || { echo "wrote outside DESTDIR"; return 1; }
    mk uninstall DESTDIR="$d" PREFIX=/opt/hitc || return 1
    [ -z "$(find "$d" -type f)" ] || { find "$d" -type f; return 1; }
}

for c in installs_and_runs manual_renders manual_is_lint_clean manual_covers_the_usage \
         uninstall_leaves_no_hitc_file uninstall_removes_only_its_own destdir_stages_under_it; do
    t "$c"
done
end

# tests/cli/lib.sh: a tiny case harness for shell suites.
#
# Each case is a function; `t NAME` runs it in a subshell, in $WORK, under
# `set -e` with inherit_errexit and pipefail: the first command that fails
# fails the case.  `end` prints "N passed, N failed" and sets the exit status.
#
# Helpers: hitc ARGS (the binary under test, under $WRAP), expect STATUS CMD...,
# not CMD... (fails when CMD succeeds); for built output, bundle_of DIR SOURCE,
# zip_names ZIP and zip_cat ZIP NAME.  Variables: ROOT, WORK, HITC.
#
# set -e does not stop on a failing command that is tested: `! cmd`, any part
# of `a && b` but the last, `if`/`while` conditions, `local x=$(cmd)`.  Such a
# check cannot fail, so `t` refuses a case that has one where it would be
# ignored (FAIL, naming the line):
#     ! grep -q x f               ->  not grep -q x f
#     [ -f a ] && [ -f b ]        ->  [ -f a ]  and  [ -f b ], on two lines
#     cmd && other                ->  cmd || { echo "why"; return 1; }
#     local x=$(cmd)              ->  local x; x=$(cmd)
# (as the case's very last command they decide its status, and are allowed).
# Call `t NAME` as a plain command: inside `if`, `||` or `&&` bash ignores
# set -e in everything it runs, and `t` says so.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HITC=${HITC:-$ROOT/hitc}
WRAP=${WRAP:-}
export NO_COLOR=1
T_PASSED=0
T_FAILED=0
WORK=$(mktemp -d -t hitc-cli.XXXXXX)
T_LOG=$(mktemp -t hitc-cli-log.XXXXXX)
trap 'rm -rf "$WORK" "$T_LOG"' EXIT
# tests/run.sh runs a suite under `timeout`, which ends it with SIGTERM: the
# case it was in fails, by name, and the counts are still printed.
T_CASE=
trap 'T_FAILED=$((T_FAILED + 1)); echo "FAIL ${T_CASE:-(between cases)} (killed by the timeout: it hung or ran too long)"; end; exit 124' TERM
hitc() { $WRAP "$HITC" "$@"; }

# t_clean: empty $WORK (before a case, say).
t_clean() { chmod -R u+rwX "${WORK:?}"; find "${WORK:?}" -mindepth 1 -delete; }

# t_unchecked NAME: print the first line of every statement of case NAME that
# set -e would not stop on (see above), from bash's own listing of the
# function: one statement a line, but for quotes, ( ... ) and here-documents.
t_unchecked() {
    declare -f "$1" | awk '
        function check(first, bare) {
            if (first ~ /^[ ]*(local|export|declare|readonly|typeset) [^;]*=["]?\$\(/) return 1
            if (bare ~ /^[ ]*![ ]/) return 1
            if (bare ~ /^[ ]*(if|elif|while|until) /) return 0
            return bare ~ /&&/ && bare !~ /&&.*\|\|/
        }
        NR <= 2 { next }                                 # "NAME ()" and "{"
        ndoc > 0 {                                       # inside a here-document
            d = $0; sub(/^\t*/, "", d)
            if (d == doc[1]) { for (k = 1; k < ndoc; k++) doc[k] = doc[k + 1]; ndoc-- }
            next
        }
        {
            if (depth == 0) { first = $0; bare = "" }
            line = $0; L = length(line)
            for (i = 1; i <= L; i++) {
                c = substr(line, i, 1); top = depth ? st[depth] : ""
                if (top == "q1") { if (c == "\047") depth--; continue }
                if (c == "\\") { i++; continue }
                if (top == "q2") {
                    if (c == "\"") depth--
                    else if (c == "$" && substr(line, i + 1, 1) == "(") { st[++depth] = "p"; i++ }
                    continue
                }
                if (c == "\047") { st[++depth] = "q1"; continue }
                if (c == "\"") { st[++depth] = "q2"; continue }
                if (c == "(") { st[++depth] = "p"; continue }
                if (c == ")" && top == "p") { depth--; continue }
                if (c == "<" && substr(line, i, 3) ~ /^<<[^<]/) {
                    w = substr(line, i + 2); sub(/^-?[ ]*/, "", w); sub(/^[\047"]/, "", w)
                    match(w, /^[A-Za-z_0-9]+/); doc[++ndoc] = substr(w, 1, RLENGTH)
                    i++; continue
                }
                if (depth == 0) bare = bare c
            }
            if (depth > 0) next
            stmt[++n] = first; bares[n] = bare
        }
        END {
            for (j = 1; j < n; j++)                       # stmt[n] is the closing "}"
                if (!(j == n - 1 && stmt[j] ~ /^    [^ ]/) && check(stmt[j], bares[j])) print stmt[j]
        }'
}

t() {
    local rc=0 ignored unchecked
    ignored=$( set -e; false; echo yes )
    if ! declare -F "$1" > /dev/null; then
        printf "harness: no case named '%s'\n" "$1" > "$T_LOG"; rc=1
    elif [ -n "$ignored" ]; then
        printf "harness: 't %s' runs where bash ignores set -e (inside if, while, !, && or ||), so no check could fail; call t as a plain command\n" "$1" > "$T_LOG"; rc=1
    elif unchecked=$(t_unchecked "$1") && [ -n "$unchecked" ]; then
        { echo "harness: set -e ignores a failure of these lines, so they cannot fail the case;"
          echo "write 'not CMD' for '! CMD', split 'a && b' in two lines or write 'a || { echo why; return 1; }',"
          echo "and 'local x; x=\$(cmd)' for 'local x=\$(cmd)':"
          printf '%s\n' "$unchecked"; } > "$T_LOG"
        rc=1
    else
        T_CASE=$1
        ( trap - TERM; set -e -o pipefail; shopt -s inherit_errexit; cd "${WORK:?}"; "$1" ) > "$T_LOG" 2>&1
        rc=$?
        T_CASE=
    fi
    if [ "$rc" -eq 0 ]; then
        T_PASSED=$((T_PASSED + 1)); echo "PASS $1"
    else
        T_FAILED=$((T_FAILED + 1)); echo "FAIL $1 (exit $rc)"; tail -20 "$T_LOG" | sed 's/^/    /'
    fi
    return 0
}

# expect STATUS CMD...: run CMD, fail unless it exits with STATUS.
expect() {
    local want=$1; shift
    local rc=0
    "$@" || rc=$?
    [ "$rc" -eq "$want" ] || { echo "'$*' exited $rc, want $want"; return 1; }
}

# not CMD...: run CMD, fail when it succeeds (set -e ignores a plain `! CMD`).
not() {
    if "$@"; then echo "'$*' succeeded, want a failure"; return 1; fi
    return 0
}

# bundle_of DIR SOURCE: the zip the manifest of DIR lists for code SOURCE,
# one a line (two functions on one directory may have two).
bundle_of() {
    python3 - "$1" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
for b in m["bundles"]:
    if b["source"] == sys.argv[2]:
        print(sys.argv[1] + "/" + b["file"])
PY
}

# zip_names ZIP: its entries, one a line.
zip_names() { python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
# zip_cat ZIP NAME: one entry's bytes.
zip_cat() { python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2"; }

end() {
    echo "$T_PASSED passed, $T_FAILED failed"
    [ "$T_FAILED" -eq 0 ] && [ "$T_PASSED" -gt 0 ]
}

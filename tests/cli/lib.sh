# tests/cli/lib.sh: a tiny case harness for shell suites.
# Each case is a function; `t NAME` runs it: it passes when it returns 0.
# `end` prints "N passed, N failed" and sets the exit status.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HITC=${HITC:-$ROOT/hitc}
WRAP=${WRAP:-}
export NO_COLOR=1
T_PASSED=0
T_FAILED=0
WORK=$(mktemp -d /tmp/hitc-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
hitc() { $WRAP "$HITC" "$@"; }
t() {
    local out
    if out=$( (set -e; cd "$WORK" && "$1") 2>&1); then
        T_PASSED=$((T_PASSED + 1)); echo "PASS $1"
    else
        T_FAILED=$((T_FAILED + 1)); echo "FAIL $1"; printf '%s\n' "$out" | tail -20 | sed 's/^/    /'
    fi
}
# expect STATUS CMD...: run CMD, fail unless it exits with STATUS.
expect() {
    local want=$1; shift
    local rc=0
    "$@" || rc=$?
    [ "$rc" -eq "$want" ] || { echo "'$*' exited $rc, want $want"; return 1; }
}
end() {
    echo "$T_PASSED passed, $T_FAILED failed"
    [ "$T_FAILED" -eq 0 ] && [ "$T_PASSED" -gt 0 ]
}

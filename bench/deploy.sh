#!/usr/bin/env bash
# bench/deploy.sh: what `hitc deploy` costs when little has changed, on the local
# cloud of tests/e2e (moto, started here on a free port and stopped at exit).
#
# For examples/hits (its copy, as the stack bench-dev): the wall time, the AWS CLI
# calls (counted by an `aws` on PATH that logs each call, then runs the real one) and
# the bytes uploaded, for (1) the first deploy, (2) the same app again (the target:
# nothing uploaded, one change-set round trip) and (3) one function's code changed
# (the target: one bundle uploaded).  Prints a table; exits 1 when a target is missed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
E2E=$ROOT/tests/e2e
HITC=${HITC:-$ROOT/hitc}
WORK=$(mktemp -d /tmp/hitc-bench-deploy.XXXXXX)
source "$E2E/lib.sh"
trap 'stop_moto; rm -rf "$WORK"' EXIT
start_moto > /dev/null || { echo "bench/deploy.sh: the local cloud did not start" >&2; exit 1; }
REAL_AWS=$(command -v aws) || { echo "bench/deploy.sh: no aws CLI on PATH" >&2; exit 1; }
mkdir -p "$WORK/bin"
cat > "$WORK/bin/aws" <<SH
#!/bin/sh
echo "\$1 \$2" >> "$WORK/calls.log"
exec "$REAL_AWS" "\$@"
SH
chmod +x "$WORK/bin/aws"
export PATH="$WORK/bin:$PATH" XDG_CACHE_HOME=$WORK/cache
aws s3 mb s3://bench-code > /dev/null
cp -r examples/hits "$WORK/app"
sed -i 's/^app hits /app bench /' "$WORK/app/app.hit"

# run NAME: one deploy, measured; prints a row and sets UP (bytes) and CALLS.
run() {
    : > "$WORK/calls.log"
    local t0=$EPOCHREALTIME out
    out=$(timeout 600 "$HITC" deploy "$WORK/app/app.hit" --stage dev --bucket bench-code --yes 2>&1) ||
        { echo "bench/deploy.sh: the deploy ($1) failed:"; echo "$out"; exit 1; } >&2
    local secs
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    CALLS=$(wc -l < "$WORK/calls.log")
    UP=$(sed -n 's/^done in .*, \([0-9]*\) bytes uploaded$/\1/p' <<< "$out")
    local bundles changesets
    bundles=$(grep -c '^s3api put-object$' "$WORK/calls.log")
    changesets=$(grep -c '^cloudformation create-change-set$' "$WORK/calls.log")
    printf '| %-34s | %6ss | %5s | %10s | %7s | %10s |\n' "$1" "$secs" "$CALLS" "$UP" "$bundles" "$changesets"
    CHANGESETS=$changesets BUNDLES=$bundles
}

echo "hitc deploy of examples/hits on the local cloud (moto); aws CLI $(aws --version 2>&1 | cut -d' ' -f1)"
echo
echo "| deploy                             | wall    | calls | bytes up   | bundles | change sets |"
echo "| ---------------------------------- | ------- | ----- | ---------- | ------- | ----------- |"
run "first (a new stack)"
run "the same app again"
ok=1
[ "$UP" = 0 ] && [ "$BUNDLES" = 0 ] && [ "$CHANGESETS" = 1 ] || ok=0
echo "# a change to the function's code" >> "$WORK/app/src/index.py"
run "one function's code changed"
[ "$BUNDLES" = 1 ] && [ "$CHANGESETS" = 1 ] || ok=0
echo
if [ $ok = 1 ]; then
    echo "targets met: unchanged uploads nothing in one change-set round trip; one changed function uploads one bundle"
else
    echo "a target was missed (see the table)" >&2
    exit 1
fi

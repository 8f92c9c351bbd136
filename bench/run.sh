#!/usr/bin/env bash
# bench/run.sh: `make bench`.  hitc against its peers (the SAM translator,
# cfn-lint, the AWS CDK and the Serverless Framework v3), in the same run, as
# ratios, `hitc serve` against a bare python3 loop, builds past 500 resources
# (bench/scale.py), and what `hitc deploy` costs on the local cloud when little
# changed; see bench/README.md.  The
# npm peers are installed into build/bench-npm on first use (scripts/deps.sh
# --bench); if that fails, so does `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
scripts/deps.sh --bench

# The baseline: hitc 0.1 as it was before the restructuring (issue 7), built
# from git history into build/bench-base, so that "no slower" is measured in
# the same run.  Without the history (a shallow clone) the benchmark fails
# saying so; HITC_BASE_REV picks another revision.
BASE_REV=${HITC_BASE_REV:-043fc6c}
base=build/bench-base
if [ "$(cat "$base/REV" 2>/dev/null)" != "$BASE_REV" ] || [ ! -x "$base/src/hitc" ]; then
    git cat-file -e "$BASE_REV^{commit}" 2>/dev/null || {
        echo "make bench: revision $BASE_REV (hitc 0.1, the baseline) is not in this clone's history; fetch it or set HITC_BASE_REV" >&2
        exit 1; }
    rm -rf "$base"
    mkdir -p "$base/src"
    git archive "$BASE_REV" | tar -x -C "$base/src"
    make -s -C "$base/src" hitc >"$base/build.log" 2>&1 || {
        echo "make bench: building the baseline $BASE_REV failed; see $base/build.log" >&2
        exit 1; }
    echo "$BASE_REV" > "$base/REV"
fi
# hitc serve's latency to a warm handler, beside a bare python3 loop (bench/serve.py).
python3 bench/serve.py
echo
# Past 500 resources: build time and peak memory for 100, 1,000 and 5,000
# functions, beside cdk synth and serverless package (bench/scale.py).
python3 bench/scale.py
# hitc deploy when little changed: wall time, aws calls, bytes uploaded (bench/deploy.sh).
bench/deploy.sh
# Where users wait (issue 20): the small build, check, and cold, warm and
# one-file-changed builds of a 100 MB code directory, against hitc 0.1 and
# `zip -X -r` + `sha256sum`, as ratios of CPU time (bench/speed.py).
HITC_BASE="$PWD/$base/src/hitc" HITC_BASE_REV="$BASE_REV" python3 bench/speed.py
echo
HITC_BASE="$PWD/$base/src/hitc" HITC_BASE_REV="$BASE_REV" exec python3 bench/bench.py "$@"

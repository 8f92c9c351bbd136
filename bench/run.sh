#!/usr/bin/env bash
# bench/run.sh: `make bench`.  hitc against the peers this machine has (the SAM
# translator and cfn-lint), in the same run, as ratios; see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
exec python3 bench/bench.py "$@"

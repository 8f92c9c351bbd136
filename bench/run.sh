#!/usr/bin/env bash
# bench/run.sh: `make bench`.  hitc against its peers (the SAM translator,
# cfn-lint, the AWS CDK and the Serverless Framework v3), in the same run, as
# ratios; see bench/README.md.  The npm peers are installed into build/bench-npm
# on first use (scripts/deps.sh --bench); if that fails, so does `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
scripts/deps.sh --bench
exec python3 bench/bench.py "$@"

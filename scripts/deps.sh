#!/usr/bin/env bash
# scripts/deps.sh: find what hitc needs to build (and, with --test, to be
# tested); install what is missing when we are root on Debian, otherwise
# stop and print the exact command to run.  Nothing is downloaded at build
# time beyond Debian's own packages; --test also takes one npm package
# (the SARIF schema).  --bench installs the npm peers of `make bench` (the
# AWS CDK and the Serverless Framework v3) into build/bench-npm, pinned below.
set -euo pipefail

build_pkgs=(pkg-config libyaml-dev libcjson-dev libpcre2-dev libzip-dev libssl-dev zlib1g-dev
            libmicrohttpd-dev)
test_pkgs=(valgrind unzip nodejs npm clang libclang-rt-14-dev pre-commit mandoc man-db bsdextrautils git
           strace chromium curl openssl)
want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}")
[ "${1:-}" = "--bench" ] && want=(nodejs npm)

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node may come from elsewhere than Debian's nodejs package.
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--bench" ]; then
    command -v node >/dev/null && missing=("${missing[@]/nodejs}")
    command -v npm >/dev/null && missing=("${missing[@]/npm}")    # tests/cli/test_deps.sh
fi
read -r -a missing <<< "${missing[*]:-}"

# Where the SARIF schema is, once installed (tests/cli/test_sarif.sh asks).
sarif_schema() {
    local f
    f="$(npm root -g 2>/dev/null)/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"
    [ -f "$f" ] && echo "$f"
}
if [ "${1:-}" = "--sarif-schema" ]; then
    sarif_schema || { echo "deps: no SARIF schema; run scripts/deps.sh --test" >&2; exit 1; }
    exit 0
fi

if [ "${#missing[@]}" -gt 0 ]; then
    cmd="apt-get install -y ${missing[*]}"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "deps: installing ${missing[*]}" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive $cmd -qq) >&2 \
            || { echo "deps: '$cmd' failed" >&2; exit 1; }
    else
        echo "deps: missing ${missing[*]}; run: sudo $cmd" >&2
        exit 1
    fi
fi

if [ "${1:-}" = "--test" ]; then
    # The SARIF 2.1.0 JSON schema, for tests/cli/test_sarif.sh: Debian has
    # no copy; Microsoft's @microsoft/jest-sarif ships the OASIS one.
    sarif_pkg=@microsoft/jest-sarif@1.0.0-beta.0
    if ! sarif_schema >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v npm >/dev/null; then
            echo "deps: installing $sarif_pkg (the SARIF schema)" >&2
            npm install -g --no-fund --no-audit "$sarif_pkg" >&2 \
                || { echo "deps: 'npm install -g $sarif_pkg' failed" >&2; exit 1; }
        else
            echo "deps: missing the SARIF 2.1.0 schema; run: sudo npm install -g $sarif_pkg" >&2
            exit 1
        fi
    fi
    # The Python peers come with this machine's python3; PyPI is out of
    # reach, so a missing one is reported, not installed.
    python3 - <<'PY' || exit 1
import importlib, shutil, sys
need = {"moto": "moto", "boto3": "boto3", "cfnlint": "cfn-lint",
        "dotenv": "python-dotenv", "samtranslator": "aws-sam-translator",
        "jsonschema": "jsonschema", "pip": "pip"}     # pip: tests/cli/test_deps.sh
gone = [pkg for mod, pkg in need.items() if importlib.util.find_spec(mod) is None]
gone += [tool for tool in ("aws", "cfn-lint", "moto_server") if shutil.which(tool) is None]
if gone:
    print("deps: python3 lacks " + ", ".join(gone) +
          "; install them into this python3 (pip install " + " ".join(gone) + ")",
          file=sys.stderr)
    sys.exit(1)
PY
fi

if [ "${1:-}" = "--bench" ]; then
    # The npm peers of `make bench`, pinned; installed once into build/bench-npm
    # (no global install), and only again when a pin here changes.
    bench_pkgs=(aws-cdk-lib@2.276.0 aws-cdk@2.1148.1 constructs@10.8.1 serverless@3.40.0)
    prefix="$(cd "$(dirname "$0")/.." && pwd)/build/bench-npm"
    stale=()
    for p in "${bench_pkgs[@]}"; do
        name="${p%@*}" ver="${p##*@}"
        have="$(node -p "require('$prefix/node_modules/$name/package.json').version" 2>/dev/null || true)"
        [ "$have" = "$ver" ] || stale+=("$p")
    done
    if [ "${#stale[@]}" -gt 0 ]; then
        echo "deps: installing ${stale[*]} into build/bench-npm (about a minute or two)" >&2
        mkdir -p "$prefix"
        npm install --prefix "$prefix" --no-fund --no-audit --loglevel=error "${bench_pkgs[@]}" >&2 \
            || { echo "deps: 'npm install --prefix build/bench-npm ${bench_pkgs[*]}' failed;" \
                      "make bench needs ${stale[*]}" >&2; exit 1; }
        for p in "${bench_pkgs[@]}"; do
            name="${p%@*}" ver="${p##*@}"
            have="$(node -p "require('$prefix/node_modules/$name/package.json').version" 2>/dev/null || true)"
            [ "$have" = "$ver" ] || { echo "deps: $p is still missing from build/bench-npm after npm install" >&2; exit 1; }
        done
    fi
fi

#!/usr/bin/env bash
# scripts/deps.sh: find what hitc needs to build (and, with --test, to be
# tested); install what is missing when we are root on Debian, otherwise
# stop and print the exact command to run.  Nothing is downloaded at build
# time beyond Debian's own packages.
set -euo pipefail

build_pkgs=(pkg-config libyaml-dev libcjson-dev libpcre2-dev libzip-dev libssl-dev zlib1g-dev)
test_pkgs=(valgrind unzip nodejs clang libclang-rt-14-dev)
want=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node may come from elsewhere than Debian's nodejs package.
if [ "${1:-}" = "--test" ] && command -v node >/dev/null; then
    missing=("${missing[@]/nodejs}")
fi
read -r -a missing <<< "${missing[*]:-}"

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
    # The Python peers come with this machine's python3; PyPI is out of
    # reach, so a missing one is reported, not installed.
    python3 - <<'PY' || exit 1
import importlib, shutil, sys
need = {"moto": "moto", "boto3": "boto3", "cfnlint": "cfn-lint",
        "dotenv": "python-dotenv", "samtranslator": "aws-sam-translator"}
gone = [pkg for mod, pkg in need.items() if importlib.util.find_spec(mod) is None]
gone += [tool for tool in ("aws", "cfn-lint", "moto_server") if shutil.which(tool) is None]
if gone:
    print("deps: python3 lacks " + ", ".join(gone) +
          "; install them into this python3 (pip install " + " ".join(gone) + ")",
          file=sys.stderr)
    sys.exit(1)
PY
fi

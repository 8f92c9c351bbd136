#!/usr/bin/env bash
# tests/cli/test_apps.sh: `hitc check --apps FILE...`, the check of the
# pre-commit hook for programs of several files (the hook itself, under the
# real pre-commit: tests/cli/test_precommit.sh).  A module (a file another
# imports) is checked as part of every app that imports it, found among the
# .hit files under the current directory; each diagnostic once, at its own
# line; files no named file's app reads are not reported.
. "$(dirname "$0")/lib.sh"

# app DIR NAME: an app DIR/NAME.hit importing DIR/lib/fns.hit (which
# imports DIR/lib/out.hit); the modules read the app's table 'users'.
app() {
    mkdir -p "$1/lib" "$1/src"
    echo 'def handler(e, c): return 1' > "$1/src/index.py"
    printf 'app %s\nimport "lib/fns.hit"\ntable users {\n  key id: string\n}\n' "$2" > "$1/$2.hit"
    printf 'import "out.hit"\nfunction reader {\n  runtime python3.12\n  handler index.handler\n  code "../src"\n  env { T = users.name }\n}\n' > "$1/lib/fns.hit"
    printf 'output users-table = users.name\n' > "$1/lib/out.hit"
}

module_is_checked_through_its_app() {
    app svc main
    expect 1 hitc check svc/lib/out.hit 2> alone.txt      # alone: 'users' is unknown
    grep -q "unknown" alone.txt
    hitc check --apps svc/lib/out.hit
    hitc check --apps svc/lib/fns.hit svc/lib/out.hit svc/main.hit
    hitc check --strict --apps svc/lib/out.hit 2> err.txt
    [ ! -s err.txt ] || { cat err.txt; return 1; }
}

# Two apps read one module: its error is at its line, once; both apps are
# checked (an error of one app's own file shows too).
module_error_once_at_its_line() {
    app svc main
    cp svc/main.hit svc/second.hit
    sed -i 's/^app main/app second/' svc/second.hit
    sed -i 's/users.name }/userz.name }/' svc/lib/fns.hit
    expect 1 hitc check --apps svc/lib/out.hit 2> err.txt
    grep -q "^svc/lib/fns.hit:6:13: error: unknown table 'userz'; did you mean 'users'?$" err.txt || { cat err.txt; return 1; }
    [ "$(grep -c 'error:' err.txt)" = 1 ] || { cat err.txt; echo "want the error once"; return 1; }
    grep -q "^1 error, 0 warnings$" err.txt
    hitc check --apps --format json svc/lib/out.hit 2> err.json || true
    python3 -c 'import json; d = json.load(open("err.json")); assert [(x["file"], x["line"]) for x in d] == [("svc/lib/fns.hit", 6)], d'
    echo 'param unused: string' >> svc/second.hit
    hitc check --apps svc/lib/out.hit 2> err.txt || true
    grep -q "^svc/second.hit:6:7: warning: parameter 'unused' is never used" err.txt || { cat err.txt; return 1; }
}

# A file with errors that no named file's app reads is not reported (an
# untracked scratch file beside the repository's apps).
unread_files_are_not_reported() {
    app svc main
    mkdir scratch
    printf 'table {\n' > scratch/broken.hit
    printf 'output o = 1 # hitc: accept W0408 "never used"\n' > scratch/accepts.hit
    hitc check --apps svc/lib/out.hit 2> err.txt || { cat err.txt; return 1; }
    not grep -q scratch err.txt
    expect 1 hitc check --apps scratch/broken.hit svc/lib/out.hit 2> err.txt
    grep -q "^scratch/broken.hit:" err.txt
}

# A file that no app reads is its own app: one nothing imports, a cycle of
# imports nothing else imports (its error as without --apps), and a file
# outside the current directory.
files_no_app_reads_are_their_own_apps() {
    mkdir p
    printf 'table t {\n  key id: string\n}\n' > p/alone.hit
    printf 'import "b.hit"\ntable a {\n  key id: string\n}\n' > p/a.hit
    printf 'import "a.hit"\n' > p/b.hit
    printf 'table o {\n  key id: strin\n}\n' > outside.hit
    cd p
    hitc check --apps alone.hit
    expect 1 hitc check --apps b.hit 2> err.txt
    grep -q "error: import cycle" err.txt || { cat err.txt; return 1; }
    expect 1 hitc check --apps ../outside.hit 2> err.txt
    grep -q "^../outside.hit:2:11: error: unknown key type 'strin'" err.txt || { cat err.txt; return 1; }
}

# An acceptance in a module counts as used when one app's check used it;
# one no app used is a warning at its line.
acceptances_across_apps() {
    app svc main
    echo 'param p: string # hitc: accept W0408 "read by the next release"' >> svc/lib/out.hit
    hitc check --strict --apps svc/lib/out.hit
    echo 'output o = "x" # hitc: accept W0408 "nothing to accept here"' >> svc/lib/out.hit
    expect 1 hitc check --strict --apps svc/lib/out.hit 2> err.txt
    grep -q "^svc/lib/out.hit:3:31: warning: this accepts 'W0408'" err.txt || { cat err.txt; return 1; }
}

apps_is_for_check() {
    app svc main
    expect 2 hitc build --apps svc/main.hit -o out 2> err.txt
    grep -q "hitc: '--apps' is for 'check', not 'build'" err.txt
    not test -e out
}

# More than 10000 .hit files under the directory: one error, nothing
# checked.
too_many_files() {
    python3 -c '
import os
os.makedirs("many")
for i in range(10001):
    open("many/f%05d.hit" % i, "w").write("table t {\n  key id: string\n}\n")'
    expect 1 hitc check --apps many/f00000.hit 2> err.txt
    grep -q "^hitc: error: there are more than 10000 .hit files under the current directory" err.txt || { cat err.txt; return 1; }
}

CASES=(module_is_checked_through_its_app module_error_once_at_its_line
       unread_files_are_not_reported files_no_app_reads_are_their_own_apps
       acceptances_across_apps apps_is_for_check too_many_files)
for c in "${CASES[@]}"; do
    t_clean
    t "$c"
done
end

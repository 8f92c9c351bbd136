#!/usr/bin/env bash
# test_import.sh: `import "FILE.hit"` through the command line (issue 9, item 3):
# check, build and graph follow imports, fmt formats only the file given, the
# output directory is checked against every file's and code directory's place,
# and diagnostics name each file as seen from where hitc was run.
source "$(dirname "$0")/lib.sh"

own_dir() { cd "$(mktemp -d "$WORK/case.XXXXXX")"; }

# A project in proj/: app.hit imports lib/tables.hit, which imports
# fns/worker.hit, whose code "src" is proj/lib/fns/src.
project() {
    mkdir -p proj/src proj/lib/fns/src
    cat > proj/app.hit <<'HIT'
app split "split across files"
import "lib/tables.hit"
function front {
  runtime python3.12
  handler index.handler
  code "src"
  env { jobs = jobs.name }
}
route GET /jobs -> front
HIT
    cat > proj/lib/tables.hit <<'HIT'
import "fns/worker.hit"
table jobs { key id: string }
HIT
    cat > proj/lib/fns/worker.hit <<'HIT'
function worker {
  runtime python3.12
  handler index.handler
  code "src"
  env { jobs = jobs.name }
}
HIT
    echo 'def handler(e, c): return {"statusCode": 200, "body": "front"}' > proj/src/index.py
    echo 'def handler(e, c): return {"statusCode": 200, "body": "worker"}' > proj/lib/fns/src/index.py
}

# Before import was built: "error: 'import' declarations are not built by hitc 0.1.0 yet".
check_build_and_graph_follow_imports() {
    own_dir || return 1
    project || return 1
    hitc check proj/app.hit
    hitc build -q proj/app.hit -o out
    grep -q '"WorkerFunction"' out/template.json || { echo "no worker in the template"; return 1; }
    [ "$(jq -r '[.bundles[].source] | sort | join(" ")' out/manifest.json)" = "(stamper) lib/fns/src src" ] \
        || { jq .bundles out/manifest.json; return 1; }
    # each function runs its own directory's code
    local k
    for k in Front Worker; do
        local sha; sha=$(jq -r ".Resources.${k}FunctionCode.Properties.SourceKey[\"Fn::Sub\"]" out/template.json | sed 's/.*}//; s/\.zip$//')
        unzip -p "out/bundles/$sha.zip" index.py | grep -qi "\"body\": \"$k\"" || { echo "$k runs the wrong code"; return 1; }
    done
    hitc graph proj/app.hit > g.dot
    grep -q "function 'worker'" g.dot || { cat g.dot; return 1; }
    grep -q "table 'jobs'" g.dot || { cat g.dot; return 1; }
}

# Before: with -o proj/lib/fns/src/out the build went ahead (exit 0): the check
# compared the code directories' spellings, and "src" of app.hit hid "src" of
# lib/fns/worker.hit, so each build would have bundled the one before.
output_dir_inside_an_imported_code_directory_is_refused() {
    own_dir || return 1
    project || return 1
    expect 2 hitc build -q proj/app.hit -o proj/lib/fns/src/out 2> err.txt
    grep -q "^proj/lib/fns/worker.hit:4:8: error: code directory 'src' contains the output directory 'proj/lib/fns/src/out'" err.txt \
        || { cat err.txt; return 1; }
    [ ! -e proj/lib/fns/src/out ] || { echo "output was written"; return 1; }
    expect 2 hitc build -q proj/app.hit -o proj/lib/fns/src 2> err.txt
    grep -q "refusing to write to 'proj/lib/fns/src': it is the code directory 'src' of function 'worker'" err.txt \
        || { cat err.txt; return 1; }
    expect 2 hitc build -q proj/app.hit -o proj/lib 2> err.txt
    grep -q "refusing to write to 'proj/lib': it is the directory of 'proj/lib/tables.hit'" err.txt \
        || { cat err.txt; return 1; }
    [ "$(cat proj/lib/tables.hit | head -1)" = 'import "fns/worker.hit"' ] || { echo "lib changed"; return 1; }
}

# Before: two code directories with the same files made two bundles with one
# name, and the build failed: "cannot create '.../bundles/SHA.zip': File exists".
identical_code_directories_make_one_bundle() {
    own_dir || return 1
    project || return 1
    cp proj/src/index.py proj/lib/fns/src/index.py
    hitc build -q proj/app.hit -o out
    [ "$(jq '.bundles | length' out/manifest.json)" = 2 ] || { jq .bundles out/manifest.json; return 1; }
    [ "$(ls out/bundles | wc -l)" = 2 ] || { ls out/bundles; return 1; }
}

diagnostics_name_the_imported_file_as_seen_from_here() {
    own_dir || return 1
    project || return 1
    printf 'table jobs {\n  key id: string\n}\n' >> proj/lib/fns/worker.hit
    expect 1 hitc check proj/app.hit 2> err.txt
    grep -q "^proj/lib/fns/worker.hit:7:7: error: 'jobs' is declared twice$" err.txt || { cat err.txt; return 1; }
    grep -q "^proj/lib/tables.hit:2:7: note: first declared here as table 'jobs'$" err.txt || { cat err.txt; return 1; }
    (cd proj/lib && expect 1 hitc check ../app.hit 2> ../../err2.txt)
    grep -q "^../lib/fns/worker.hit:7:7: error" err2.txt || { cat err2.txt; return 1; }
    expect 1 hitc check --format json proj/app.hit 2> err.json
    [ "$(jq -r '.[0].file' err.json)" = proj/lib/fns/worker.hit ] || { cat err.json; return 1; }
}

# A missing import is an error in the input (exit 1), not an I/O failure (2).
missing_import_is_exit_1() {
    own_dir || return 1
    project || return 1
    rm proj/lib/fns/worker.hit
    expect 1 hitc build -q proj/app.hit -o out 2> err.txt
    grep -q "^proj/lib/tables.hit:1:8: error: cannot import 'fns/worker.hit': there is no file 'proj/lib/fns/worker.hit'$" err.txt \
        || { cat err.txt; return 1; }
    [ ! -e out ] || { echo "output was written"; return 1; }
}

fmt_formats_only_the_file_given_and_keeps_imports() {
    own_dir || return 1
    project || return 1
    printf 'import   "lib/tables.hit"   # the tables\ntable   more {key id: string}\n' > proj/two.hit
    local before; before=$(cksum < proj/lib/tables.hit)
    printf 'table   messy {key id: string}\n' >> proj/lib/tables.hit
    before=$(cksum < proj/lib/tables.hit)
    hitc fmt proj/two.hit
    [ "$(cat proj/two.hit)" = 'import "lib/tables.hit" # the tables
table more { key id: string }' ] || { cat proj/two.hit; return 1; }
    [ "$(cksum < proj/lib/tables.hit)" = "$before" ] || { echo "fmt changed the imported file"; return 1; }
}

# Each imported file has the 16 MB cap; one too large, imported twice under two
# spellings, is reported once, at the first import, by the name written there.
# Before: the second import read it again and said so twice, by its real path.
too_large_import_is_reported_once() {
    own_dir || return 1
    project || return 1
    truncate -s 17M proj/lib/big.hit
    printf 'import "big.hit"\nimport "./big.hit"\n' >> proj/lib/tables.hit
    expect 1 hitc check proj/app.hit 2> err.txt
    [ "$(grep -c ': error: ' err.txt)" = 1 ] || { cat err.txt; return 1; }
    grep -q "^proj/lib/tables.hit:3:8: error: 'proj/lib/big.hit' is larger than 16 MB" err.txt || { cat err.txt; return 1; }
}

t check_build_and_graph_follow_imports
t too_large_import_is_reported_once
t output_dir_inside_an_imported_code_directory_is_refused
t identical_code_directories_make_one_bundle
t diagnostics_name_the_imported_file_as_seen_from_here
t missing_import_is_exit_1
t fmt_formats_only_the_file_given_and_keeps_imports
end

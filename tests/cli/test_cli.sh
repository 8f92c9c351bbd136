#!/usr/bin/env bash
# test_cli.sh: the command line as a user meets it.
source "$(dirname "$0")/lib.sh" || exit 2

example() { cp -r "$ROOT/examples/hits" "$WORK/hits"; }

help_tells_the_commands() {
    hitc --help > help.txt
    for w in "build FILE -o DIR" "check FILE" "graph FILE" "lint TEMPLATE..." "fmt [--check] FILE..." "--check" "--format" "--strict" "exit status"; do
        grep -qF -- "$w" help.txt || { echo "help lacks '$w'"; return 1; }
    done
    grep -qE '^\s+fmt FILE\.\.\.' help.txt || { echo "help does not list fmt among the commands"; return 1; }
}

# Every row of main.c's commands[] (hitc --list-commands prints them) is told
# of everywhere a user looks: its usage line and its place in the list of
# commands in `hitc --help`, the manual, the README's table, and its own
# `hitc CMD --help`; so a command added to the table cannot be forgotten.
every_command_is_told_everywhere() {
    hitc --list-commands > cmds.txt
    grep -qx build cmds.txt && grep -qx deploy cmds.txt || { echo "--list-commands: $(cat cmds.txt)"; return 1; }
    hitc --help > help.txt
    local c
    while read -r c; do
        grep -qE "^(usage:|      ) hitc $c( |$)" help.txt || { echo "no usage line for $c"; return 1; }
        grep -qE "^  $c " help.txt || { echo "$c not in the list of commands"; return 1; }
        grep -qx "\.Cm $c" "$ROOT/docs/hitc.1" || { echo "hitc.1 lacks .Cm $c"; return 1; }
        grep -qF "| \`hitc $c" "$ROOT/README.md" || { echo "the README's table lacks hitc $c"; return 1; }
        hitc "$c" --help > c.txt || { echo "hitc $c --help failed"; return 1; }
        grep -q "^usage: hitc $c " c.txt || { echo "hitc $c --help: $(head -1 c.txt)"; return 1; }
    done < cmds.txt
    # and nothing else claims to be one
    local listed; listed=$(sed -n 's/^\(usage:\|      \) hitc \([a-z]*\).*/\2/p' help.txt)
    [ "$listed" = "$(cat cmds.txt)" ] || { echo "usage lines: $listed"; return 1; }
}

unknown_command_suggests_or_lists() {
    expect 2 hitc biuld x.hit
    hitc biuld x.hit 2> err.txt || true
    grep -qx "hitc: unknown command 'biuld'; did you mean 'build'?" err.txt || { cat err.txt; return 1; }
    hitc xyzzy 2> err.txt || true
    hitc --list-commands > cmds.txt
    local names; names=$(sed '$!s/$/,/' cmds.txt | tr '\n' ' ' | sed 's/, \([a-z]*\) $/ or \1/')
    grep -qx "hitc: unknown command 'xyzzy'; use $names" err.txt || { echo "want: use $names"; cat err.txt; return 1; }
}

version_prints() { hitc --version | grep -qE '^hitc [0-9]+\.[0-9]+\.[0-9]+$'; }

bad_usage_exits_2() {
    expect 2 hitc
    expect 2 hitc frobnicate x.hit
    expect 2 hitc build
    expect 2 hitc build x.hit
    expect 2 hitc check x.hit -o out
    expect 2 hitc build a.hit b.hit -o out
    expect 2 hitc check --format xml x.hit
    expect 2 hitc check --bogus x.hit
    hitc frobnicate x.hit 2> err.txt || true
    grep -q "unknown command 'frobnicate'" err.txt
}

missing_file_is_an_io_error() {
    expect 2 hitc check nope.hit
    hitc check nope.hit 2> err.txt || true
    grep -q "cannot read 'nope.hit'" err.txt
}

build_writes_template_manifest_bundles() {
    example
    hitc build hits/app.hit -o out > stdout.txt
    [ -f out/template.json ]
    [ -f out/manifest.json ]
    n=$(ls out/bundles | wc -l); [ "$n" -eq 2 ] || { echo "$n bundles"; return 1; }
    for z in out/bundles/*.zip; do
        sum=$(sha256sum "$z" | cut -d' ' -f1)
        [ "$(basename "$z" .zip)" = "$sum" ] || { echo "$z is not named by its sha256"; return 1; }
        grep -q "$sum" out/template.json || { echo "template does not name $sum"; return 1; }
        unzip -tq "$z" > /dev/null
    done
    grep -q "aws s3 sync out/bundles s3://\$BUCKET/hitc/" stdout.txt
    grep -q "aws cloudformation deploy --template-file out/template.json" stdout.txt
    python3 -c "import json,sys; m=json.load(open('out/manifest.json')); assert len(m['bundles'])==2, m; assert {b['source'] for b in m['bundles']}=={'src','(stamper)'}, m"
    not ls -d out.hitc-tmp-* 2>/dev/null
}

the_stamper_bundle_holds_the_stamper() {
    example
    hitc build -q hits/app.hit -o out
    key=$(python3 -c "import json; t=json.load(open('out/template.json')); print(t['Resources']['HitcStamperFunction']['Properties']['Code']['S3Key']['Fn::Sub'])")
    zip=out/bundles/${key#\$\{CodePrefix\}}
    unzip -p "$zip" index.py | cmp - "$ROOT/runtime-support/stamper/index.py"
    # and the plugin kit, whose protocol layer index.py imports (issue 8: one
    # copy of the answering code, not two); nothing else
    unzip -p "$zip" hitc_plugin.py | cmp - "$ROOT/runtime-support/plugin/python/hitc_plugin.py"
    [ "$(unzip -Z1 "$zip" | tr '\n' ' ')" = "hitc_plugin.py index.py " ] || { echo "stamper bundle holds: $(unzip -Z1 "$zip")"; return 1; }
    # and it imports as Lambda imports it, from the unpacked bundle alone
    mkdir unpacked
    (cd unpacked && unzip -q "../$zip")
    (cd unpacked && python3 -c "import index; assert index.run_request.__module__ == 'hitc_plugin'") || { echo "index.py does not import from the bundle"; return 1; }
}

quiet_build_prints_nothing() {
    example
    hitc build -q hits/app.hit -o out > stdout.txt
    [ ! -s stdout.txt ]
}

stdout_build_writes_nothing_else() {
    example
    hitc build hits/app.hit -o - > t.json
    python3 -c "import json; json.load(open('t.json'))"
    [ ! -e out ]
    [ "$(ls | sort | tr '\n' ' ')" = "hits t.json " ] || { echo "left behind: $(ls)"; return 1; }
}

failed_build_leaves_the_output_as_it_was() {
    example
    hitc build -q hits/app.hit -o out
    before=$(find out -type f -exec sha256sum {} + | sort)
    echo 'output broken = nothing.here' >> hits/app.hit
    expect 1 hitc build -q hits/app.hit -o out
    after=$(find out -type f -exec sha256sum {} + | sort)
    [ "$before" = "$after" ] || { echo "out changed"; return 1; }
    not ls -d out.hitc-tmp-* 2>/dev/null
}

rebuild_replaces_the_output_whole() {
    example
    hitc build -q hits/app.hit -o out
    echo changed > out/template.json
    rm out/bundles/*.zip
    hitc build -q hits/app.hit -o out
    python3 -c "import json; json.load(open('out/template.json'))" && [ "$(ls out/bundles | wc -l)" -eq 2 ]
}

refuses_to_replace_a_directory_it_did_not_write() {
    example
    mkdir precious
    echo keep > precious/notes.txt
    expect 2 hitc build -q hits/app.hit -o precious
    [ "$(cat precious/notes.txt)" = keep ]
    hitc build -q hits/app.hit -o precious 2> err.txt || true
    grep -q "refusing to replace 'precious'" err.txt
}

output_over_a_file_is_refused() {
    example
    echo x > afile
    expect 2 hitc build -q hits/app.hit -o afile
    [ "$(cat afile)" = x ]
}

unwritable_parent_fails_cleanly() {
    example
    mkdir ro
    chmod 555 ro
    if [ "$(id -u)" = 0 ]; then
        # root writes anywhere; use a path under a regular file instead.
        expect 2 hitc build -q hits/app.hit -o hits/app.hit/out
    else
        expect 2 hitc build -q hits/app.hit -o ro/out
    fi
}

check_writes_nothing_and_passes() {
    example
    hitc check hits/app.hit
    [ "$(ls)" = hits ]
}

check_takes_many_files_and_reports_each() {
    example
    printf 'table t {\n  key id: strin\n}\n' > bad.hit
    expect 1 hitc check hits/app.hit bad.hit
    hitc check hits/app.hit bad.hit 2> err.txt || true
    grep -q "^bad.hit:2:11: error: unknown key type 'strin'; did you mean 'string'?" err.txt
}

strict_turns_warnings_into_failure() {
    mkdir src
    echo 'x = 1' > src/index.py
    # dotnet8: deprecated, but Lambda still creates functions on it (as of
    # the runtime table's date), so a warning and exit 0 without --strict.
    printf 'function old {\n  runtime dotnet8\n  handler index.handler\n  code "src"\n}\n' > old.hit
    hitc check old.hit 2> err.txt
    grep -q "warning: Lambda runtime 'dotnet8' is deprecated" err.txt
    expect 1 hitc check --strict old.hit
}

json_diagnostics() {
    printf 'table t {\n  key id: strin\n}\n' > bad.hit
    expect 1 hitc check --format json bad.hit 2> err.json
    python3 - <<'PY'
import json
d = json.load(open("err.json"))
assert len(d) == 1, d
e = d[0]
assert e["code"] == "E0209" and e["severity"] == "error", e
assert (e["file"], e["line"], e["column"]) == ("bad.hit", 2, 11), e
assert "did you mean 'string'" in e["message"], e
PY
}

sarif_diagnostics() {
    printf 'table t {\n  key id: strin\n}\n' > bad.hit
    expect 1 hitc check --format sarif bad.hit 2> err.sarif
    python3 - <<'PY'
import json
s = json.load(open("err.sarif"))
assert s["version"] == "2.1.0"
r = s["runs"][0]["results"]
assert len(r) == 1 and r[0]["ruleId"] == "E0209" and r[0]["level"] == "error", r
loc = r[0]["locations"][0]["physicalLocation"]
assert loc["artifactLocation"]["uri"] == "bad.hit" and loc["region"]["startLine"] == 2
PY
}

color_only_on_a_terminal() {
    printf 'table t {\n  key id: strin\n}\n' > bad.hit
    hitc check bad.hit 2> err.txt || true
    not grep $'\033' err.txt
}

graph_prints_dot() {
    example
    hitc graph hits/app.hit > g.dot
    grep -q '^digraph hitc {' g.dot
    grep -q "calls 'counter'" g.dot || { echo "no route edge"; return 1; }
    # the hit counter's function is stamped: its stamp and hitc's stamper
    # are nodes, with function -> stamp -> table and stamp -> stamper
    local fn st tb sp
    fn=$(sed -n "s/^  \(n[0-9]*\) \[label=\"function 'counter'\"\];$/\1/p" g.dot)
    st=$(sed -n "s/^  \(n[0-9]*\) \[label=\"stamp of function 'counter'\"\];$/\1/p" g.dot)
    tb=$(sed -n "s/^  \(n[0-9]*\) \[label=\"table 'counters'\"\];$/\1/p" g.dot)
    sp=$(sed -n "s/^  \(n[0-9]*\) \[label=\"hitc's stamper\"\];$/\1/p" g.dot)
    [ -n "$fn" ] && [ -n "$st" ] && [ -n "$tb" ] && [ -n "$sp" ] || { echo "missing a node:"; cat g.dot; return 1; }
    grep -qxF "  $fn -> $st [label=\"runs the code its stamp writes\"];" g.dot || { echo "no function -> stamp edge"; return 1; }
    grep -qxF "  $st -> $tb [label=\"writes env 'table', which refers to 'counters.name'\"];" g.dot || { echo "no stamp -> table edge"; return 1; }
    grep -qxF "  $st -> $sp [label=\"is made by hitc's stamper\"];" g.dot || { echo "no stamp -> stamper edge"; return 1; }
}

# Logical IDs are registered in compile(), after graph, so `hitc check` and
# `hitc graph` find a clash as `hitc build` does, also with the IDs of a
# route, the API's stage and the stamper.  Reproduction: before, `hitc
# graph` of this file printed the graph and exited 0, and `hitc check`
# reported only the stamper's clash after a dry emit.
check_and_graph_report_id_clashes() {
    mkdir -p src
    touch src/index.py
    cat > clash.hit <<'EOF2'
param api-users-get-method: string = "a"
param api-stage: string = "b"
param hitc-stamper-function: string = "c"
function f {
  runtime python3.12
  handler index.handler
  code "src"
  env {
    A = api-users-get-method
    B = api-stage
    C = hitc-stamper-function
  }
}
route GET /users -> f
EOF2
    for cmd in check graph; do
        rc=0
        hitc $cmd clash.hit > out.txt 2> err.txt || rc=$?
        [ "$rc" -eq 1 ] || { echo "hitc $cmd exited $rc, want 1"; cat err.txt; return 1; }
        [ ! -s out.txt ] || { echo "hitc $cmd printed a graph"; return 1; }
        for id in ApiUsersGetMethod ApiStage HitcStamperFunction; do
            grep -qF "would both be '$id' in the template" err.txt ||
                { echo "hitc $cmd: no clash for $id"; cat err.txt; return 1; }
        done
    done
}

diagnostics_doc_matches_the_table() {
    hitc --list-diagnostics > list.md
    diff -u "$ROOT/docs/diagnostics.md" list.md
}

# The one out-of-memory policy (compiler/arena.c): the compiler allocates
# through the arena, a Buf or xmalloc/xcalloc/xrealloc/xstrdup, never with
# a raw malloc, calloc, realloc or strdup whose NULL it could miss, nor
# realpath(p, NULL).  Reproduction: before, graph.c took its scratch arrays
# from calloc and malloc and used them unchecked.
every_allocation_goes_through_the_oom_policy() {
    local raw
    raw=$(cd "$ROOT" && grep -nE '(^|[^_[:alnum:]])(malloc|calloc|realloc|strdup|strndup)\(|realpath\([^;]*, *NULL\)' \
        compiler/*.c compiler/kinds/*.c | grep -v '^compiler/arena\.c:') || true
    [ -z "$raw" ] || { echo "raw allocations outside arena.c:"; echo "$raw"; return 1; }
}

error_exit_writes_no_output() {
    printf 'table t {\n  key id: string\n}\noutput o = t.nope\n' > bad.hit
    expect 1 hitc build bad.hit -o out
    [ ! -e out ]
    not ls -d out.hitc-tmp-* 2>/dev/null
}

bundle_holds_the_code_directory_exactly() {
    example
    chmod 755 hits/src/index.py
    hitc build -q hits/app.hit -o out
    key=$(python3 -c "import json; t=json.load(open('out/template.json')); print(t['Resources']['CounterFunctionCode']['Properties']['SourceKey']['Fn::Sub'])")
    mkdir unpacked
    (cd unpacked; unzip -q "../out/bundles/${key#\$\{CodePrefix\}}")
    # and the .env reader, which hitc adds to a stamped function's bundle
    cmp unpacked/hitc_env.py "$ROOT/runtime-support/python/hitc_env.py"
    cp -p unpacked/hitc_env.py hits/src/
    diff -r hits/src unpacked
    [ "$(stat -c %a unpacked/index.py)" = 755 ] || { echo "index.py is $(stat -c %a unpacked/index.py), want 755"; return 1; }
    [ "$(stat -c %a unpacked/hitc_env.py)" = 644 ] || { echo "hitc_env.py is $(stat -c %a unpacked/hitc_env.py), want 644"; return 1; }
}

one_bundle_for_a_shared_code_directory() {
    cp -r "$ROOT/tests/golden" g
    hitc build -q g/shared-code.hit -o out
    # src and ./src are one directory: one bundle for its stamped functions
    # a and b (with the .env reader), one for plain, one for the stamper.
    [ "$(ls out/bundles | wc -l)" -eq 3 ]
    python3 -c "import json; m=json.load(open('out/manifest.json')); assert sorted(b['source'] for b in m['bundles'])==['(stamper)','src','src'], m"
    python3 -c "import json; r=json.load(open('out/template.json'))['Resources']; k=[r[n]['Properties']['SourceKey'] for n in ('AFunctionCode','BFunctionCode')]; assert k[0]==k[1], k"
}

past_the_zipped_limit_is_an_error_at_the_code_line() {
    example
    head -c 52500000 /dev/urandom > hits/src/blob.bin
    expect 1 hitc build -q hits/app.hit -o out 2> err.txt     # one build: zipping 52 MB is slow
    grep -q "^hits/app.hit:11:8: error: code directory 'src': the zip is 52[0-9]\{6\} bytes, over Lambda's limit of 52428800 bytes zipped" err.txt
    [ ! -e out ]
    not ls -d out.hitc-tmp-* 2>/dev/null
}

a_link_out_of_the_code_directory_is_an_error() {
    example
    ln -s /etc/hostname hits/src/hostname
    expect 1 hitc build -q hits/app.hit -o out
    hitc build -q hits/app.hit -o out 2> err.txt || true
    grep -q "^hits/app.hit:11:8: error: symbolic link 'hostname' in code directory 'src' points outside it" err.txt
    [ ! -e out ]
}

# Past 500 resources the app is split into nested stacks (docs/scaling.md,
# tests/cli/test_stacks.sh); past 500 tables, which all stay in the root,
# it is an error, with no output.
past_500_resources_is_nested_stacks_past_500_tables_an_error() {
    python3 "$ROOT/bench/gen.py" 56 app
    hitc build -q app/app.hit -o out
    python3 -c 'import json, sys; m = json.load(open("out/manifest.json")); assert m["stacks"], m'
    python3 "$ROOT/bench/gen.py" 500 big
    expect 1 hitc build -q big/app.hit -o out2 2> err.txt
    grep -q "^big/app.hit:1:1: error: the root stack has [0-9]* resources; CloudFormation takes at most 500 in one stack" err.txt || { head -3 err.txt; return 1; }
    [ ! -e out2 ]
    python3 "$ROOT/bench/gen.py" 54 ok
    hitc check ok/app.hit
}

a_big_template_is_deployed_through_s3() {
    example
    long=$(printf 'x%.0s' $(seq 1000))
    for i in $(seq 60); do echo "output o$i = \"$long\""; done >> hits/app.hit
    hitc build hits/app.hit -o out > stdout.txt 2> err.txt
    grep -q "warning: the template is [0-9]* bytes, over the 51200 that CloudFormation takes inline" err.txt
    grep -q -- "--s3-bucket \$BUCKET" stdout.txt
    expect 1 hitc check --strict hits/app.hit
}

a_flood_of_errors_is_cut_short_in_every_format() {
    for i in $(seq 150); do echo "tabel t$i { key id: string }"; done > many.hit
    expect 1 hitc check many.hit
    hitc check many.hit 2> err.txt || true
    [ "$(grep -c ': error: ' err.txt)" -eq 100 ] || return 1
    grep -q "^hitc: 50 more diagnostics not shown; hitc shows the first 100, so fix these and run it again$" err.txt || return 1
    grep -q "^150 errors, 0 warnings$" err.txt || return 1
    hitc check --format json many.hit 2> err.json || true
    python3 -c "import json; d = json.load(open('err.json')); assert len(d) == 101 and d[-1]['code'] == 'N0008' and d[-1]['count'] == 50, d[-1]"
}

a_file_of_nul_bytes_is_one_error() {
    head -c 30000 /dev/zero > zeros.hit
    expect 1 hitc check zeros.hit
    hitc check zeros.hit 2> err.txt || true
    grep -q "^zeros.hit:1:1: error: 30000 unexpected characters, the first U+0000$" err.txt
    [ "$(wc -l < err.txt)" -eq 4 ]
}

# scripts/deps.sh with shims: every package reported missing.
deps_shims() {
    mkdir -p shims
    printf '#!/bin/sh\nexit 1\n' > shims/dpkg-query
    printf '#!/bin/sh\necho %s\n' "$1" > shims/id
    printf '#!/bin/sh\necho "$@" >> "%s/apt.log"\n' "$PWD" > shims/apt-get
    chmod +x shims/*
}

deps_not_root_prints_the_exact_command() {
    deps_shims 1000
    expect 1 env PATH="$PWD/shims:$PATH" bash "$ROOT/scripts/deps.sh" 2> err.txt
    grep -q "^deps: missing pkg-config libyaml-dev libcjson-dev libpcre2-dev libzip-dev libssl-dev zlib1g-dev libmicrohttpd-dev; run: sudo apt-get install -y pkg-config libyaml-dev libcjson-dev libpcre2-dev libzip-dev libssl-dev zlib1g-dev libmicrohttpd-dev$" err.txt
    [ ! -e apt.log ]
}

deps_root_installs_what_is_missing() {
    deps_shims 0
    env PATH="$PWD/shims:$PATH" bash "$ROOT/scripts/deps.sh" 2> err.txt
    grep -q "^update -qq$" apt.log
    grep -q "^install -y pkg-config libyaml-dev libcjson-dev libpcre2-dev libzip-dev libssl-dev zlib1g-dev libmicrohttpd-dev -qq$" apt.log
}

deps_present_says_nothing() {
    bash "$ROOT/scripts/deps.sh" > out.txt 2>&1
    [ ! -s out.txt ]
}

for c in help_tells_the_commands every_command_is_told_everywhere unknown_command_suggests_or_lists version_prints bad_usage_exits_2 missing_file_is_an_io_error \
    build_writes_template_manifest_bundles the_stamper_bundle_holds_the_stamper quiet_build_prints_nothing \
    stdout_build_writes_nothing_else failed_build_leaves_the_output_as_it_was rebuild_replaces_the_output_whole \
    refuses_to_replace_a_directory_it_did_not_write output_over_a_file_is_refused unwritable_parent_fails_cleanly \
    check_writes_nothing_and_passes check_takes_many_files_and_reports_each strict_turns_warnings_into_failure \
    json_diagnostics sarif_diagnostics color_only_on_a_terminal graph_prints_dot check_and_graph_report_id_clashes diagnostics_doc_matches_the_table \
    every_allocation_goes_through_the_oom_policy \
    error_exit_writes_no_output bundle_holds_the_code_directory_exactly one_bundle_for_a_shared_code_directory \
    past_the_zipped_limit_is_an_error_at_the_code_line a_link_out_of_the_code_directory_is_an_error \
    past_500_resources_is_nested_stacks_past_500_tables_an_error a_big_template_is_deployed_through_s3 \
    a_flood_of_errors_is_cut_short_in_every_format a_file_of_nul_bytes_is_one_error \
    deps_not_root_prints_the_exact_command deps_root_installs_what_is_missing deps_present_says_nothing; do
    t_clean
    t "$c"
done
end

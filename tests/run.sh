#!/usr/bin/env bash
# tests/run.sh: every test suite of hitc, one runner.
#
# usage: tests/run.sh [SUITE...]     (default: all suites but cli, which asan runs)
#        tests/run.sh --all-but SUITE...   (make check: --all-but e2e)
# suites: unit golden errors cli hitlint agree fmt lint determinism grammar recipe stamper plugin example runtimes local stacks e2e
#         asan (unit golden errors cli again, with ./hitc-asan and build-asan/)
#         valgrind (unit and golden again, under valgrind)
#         fuzz (libFuzzer with ASan+UBSan over every compile phase, and over the
#               template reader: a fixed seed and number of runs, seeded with
#               every .hit input and the lint cases, so it repeats)
# env:    HITC=path      the binary under test (default ./hitc)
#         WRAP="cmd"     run every hitc call under cmd (valgrind, say)
#         UPDATE=1       rewrite golden and error expectations; review the diff
#         HITC_JOBS=N    suites run side by side (default 2; 1 runs them in turn)
#         HITC_SUITE_TIMEOUT, HITC_CASE_TIMEOUT   seconds (defaults below)
#
# Prints PASS name / FAIL name (with a diff) per case and ends with
# "N passed, N failed".  Exits 1 when a case failed or no case ran.
#
# Two or more suites go through a queue of HITC_JOBS workers: each suite is
# this script again with that one suite, under `timeout`, its output kept and
# printed whole when it ends, its counts folded in; a table of each suite's
# time closes the run.  Suites that mostly wait (e2e, local, plugin, stamper,
# example) then run beside the ones that compute.  Adding a suite: a run_NAME
# function and its name in ALL below.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HITC=${HITC:-$ROOT/hitc}
case $HITC in /*) ;; *) HITC=$ROOT/$HITC ;; esac
WRAP=${WRAP:-}
B=${B:-build}
export NO_COLOR=1 PYTHONDONTWRITEBYTECODE=1
# Bounds on hangs, never on speed (a busy machine is slow: e2e took over 40
# minutes on two cores loaded 8 deep): a suite, one command of a suite (a
# CLI script, a Python directory), one hitc call.
SUITE_TIMEOUT=${HITC_SUITE_TIMEOUT:-5400}
CASE_TIMEOUT=${HITC_CASE_TIMEOUT:-1200}
HITC_TIMEOUT=300
passed=0
failed=0
TMP=$(mktemp -d /tmp/hitc-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# Builds keep a bundle cache (docs/bundles.md): each run of the suites has
# its own, so runs side by side never share one, and none reaches ~/.cache.
export XDG_CACHE_HOME=$TMP/cache
unset HITC_CACHE_DIR HITC_NO_CACHE

PFX=""   # prefix of case names while a suite runs again (asan/, valgrind/)
pass() { passed=$((passed + 1)); echo "PASS $PFX$1"; }
fail() { failed=$((failed + 1)); echo "FAIL $PFX$1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/    /'; return 0; }
hitc() { timeout -k 10 "$HITC_TIMEOUT" $WRAP "$HITC" "$@"; }

# Run a command whose output ends in "N passed, N failed"; fold its counts in.
# A command that outlives CASE_TIMEOUT fails, with the cases it had done.
suite_cmd() {
    local name=$1; shift
    local out rc
    out=$(timeout -k 30 "$CASE_TIMEOUT" "$@" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^(PASS|FAIL) ' | sed -E "s#^(PASS|FAIL) #\1 $PFX$name: #"
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "$name" "timed out after $CASE_TIMEOUT s; its last lines:
$(printf '%s\n' "$out" | tail -20)"
        return
    fi
    local last p f
    last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
    if [ -z "$last" ]; then
        fail "$name" "no summary line; output was:
$(printf '%s\n' "$out" | tail -30)"
        return
    fi
    p=${last%% passed*}; f=${last#*, }; f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail "$name" "exited $rc; output:
$(printf '%s\n' "$out" | tail -30)"
    fi
    [ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -vE '^(PASS) ' | tail -60 | sed 's/^/    /'
    return 0
}

run_unit() {
    local t
    for t in "$ROOT/$B"/test_*; do
        [ -x "$t" ] || continue
        suite_cmd "unit/$(basename "$t")" $WRAP "$t"
    done
}

# Golden: tests/golden/NAME.hit -> NAME.expected.json, byte for byte; the
# examples too, as tests/golden/example-NAME.expected.json.
golden_cases() {
    local f
    for f in tests/golden/*.hit; do echo "$f ${f%.hit}.expected.json"; done
    for f in examples/*/app.hit; do
        local n; n=$(basename "$(dirname "$f")")
        echo "$f tests/golden/example-$n.expected.json"
    done
}

run_golden() {
    local src want got
    while read -r src want; do
        got=$TMP/golden.json
        if ! hitc build "$src" -o - > "$got" 2> "$TMP/golden.err"; then
            fail "golden: $src" "hitc failed: $(cat "$TMP/golden.err")"; continue
        fi
        if [ -s "$TMP/golden.err" ]; then
            fail "golden: $src" "unexpected diagnostics: $(cat "$TMP/golden.err")"; continue
        fi
        [ "${UPDATE:-}" = 1 ] && cp "$got" "$want"
        if d=$(diff -u "$want" "$got" 2>&1); then pass "golden: $src"; else fail "golden: $src" "$d"; fi
    done < <(golden_cases)
}

# Errors: tests/errors/NAME.hit with the whole expected stderr in
# NAME.expected; exit 1 and no output directory.
run_errors() {
    local f name want got rc
    for f in tests/errors/*.hit; do
        name=$(basename "$f" .hit)
        want=tests/errors/$name.expected
        rm -rf "$TMP/err-out"
        got=$(cd tests/errors && hitc build "$name.hit" -o "$TMP/err-out" 2>&1 >/dev/null); rc=$?
        [ "${UPDATE:-}" = 1 ] && printf '%s\n' "$got" > "$want"
        if [ "$rc" -ne 1 ]; then fail "errors: $name" "exit status $rc, want 1"; continue; fi
        if [ -e "$TMP/err-out" ]; then fail "errors: $name" "output was written"; continue; fi
        if d=$(diff -u "$want" <(printf '%s\n' "$got")); then pass "errors: $name"; else fail "errors: $name" "$d"; fi
    done
}

# hitc lint: tests/lint/NAME.yaml|json with the whole expected stderr in
# NAME.expected; exit 1 when it holds an error, else 0.  Then every golden
# template passes `hitc lint --strict` (hitc's output lints clean).
run_hitlint() {
    local f name want got rc wrc
    for f in tests/lint/*.yaml tests/lint/*.json; do
        name=$(basename "$f"); name=${name%.*}
        want=tests/lint/$name.expected
        got=$(cd tests/lint && hitc lint "$(basename "$f")" 2>&1 >/dev/null); rc=$?
        [ "${UPDATE:-}" = 1 ] && printf '%s\n' "$got" > "$want"
        wrc=0; grep -q ': error: ' "$want" && wrc=1
        if [ "$rc" -ne "$wrc" ]; then fail "hitlint: $name" "exit status $rc, want $wrc"; continue; fi
        if d=$(diff -u "$want" <(printf '%s\n' "$got")); then pass "hitlint: $name"; else fail "hitlint: $name" "$d"; fi
    done
    local t out
    for t in tests/golden/*.expected.json; do
        if out=$(hitc lint --strict "$t" 2>&1); then pass "hitlint: golden $t"; else fail "hitlint: golden $t" "$out"; fi
    done
}

# Every tests/cli/test_*.sh but the determinism suite, which runs on its own.
run_cli() {
    local f
    for f in tests/cli/test_*.sh; do
        [ "$f" = tests/cli/test_determinism.sh ] && continue
        suite_cmd "cli/$(basename "$f" .sh)" env HITC="$HITC" WRAP="$WRAP" bash "$f"
    done
}

# split_app DIR: DIR/app.hit, 120 functions behind REST routes and a table,
# built into DIR/out: a root stack and nested stacks.
split_app() {
    mkdir -p "$1/src"
    echo 'def handler(e, c): return {"statusCode": 200}' > "$1/src/index.py"
    python3 - "$1/app.hit" <<'PY'
import sys
out = ['app split "past 500 resources"', "", "table counts {", "  key name: string", "}", ""]
for i in range(120):
    out += [f"function f{i} {{", "  runtime python3.12", "  handler index.handler", '  code "src"',
            "  env { T = counts.name }", "  allow counts readwrite", "}",
            f"route GET /c{i}/{{name}} -> f{i}", ""]
out.append("output url = api.url")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
    hitc build -q "$1/app.hit" -o "$1/out" 2> /dev/null || { fail "cfn-lint: the split app builds"; return 1; }
}

# One checker (issue 14): whatever build accepts, hitc lint --strict finds
# nothing in.  Every example, golden and e2e app is built (-o -: the
# template on stdout, nothing written), and so are 300 generated apps
# (tests/agree/gen.py, a fixed seed): the valid ones must build with
# --strict, the broken ones (a cycle through a function's role, a name the
# template lacks, a misspelt function) must be refused for that reason.
# Then one hitc lint --strict reads every template written, each with its
# own verdict.
agree_build() {     # DIR FILE OUT: build DIR/FILE's template into OUT
    (cd "$1" && timeout 60 "$HITC" build --strict "$2" -o -) > "$3" 2> "$3.err"
}

run_agree() {
    local d=$TMP/agree f out expect why rc t
    local -a templates=() names=()
    rm -rf "$d"; mkdir -p "$d/known"
    if ! timeout 60 python3 tests/agree/gen.py 300 "$d/gen"; then fail "agree: gen.py"; return; fi
    for f in examples/*/app.hit tests/golden/*.hit tests/e2e/apps/*/app.hit; do
        out=$d/known/$(printf '%s' "${f%.hit}" | tr / _).json
        if agree_build "$(dirname "$f")" "$(basename "$f")" "$out"; then
            templates+=("$out"); names+=("$f")
        elif (cd "$(dirname "$f")" && timeout 60 "$HITC" build "$(basename "$f")" -o -) > "$out" 2> "$out.err"; then
            templates+=("$out"); names+=("$f")      # its warnings are meant
        else
            fail "agree: $f" "build failed: $(head -20 "$out.err")"
        fi
    done
    for f in "$d"/gen/app*; do
        expect=$(cat "$f/expect"); out=$f/template.json
        agree_build "$f" app.hit "$out"; rc=$?
        case $expect in
        valid)
            if [ "$rc" -eq 0 ]; then templates+=("$out"); names+=("gen/${f##*/}")
            else fail "agree: gen/${f##*/}" "build --strict refused a valid app: $(head -20 "$out.err")"; fi ;;
        *)
            case $expect in
            *cycle) why="error: dependency cycle: " ;;
            *unknown-ref) why="is not defined; did you mean" ;;
            *) why="error: unknown intrinsic function 'Fn::Joinn'" ;;
            esac
            if [ "$rc" -eq 1 ] && [ ! -s "$out" ] && grep -qF "$why" "$out.err"; then pass "agree: gen/${f##*/} refused ($expect)"
            else fail "agree: gen/${f##*/}" "$expect: build exited $rc, want 1 with '$why'; $(head -20 "$out.err")"; fi ;;
        esac
    done
    if [ ${#templates[@]} -lt 250 ]; then fail "agree" "only ${#templates[@]} templates built"; return; fi
    timeout 120 "$HITC" lint --strict "${templates[@]}" > "$d/lint.txt" 2>&1; rc=$?
    local i bad=0
    for i in "${!templates[@]}"; do
        t=${templates[$i]}
        if grep -qF -- "$t:" "$d/lint.txt"; then
            bad=1; fail "agree: ${names[$i]}" "build accepted it, hitc lint --strict did not: $(grep -F -- "$t:" "$d/lint.txt" | head -10)"
        else
            pass "agree: ${names[$i]}"
        fi
    done
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then fail "agree: lint" "exit $rc: $(tail -20 "$d/lint.txt")"; fi
}

# Every emitted template passes cfn-lint with no errors and no warnings.  One
# cfn-lint for all of them (it takes seconds to start); its parseable lines
# begin with the template's path, so each template still gets its own verdict,
# and a line that names none of them fails the run.
run_lint() {
    local src want out rc mine rest files=()
    while read -r src want; do files+=("$want"); done < <(golden_cases)
    # An app past 500 resources (docs/scaling.md): its root and a nested stack of
    # each kind, a function shard and a path shard.
    split_app "$TMP/split" || return
    files+=("$TMP/split/out/template.json"
            $(jq -r '[.stacks[] | select(.logical | test("^Shard"))][0].file, [.stacks[] | select(.logical | test("^Paths"))][0].file' \
                 "$TMP/split/out/manifest.json" | sed "s#^#$TMP/split/out/#"))
    out=$(cfn-lint --format parseable -- "${files[@]}" 2>&1); rc=$?
    rest=$out
    for want in "${files[@]}"; do
        mine=$(printf '%s\n' "$out" | awk -v p="$want:" 'index($0, p) == 1')
        rest=$(printf '%s\n' "$rest" | awk -v p="$want:" 'index($0, p) != 1')
        if [ -z "$mine" ]; then pass "cfn-lint: $want"; else fail "cfn-lint: $want" "$mine"; fi
    done
    if [ -n "$rest" ] || { [ "$rc" -ne 0 ] && [ -z "$out" ]; }; then
        fail "cfn-lint: all templates" "exit $rc; lines naming no template:
$rest"
    fi
}

run_fmt()      { suite_cmd fmt env HITC="$HITC" WRAP="$WRAP" bash tests/fmt/check.sh; }
run_determinism() { suite_cmd determinism env HITC="$HITC" bash tests/cli/test_determinism.sh; }
run_grammar()  { suite_cmd grammar env HITC="$HITC" python3 tests/pyrunner.py tests/grammar; }
# docs/architecture.md's kind recipe, followed in a scratch copy and built.
run_recipe()   { suite_cmd recipe timeout 600 bash tests/recipe/run.sh; }
run_stamper()  { suite_cmd stamper python3 tests/pyrunner.py tests/stamper; }
run_plugin()   { suite_cmd plugin/python python3 tests/pyrunner.py tests/plugin; suite_cmd plugin/node bash tests/plugin/run_node.sh; }
run_example()  { suite_cmd example python3 tests/pyrunner.py tests/example; }
run_runtimes() { suite_cmd runtimes env HITC="$HITC" python3 tests/pyrunner.py tests/runtimes; }
# Its cases are bounded one by one (pyrunner.py); the whole, only as a suite is.
run_local()    { CASE_TIMEOUT=$SUITE_TIMEOUT suite_cmd local env HITC="$HITC" python3 tests/pyrunner.py tests/local; }
# Split apps (docs/scaling.md): the placement property, bounded in time.
run_stacks()   { suite_cmd stacks timeout 600 python3 tests/stacks/property.py "$HITC"; }
# The e2e suite in two shards side by side, each with its own local cloud: each
# takes the next part (an app, the triggers, plugin failures, the harness's
# self-tests) when it is free (HITC_E2E_CLAIMS in tests/e2e/run.sh), so every
# part runs in one shard and both end about together.
run_e2e() {
    local d k pids=() rcs=()
    d=$(mktemp -d)
    mkdir "$d/claims"
    for k in 1 2; do
        env HITC="$HITC" HITC_E2E_CLAIMS="$d/claims" bash tests/e2e/run.sh > "$d/$k" 2>&1 &
        pids+=($!)
    done
    for k in 0 1; do wait "${pids[$k]}"; rcs+=($?); done
    for k in 1 2; do
        suite_cmd "e2e/$k" sh -c 'cat "$1"; exit "$2"' sh "$d/$k" "${rcs[$((k - 1))]}"
    done
    local want ran
    want=$(HITC_E2E_PARTS=1 bash tests/e2e/run.sh | sort)
    ran=$(sed -n 's/^-- part \([^:]*\): .*/\1/p' "$d/1" "$d/2" | sort)
    if [ -n "$want" ] && [ "$want" = "$ran" ]; then pass "e2e: every part ran, in one shard"
    else fail "e2e: every part ran, in one shard" "parts: $(echo $want)
ran:   $(echo $ran)"; fi
    rm -rf "$d"
}

# The C-facing suites again under AddressSanitizer and UBSan.
run_asan() {
    if [ ! -x "$ROOT/hitc-asan" ]; then fail "asan" "./hitc-asan is missing: run 'make asan' first"; return; fi
    local h=$HITC b=$B
    HITC=$ROOT/hitc-asan B=build-asan PFX=asan/
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    run_unit; run_golden; run_errors; run_cli
    HITC=$h B=$b PFX=
}

# ... and under valgrind, the unit tests and the golden builds (ASan covers
# the error paths): any error or definite leak fails the case.
run_valgrind() {
    if ! command -v valgrind >/dev/null; then fail "valgrind" "valgrind is not installed (apt-get install valgrind)"; return; fi
    local w=$WRAP
    WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" PFX=valgrind/
    run_unit; run_golden
    WRAP=$w PFX=
}

# A short, repeatable libFuzzer run of each fuzzer: any crash, leak or
# sanitizer report fails.  The seeds are inputs of the kind each one reads
# (.hit files; the lint cases' templates), copied into the corpus directory.
run_fuzz() {
    fuzz_one compile 4000 tests/fuzz/seeds tests/golden tests/errors examples -name '*.hit'
    fuzz_one cfn 2000 tests/lint -name '*.yaml' -o -name '*.json'
}

# fuzz_one NAME RUNS DIR... -name PATTERN...: build-fuzz/fuzz_NAME, RUNS runs
# from a fixed seed, its corpus the files find(1) picks under the DIRs.
fuzz_one() {
    local name=$1 runs=$2 f=$ROOT/build-fuzz/fuzz_$1 dirs=() out rc
    shift 2
    while [ $# -gt 0 ] && [ "${1:0:1}" != - ]; do dirs+=("$1"); shift; done
    if [ ! -x "$f" ]; then fail "fuzz: $name" "build-fuzz/fuzz_$name is missing: run 'make fuzzer' first"; return; fi
    mkdir -p "$TMP/fuzz-$name"
    find "${dirs[@]}" -type f \( "$@" \) | while read -r seed; do
        cp "$seed" "$TMP/fuzz-$name/${seed//\//_}"
    done
    # The same flags as `make fuzz` (Makefile, FUZZ_FLAGS): a 60 s timeout
    # that catches hangs, not a loaded machine; inputs up to 1 MB; the
    # language's dictionary (for the compiler); seeds with deep nesting.
    local dict=()
    [ "$name" = compile ] && dict=(-dict="$ROOT/tests/fuzz/hit.dict")
    out=$(cd "$TMP/fuzz-$name" && timeout -k 30 "$CASE_TIMEOUT" "$f" -seed=1 -runs="$runs" -timeout=60 \
          -rss_limit_mb=2048 -max_len=1048576 "${dict[@]}" . 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q "^Done $runs runs"; then
        pass "fuzz: $name, $runs runs from the seed corpus"
    else
        fail "fuzz: $name" "exit $rc; $(printf '%s\n' "$out" | grep -vE '^#[0-9]+' | tail -40)"
    fi
}

# The suites, in the order they start: the longest first, so that the two
# workers finish together.  cli runs once, under ASan (in asan).
ALL=(e2e asan local valgrind fuzz example agree recipe plugin stamper runtimes lint fmt
     stacks determinism grammar unit golden errors hitlint)

# run_one SUITE: the suite itself, in this process.
run_one() {
    echo "== $1"
    "run_$1"
    echo "$passed passed, $failed failed"
    times > "$TMP/times"        # not in a pipe: a subshell has no children
    tail -1 "$TMP/times" | sed 's/^/cpu: /'     # its children's user and system time
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

# queue SUITE...: every suite through the workers (see the top of this file).
queue() {
    local jobs=${HITC_JOBS:-2} s pid q=$TMP/queue running=0
    declare -A name_of
    mkdir -p "$q"
    for s in "$@"; do
        declare -F "run_$s" > /dev/null || { fail "$s" "no suite named '$s'"; continue; }
        if [ "$running" -ge "$jobs" ]; then wait -n -p pid; finish "${name_of[$pid]}"; running=$((running - 1)); fi
        ( t0=$EPOCHREALTIME
          timeout -k 30 "$SUITE_TIMEOUT" "$0" "$s" > "$q/$s.out" 2>&1
          echo "$? $t0 $EPOCHREALTIME" > "$q/$s.rc" ) &
        name_of[$!]=$s; running=$((running + 1))
    done
    while [ "$running" -gt 0 ]; do wait -n -p pid; finish "${name_of[$pid]}"; running=$((running - 1)); done
    table "$@"
}

# finish SUITE: print its output whole and fold its counts in.
finish() {
    local s=$1 q=$TMP/queue rc t0 t1 last p=0 f=0
    read -r rc t0 t1 < "$q/$s.rc"
    grep -v '^cpu: ' "$q/$s.out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$q/$s.out" | tail -1)
    if [ -n "$last" ]; then p=${last%% passed*}; f=${last#*, }; f=${f%% failed*}; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "$s" "the suite timed out after $SUITE_TIMEOUT s"; f=$((f + 1))
    elif [ -z "$last" ]; then
        fail "$s" "no summary line (exit $rc)"; f=$((f + 1))
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail "$s" "exited $rc"; f=$((f + 1))
    fi
    echo "$s $t0 $t1 $p $f $(sed -n 's/^cpu: //p' "$q/$s.out")" >> "$q/times"
}

# table SUITE...: each suite's wall and CPU time (its processes' user+system),
# in the order given, and the run's.
table() {
    local s
    echo "== time per suite (seconds)"
    for s in "$@"; do grep "^$s " "$TMP/queue/times"; done | awk '
        function secs(t,  m) { m = t; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", t); sub(/s$/, "", t); return m * 60 + t }
        BEGIN { printf "%-12s %8s %8s %7s %7s\n", "suite", "wall", "cpu", "passed", "failed" }
        { cpu = secs($6) + secs($7); t0 = (NR == 1 || $2 < t0) ? $2 : t0; t1 = ($3 > t1) ? $3 : t1; c += cpu
          printf "%-12s %8.1f %8.1f %7d %7d\n", $1, $3 - $2, cpu, $4, $5 }
        END { printf "%-12s %8.1f %8.1f\n", "all", t1 - t0, c }'
}

if [ $# -eq 1 ]; then
    declare -F "run_$1" > /dev/null || { echo "tests/run.sh: no suite named '$1'" >&2; exit 2; }
    run_one "$1"
    exit
fi
[ $# -eq 0 ] && set -- "${ALL[@]}"
if [ "$1" = --all-but ]; then       # every suite but those named (make check)
    shift; but=" $* "; set --
    for s in "${ALL[@]}"; do [[ $but == *" $s "* ]] || set -- "$@" "$s"; done
fi
queue "$@"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

#!/usr/bin/env bash
# tests/run.sh: every test suite of hitc, one runner.
#
# usage: tests/run.sh [SUITE...]     (default: all suites, in order)
# suites: unit golden errors cli hitlint agree fmt lint determinism grammar recipe stamper plugin example runtimes e2e
#         asan (unit golden errors cli again, with ./hitc-asan and build-asan/)
#         valgrind (unit golden errors again, under valgrind)
#         fuzz (libFuzzer with ASan+UBSan over every compile phase: a fixed
#               seed and number of runs, seeded with the golden, error and
#               example inputs, so it repeats)
# env:    HITC=path      the binary under test (default ./hitc)
#         WRAP="cmd"     run every hitc call under cmd (valgrind, say)
#         UPDATE=1       rewrite golden and error expectations; review the diff
#
# Prints PASS name / FAIL name (with a diff) per case and ends with
# "N passed, N failed".  Exits 1 when a case failed or no case ran.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HITC=${HITC:-$ROOT/hitc}
case $HITC in /*) ;; *) HITC=$ROOT/$HITC ;; esac
WRAP=${WRAP:-}
B=${B:-build}
export NO_COLOR=1 PYTHONDONTWRITEBYTECODE=1
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
hitc() { $WRAP "$HITC" "$@"; }

# Run a command whose output ends in "N passed, N failed"; fold its counts in.
suite_cmd() {
    local name=$1; shift
    local out rc
    out=$("$@" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^(PASS|FAIL) ' | sed -E "s#^(PASS|FAIL) #\1 $PFX$name: #"
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
run_local()    { suite_cmd local env HITC="$HITC" python3 tests/pyrunner.py tests/local; }
# The e2e suite in two shards side by side, each with its own local cloud: the
# parts (apps, triggers, plugin failures, the harness's self-tests) are dealt out
# in turn (HITC_E2E_SHARD in tests/e2e/run.sh), so every part runs in one shard.
run_e2e() {
    local d k pids=() rcs=()
    d=$(mktemp -d)
    for k in 1 2; do
        env HITC="$HITC" HITC_E2E_SHARD="$k/2" bash tests/e2e/run.sh > "$d/$k" 2>&1 &
        pids+=($!)
    done
    for k in 0 1; do wait "${pids[$k]}"; rcs+=($?); done
    for k in 1 2; do
        suite_cmd "e2e/$k" sh -c 'cat "$1"; exit "$2"' sh "$d/$k" "${rcs[$((k - 1))]}"
    done
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

# ... and under valgrind: any error or definite leak fails the case.
run_valgrind() {
    if ! command -v valgrind >/dev/null; then fail "valgrind" "valgrind is not installed (apt-get install valgrind)"; return; fi
    local w=$WRAP
    WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" PFX=valgrind/
    run_unit; run_golden; run_errors
    WRAP=$w PFX=
}

# A short, repeatable libFuzzer run: any crash, leak or sanitizer report fails.
run_fuzz() {
    local f=$ROOT/build-fuzz/fuzz_compile out rc
    if [ ! -x "$f" ]; then fail "fuzz" "build-fuzz/fuzz_compile is missing: run 'make fuzzer' first"; return; fi
    mkdir -p "$TMP/fuzz"
    # The same flags as `make fuzz` (Makefile, FUZZ_FLAGS): a 60 s timeout
    # that catches hangs, not a loaded machine; inputs up to 1 MB; the
    # language's dictionary; seeds with deep nesting.
    out=$(cd "$TMP/fuzz" && "$f" -seed=1 -runs=4000 -timeout=60 -rss_limit_mb=2048 \
          -max_len=1048576 -dict="$ROOT/tests/fuzz/hit.dict" \
          "$TMP/fuzz" "$ROOT"/tests/fuzz/seeds "$ROOT"/tests/golden "$ROOT"/tests/errors \
          "$ROOT"/examples/hits 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q "^Done 4000 runs"; then
        pass "fuzz: 4000 runs from the seed corpus"
    else
        fail "fuzz" "exit $rc; $(printf '%s\n' "$out" | grep -vE '^#[0-9]+' | tail -40)"
    fi
}

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit golden errors cli hitlint agree fmt lint determinism grammar recipe stamper plugin example runtimes local e2e asan valgrind fuzz)
for s in "${suites[@]}"; do
    echo "== $s"
    "run_$s"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

#!/usr/bin/env bash
# test_limits.sh: hostile and careless input stays bounded (issue 6, part 2).
#
# Each case runs hitc under `bounded`: at most 60 s, and a peak resident
# memory of at most 1 GB (3 GB for the ASan build, whose shadow memory and
# quarantine cost more); the plain build also gets 1 GB of address space,
# so a blow-up fails fast instead of swapping.  The time limit detects
# hangs, not speed: the linear code takes well under a second for each of
# these inputs, the quadratic code took minutes.  Every check is written
# `cmd || { echo why; return 1; }` so that each one counts, not only a
# case's last line.
source "$(dirname "$0")/lib.sh"

ASAN=0
grep -q __asan_init "$HITC" 2>/dev/null && ASAN=1
MAX_RSS_KB=$(( ASAN ? 3 * 1048576 : 1048576 ))

# bounded ARGS...: hitc within the limits above; the exit status is hitc's,
# 124 on a timeout, or 128+N on signal N (139: a crash).  The peak RSS in
# KB goes to rss.txt.
bounded() {
    python3 - "$ASAN" $WRAP "$HITC" "$@" <<'PY'
import resource, subprocess, sys
asan, cmd = sys.argv[1] == "1", sys.argv[2:]
def limit():
    if not asan:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
try:
    rc = subprocess.run(cmd, preexec_fn=limit, timeout=60, close_fds=False).returncode
except subprocess.TimeoutExpired:
    rc = 124
open("rss.txt", "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(128 - rc if rc < 0 else rc)
PY
}

# status WANT ARGS...: run bounded hitc; fail unless it exits with WANT
# within the memory bound.
status() {
    local want=$1 rc=0 rss; shift
    bounded "$@" 2> err.txt || rc=$?
    [ "$rc" -eq "$want" ] || { echo "hitc $* exited $rc, want $want"; head -c 2000 err.txt; return 1; }
    rss=$(cat rss.txt)
    [ "$rss" -le "$MAX_RSS_KB" ] || { echo "hitc $* peaked at $rss KB, over $MAX_RSS_KB"; return 1; }
}

has() { grep -qF -- "$1" "${2:-err.txt}" || { echo "no '$1' in ${2:-err.txt}:"; head -c 2000 "${2:-err.txt}"; return 1; }; }

src() { mkdir -p src && touch src/index.py; }

# A function to route to, for the route cases.
fn_head() {
    printf 'function f {\n  runtime python3.12\n  handler index.handler\n  code "src"\n}\n'
}

# Reproduction: python3 -c "print('a ' + '{\n' * 75000)" > deep.hit;
# hitc check deep.hit -> exit 139 (the parser recursed once per level).
deep_braces_are_an_error_not_a_crash() {
    python3 -c "import sys; sys.stdout.write('app x \"y\"\ntable t ' + '{\n' * 75000)" > deep.hit
    status 1 check deep.hit || return 1
    has "deep.hit:66:1: error: '{' nested 65 deep; hitc takes at most 64 levels of '{' and '[' (the outermost opened at line 2)" || return 1
    has "deep.hit:2:9: note: the outermost '{' opened here" || return 1
}

# Reproduction: python3 -c "print('output o = ' + '[' * 114000)" > deep.hit;
# hitc check deep.hit -> exit 139.
deep_brackets_are_an_error_not_a_crash() {
    python3 -c "import sys; sys.stdout.write('output o = ' + '[' * 114000 + '\n')" > deep.hit
    status 1 check deep.hit || return 1
    has "deep.hit:1:76: error: '[' nested 65 deep" || return 1
    status 1 check --format json deep.hit || return 1
    python3 -c "import json; d = json.load(open('err.txt')); assert d[0]['code'] == 'E0104', d" || return 1
}

# 64 levels are within the limit: the error is about the value, not depth.
sixty_four_levels_are_fine() {
    python3 -c "import sys; sys.stdout.write('output o = ' + '[' * 64 + ']' * 64 + '\n')" > ok.hit
    status 1 check ok.hit || return 1
    if grep -q "nested" err.txt; then echo "64 levels refused:"; cat err.txt; return 1; fi
}

# Reproduction: hitc check /dev/zero -> reads until memory runs out.
dev_zero_stops_at_the_limit() {
    status 1 check /dev/zero || return 1
    has "hitc: error: '/dev/zero' is larger than 16 MB, the most hitc reads" || return 1
}

# A file that never ends (a pipe here; a growing log file alike): the read
# stops at 16 MB, whatever the file's size claims.
an_endless_pipe_stops_at_the_limit() {
    status 1 check <(yes 'table t { key id: string }') || return 1
    has "is larger than 16 MB, the most hitc reads" || return 1
}

a_file_just_over_the_limit_is_refused() {
    { echo 'table t {'; echo '  key id: string'; echo '}'; } > big.hit
    head -c $((16 * 1024 * 1024)) /dev/zero | tr '\0' '#' >> big.hit
    status 1 check big.hit || return 1
    has "'big.hit' is larger than 16 MB" || return 1
    # ... and one just under it is read (a comment of 16 MB less a little).
    { echo 'table t {'; echo '  key id: string'; echo '}'; } > ok.hit
    head -c $((16 * 1024 * 1024 - 100)) /dev/zero | tr '\0' '#' >> ok.hit
    status 0 check ok.hit || return 1
}

# Reproduction: a route with a 40 KB path (/a/a/a/...) used 2.8 GB: every
# prefix of the path was spelled out again for every segment.
a_long_route_path_is_refused_in_bounded_memory() {
    src
    { fn_head; printf 'route GET '; python3 -c "import sys; sys.stdout.write('/a' * 20000)"; printf ' -> f\n'; } > long.hit
    status 1 check long.hit || return 1
    has "error: route path is 40000 characters long; API Gateway takes URLs of at most 8192" || return 1
}

# A guard, not a regression test (the old code passed it too): under the
# 8192-character limit, the deepest path (4,096 segments) still
# costs little: it is far past CloudFormation's 500 resources, said so.
the_deepest_allowed_path_is_cheap() {
    src
    { fn_head; printf 'route GET '; python3 -c "import sys; sys.stdout.write('/a' * 4096)"; printf ' -> f\n'; } > deep.hit
    status 1 check deep.hit || return 1
    has "CloudFormation takes at most 500 in one stack" || return 1
}

# Many routes that share one long prefix: each prefix is looked at once.
# (Before: every route spelled out every prefix again: 300 routes under a
# 3,500-segment prefix, 2 MB of input, needed some 5 GB.)
routes_sharing_a_long_prefix_are_cheap() {
    src
    python3 - > shared.hit <<'PY'
import sys
sys.stdout.write('function f {\n  runtime python3.12\n  handler index.handler\n  code "src"\n}\n')
pre = '/p' * 3500
for i in range(300):
    sys.stdout.write('route GET %s/r%d -> f\n' % (pre, i))
PY
    status 1 check shared.hit || return 1
    has "CloudFormation takes at most 500 in one stack" || return 1
}

# Reproduction: 5 MB of random bytes with --format json used 2.1 GB and
# wrote 298 MB of diagnostics.  Every format now stops at 100 and ends with
# one entry that says how many were left out.
junk() { python3 -c "
import random, sys
r = random.Random(6)
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(5 * 1024 * 1024)))" > junk.hit; }

junk_as_json_is_bounded() {
    junk
    status 1 check --format json junk.hit || return 1
    size=$(wc -c < err.txt)
    [ "$size" -lt 200000 ] || { echo "json diagnostics are $size bytes"; return 1; }
    python3 - <<'PY' || return 1
import json
d = json.load(open("err.txt"))
assert len(d) == 101, len(d)
last = d[-1]
assert last["code"] == "N0008" and last["severity"] == "note", last
assert last["count"] > 0 and ("%d more diagnostics not shown" % last["count"]) in last["message"], last
assert all(e["code"] != "N0008" for e in d[:-1])
PY
}

junk_as_sarif_is_bounded() {
    junk
    status 1 check --format sarif junk.hit || return 1
    size=$(wc -c < err.txt)
    [ "$size" -lt 300000 ] || { echo "sarif diagnostics are $size bytes"; return 1; }
    python3 - <<'PY' || return 1
import json
r = json.load(open("err.txt"))["runs"][0]["results"]
assert len(r) == 101, len(r)
assert r[-1]["ruleId"] == "N0008" and r[-1]["level"] == "note", r[-1]
assert "more diagnostics not shown" in r[-1]["message"]["text"], r[-1]
PY
}

junk_as_text_is_bounded() {
    junk
    status 1 check junk.hit || return 1
    size=$(wc -c < err.txt)
    [ "$size" -lt 200000 ] || { echo "text diagnostics are $size bytes"; return 1; }
    has "more diagnostics not shown; hitc shows the first 100, so fix these and run it again" || return 1
}

# Exactly 100 diagnostics: no "left out" entry in any format.
a_hundred_diagnostics_need_no_summary() {
    for i in $(seq 100); do echo "tabel t$i { key id: string }"; done > many.hit
    status 1 check --format json many.hit || return 1
    python3 -c "import json; d = json.load(open('err.txt')); assert len(d) == 100 and d[-1]['code'] != 'N0008', len(d)" || return 1
    status 1 check many.hit || return 1
    if grep -q "not shown" err.txt; then echo "summary printed for exactly 100"; return 1; fi
}

# Reproduction (both): 100,000 params, or 100,000 env keys in one function,
# took over 120 s: each new one was compared with every earlier one.
a_hundred_thousand_params_are_linear() {
    python3 -c "
import sys
for i in range(100000): sys.stdout.write('param p%d: string = \"x\"\n' % i)
sys.stdout.write('table t {\n  key id: string\n}\n')" > params.hit
    status 1 check params.hit || return 1
    has "the template has 100001 parameters; CloudFormation takes at most 200" || return 1
}

a_hundred_thousand_env_keys_are_linear() {
    src
    python3 -c "
import sys
sys.stdout.write('table t {\n  key id: string\n}\nfunction f {\n  runtime python3.12\n  handler index.handler\n  code \"src\"\n  env {\n')
for i in range(100000): sys.stdout.write('    K%d = t.name\n' % i)
sys.stdout.write('    K7 = t.name\n  }\n}\n')" > env.hit
    status 1 check env.hit || return 1
    has "env key 'K7' is given twice" || return 1
}

# Reproduction: 200,000 params, then 200,000 'app' lines: each 'app' looked
# through every declaration for the first one (over a minute).
many_apps_are_linear() {
    python3 -c "
import sys
for i in range(200000): sys.stdout.write('param p%d: string\n' % i)
for i in range(200000): sys.stdout.write('app a%d\n' % i)" > apps.hit
    status 1 check apps.hit || return 1
    has "199999 errors, 200000 warnings" || return 1
}

# Reproduction: 20,000 tables and 20,000 outputs naming unknown tables:
# each unknown name copied the whole symbol list and searched it for a
# "did you mean" (3.2 GB).  Only diagnostics that are kept get a search.
many_unknown_names_are_linear() {
    python3 -c "
import sys
for i in range(20000): sys.stdout.write('table t%d {\n  key id: string\n}\n' % i)
for i in range(20000): sys.stdout.write('output o%d = tx%d.name\n' % (i, i))" > unknown.hit
    status 1 check unknown.hit || return 1
    has "error: unknown table 'tx0'; did you mean 't0'?" || return 1
}

for c in many_apps_are_linear many_unknown_names_are_linear deep_braces_are_an_error_not_a_crash deep_brackets_are_an_error_not_a_crash \
    sixty_four_levels_are_fine dev_zero_stops_at_the_limit an_endless_pipe_stops_at_the_limit \
    a_file_just_over_the_limit_is_refused a_long_route_path_is_refused_in_bounded_memory \
    the_deepest_allowed_path_is_cheap routes_sharing_a_long_prefix_are_cheap \
    junk_as_json_is_bounded junk_as_sarif_is_bounded junk_as_text_is_bounded \
    a_hundred_diagnostics_need_no_summary a_hundred_thousand_params_are_linear \
    a_hundred_thousand_env_keys_are_linear; do
    t "$c"
done
end

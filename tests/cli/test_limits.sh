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

# ---- issue 14, part 5: the second hostile-input review -----------------
# These cases hold hitc to 200 MB (600 MB under ASan) instead of 1 GB.
small() { MAX_RSS_KB=$(( ASAN ? 3 * 204800 : 204800 )); }

# Reproduction: this template made `hitc lint` recurse some 3^33 times (the
# implication check behind E0711 had no memory): it never finished.  A
# condition that refers to itself is an error CloudFormation gives too.
a_self_referencing_condition_is_an_error_not_a_hang() {
    small
    cat > cond.yaml <<'EOF'
Conditions:
  C: {Fn::And: [{Condition: C}, {Condition: C}, {Condition: C}]}
  D: {Fn::Equals: [a, b]}
Resources:
  A: {Type: AWS::SNS::Topic, Condition: C, DependsOn: B}
  B: {Type: AWS::SNS::Topic, Condition: D}
EOF
    status 1 lint cond.yaml || return 1
    has "cond.yaml:2:3: error: condition 'C' refers to itself: 'C' -> 'C'; CloudFormation refuses conditions that refer to themselves" || return 1
    has "cond.yaml:2:29: note: 'C' refers to 'C' here" || return 1
}

# Through others, and a wide Fn::And lattice that no cycle guards: each
# condition is looked at once per question, not once per path.
conditions_in_a_circle_and_a_wide_lattice_are_bounded() {
    small
    python3 - > lattice.yaml <<'PY'
import sys
w = sys.stdout.write
w("Conditions:\n  X: {Fn::Equals: [a, b]}\n  L0: {Fn::Equals: [a, b]}\n")
for i in range(1, 2000):
    w("  L%d: {Fn::And: [%s]}\n" % (i, ", ".join("{Condition: L%d}" % j for j in range(max(0, i - 10), i))))
w("  P: {Fn::Or: [{Condition: Q}, {Condition: X}]}\n  Q: {Fn::Not: [{Condition: P}]}\n")
w("Resources:\n  B: {Type: AWS::SNS::Topic, Condition: X}\n")
for i in range(2000):
    w("  A%d: {Type: AWS::SNS::Topic, Condition: L1999, DependsOn: B}\n" % i)
w("  Z: {Type: AWS::SNS::Topic, Condition: P}\n")
PY
    status 1 lint lattice.yaml || return 1
    has "error: conditions refer to each other in a circle: 'P' -> 'Q' -> 'P'" || return 1
    has "error: 'A0' depends on 'B', which exists only when condition 'X' is true" || return 1
}

# Reproduction: two 20 KB names, one a typo of the other, took 1.57 GB (a
# full edit-distance matrix); 8,000 typos among 8,000 names took 14 s.
did_you_mean_on_long_names_is_bounded() {
    small
    python3 - > long.json <<'PY'
import json, sys
a = "A" * 20000
json.dump({"Resources": {a: {"Type": "AWS::SNS::Topic"}},
           "Outputs": {"O": {"Value": {"Ref": a[:-1] + "B"}}}}, sys.stdout)
PY
    status 1 lint long.json || return 1
    has "error: parameter or resource 'AAAA" || return 1
}

did_you_mean_on_many_typos_is_bounded() {
    small
    python3 - > typos.yaml <<'PY'
import sys
w = sys.stdout.write
w("Resources:\n")
for i in range(8000):
    w("  Topic%05dx: {Type: AWS::SNS::Topic}\n" % i)
w("Outputs:\n  O:\n    Value: !Join ['', [")
w(", ".join("!Ref Topic%05dy" % i for i in range(8000)))
w("]]\n")
PY
    status 1 lint typos.yaml || return 1
    has "error: parameter or resource 'Topic00000y' is not defined; did you mean 'Topic00000x'?" || return 1
}

# Reproduction: 10,000 resources that each depend on themselves took
# 1.66 GB: each cycle's report allocated arrays as large as the template.
many_cycles_are_reported_in_bounded_memory() {
    small
    python3 -c "
import sys
sys.stdout.write('Resources:\n')
for i in range(10000): sys.stdout.write('  R%d: {Type: AWS::SNS::Topic, DependsOn: R%d}\n' % (i, i))" > self.yaml
    status 1 lint self.yaml || return 1
    has "self.yaml:2:3: error: dependency cycle: 'R0' -> 'R0'" || return 1
    has "9901 more diagnostics not shown" || return 1
}

# Reproduction: a fragment of 100,000 resources, each DependsOn the one
# after, so the search from the first goes 100,000 deep: graph.c's
# recursive Tarjan overflowed the stack (exit 139).
# scc.c's iterative one serves graph.c and lint alike.
a_long_dependson_chain_in_a_fragment_is_not_a_crash() {
    python3 - > chain.yaml <<'PY'
import sys
w = sys.stdout.write
w("Resources:\n")
for i in range(99999):
    w("  R%d: {Type: AWS::SNS::Topic, DependsOn: R%d}\n" % (i, i + 1))
w("  R99999: {Type: AWS::SNS::Topic}\n")
PY
    printf 'app chain\ninclude "chain.yaml"\n' > chain.hit
    status 1 check chain.hit || return 1
    has "error: the template has 100000 resources; CloudFormation takes at most 500" || return 1
    status 1 lint chain.yaml || return 1
    has "error: 100000 resources; CloudFormation takes at most 500" || return 1
}

# Reproduction: every name a fragment reads that is not an included entry
# was looked for among all of hitc's declarations, one by one (400,000
# names x 50,000 declarations: about a minute of CPU).  They are mapped
# once.  The names are the role hitc makes for 'f', which the template has,
# so nothing floods the diagnostics; under ASan, whose point here is memory
# errors, fewer.
a_fragment_of_many_names_is_linear() {
    src
    local m
    m=$(( ASAN ? 2000 : 50000 ))
    python3 - "$(( ASAN ? 10000 : 400000 ))" "$m" > names.yaml <<'PY'
import sys
n, m = int(sys.argv[1]), int(sys.argv[2])
w = sys.stdout.write
w('Resources:\n  R: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub "' + '${FFunctionRole}' * n + '"}}\n')
for i in range(m):
    w("  R%d: {Type: AWS::SNS::Topic}\n" % i)
PY
    { printf 'app names\ninclude "names.yaml"\n'; fn_head; } > names.hit
    status 1 check names.hit || return 1
    # Past 500 resources the function and its role move to a nested stack
    # (docs/scaling.md); the fragment's topics stay in the root, with the
    # nested stack's resource.
    has "error: the root stack has $(( m + 2 )) resources; CloudFormation takes at most 500" || return 1
}

# Reproduction: each ${var} of an Fn::Sub was looked for from the start of
# the string (560 KB of template: 20-25 s).  Each is found after the last.
# Q is a custom resource, which has every attribute (schema_check.c).
a_long_sub_is_linear() {
    small
    python3 - > sub.yaml <<'PY'
import sys
w = sys.stdout.write
w("Resources:\n  Q: {Type: Custom::Q, Properties: {ServiceToken: arn}}\nOutputs:\n  O:\n    Value: !Sub \"")
w(" ".join("${Q.A%d}" % i for i in range(60000)))
w(" ${Nope} ${Nope}\"\n")
PY
    status 1 lint sub.yaml || return 1
    # each unknown variable at its own place, not both at the first
    local col; col=$(python3 -c "print(len('    Value: !Sub \"') + len(' '.join('\${Q.A%d}' % i for i in range(60000))) + 4)")
    has "sub.yaml:5:$col: error: Fn::Sub variable 'Nope' is not defined" || return 1
    has "sub.yaml:5:$((col + 8)): error: Fn::Sub variable 'Nope' is not defined" || return 1
}

# Reproduction: 40,000 params whose names collide in the name tables' hash
# (FNV-1a, unseeded: the low 17 bits of every name's hash are the same)
# took `hitc check` 214 s instead of 1.9 s.
colliding_names_are_linear() {
    small
    python3 - > collide.hit <<'PY'
import itertools, string, sys
M, P = 1 << 17, 1099511628211
PINV = pow(P, -1, M)
def fwd(h, s):
    for c in s.encode():
        h = ((h ^ c) * P) % M
    return h
first, rest = string.ascii_lowercase, string.ascii_lowercase + string.digits
starts = {}
for p in itertools.product(first, rest, rest):
    p = "".join(p)
    starts.setdefault(fwd(1469598103934665603 % M, p), []).append(p)
target, names = 12345, []
for s in itertools.product(rest, repeat=4):
    h = target
    for c in reversed("".join(s).encode()):
        h = ((h * PINV) % M) ^ c
    for p in starts.get(h, ()):
        names.append(p + "".join(s))
    if len(names) >= 40000:
        break
for n in names[:40000]:
    sys.stdout.write('param %s: string = "x"\n' % n)
sys.stdout.write("table t {\n  key id: string\n}\n")
PY
    status 1 check collide.hit || return 1
    has "the template has 40001 parameters; CloudFormation takes at most 200" || return 1
}

# Reproduction: the gcc printer wrote byte by byte to unbuffered stderr and
# printed every note: a ring of 10,000 resources made a million write
# calls.  The text is written in a few calls; notes stop at a cap.
a_ten_thousand_ring_prints_in_few_writes() {
    small
    python3 -c "
import sys
sys.stdout.write('Resources:\n')
for i in range(10000): sys.stdout.write('  R%d: {Type: AWS::SNS::Topic, DependsOn: R%d}\n' % (i, (i + 1) % 10000))" > ring.yaml
    status 1 lint ring.yaml || return 1
    has "ring.yaml:2:3: error: dependency cycle: 'R0' -> 'R1' -> 'R2'" || return 1
    has "more notes not shown" || return 1
    local notes; notes=$(grep -c ": note: " err.txt || true)
    [ "$notes" -le 50 ] || { echo "$notes notes printed"; return 1; }
    [ "$(wc -c < err.txt)" -lt 100000 ] || { echo "$(wc -c < err.txt) bytes of diagnostics"; return 1; }
    command -v strace > /dev/null || { echo "strace is missing: run scripts/deps.sh --test"; return 1; }
    strace -f -o trace.txt -e trace=write "$HITC" lint ring.yaml 2> /dev/null || true
    local writes; writes=$(grep -c 'write(2,' trace.txt || true)
    [ "$writes" -ge 1 ] || { echo "strace saw no write to stderr:"; head trace.txt; return 1; }
    [ "$writes" -le 20 ] || { echo "$writes write calls to stderr"; return 1; }
    # JSON and SARIF keep 20 notes too, and say how many were left out
    status 1 lint --format json ring.yaml || return 1
    python3 -c "
import json
d = [e for e in json.load(open('err.txt')) if e['code'] == 'E0710'][0]
assert len(d['notes']) == 21 and d['notes'][-1] == {'message': '9980 more notes not shown', 'count': 9980}, d['notes'][-1]" || return 1
    status 1 lint --format sarif ring.yaml || return 1
    python3 -c "
import json
r = [x for x in json.load(open('err.txt'))['runs'][0]['results'] if x['ruleId'] == 'E0710'][0]
assert len(r['relatedLocations']) == 21, len(r['relatedLocations'])
assert r['relatedLocations'][-1]['message']['text'] == '9980 more notes not shown', r['relatedLocations'][-1]" || return 1
}

# Reproduction: `include` read '..' and symlinks out of the project, which
# import and code refuse; a symlinked credentials file had its secret
# lines printed in the YAML error.  Both are refused unread.
an_include_outside_the_project_is_refused_unread() {
    small
    mkdir -p app/src outside
    printf '[default]\naws_secret_access_key = SECRETLINE: {x\n' > outside/credentials
    printf 'Resources:\n  Q: {Type: AWS::SQS::Queue}\n' > outside/frag.yaml
    ln -s ../outside/credentials app/creds.yaml
    touch app/src/index.py
    printf 'include "creds.yaml"\ninclude "../outside/frag.yaml"\ntable t {\n  key id: string\n}\n' > app/app.hit
    status 1 check app/app.hit || return 1
    has "app/app.hit:1:9: error: included file 'creds.yaml' is outside the project (the directory of 'app/app.hit'), through '..' or a symlink; move it into the project" || return 1
    has "app/app.hit:2:9: error: included file '../outside/frag.yaml' is outside the project" || return 1
    not grep -q SECRETLINE err.txt || return 1
    status 1 build app/app.hit -o out || return 1
    not grep -q SECRETLINE err.txt || return 1
    [ ! -e out ] || { echo "output written"; return 1; }
    # a symlink that stays inside the project is fine
    cp outside/frag.yaml app/real.yaml
    ln -s real.yaml app/link.yaml
    printf 'include "link.yaml"\ntable t {\n  key id: string\n}\n' > app/app.hit
    status 0 check app/app.hit || return 1
}

# Reproduction: a fragment that declares CodeBucket or CodePrefix (hitc's
# own parameters) was silently replaced by hitc's; one that names a
# condition or mapping no fragment gives built, and CloudFormation refused it.
a_fragment_keeps_to_its_own_names() {
    small
    src
    cat > frag.yaml <<'EOF'
Parameters:
  CodeBucket: {Type: String, Default: mine}
Conditions:
  IsProd: {Fn::Equals: [!Ref Stage, prod]}
  Both: {Fn::And: [{Condition: IsProd}, {Condition: IsProdd}]}
Mappings:
  Sizes: {dev: {n: "1"}}
Resources:
  CodePrefix: {Type: AWS::SNS::Topic}
  Q:
    Type: AWS::SQS::Queue
    Condition: Nope
    Properties:
      DelaySeconds: !If [IsProdd, 1, 2]
      QueueName: !FindInMap [Sizez, dev, n]
Outputs:
  O: {Value: !Ref Q, Condition: IsProd}
EOF
    { printf 'include "frag.yaml"\n'; fn_head; } > app.hit
    status 1 check app.hit || return 1
    has "frag.yaml:2:3: error: 'CodeBucket' is a parameter hitc makes (where the code bundles are); rename the included parameter" || return 1
    has "frag.yaml:9:3: error: 'CodePrefix' is a parameter hitc makes (where the code bundles are); rename the included resource" || return 1
    sed -i '/CodeBucket/d; /CodePrefix/d; /^Parameters/d' frag.yaml
    status 1 check app.hit || return 1
    # hitc lint's rules on the template build would write (lint_emitted)
    has "frag.yaml:3:53: error: condition 'IsProdd' is not defined; did you mean 'IsProd'?" || return 1
    has "frag.yaml:9:16: error: condition 'Nope' is not defined" || return 1
    has "frag.yaml:11:26: error: condition 'IsProdd' is not defined; did you mean 'IsProd'?" || return 1
    has "frag.yaml:12:30: error: mapping 'Sizez' is not defined; did you mean 'Sizes'?" || return 1
    has "frag.yaml:3:3: warning: condition 'Both' is never used" || return 1
    has "4 errors, 2 warnings" || return 1
}

# Reproduction: an ARN of the wrong kind built: 'on queue' with a table's
# ARN, 'on topic' with a stream's, a plugin's service with a table's.
arns_of_the_wrong_kind_are_errors() {
    small
    src
    cat > q.yaml <<'EOF'
Resources:
  Q: {Type: AWS::SQS::Queue}
  T: {Type: AWS::SNS::Topic}
EOF
    { printf 'include "q.yaml"\ntable t {\n  key id: string\n  stream new\n}\n'; fn_head
      printf 'on queue t.arn -> f\non topic t.stream -> f\non queue cfn.Q -> f\n'
      printf 'on queue "arn:aws:sns:us-east-1:123456789012:x" -> f\non queue "jobs" -> f\n'
      printf 'on queue cfn.Q.Arn -> f\non topic cfn.T -> f\non topic "arn:aws:sns:us-east-1:123456789012:x" -> f\n'
      printf 'plugin p {\n  service t.arn\n}\nplugin p2 {\n  service f.arn\n}\n'; } > app.hit
    status 1 check app.hit || return 1
    has "app.hit:11:10: error: 'on queue' takes an SQS queue's ARN, and 't.arn' is an ARN of DynamoDB, not SQS" || return 1
    has "app.hit:12:10: error: 'on topic' takes an SNS topic's ARN, and 't.stream' is an ARN of DynamoDB, not SNS" || return 1
    has "app.hit:13:10: error: 'on queue' takes an SQS queue's ARN, and 'cfn.Q' is not an ARN" || return 1
    has "app.hit:14:10: error: 'on queue' takes an SQS queue's ARN, and \"arn:aws:sns:us-east-1:123456789012:x\" is an ARN of SNS, not SQS" || return 1
    has "app.hit:15:10: error: 'on queue' takes an SQS queue's ARN, and \"jobs\" is not an ARN" || return 1
    has "app.hit:20:11: error: a plugin's service is a Lambda function's ARN, and 't.arn' is an ARN of DynamoDB, not Lambda" || return 1
    has "6 errors, 0 warnings" || return 1
}

# Reproduction: "\u0000" in an event pattern cut the string short there.
a_nul_in_an_event_pattern_is_refused() {
    small
    src
    { fn_head; printf 'on event "{\\"source\\": [\\"a\\\\u0000b\\"]}" -> f\n'; } > ev.hit
    status 1 check ev.hit || return 1
    has "ev.hit:6:10: error: the event pattern is not valid JSON: a NUL character in a string, which CloudFormation cannot take (character 13)" || return 1
}

# Reproduction: a secret parameter's default was written into the template
# in plain text, and E0218 missed an 'allow ... on', a trigger's ARN, a
# plugin's service and an included fragment's outputs and tags.
secrets_stay_out_of_plain_text() {
    small
    src
    cat > frag.yaml <<'EOF'
Parameters:
  Token: {Type: String, NoEcho: true}
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      Tags: [{Key: k, Value: !Ref ApiKey}, {Key: t, Value: !Sub "x-${Token}"}]
Outputs:
  O: {Value: !Sub "key ${ApiKey}"}
  P: {Value: !Ref Token}
EOF
    { printf 'param api-key: string = "hunter2" { secret }\nparam k2: string { secret }\n'; fn_head
      printf 'on queue k2 -> f\non topic "${k2}" -> f\nplugin p {\n  service k2\n}\n'
      printf 'function g {\n  runtime python3.12\n  handler index.handler\n  code "src"\n'
      printf '  allow "s3:GetObject" on "arn:aws:s3:::${k2}/*"\n}\n'; } > app.hit
    status 1 check app.hit || return 1
    has "app.hit:1:25: error: secret parameter 'api-key' has a default, which the template holds in plain text" || return 1
    has "app.hit:8:10: error: the ARN of 'on queue' would write secret parameter 'k2' in plain text" || return 1
    has "app.hit:9:13: error: the ARN of 'on topic' would write secret parameter 'k2' in plain text" || return 1
    has "app.hit:11:11: error: the service would write secret parameter 'k2' in plain text as each resource's ServiceToken" || return 1
    has "app.hit:17:43: error: 'allow ... on' would write secret parameter 'k2' in plain text into the function's IAM policy" || return 1
    has "app.hit:2:7: note: secret parameter 'k2' declared here" || return 1
    has "5 errors, 1 warning" || return 1       # api-key is never used
    printf 'include "frag.yaml"\nparam api-key: string { secret }\n' > app.hit
    fn_head >> app.hit
    status 1 check app.hit || return 1
    has "frag.yaml:7:35: error: a tag of included resource 'Q' shows secret parameter 'api-key' (Ref) in plain text" || return 1
    has "frag.yaml:7:65: error: a tag of included resource 'Q' shows secret parameter 'Token' (Fn::Sub) in plain text" || return 1
    has "frag.yaml:9:19: error: included output 'O' shows secret parameter 'api-key' (Fn::Sub) in plain text" || return 1
    has "frag.yaml:10:19: error: included output 'P' shows secret parameter 'Token' (Ref) in plain text" || return 1
    has "app.hit:2:7: note: secret parameter 'api-key' declared here" || return 1
    has "4 errors, 0 warnings" || return 1
}

# Reproduction: fmt replaced what is no regular file: a FIFO (it waited for
# a writer, then renamed a file over the pipe) and /proc/self/fd/0.
fmt_refuses_what_is_not_a_regular_file() {
    small
    printf 'app   x "y"\n' > a.hit
    mkfifo pipe.hit
    status 2 fmt pipe.hit || return 1
    has "hitc: error: cannot format 'pipe.hit': it is a FIFO (a pipe); hitc fmt rewrites regular files" || return 1
    [ -p pipe.hit ] || { echo "the FIFO was replaced"; return 1; }
    status 2 fmt --check pipe.hit || return 1
    status 2 fmt /proc/self/fd/0 < <(cat a.hit) || return 1
    has "cannot format '/proc/self/fd/0': it is a FIFO" || return 1
    mkdir d.hit
    status 2 fmt d.hit || return 1
    has "cannot format 'd.hit': it is a directory" || return 1
}

# Reproduction: fmt kept the mode but gave the file to whoever ran it, and
# split hard links (the other name kept the old text).
fmt_keeps_the_owner_and_refuses_hard_links() {
    small
    printf 'app   x "y"\n' > a.hit
    [ "$(id -u)" -eq 0 ] || { echo "this case needs root, to give a file to another user"; return 1; }
    chown 65534:65534 a.hit
    status 0 fmt a.hit || return 1
    [ "$(stat -c %u:%g a.hit)" = 65534:65534 ] || { echo "owner is now $(stat -c %u:%g a.hit)"; return 1; }
    [ "$(cat a.hit)" = 'app x "y"' ] || { echo "not formatted: $(cat a.hit)"; return 1; }
    printf 'app   x "y"\n' > b.hit
    ln b.hit c.hit
    status 2 fmt b.hit || return 1
    has "cannot write 'b.hit': it has 2 hard links" || return 1
    [ "$(cat c.hit)" = 'app   x "y"' ] || { echo "c.hit changed"; return 1; }
    [ "$(stat -c %h b.hit)" = 2 ] || { echo "the link was split"; return 1; }
}

# Reproduction: a fmt killed while writing left .NAME.fmt-XXXXXX behind for
# good.  Now one .NAME.fmt-hitc at most, which the next fmt removes; one a
# live fmt holds is left alone.
a_killed_fmts_temporary_file_is_removed_by_the_next() {
    small
    mkdir d
    printf 'app x "y"\n' > d/a.hit
    printf 'half a fi' > d/.a.hit.fmt-hitc        # what a SIGKILL leaves
    status 0 fmt d/a.hit || return 1
    [ "$(ls -A d)" = a.hit ] || { echo "left: $(ls -A d)"; return 1; }
    printf 'app   x "y"\n' > d/b.hit
    printf 'half' > d/.b.hit.fmt-hitc
    status 0 fmt d/b.hit || return 1
    [ "$(ls -A d)" = $'a.hit\nb.hit' ] || { echo "left: $(ls -A d)"; return 1; }
    [ "$(cat d/b.hit)" = 'app x "y"' ] || { echo "b.hit: $(cat d/b.hit)"; return 1; }
    # held by another fmt: not touched, and this one says so
    printf 'app   x "y"\n' > d/c.hit
    : > d/.c.hit.fmt-hitc
    expect 2 flock d/.c.hit.fmt-hitc -c "$HITC fmt d/c.hit" > /dev/null 2> err.txt
    has "cannot write 'd/c.hit': cannot create a temporary file beside it: another hitc fmt is writing this file" || return 1
    [ -e d/.c.hit.fmt-hitc ] || { echo "a held temporary file was removed"; return 1; }
    [ "$(cat d/c.hit)" = 'app   x "y"' ] || { echo "c.hit changed"; return 1; }
    # a symlink of that name is neither followed nor used
    rm d/.c.hit.fmt-hitc
    ln -s /etc/passwd d/.c.hit.fmt-hitc
    cp /etc/passwd passwd.orig
    status 2 fmt d/c.hit || return 1
    has "is in the way and is not hitc fmt's; remove it" || return 1
    cmp -s /etc/passwd passwd.orig || { echo "/etc/passwd changed"; return 1; }
}

# Reproduction: JSON diagnostics wrote a file name that is not UTF-8 raw
# (invalid JSON); gcc output sent ESC, BEL and line breaks from a template
# to the terminal.
diagnostics_escape_what_a_terminal_or_json_would_take_badly() {
    small
    printf 'tabel t { key id: string }\n' > "$(printf 'bad\xff.hit')"
    status 1 check --format json bad*.hit || return 1
    python3 -c "import json; d = json.load(open('err.txt', encoding='utf-8')); assert d[0]['file'] == 'bad\ufffd.hit', d[0]['file']" || return 1
    status 1 check --format sarif bad*.hit || return 1
    python3 -c "import json; json.load(open('err.txt', encoding='utf-8'))" || return 1
    status 1 check bad*.hit || return 1
    has 'bad\xff.hit:1:1: error:' || return 1
    printf 'Resources:\n  A: {Type: AWS::SNS::Topic, DependsOn: "B\\e]0;pwned\\a\\e[2J\\nfake: error\\x9b1m"}\n' > esc.yaml
    status 1 lint esc.yaml || return 1
    has "error: resource 'B\\x1b]0;pwned\\x07\\x1b[2J\\nfake: error\\u009b1m' is not defined" || return 1
    if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' err.txt; then echo "control characters reached the output:"; cat -v err.txt; return 1; fi
    if grep -q $'\xc2\x9b' err.txt; then echo "a C1 control reached the output"; return 1; fi
}

# Reproduction: '--' was an unknown option, so a file named '-x.hit' could
# not be named at all; 'cannot read DIR' said nothing of why.
options_end_at_double_dash_and_read_errors_say_why() {
    small
    printf 'table t {\n  key id: string\n}\n' > ./-x.hit
    status 0 check -- -x.hit || return 1
    status 0 fmt --check -- -x.hit || return 1
    status 2 check -x.hit || return 1
    has "unknown option '-x.hit'" || return 1
    mkdir dir.hit
    status 2 check dir.hit || return 1
    has "hitc: error: cannot read 'dir.hit': it is a directory" || return 1
    status 2 lint dir.hit || return 1
    has "cannot read 'dir.hit': it is a directory" || return 1
}

# ARGS: the cases to run (default: all of them).
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(many_apps_are_linear many_unknown_names_are_linear deep_braces_are_an_error_not_a_crash deep_brackets_are_an_error_not_a_crash \
    sixty_four_levels_are_fine dev_zero_stops_at_the_limit an_endless_pipe_stops_at_the_limit \
    a_file_just_over_the_limit_is_refused a_long_route_path_is_refused_in_bounded_memory \
    the_deepest_allowed_path_is_cheap routes_sharing_a_long_prefix_are_cheap \
    junk_as_json_is_bounded junk_as_sarif_is_bounded junk_as_text_is_bounded \
    a_hundred_diagnostics_need_no_summary a_hundred_thousand_params_are_linear \
    a_hundred_thousand_env_keys_are_linear \
    a_self_referencing_condition_is_an_error_not_a_hang conditions_in_a_circle_and_a_wide_lattice_are_bounded \
    did_you_mean_on_long_names_is_bounded did_you_mean_on_many_typos_is_bounded \
    many_cycles_are_reported_in_bounded_memory a_long_dependson_chain_in_a_fragment_is_not_a_crash a_fragment_of_many_names_is_linear a_long_sub_is_linear colliding_names_are_linear \
    a_ten_thousand_ring_prints_in_few_writes an_include_outside_the_project_is_refused_unread \
    a_fragment_keeps_to_its_own_names arns_of_the_wrong_kind_are_errors a_nul_in_an_event_pattern_is_refused \
    secrets_stay_out_of_plain_text fmt_refuses_what_is_not_a_regular_file \
    fmt_keeps_the_owner_and_refuses_hard_links a_killed_fmts_temporary_file_is_removed_by_the_next \
    diagnostics_escape_what_a_terminal_or_json_would_take_badly options_end_at_double_dash_and_read_errors_say_why)
for c in "${cases[@]}"; do
    t "$c"
done
end

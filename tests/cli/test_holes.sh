#!/usr/bin/env bash
# tests/cli/test_holes.sh: the smaller holes of issue 14 (part 6) that need
# the command line rather than one error file: a function behind a route
# that runs longer than API Gateway waits (W0305), the output directory's
# missing parents, and where the bulk of a too-large template comes from
# (W0506, E0505).
. "$(dirname "$0")/lib.sh"

# app_with_timeout KIND T: a function of timeout T behind two routes of an
# API of KIND (rest or http).
app_with_timeout() {
    mkdir -p src
    echo 'def handler(e, c): return {"statusCode": 200}' > src/index.py
    cat > app.hit <<HIT
function slow {
  runtime python3.12
  handler index.handler
  code "src"
  timeout $2
}
api { kind $1 }
route GET /slow -> slow
route POST /slow -> slow
HIT
}

rest_route_timeout_past_29s_warns() {
    app_with_timeout rest 30s
    hitc check app.hit 2> err.txt
    grep -q "^app.hit:5:11: warning: function 'slow' has a timeout of 30 s, but it answers route GET /slow of a REST API, and API Gateway waits at most 29 s" err.txt || { cat err.txt; return 1; }
    grep -q "^app.hit:8:1: note: the route is declared here" err.txt || { cat err.txt; return 1; }
    [ "$(grep -c 'warning:' err.txt)" = 1 ] || { cat err.txt; echo "want one warning for the function"; return 1; }
    expect 1 hitc check --strict app.hit
    hitc check --format json app.hit 2> err.json || true
    grep -q '"code": "W0305"' err.json
}

rest_route_timeout_of_29s_is_fine() {
    app_with_timeout rest 29
    hitc check --strict app.hit 2> err.txt || { cat err.txt; return 1; }
    [ ! -s err.txt ]
}

http_route_waits_30s() {
    app_with_timeout http 30
    hitc check --strict app.hit
    app_with_timeout http 2m
    hitc check app.hit 2> err.txt
    grep -q "warning: function 'slow' has a timeout of 120 s, but it answers route GET /slow of an HTTP API, and API Gateway waits at most 30 s" err.txt || { cat err.txt; return 1; }
}

# -o a/b/out makes a and b as `mkdir -p` would, with the same rules as an
# output directory whose parent exists: the checks see the path it will
# have, and what fails makes nothing.
output_parents_are_made() {
    app_with_timeout rest 10
    hitc build -q app.hit -o a/b/out
    [ -f a/b/out/template.json ] || { echo "no template in a/b/out"; return 1; }
    hitc build -q app.hit -o a/b/out            # and replaced as before
    hitc build -q app.hit -o new/../c/./d/out
    [ -f c/d/out/template.json ]
    [ ! -e new ] || { echo "'new' was made though '..' leaves it"; return 1; }
    local want; want=$(printf '%o' $((0777 & ~$(umask))))
    [ "$(stat -c %a a/b)" = "$want" ] || {
        stat -c %a a/b; echo "mode is not 0777 less the umask ($want)"; return 1; }
}

output_parents_keep_the_safety_rules() {
    app_with_timeout rest 10
    # a code directory would hold the output: refused, nothing made
    expect 2 hitc build app.hit -o src/deep/out 2> err.txt
    grep -q "error: code directory 'src' contains the output directory 'src/deep/out'" err.txt || { cat err.txt; return 1; }
    [ ! -e src/deep ] || { echo "src/deep was made"; return 1; }
    # a file where a directory should be
    echo x > file
    expect 2 hitc build app.hit -o file/sub/out 2> err.txt
    grep -q "cannot create 'file/sub/out'" err.txt || { cat err.txt; return 1; }
    # an app with errors makes no directory at all
    echo 'table' >> app.hit
    expect 1 hitc build app.hit -o fresh/dir 2> err.txt
    [ ! -e fresh ] || { echo "a failed build made 'fresh'"; return 1; }
}

# tables N: N tables t1..tN and one function.
tables() {
    app_with_timeout rest 10
    for i in $(seq "$1"); do printf 'table t%d {\n  key id: string\n}\n' "$i"; done >> app.hit
}

# W0506 and E0505 say where the bulk comes from: the heaviest resource
# types, and a note at each of the declarations that make the most.
size_warning_says_where_the_bulk_is() {
    tables 150
    hitc check app.hit 2> err.txt
    grep -q "^app.hit:1:1: warning: the template is [0-9]* bytes, over the 51200 that CloudFormation takes inline; deploy it with 'aws cloudformation deploy --s3-bucket BUCKET ...', or make it smaller; the most: 150 AWS::DynamoDB::Table ([0-9]* bytes), 2 AWS::ApiGateway::Method ([0-9]* bytes), 1 AWS::IAM::Role ([0-9]* bytes)$" err.txt || { cat err.txt; return 1; }
    [ "$(grep -c ': note: ' err.txt)" = 3 ] || { cat err.txt; echo "want three notes"; return 1; }
    grep -q "^app.hit:1:1: note: function 'slow' makes 3 resources, [0-9]* bytes$" err.txt || { cat err.txt; return 1; }
    grep -q "^app.hit:8:1: note: route GET /slow makes 3 resources, [0-9]* bytes$" err.txt || { cat err.txt; return 1; }
    # the bytes of the types add up to about the template's size
    hitc build -q app.hit -o - 2>/dev/null > t.json
    python3 - t.json err.txt <<'PY'
import os, re, sys
size = os.path.getsize(sys.argv[1])
line = open(sys.argv[2]).read().split("\n")[0]
parts = sum(int(n) for n in re.findall(r"\((\d+) bytes\)", line))
assert 0.9 * size < parts <= size, (parts, size)
PY
}

resource_quota_says_where_they_come_from() {
    app_with_timeout rest 10
    for i in $(seq 30); do printf 'route GET /p%d/{id}/x -> slow\n' "$i"; done >> app.hit
    # 400 tables and the routes' resources are too many for one stack, so
    # the app is split (docs/scaling.md); 500 tables, which stay in the
    # root, are too many for the root.
    for i in $(seq 400); do printf 'table t%d {\n  key id: string\n}\n' "$i"; done >> app.hit
    expect 0 hitc check app.hit 2> err.txt
    for i in $(seq 401 500); do printf 'table t%d {\n  key id: string\n}\n' "$i"; done >> app.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "error: the root stack has 512 resources; CloudFormation takes at most 500 in one stack: what stays in the root stack (tables and other stateful resources, the API, one resource per nested stack) must fit there; split the app into apps of their own; the most: 500 AWS::DynamoDB::Table, 9 AWS::CloudFormation::Stack, 1 AWS::ApiGateway::Deployment$" err.txt || { cat err.txt | head; return 1; }
    grep -q "^app.hit:40:1: note: table 't1' makes 1 resource$" err.txt || { grep note err.txt; return 1; }
}

# Without code to put in nested stacks, an app past the quota is one stack
# too many: the message says how to split it by hand.
resource_quota_without_functions_says_split() {
    for i in $(seq 501); do printf 'table t%d {\n  key id: string\n}\n' "$i"; done > app.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "error: the template has 501 resources; CloudFormation takes at most 500 in one stack: split the app into apps of their own (stacks that pass names on with 'output ... export' and params); the most: 501 AWS::DynamoDB::Table$" err.txt || { cat err.txt | head; return 1; }
}

CASES=(rest_route_timeout_past_29s_warns rest_route_timeout_of_29s_is_fine
       http_route_waits_30s output_parents_are_made output_parents_keep_the_safety_rules
       size_warning_says_where_the_bulk_is resource_quota_says_where_they_come_from
       resource_quota_without_functions_says_split)
for c in "${CASES[@]}"; do
    t_clean
    t "$c"
done
end

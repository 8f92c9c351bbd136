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

CASES=(rest_route_timeout_past_29s_warns rest_route_timeout_of_29s_is_fine
       http_route_waits_30s output_parents_are_made output_parents_keep_the_safety_rules)
for c in "${CASES[@]}"; do
    t "$c"
done
end

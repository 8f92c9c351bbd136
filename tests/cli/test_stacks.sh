#!/usr/bin/env bash
# tests/cli/test_stacks.sh: an app past a stack's quotas is a root stack and
# nested stacks (compiler/split.c, docs/scaling.md): the files, the manifest,
# `stack NAME`, hitc graph, and the errors E0520, E0521, E0522.
# (The placement property itself: tests/stacks/property.py.)
source "$(dirname "$0")/lib.sh"

# big N [EXTRA]: an app of a table and N functions, each behind a route,
# in app.hit; EXTRA (a file) is put in after the table.
big() {
    mkdir -p src
    echo 'def handler(e, c): return {"statusCode": 200}' > src/index.py
    {
        printf 'app big "many functions"\n\ntable counts {\n  key name: string\n}\n\n'
        [ $# -gt 1 ] && cat "$2"
        for i in $(seq "$1"); do
            printf 'function f%d {\n  runtime python3.12\n  handler index.handler\n  code "src"\n  env { T = counts.name }\n  allow counts readwrite\n}\nroute GET /c%d/{name} -> f%d\n\n' "$i" "$i" "$i"
        done
        printf 'output url = api.url\noutput f1 = f1.arn\n'
    } > app.hit
}

split_app_writes_nested_templates() {
    big 120
    hitc build -q app.hit -o out
    python3 - <<'PY'
import hashlib, json, os
m = json.load(open("out/manifest.json"))
root = json.load(open("out/template.json"))
R = root["Resources"]
stacks = m["stacks"]
assert len(stacks) > 1, stacks
assert all(f in m["files"] for f in [s["file"] for s in stacks]), m["files"]
assert m["files"] == sorted(m["files"][:-1]) + ["template.json"], m["files"]
for s in stacks:
    data = open("out/" + s["file"], "rb").read()
    assert hashlib.sha256(data).hexdigest() == s["sha256"], s
    assert s["file"] == "bundles/%s.json" % s["sha256"] and s["bytes"] == len(data)
    url = R[s["logical"]]["Properties"]["TemplateURL"]["Fn::Sub"]
    assert url == ("https://${CodeBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/"
                   "${CodePrefix}%s.json" % s["sha256"]), url
    nested = json.loads(data)
    assert all(v["Type"] != "AWS::DynamoDB::Table" for v in nested["Resources"].values())
    # every parameter the nested stack declares, the root passes
    assert set(nested.get("Parameters", {})) == set(R[s["logical"]]["Properties"].get("Parameters", {}))
# state and the API stay in the root; the deployment waits for the stacks
assert R["CountsTable"]["Type"] == "AWS::DynamoDB::Table"
assert R["Api"]["Type"] == "AWS::ApiGateway::RestApi"
dep = [v for k, v in R.items() if k.startswith("ApiDeployment")][0]
assert set(dep["DependsOn"]) == {s["logical"] for s in stacks if s["logical"].startswith("Shard")}, dep
assert root["Outputs"]["F1"]["Value"]["Fn::GetAtt"][1] == "Outputs.F1FunctionArn"
PY
    (cd out && hitc lint --strict template.json bundles/*.json)
    # an earlier split build's output is hitc's: it is replaced
    hitc build -q app.hit -o out
}

split_build_says_what_it_wrote() {
    big 120
    hitc build app.hit -o out > said.txt 2> err.txt
    grep -q "^wrote out/template.json (the root stack), out/manifest.json, 2 bundles and [0-9]* nested stack templates in out/bundles$" said.txt || { cat said.txt; return 1; }
}

stack_names_where_a_function_goes() {
    printf 'function solo {\n  runtime python3.12\n  handler index.handler\n  code "src"\n  stack billing\n}\nroute GET /solo -> solo\n' > extra.hit
    # a name PascalCase makes the same ID of is the same stack
    printf 'function duo {\n  runtime python3.12\n  handler index.handler\n  code "src"\n  stack Billing\n}\n' >> extra.hit
    big 120 extra.hit
    hitc build -q app.hit -o out
    python3 - <<'PY'
import json
m = json.load(open("out/manifest.json"))
s = [s for s in m["stacks"] if s["logical"] == "BillingStack"]
assert len(s) == 1, s
nested = json.load(open("out/" + s[0]["file"]))
assert sorted(nested["Resources"]) == ["ApiSoloGetMethod", "ApiSoloGetPermission", "DuoFunction", "DuoFunctionLogGroup", "DuoFunctionRole", "SoloFunction", "SoloFunctionLogGroup", "SoloFunctionRole"], sorted(nested["Resources"])
PY
}

a_bad_stack_name_is_an_error() {
    mkdir -p src
    echo 'def handler(e, c): return 1' > src/index.py
    printf 'function f {\n  runtime python3.12\n  handler index.handler\n  code "src"\n  stack "x y"\n}\n' > app.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "^app.hit:5:9: error: expected a stack name" err.txt || { cat err.txt; return 1; }
    printf 'function f {\n  runtime python3.12\n  handler index.handler\n  code "src"\n  stack abcdefghijabcdefghijabcdefghijabc\n}\n' > app.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "^app.hit:5:9: error: a stack name is a letter, then letters, digits, '-' or '_', at most 32 in all, not 'abcdefghijabcdefghijabcdefghijabc'$" err.txt || { cat err.txt; return 1; }
}

split_app_to_stdout_is_refused() {
    big 120
    expect 1 hitc build app.hit -o - > out.json 2> err.txt
    [ ! -s out.json ] || { echo "wrote a template"; return 1; }
    grep -q "^app.hit:1:1: error: the app is split into a root stack and [0-9]* nested stacks, files of their own: build into a directory (-o DIR), not to standard output$" err.txt || { cat err.txt; return 1; }
}

# a refers to b, b's stack holds c, and c refers to d in a's stack: the two
# stacks would each wait for the other.
stacks_in_a_circle_are_refused() {
    cat > extra.hit <<'HIT'
function a {
  runtime python3.12
  handler index.handler
  code "src"
  stack one
  env { B = b.arn }
}
function b {
  runtime python3.12
  handler index.handler
  code "src"
  stack two
}
function c {
  runtime python3.12
  handler index.handler
  code "src"
  stack two
  env { D = d.arn }
}
function d {
  runtime python3.12
  handler index.handler
  code "src"
  stack one
}
HIT
    big 120 extra.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "^app.hit:[0-9]*:1: error: the app's stacks would depend on each other in a circle; give one of the functions below a stack of its own, or two of them the same one, with 'stack NAME'$" err.txt || { cat err.txt; return 1; }
    grep -q "note: nested stack 'OneStack' needs nested stack 'TwoStack': 'AFunctionCode' refers to 'BFunction'$" err.txt || { cat err.txt; return 1; }
    grep -q "note: nested stack 'TwoStack' needs nested stack 'OneStack': 'CFunctionCode' refers to 'DFunction'$" err.txt || { cat err.txt; return 1; }
    grep -q "^1 error" err.txt || { cat err.txt; return 1; }
}

a_stack_name_taken_is_refused() {
    printf 'param x-stack: string = "a"\noutput x = x-stack\nfunction solo {\n  runtime python3.12\n  handler index.handler\n  code "src"\n  stack x\n}\n' > extra.hit
    big 120 extra.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "^app.hit:[0-9]*:1: error: nested stack 'XStack' (of function 'solo') has the logical ID of another resource or parameter; name the stack otherwise with 'stack NAME'$" err.txt || { cat err.txt; return 1; }
}

graph_shows_the_stacks() {
    printf 'function solo {\n  runtime python3.12\n  handler index.handler\n  code "src"\n  stack billing\n}\n' > extra.hit
    big 120 extra.hit
    hitc graph app.hit > g.dot 2> /dev/null
    python3 - <<'PY'
import re
dot = open("g.dot").read()
m = re.search(r'subgraph cluster_\d+ \{\n    label="nested stack BillingStack";\n((?:    n\d+ .*\n)+)  \}', dot)
assert m and "function 'solo'" in m.group(1), dot[:2000]
assert re.search(r'\n  n\d+ \[label="table \'counts\'"\];', dot), "the table is not in the root"
PY
}

# One stack past the quota: E0505 names it, with the counts and what weighs most.
a_full_stack_is_an_error_with_counts() {
    big 120
    sed -i 's/^  allow counts readwrite$/  allow counts readwrite\n  stack big/' app.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "^app.hit:7:1: error: nested stack 'BigStack' has 720 resources; CloudFormation takes at most 500 in one stack: give some of its functions a stack of their own with 'stack NAME' (docs/scaling.md); the most: 120 AWS::ApiGateway::Method, 120 AWS::IAM::Role, 120 AWS::Lambda::Function$" err.txt || { grep error err.txt; return 1; }
}

# Under the quotas nothing changes: no stacks in the manifest.
small_app_is_one_stack() {
    big 3
    hitc build -q app.hit -o out
    python3 -c 'import json; m = json.load(open("out/manifest.json")); assert "stacks" not in m, m'
}

CASES=(split_app_writes_nested_templates split_build_says_what_it_wrote
       stack_names_where_a_function_goes a_bad_stack_name_is_an_error
       split_app_to_stdout_is_refused stacks_in_a_circle_are_refused
       a_stack_name_taken_is_refused graph_shows_the_stacks a_full_stack_is_an_error_with_counts
       small_app_is_one_stack)
for c in "${CASES[@]}"; do
    t_clean
    t "$c"
done
end

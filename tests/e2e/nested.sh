# tests/e2e/nested.sh: an app past 500 resources, deployed as a root stack and
# nested stacks (docs/scaling.md); sourced by run.sh, whose helpers it uses.
#
# 120 functions, each behind GET /fN/{name} of the one API, each counting in the
# one table under "fN:NAME".  The cases: it deploys; requests through the one URL
# reach functions in different nested stacks and count; a 121st function is added
# and the app redeployed: every physical ID of every stack (describe-stack-resources
# of the root and of each nested stack) is what it was, and the table keeps its
# items; delete removes every stack and all but the retained table.

# nested_app DIR N: the app of N functions in DIR/app.hit, its code in DIR/src.
nested_app() {
    mkdir -p "$1/src"
    cat > "$1/src/index.py" <<'PY'
"""Counts GET /FN/{name} under "FN:NAME" in the app's table (env-mode native)."""
import json
import os

import boto3


def handler(event, context):
    name = (event.get("pathParameters") or {}).get("name")
    key = "%s:%s" % (os.environ["FN"], name)
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    got = table.update_item(Key={"name": key}, UpdateExpression="ADD hits :one",
                            ExpressionAttributeValues={":one": 1}, ReturnValues="UPDATED_NEW")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"fn": os.environ["FN"], "hits": int(got["Attributes"]["hits"])})}
PY
    python3 - "$1/app.hit" "$2" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
out = ['app nested "many functions, one API"', "",
       "table counts {", "  key name: string", "}", "",
       "table scratch {", "  key id: string", "  on-delete delete", "}", ""]
for i in range(1, n + 1):
    out += [f"function f{i} {{", "  runtime python3.12", "  handler index.handler",
            '  code "src"', "  env-mode native",
            f'  env {{ TABLE = counts.name; FN = "f{i}"; SCRATCH = scratch.name }}',
            "  allow counts readwrite", "}", f"route GET /f{i}/{{name}} -> f{i}", ""]
out += ["output url = api.url", "output counts = counts.name", "output scratch = scratch.name"]
open(path, "w").write("\n".join(out) + "\n")
PY
}

# nested_physical STACK: "STACKLOGICALPATH LOGICALID PHYSICALID" for every resource of
# STACK and, recursively, of its nested stacks; sorted.
nested_physical() {
    local stack=$1 at=${2:-root} line lid phys type
    aws cloudformation describe-stack-resources --stack-name "$stack" --output json |
        jq -r '.StackResources[] | "\(.LogicalResourceId) \(.PhysicalResourceId) \(.ResourceType)"' |
        while read -r lid phys type; do
            echo "$at $lid $phys"
            [ "$type" = AWS::CloudFormation::Stack ] && nested_physical "$phys" "$lid"
        done | sort
}

# nested_stack_of TEMPLATE-DIR FUNCTION-LOGICAL-ID: the nested stack (logical ID) whose
# template holds it.
nested_stack_of() {
    python3 - "$1" "$2" <<'PY'
import json, sys
out, lid = sys.argv[1], sys.argv[2]
for s in json.load(open(out + "/manifest.json"))["stacks"]:
    if lid in json.load(open(out + "/" + s["file"]))["Resources"]:
        print(s["logical"])
PY
}

nested_e2e() {
    echo "== nested stacks (tests/e2e/nested.sh)"
    local BASE=nested dir=$WORK/nested/app out=$WORK/nested/out stack=nested-e2e
    nested_app "$dir" 120
    build "$dir" "$out" || return
    local nstacks
    nstacks=$(jq '.stacks | length' "$out/manifest.json")
    step "the app is a root stack and $nstacks nested stacks"
    [ "$nstacks" -ge 2 ] || { fail "nested: 120 functions make nested stacks" "$(jq -c .stacks "$out/manifest.json")"; return; }
    upload "$out" "$PREFIX"
    deploy "$stack" "$out/template.json" Stage=e2e "CodeBucket=$BUCKET"
    created "$stack" "nested: the root and $nstacks nested stacks deploy" || return

    # two functions in different nested stacks, through the one URL
    local url a b sa sb got
    url=$(output "$stack" Url)
    a=f1 b=""
    sa=$(nested_stack_of "$out" F1Function)
    for i in $(seq 2 120); do
        sb=$(nested_stack_of "$out" "F${i}Function")
        if [ -n "$sb" ] && [ "$sb" != "$sa" ]; then b=f$i; break; fi
    done
    step "$a is in $sa, $b in $sb; the API is $url"
    got="$(http_get "${url}$a/alice") | $(http_get "${url}$a/alice") | $(http_get "${url}$b/alice")"
    expect_eq "nested: one URL reaches functions in two nested stacks ($sa, $sb), and they count" \
        "200 {\"fn\": \"$a\", \"hits\": 1} | 200 {\"fn\": \"$a\", \"hits\": 2} | 200 {\"fn\": \"$b\", \"hits\": 1}" "$got"
    local counts scratch
    counts=$(output "$stack" Counts) scratch=$(output "$stack" Scratch)
    expect_eq "nested: the root's table holds both functions' counts" \
        "hits=1,name=$b:alice
hits=2,name=$a:alice" "$(table_items "$counts")"

    # one function more: nothing that was there is made again
    local before after
    before=$(nested_physical "$stack")
    nested_app "$dir" 121
    # this time with hitc deploy, which uploads the nested templates the
    # bucket lacks beside the bundles, and lints every template first
    local rc=0
    timeout 900 "$HITC" deploy "$dir/app.hit" --stage e2e --stack "$stack" --bucket "$BUCKET" \
        --prefix "$PREFIX" --yes > "$WORK/nested/deploy.out" 2>&1 < /dev/null || rc=$?
    step "hitc deploy with a 121st function: exit $rc; $(grep '^bundles:' "$WORK/nested/deploy.out")"
    expect_eq "nested: with a 121st function, hitc deploy updates the app" "0 UPDATE_COMPLETE" \
        "$rc $(stack_status "$stack")"
    grep -qE '^bundles: [1-9][0-9]* of [0-9]+ uploaded' "$WORK/nested/deploy.out" ||
        fail "nested: hitc deploy uploads the changed nested templates" "$(tail -20 "$WORK/nested/deploy.out")"
    after=$(nested_physical "$stack")
    local changed
    changed=$(join -j1 <(awk '{print $1"/"$2, $3}' <<< "$before" | sort) \
                       <(awk '{print $1"/"$2, $3}' <<< "$after" | sort) | awk '$2 != $3')
    step "$(wc -l <<< "$before") resources before, $(wc -l <<< "$after") after"
    expect_eq "nested: every resource of every stack that was there keeps its physical ID" "" "$changed"
    expect_eq "nested: the new function answers, and the table kept its items" \
        "200 {\"fn\": \"f121\", \"hits\": 1}" "$(http_get "${url}f121/bob")"
    expect_eq "nested: the table holds the old counts and the new one" \
        "$(printf 'hits=1,name=%s:alice\nhits=1,name=f121:bob\nhits=2,name=%s:alice\n' "$b" "$a" | sort)" \
        "$(table_items "$counts")"

    # delete: every stack goes, the retained table stays with its items
    local ids
    ids=$(awk '$3 ~ /^arn:aws:cloudformation/ {print $3}' <<< "$after")
    delete_stack "$stack"
    local left=""
    for id in $ids; do
        [ "$(stack_status "$id")" = GONE ] || [ "$(stack_status "$id")" = DELETE_COMPLETE ] || left="$left $id"
    done
    expect_eq "nested: delete removes the root and every nested stack" "GONE" "$DELETE_STATUS$left"
    expect_eq "nested: the retained table stays, with its items; the other table goes" \
        "3 items; scratch: gone" \
        "$(table_items "$counts" | wc -l | tr -d ' ') items; scratch: $(aws dynamodb describe-table --table-name "$scratch" > /dev/null 2>&1 && echo there || echo gone)"
}

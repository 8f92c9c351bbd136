# tests/e2e/crossing.sh: an app that grows past the threshold (docs/scaling.md,
# "Crossing the threshold"); sourced by run.sh, whose helpers it uses (and
# nested.sh's nested_app and nested_physical).
#
# 70 functions, each behind GET /fN/{name} of a REST API, are 495 resources: one
# stack.  72 are past 500 (over an HTTP API, 82 and 84): the functions and their API
# parts move into nested stacks, and API
# Gateway (as the harness's providers now model it) refuses a second path part,
# method or route key, which CloudFormation makes before deleting the first.
#
# REST API: the naive one-step deploy of the split app fails and rolls back;
# `hitc deploy` crosses in two steps; every function, old and new, answers through
# the one URL; the tables and the API keep their physical IDs and the table its items.
# HTTP API: step 2 fails (a nested template in S3 is broken on purpose) and leaves
# step 1 deployed: the routes the plan named answer 404, as it said; the next
# `hitc deploy` continues without a crossing, and every function answers.

# crossing_app DIR N KIND: nested_app's app of N functions, over a REST or HTTP API.
crossing_app() {
    nested_app "$1" "$2"
    [ "$3" = http ] && printf 'api {\n  kind http\n}\n' >> "$1/app.hit"
    return 0
}

# crossing_deploy DIR STACK LOG: hitc deploy, --yes; sets CROSS_RC.
crossing_deploy() {
    CROSS_RC=0
    timeout 1200 "$HITC" deploy "$1/app.hit" --stage e2e --stack "$2" --bucket "$BUCKET" \
        --prefix "$PREFIX" --yes > "$3" 2>&1 < /dev/null || CROSS_RC=$?
    step "hitc deploy $(basename "$3" .out): exit $CROSS_RC, $(stack_status "$2")"
}

# crossing_answers URL FROM TO: "fN" for each function FROM..TO that does not answer
# 200 with its own name through the one URL (empty: all do).
crossing_answers() {
    local i got
    for i in $(seq "$2" "$3"); do
        got=$(http_get "${1}f$i/carol")
        [[ "$got" == "200 {\"fn\": \"f$i\", "* ]] || echo "f$i: $got"
    done
}

# crossing_state STACK: the root's tables and API, "LOGICALID PHYSICALID", sorted.
crossing_state() {
    aws cloudformation describe-stack-resources --stack-name "$1" --output json |
        jq -r '.StackResources[] | select(.ResourceType | test("DynamoDB::Table|::RestApi$|::Api$")) |
               "\(.LogicalResourceId) \(.PhysicalResourceId)"' | sort
}

# crossing_failures STACK: failure_events of STACK and of the nested stacks its
# events name (the conflict is told in the nested stack that made the new part).
crossing_failures() {
    local arn
    failure_events "$1"
    for arn in $(failure_events "$1" | grep -oE 'arn:aws:cloudformation:[^ ]+' | sort -u); do
        failure_events "$arn"
    done
}

crossing_rest() {
    local BASE=crossing dir=$WORK/crossing/rest out=$WORK/crossing/rest-out stack=crossing-rest
    crossing_app "$dir" 70 rest
    crossing_deploy "$dir" "$stack" "$WORK/crossing/rest-first.out"
    expect_eq "crossing: 70 functions deploy as one stack" "0 CREATE_COMPLETE 0" \
        "$CROSS_RC $(stack_status "$stack") $(nested_physical "$stack" | awk '$1 != "root"' | wc -l)"
    local url counts
    url=$(output "$stack" Url) counts=$(output "$stack" Counts)
    expect_eq "crossing: f1 counts through the API before the crossing" \
        "200 {\"fn\": \"f1\", \"hits\": 1}" "$(http_get "${url}f1/alice")"
    local before
    before=$(crossing_state "$stack")

    # the naive crossing: the split app's root, deployed as it is, in one step
    crossing_app "$dir" 72 rest
    build "$dir" "$out" || return
    upload "$out" "$PREFIX"
    deploy "$stack" "$out/template.json" Stage=e2e "CodeBucket=$BUCKET"
    local why
    why=$(crossing_failures "$stack" | grep -m1 -oE '[A-Za-z0-9]+ CREATE_FAILED: (Another resource with the same parent already has this name: [^ ]+|Method already exists for this resource)')
    expect_eq "crossing: the split app in one deploy fails on API Gateway's uniqueness and rolls back" \
        "UPDATE_ROLLBACK_COMPLETE yes" "$DEPLOY_STATUS $([ -n "$why" ] && echo yes || echo "no conflict: $(crossing_failures "$stack" | head -5)")"
    step "the one-step crossing failed: $why"
    expect_eq "crossing: after the failed crossing, f1 still answers" \
        "200 {\"fn\": \"f1\", \"hits\": 2}" "$(http_get "${url}f1/alice")"

    # hitc deploy crosses in two steps
    crossing_deploy "$dir" "$stack" "$WORK/crossing/rest-cross.out"
    local plan
    plan=$(grep -cE '^crossing: |^plan for stack .*step 1 of 2|^no route answers 404|^step 2 of 2' "$WORK/crossing/rest-cross.out")
    expect_eq "crossing: hitc deploy plans two steps, no route answering 404, and deploys them" \
        "0 UPDATE_COMPLETE 4" "$CROSS_RC $(stack_status "$stack") $plan"
    [ "$CROSS_RC" -eq 0 ] || { fail "crossing: hitc deploy output" "$(tail -30 "$WORK/crossing/rest-cross.out")"; return; }
    expect_eq "crossing: the plan names the routes that move (72 less the 2 new)" "70" \
        "$(grep -cE '^    GET /f[0-9]+/\{name\}$' "$WORK/crossing/rest-cross.out")"
    expect_eq "crossing: every function, old and new, answers through the one URL" "" \
        "$(crossing_answers "$url" 1 72)"
    expect_eq "crossing: the table kept its items" \
        "hits=3,name=f1:alice" "$(http_get "${url}f1/alice" > /dev/null; table_items "$counts" | grep ':alice')"
    expect_eq "crossing: the tables and the API keep their physical IDs" "$before" "$(crossing_state "$stack")"
    local step1
    step1=$(ls "$XDG_CACHE_HOME"/hitc/deploy/*/"$stack.crossing.json" 2> /dev/null | head -1)
    command -v cfn-lint > /dev/null || fail "crossing: cfn-lint" "cfn-lint is missing: scripts/deps.sh installs it"
    expect_eq "crossing: step 1's template passes hitc lint --strict and cfn-lint" "ok ok" \
        "$("$HITC" lint --strict "${step1:-step-1-template-missing}" 2>&1 && echo ok) $(cfn-lint -- "${step1:-missing}" 2>&1 && echo ok)"
    expect_eq "crossing: the functions are in nested stacks now" "yes" \
        "$([ "$(nested_physical "$stack" | awk '$1 != "root" && $2 ~ /Function$/' | wc -l)" -eq 72 ] && echo yes || echo no)"
    delete_stack "$stack" > /dev/null
}

crossing_http() {
    local BASE=crossing dir=$WORK/crossing/http out=$WORK/crossing/http-out stack=crossing-http
    crossing_app "$dir" 82 http
    crossing_deploy "$dir" "$stack" "$WORK/crossing/http-first.out"
    expect_eq "crossing (HTTP API): 82 functions deploy as one stack" "0 CREATE_COMPLETE" \
        "$CROSS_RC $(stack_status "$stack")"
    local url counts before
    url=$(output "$stack" Url) counts=$(output "$stack" Counts)
    expect_eq "crossing (HTTP API): f1 counts before the crossing" \
        "200 {\"fn\": \"f1\", \"hits\": 1}" "$(http_get "${url}f1/alice")"
    before=$(crossing_state "$stack")

    # step 2 fails: one nested template in S3 is not what its name says
    crossing_app "$dir" 84 http
    build "$dir" "$out" || return
    local broken
    broken=$(jq -r '.stacks[0].file' "$out/manifest.json")
    echo '{"Resources": {"Broken": {"Type": "AWS::Hitc::NoSuchType"}}}' | aws s3 cp - "s3://$BUCKET/$PREFIX$(basename "$broken")" > /dev/null
    crossing_deploy "$dir" "$stack" "$WORK/crossing/http-cross.out"
    expect_eq "crossing (HTTP API): step 1 deploys, step 2 fails and leaves step 1" \
        "1 UPDATE_ROLLBACK_COMPLETE 1" \
        "$CROSS_RC $(stack_status "$stack") $(grep -c '^step 2 of 2' "$WORK/crossing/http-cross.out")"
    local said
    said=$(grep -E '^    GET /f[0-9]+/\{name\}$' "$WORK/crossing/http-cross.out" | sed 's/^ *//' | sort)
    expect_eq "crossing (HTTP API): the plan says which routes answer 404 between the steps" \
        "82 yes" "$(wc -l <<< "$said" | tr -d ' ') $(grep -q '^these 82 routes answer 404 ' "$WORK/crossing/http-cross.out" && echo yes)"
    expect_eq "crossing (HTTP API): between the steps, the routes the plan named answer 404" \
        "404 {\"message\":\"Not Found\"}" "$(http_get "${url}f1/alice")"

    # the next hitc deploy continues: no API part is left in the root to move
    aws s3 cp "$out/$broken" "s3://$BUCKET/$PREFIX$(basename "$broken")" > /dev/null
    crossing_deploy "$dir" "$stack" "$WORK/crossing/http-again.out"
    expect_eq "crossing (HTTP API): the next hitc deploy continues in one step" \
        "0 UPDATE_COMPLETE 0" \
        "$CROSS_RC $(stack_status "$stack") $(grep -c '^crossing: ' "$WORK/crossing/http-again.out")"
    expect_eq "crossing (HTTP API): every function, old and new, answers through the one URL" "" \
        "$(crossing_answers "$url" 1 84)"
    expect_eq "crossing (HTTP API): the table kept its items" \
        "hits=2,name=f1:alice" "$(http_get "${url}f1/alice" > /dev/null; table_items "$counts" | grep ':alice')"
    expect_eq "crossing (HTTP API): the tables and the API keep their physical IDs" "$before" \
        "$(crossing_state "$stack")"
    delete_stack "$stack" > /dev/null
}

crossing_e2e() {
    echo "== crossing the threshold (tests/e2e/crossing.sh)"
    # hitc deploy's builds, and each crossing's step 1 template, in a cache of the part's own
    local XDG_CACHE_HOME=$WORK/crossing/cache
    export XDG_CACHE_HOME
    crossing_rest
    crossing_http
}

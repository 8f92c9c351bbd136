#!/usr/bin/env bash
# tests/e2e/run.sh: deploy what `hitc build` emits into a local AWS, twice, and show
# the promise: every stage its own stack and tables, every stage one code object,
# each stage's values in its own stamped .env.
#
# usage: bash tests/e2e/run.sh          (tests/run.sh e2e runs it too)
# env:   HITC=path           the hitc binary (default ./hitc)
#        HITC_E2E_KEEP=1     keep the work directory (logs, builds) for a post-mortem
#        HITC_E2E_ONLY="..." run only these parts: app stack bases (hits, indexer,
#                            ...), hit-triggers, function-ops, http-auth, nested, crossing, plugin-failures, hitc-deploy, selftest (the
#                            harness's own checks)
#        HITC_E2E_SHARD=K/N  run every Nth of those parts, from the Kth
#        HITC_E2E_CLAIMS=DIR run the parts no other run.sh with this DIR has claimed
#                            (tests/run.sh runs two side by side: each takes the next
#                            part when it is free, the longest first)
#        HITC_E2E_PARTS=1    print the parts that would run, one a line, and stop
#        HITC_E2E_AWS_WARM=0 start the aws CLI for every call, not once (tests/e2e/aws_warm.py)
#
# The local AWS is moto's server, patched at run time by tests/e2e/moto_local.py
# (tests/e2e/README.md lists every patch and why).  The steps use the real aws CLI,
# as a user would.  Prints PASS/FAIL per case, "-- what a step did" lines, and ends
# with "N passed, N failed"; exits 1 when a case failed or none ran.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
E2E=$ROOT/tests/e2e
HITC=${HITC:-$ROOT/hitc}
case $HITC in /*) ;; *) HITC=$ROOT/$HITC ;; esac
export PYTHONDONTWRITEBYTECODE=1 NO_COLOR=1 LC_ALL=C
BUCKET=hitc-e2e-code
PREFIX=hitc/

# The apps, one a line: "DIRECTORY STACK-BASE".  DIRECTORY holds app.hit; every app
# gets the generic checks below, and tests/e2e/apps/STACK-BASE.sh (if it exists) adds
# its own.  See tests/e2e/README.md, "Adding an app".
APPS=(
    "examples/hits hits"
    "examples/jobs jobs"
    "examples/indexer indexer"
    "examples/sweeper sweeper"
    "examples/ddns ddns"
    "examples/seeded-hits seeded-hits"
    "examples/releases releases"
    "tests/e2e/apps/hits-http hits-http"
    "tests/e2e/apps/node-deps node-deps"
    "examples/chat chat"
)

source "$E2E/lib.sh"
source "$E2E/triggers.sh"    # triggers_selftest, mapping_selftest, plugin_selftest
source "$E2E/hit_triggers.sh"   # hit_triggers_e2e
source "$E2E/function_ops.sh"   # function_ops_e2e: tracing, arch, storage, layers, VPC, concurrency
source "$E2E/http_auth.sh"      # http_auth_e2e: an HTTP API's JWT authorizer
source "$E2E/nested.sh"      # nested_e2e: an app split into nested stacks
source "$E2E/crossing.sh"    # crossing_e2e: an app that grows past the threshold
source "$E2E/deploy.sh"         # hitc_deploy_cases

# The parts of the suite: each app, then the parts with cases of their own (the last
# two fail on purpose, so they run after check_answers).
PARTS=()
for app in "${APPS[@]}"; do PARTS+=("${app##* }"); done
PARTS+=(hit-triggers function-ops http-auth nested crossing hitc-deploy plugin-failures selftest)
# The longest parts, started first: a shard that took one of them last would run on
# alone while the other waited.
LONGEST=(hitc-deploy chat nested crossing releases)
if [ -n "${HITC_E2E_PARTS:-}" ]; then     # list the parts HITC_E2E_ONLY leaves, and stop
    for p in "${PARTS[@]}"; do [ -z "${HITC_E2E_ONLY:-}" ] || [[ " $HITC_E2E_ONLY " == *" $p "* ]] && echo "$p"; done
    exit 0
fi

# in_shard PART: with HITC_E2E_SHARD=K/N, is PART among every Nth part from the Kth
# (tests/run.sh runs the shards side by side, each on a local cloud of its own)?
in_shard() {
    [ -n "${HITC_E2E_SHARD:-}" ] || return 0
    local k=${HITC_E2E_SHARD%/*} n=${HITC_E2E_SHARD#*/} i
    for i in "${!PARTS[@]}"; do
        [ "${PARTS[$i]}" = "$1" ] && { [ $((i % n)) -eq $((k - 1)) ]; return; }
    done
    return 1
}

# wanted PART: is PART to run (HITC_E2E_ONLY unset or naming it, and this shard's:
# the first to claim it in HITC_E2E_CLAIMS, else dealt to it by HITC_E2E_SHARD)?
wanted() {
    [ -z "${HITC_E2E_ONLY:-}" ] || [[ " $HITC_E2E_ONLY " == *" $1 "* ]] || return 1
    if [ -n "${HITC_E2E_CLAIMS:-}" ]; then mkdir "$HITC_E2E_CLAIMS/$1" 2> /dev/null; else in_shard "$1"; fi
}

STARTED=$EPOCHREALTIME
WORK=$(mktemp -d /tmp/hitc-e2e.XXXXXX)
cleanup() {
    stop_moto
    if [ "${HITC_E2E_KEEP:-}" = 1 ]; then echo "-- kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "-- interrupted"; exit 130' INT
trap 'echo "-- terminated"; exit 143' TERM

# --- the tools a user would have ----------------------------------------------

tools_ok() {
    local missing=() t
    for t in aws python3 curl jq; do
        command -v "$t" > /dev/null || missing+=("$t")
    done
    [ -x "$HITC" ] || missing+=("hitc at $HITC (run make)")
    python3 -c 'import moto, werkzeug, boto3' 2> /dev/null || missing+=("python3 modules moto[server], boto3")
    if [ ${#missing[@]} -gt 0 ]; then
        fail "e2e: tools" "missing: ${missing[*]}"
        return 1
    fi
    pass "e2e: tools (aws, python3 with moto, curl, jq, hitc)"
}

# --- 1. build, upload, deploy two stages ----------------------------------------

# build SRC_DIR OUT: hitc build SRC_DIR/app.hit -o OUT, as a case.
build() {
    local t0=$EPOCHREALTIME log
    mkdir -p "$(dirname "$2")"
    if log=$("$HITC" build "$1/app.hit" -o "$2" 2>&1) && [ -s "$2/template.json" ] && [ -s "$2/manifest.json" ]; then
        step "build $1: $(ls "$2/bundles" | wc -l) bundles in $(since "$t0")s"
        pass "$BASE: hitc build $(basename "$1")/app.hit"
        return 0
    fi
    fail "$BASE: hitc build $(basename "$1")/app.hit" "$log"
    return 1
}

# upload OUT PREFIX: the README's `aws s3 sync`, then every bundle must be in S3.
upload() {
    local out=$1 prefix=$2 t0=$EPOCHREALTIME log want got
    log=$(aws s3 sync "$out/bundles" "s3://$BUCKET/$prefix" --only-show-errors 2>&1)
    want=$(ls "$out/bundles" | sort)
    got=$(aws s3 ls "s3://$BUCKET/$prefix" | awk '{print $4}' | grep -F -x -f <(echo "$want") | sort)
    step "upload $(echo "$want" | wc -l) bundles to s3://$BUCKET/$prefix in $(since "$t0")s"
    expect_eq "$BASE: aws s3 sync puts every bundle in s3://$BUCKET/$prefix" "$want" "$got$log"
}

deploy_stage() {
    local stack=$1 stage=$2 template=$3 want=$4
    deploy "$stack" "$template" "Stage=$stage" "CodeBucket=$BUCKET" "${APP_PARAMS[@]}"
    if [ "$DEPLOY_RC" -eq 0 ] && [ "$DEPLOY_STATUS" = "$want" ]; then
        pass "$stack: aws cloudformation deploy reaches $want"
        return 0
    fi
    fail "$stack: aws cloudformation deploy reaches $want" "status $DEPLOY_STATUS, exit $DEPLOY_RC
$DEPLOY_LOG
$(failure_events "$stack" 2> /dev/null)
$(moto_logs)"
    return 1
}

# Every Output of the template is on the stack, with a value.
check_outputs() {
    local stack=$1 template=$2 want got
    want=$(jq -r '.Outputs // {} | keys[]' "$template" | sort)
    got=$(aws cloudformation describe-stacks --stack-name "$stack" --output json |
        jq -r '.Stacks[0].Outputs // [] | .[] | select(.OutputValue != null and .OutputValue != "") | .OutputKey' | sort)
    expect_eq "$stack: every Output of the template is on the stack, with a value ($(paste -sd" " <<< "$want"))" "$want" "$got"
}

# --- 2. own tables, one code object, a .env per stage ---------------------------------

check_tables() {
    local lid dev prod problems=""
    if [ "$APP_TABLES" = 0 ]; then      # an app without tables (apps/BASE.sh says so)
        expect_eq "$BASE: the template has no table, as its apps/$BASE.sh says" "" \
            "$(logical_ids "$OUT/template.json" AWS::DynamoDB::Table)"
        return
    fi
    for lid in $(logical_ids "$OUT/template.json" AWS::DynamoDB::Table); do
        dev=$(physical "$DEV" "$lid")
        prod=$(physical "$PROD" "$lid")
        [ "$dev" != "$prod" ] || problems+="$lid is $dev in both stacks
"
        aws dynamodb describe-table --table-name "$dev" > /dev/null 2>&1 || problems+="$DEV's $lid ($dev) does not exist
"
        aws dynamodb describe-table --table-name "$prod" > /dev/null 2>&1 || problems+="$PROD's $lid ($prod) does not exist
"
        step "$lid: $DEV has $dev, $PROD has $prod"
    done
    [ -n "$(logical_ids "$OUT/template.json" AWS::DynamoDB::Table)" ] || problems+="the template has no table
"
    if [ -z "$problems" ]; then pass "$BASE: each stage has its own tables"; else fail "$BASE: each stage has its own tables" "$problems"; fi
}

# stamped STACK TEMPLATE OUT: tests/e2e/stamped.py as a case; its JSON summary in $WORK/STACK.stamps.json
stamped() {
    local stack=$1 template=$2 out=$3 log
    log=$(e2e_python "$E2E/stamped.py" "$stack" "$template" "$out/bundles" 2>&1)
    local rc=$?
    printf '%s\n' "$log" | tail -1 > "$WORK/$stack.stamps.json"
    if [ $rc -eq 0 ]; then
        pass "$stack: stamped code: content-addressed key, the uploaded bundle's files, this stage's .env"
    else
        fail "$stack: stamped code: content-addressed key, the uploaded bundle's files, this stage's .env" \
            "$(printf '%s\n' "$log" | grep -v '^ok: ')"
    fi
    printf '%s\n' "$log" | grep -E '^ok: .*\.env ' | sed 's/^ok: /-- /'
}

check_one_bundle() {
    local dev prod
    dev=$(jq -c 'with_entries(.value |= .source_key)' "$WORK/$DEV.stamps.json" 2> /dev/null)
    prod=$(jq -c 'with_entries(.value |= .source_key)' "$WORK/$PROD.stamps.json" 2> /dev/null)
    if [ -n "$dev" ] && [ "$dev" = "$prod" ] && [ "$dev" != "{}" ]; then
        pass "$BASE: both stages' stamped code comes from the one uploaded bundle"
        step "sources: $dev"
    else
        fail "$BASE: both stages' stamped code comes from the one uploaded bundle" "dev:  $dev
prod: $prod"
    fi
}

# --- 6. change the env, redeploy prod ------------------------------------------------

# The default edit (an app may define app_edit DIR to do its own): a new key in the
# first multi-line env block.  Sets EDIT_KEY.
default_edit() {
    EDIT_KEY=hitc_e2e_probe
    grep -q '^[[:space:]]*env[[:space:]]*{[[:space:]]*$' "$1/app.hit" || return 1
    sed -i '0,/^\([[:space:]]*\)env[[:space:]]*{[[:space:]]*$/s//&\n\1  hitc_e2e_probe = "1"/' "$1/app.hit"
}

stamper_log() {  # stamper_log STACK: the stamper's log lines (JSON), from CloudWatch Logs
    local group
    group=$(jq -r '.Resources.HitcStamperLogGroup.Properties.LogGroupName["Fn::Sub"] // empty' "$OUT/template.json")
    group=${group//\$\{AWS::StackName\}/$1}
    aws logs filter-log-events --log-group-name "$group" --output json 2> /dev/null |
        jq -r '.events | sort_by(.timestamp) | .[].message | select(startswith("{"))'
}

check_update() {
    local edited=$WORK/$BASE/edited out2=$WORK/$BASE/out2 before_dev lid old new
    rm -rf "$edited"
    cp -r "$APP_DIR" "$edited"
    EDIT_KEY=
    if declare -F app_edit > /dev/null; then app_edit "$edited"; else default_edit "$edited"; fi
    local edited_ok=$?
    if [ $edited_ok -ne 0 ] || [ -z "$EDIT_KEY" ] || cmp -s "$APP_DIR/app.hit" "$edited/app.hit"; then
        fail "$BASE: change the env (add a key) in a copy of the app" "no env block to edit: define app_edit in tests/e2e/apps/$BASE.sh"
        return
    fi
    step "edit: $(diff "$APP_DIR/app.hit" "$edited/app.hit" | grep '^>' | sed 's/^> *//')"
    build "$edited" "$out2" || return
    upload "$out2" "$PREFIX"
    before_dev=$(cat "$WORK/$DEV.stamps.json")
    local dev_updated
    dev_updated=$(aws cloudformation describe-stacks --stack-name "$DEV" --query 'Stacks[0].[StackStatus,LastUpdatedTime]' --output text)
    cp "$WORK/$PROD.stamps.json" "$WORK/$PROD.stamps.before.json"

    deploy "$PROD" "$out2/template.json" "Stage=prod" "CodeBucket=$BUCKET" "${APP_PARAMS[@]}"
    if [ "$DEPLOY_RC" -eq 0 ] && [ "$DEPLOY_STATUS" = UPDATE_COMPLETE ]; then
        pass "$PROD: redeploy with the new env key reaches UPDATE_COMPLETE"
    else
        fail "$PROD: redeploy with the new env key reaches UPDATE_COMPLETE" "status $DEPLOY_STATUS, exit $DEPLOY_RC
$DEPLOY_LOG
$(failure_events "$PROD")
$(moto_logs)"
        return
    fi
    stamped "$PROD" "$out2/template.json" "$out2"
    local has_key
    has_key=$(jq -r --arg k "$EDIT_KEY" '[.[] | .env | has($k)] | any' "$WORK/$PROD.stamps.json" 2> /dev/null)
    expect_eq "$PROD: the function's new .env has the key $EDIT_KEY" true "$has_key"

    # The stamper's own log: for a stamp whose Env changed, Create, then Update, then
    # the Delete of the old copy; for any other, Create alone and the same object.
    local log kinds removed changed
    log=$(stamper_log "$PROD")
    removed=$(printf '%s\n' "$log" | jq -r 'select(.message == "delete" and .removed == true) | .physical_id' | sort | paste -sd' ')
    local want_removed=()
    for lid in $(jq -r 'keys[]' "$WORK/$PROD.stamps.before.json"); do
        old=$(jq -r --arg l "$lid" '.[$l].key' "$WORK/$PROD.stamps.before.json")
        new=$(jq -r --arg l "$lid" '.[$l].key' "$WORK/$PROD.stamps.json")
        kinds=$(printf '%s\n' "$log" | jq -r --arg l "$lid" 'select(.message == "request" and .logical_id == $l) | .type' | paste -sd' ')
        changed=$(jq -n --arg l "$lid" --slurpfile a "$OUT/template.json" --slurpfile b "$out2/template.json" \
            '$a[0].Resources[$l].Properties.Env != $b[0].Resources[$l].Properties.Env')
        if [ "$changed" = false ]; then
            expect_eq "$PROD: $lid (Env unchanged): no Update, same object" "Create $old" "$kinds $new"
            continue
        fi
        want_removed+=("s3://$BUCKET/$old")
        expect_eq "$PROD: $lid: the stamper got Create, then Update, then Delete (its log)" "Create Update Delete" "$kinds"
        if [ "$old" != "$new" ] && ! aws s3api head-object --bucket "$BUCKET" --key "$old" > /dev/null 2>&1 &&
            aws s3api head-object --bucket "$BUCKET" --key "$new" > /dev/null 2>&1; then
            pass "$PROD: $lid: the old stamped object is gone, the new one is there"
        else
            fail "$PROD: $lid: the old stamped object is gone, the new one is there" "old $old, new $new"
        fi
        step "$lid: $old -> $new"
    done
    # With no changed stamp the comparison below would hold by itself.
    [ ${#want_removed[@]} -gt 0 ] || fail "$PROD: the env edit changes a stamp's Env" "no Custom::HitcStamp's Env differs between the two builds"
    expect_eq "$PROD: the stamper's Deletes removed the old copies, nothing else" \
        "$(printf '%s\n' "${want_removed[@]}" | sort | paste -sd' ')" "$removed"

    local dev_now
    dev_now=$(e2e_python "$E2E/stamped.py" "$DEV" "$OUT/template.json" "$OUT/bundles" 2>&1 | tail -1)
    expect_eq "$DEV: untouched by prod's update (same stamped objects, same .env, same status)" \
        "$before_dev $dev_updated" \
        "$dev_now $(aws cloudformation describe-stacks --stack-name "$DEV" --query 'Stacks[0].[StackStatus,LastUpdatedTime]' --output text)"
}

# --- 7. a stamper failure fails the deploy at once, with its reason, and rolls back ----

check_stamper_failure() {
    local stack=$BASE-broken prefix=broken-$BASE/ stamped file reasons leftovers functions
    # Every bundle but the stamps' sources: the stamper's, and the code of functions
    # that are not stamped (a plugin's service, which must run before a stamp that
    # reads its resource), so that the stamper is what fails.
    stamped=$(jq -r '.Resources[] | select(.Type == "Custom::HitcStamp") | .Properties.SourceKey["Fn::Sub"] |
        sub("^\\$\\{CodePrefix\\}"; "")' "$OUT/template.json")
    for file in $(jq -r '.bundles[].file' "$OUT/manifest.json"); do
        grep -qxF "$(basename "$file")" <<< "$stamped" ||
            aws s3 cp "$OUT/$file" "s3://$BUCKET/$prefix" --only-show-errors
    done
    step "upload all but the stamped code's bundles to s3://$BUCKET/$prefix (those are missing)"
    deploy "$stack" "$OUT/template.json" "Stage=dev" "CodeBucket=$BUCKET" "CodePrefix=$prefix" "${APP_PARAMS[@]}"
    # "At once": the stamper answers FAILED (the reason below is its answer), so the
    # stack does not wait out ServiceTimeout.  No bound on seconds: a busy machine is slow.
    if [ "$DEPLOY_RC" -ne 0 ]; then
        pass "$stack: the deploy fails"
    else
        fail "$stack: the deploy fails" "exit $DEPLOY_RC after ${DEPLOY_SECONDS}s
$DEPLOY_LOG"
    fi
    reasons=$(failure_events "$stack")
    printf '%s\n' "$reasons" | sed 's/^/-- event: /' | cut -c1-300
    if printf '%s\n' "$reasons" | grep -q "CREATE_FAILED: Received response status \[FAILED\] from custom resource. Message returned: the source bundle s3://$BUCKET/${prefix}[0-9a-f]*\.zip does not exist: upload the bundles first"; then
        pass "$stack: the stack events carry the stamper's reason"
    else
        fail "$stack: the stack events carry the stamper's reason" "$reasons"
    fi
    leftovers=$(aws cloudformation describe-stack-resources --stack-name "$stack" --output json |
        jq -r '.StackResources[] | select(.ResourceStatus != "DELETE_COMPLETE" and .ResourceStatus != "DELETE_SKIPPED") | "\(.LogicalResourceId) \(.ResourceStatus)"')
    local skipped want_skipped
    skipped=$(aws cloudformation describe-stack-resources --stack-name "$stack" --output json |
        jq -r '.StackResources[] | select(.ResourceStatus == "DELETE_SKIPPED") | .LogicalResourceId' | sort)
    want_skipped=$(jq -r '.Resources | to_entries[] | select(.value.DeletionPolicy == "Retain") | .key' "$OUT/template.json" | sort)
    functions=$(aws lambda list-functions --query "Functions[?starts_with(FunctionName, '$stack-')].FunctionName" --output text)
    expect_eq "$stack: rolled back: ROLLBACK_COMPLETE, all deleted but the Retain resources" \
        "ROLLBACK_COMPLETE|||$(paste -sd" " <<< "$want_skipped")" \
        "$(stack_status "$stack")|$leftovers|$functions|$(paste -sd" " <<< "$skipped")"
    delete_stack "$stack"
    expect_eq "$stack: the rolled-back stack deletes" "0 GONE" "$DELETE_RC $DELETE_STATUS"
}

# --- 8. deleting dev keeps its tables and leaves prod working -----------------------

check_delete() {
    local lid tables=() counts_before=() functions keys t problems=""
    for lid in $(jq -r '.Resources | to_entries[] | select(.value.Type == "AWS::DynamoDB::Table" and .value.DeletionPolicy == "Retain") | .key' "$OUT/template.json"); do
        t=$(physical "$DEV" "$lid")
        tables+=("$t")
        counts_before+=("$(table_items "$t" | md5sum)")
    done
    functions=$(aws cloudformation describe-stack-resources --stack-name "$DEV" --output json |
        jq -r '.StackResources[] | select(.ResourceType == "AWS::Lambda::Function") | .PhysicalResourceId')
    keys=$(jq -r '.[].key' "$WORK/$DEV.stamps.json")
    local prod_before
    prod_before=$(stack_status "$PROD")

    delete_stack "$DEV"
    expect_eq "$DEV: delete-stack completes" "0 GONE" "$DELETE_RC $DELETE_STATUS"
    local i
    for i in "${!tables[@]}"; do
        if [ "$(table_items "${tables[$i]}" 2> /dev/null | md5sum)" = "${counts_before[$i]}" ] &&
            aws dynamodb describe-table --table-name "${tables[$i]}" > /dev/null 2>&1; then
            step "kept ${tables[$i]} with its $(table_items "${tables[$i]}" | wc -l) items"
        else
            problems+="table ${tables[$i]} is gone or changed
"
        fi
    done
    [ ${#tables[@]} -gt 0 ] || [ "$APP_TABLES" = 0 ] || problems+="the template has no table with DeletionPolicy Retain
"
    if [ "$APP_TABLES" = 0 ] && [ -z "$problems" ]; then pass "$DEV: deleted; it had no tables to keep"
    elif [ -z "$problems" ]; then pass "$DEV: its tables are kept (Retain), with their items"; else fail "$DEV: its tables are kept (Retain), with their items" "$problems"; fi
    problems=""
    # Nothing to look for would pass by itself: the stack had functions and stamped code.
    [ -n "$keys" ] || problems+="no stamped object of $DEV is known ($WORK/$DEV.stamps.json)
"
    [ -n "$functions" ] || problems+="$DEV listed no AWS::Lambda::Function
"
    for t in $keys; do
        aws s3api head-object --bucket "$BUCKET" --key "$t" > /dev/null 2>&1 && problems+="s3://$BUCKET/$t is still there
"
    done
    for t in $functions; do
        aws lambda get-function --function-name "$t" > /dev/null 2>&1 && problems+="function $t is still there
"
    done
    if [ -z "$problems" ]; then pass "$DEV: its functions and stamped code objects are deleted"; else fail "$DEV: its functions and stamped code objects are deleted" "$problems"; fi
    expect_eq "$PROD: still $prod_before after deleting $DEV" "$prod_before" "$(stack_status "$PROD")"
    stamped "$PROD" "$WORK/$BASE/out2/template.json" "$WORK/$BASE/out2"
}

# --- one app, start to end ----------------------------------------------------------

run_app() {
    APP_DIR=$ROOT/$1 BASE=$2 DEV=$2-dev PROD=$2-prod OUT=$WORK/$2/out
    unset -f app_deployed app_edit app_updated app_after_delete
    APP_PARAMS=()   # more parameter overrides of every deploy, set by apps/BASE.sh
    APP_TABLES=1    # 0: the app has no tables (set by apps/BASE.sh)
    # shellcheck source=/dev/null
    if [ -f "$E2E/apps/$BASE.sh" ]; then source "$E2E/apps/$BASE.sh"; fi
    echo "== app $BASE ($1)"
    local t0=$EPOCHREALTIME
    build "$APP_DIR" "$OUT" || return
    upload "$OUT" "$PREFIX"
    deploy_stage "$DEV" dev "$OUT/template.json" CREATE_COMPLETE || return
    deploy_stage "$PROD" prod "$OUT/template.json" CREATE_COMPLETE || return
    check_outputs "$DEV" "$OUT/template.json"
    check_outputs "$PROD" "$OUT/template.json"
    check_tables
    stamped "$DEV" "$OUT/template.json" "$OUT"
    stamped "$PROD" "$OUT/template.json" "$OUT"
    check_one_bundle
    if declare -F app_deployed > /dev/null; then app_deployed; fi
    check_update
    if declare -F app_updated > /dev/null; then app_updated; fi
    check_stamper_failure
    check_delete
    if declare -F app_after_delete > /dev/null; then app_after_delete; fi
    source "$E2E/apps/local-invoke.sh" && local_invoke_compare   # hitc invoke beside the deployed
    delete_stack "$PROD"
    expect_eq "$PROD: delete-stack completes" "0 GONE" "$DELETE_RC $DELETE_STATUS"
    step "app $BASE: $(since "$t0")s"
}

# --- the harness checks itself: what CloudFormation refuses, it refuses -------------

# selftest/custom-resource.json: a function answering its custom resource well, with a
# form Content-Type, not at all, or FAILED; selftest/no-depends-on.json: a Deployment
# that does not wait for its Method.
selftest() {
    echo "== harness self-test"
    local t=$E2E/selftest/custom-resource.json mode stack events
    deploy e2e-probe-good "$t" Mode=good
    expect_eq "harness: a custom resource that answers is waited for; its Data reaches Outputs" \
        "0 CREATE_COMPLETE 42" "$DEPLOY_RC $DEPLOY_STATUS $(output e2e-probe-good Answer)"
    delete_stack e2e-probe-good
    expect_eq "harness: deleting it sends Delete and waits for the answer" \
        "0 GONE" "$DELETE_RC $DELETE_STATUS"
    for mode in form silent failed; do
        stack=e2e-probe-$mode
        deploy "$stack" "$t" "Mode=$mode"
        events=$(failure_events "$stack")
        local want
        case $mode in
        form) want="did not receive a response from your Custom Resource.*SignatureDoesNotMatch.*without answering" ;;
        silent) want="did not receive a response from your Custom Resource.*returned without answering" ;;
        failed) want="Received response status \[FAILED\] from custom resource. Message returned: the probe says no" ;;
        esac
        if [ "$DEPLOY_RC" -ne 0 ] && [ "$DEPLOY_STATUS" = ROLLBACK_COMPLETE ] &&
            printf '%s\n' "$events" | grep -q "^Probe CREATE_FAILED: .*$want"; then
            pass "harness: a custom resource answering '$mode' fails the create at once (no wait for a timeout) and rolls back"
        else
            fail "harness: a custom resource answering '$mode' fails the create at once (no wait for a timeout) and rolls back" \
                "exit $DEPLOY_RC, $DEPLOY_STATUS after ${DEPLOY_SECONDS}s; events:
$events"
        fi
        if [ "$mode" = failed ]; then
            expect_eq "harness: a FAILED create still gets its Delete in the rollback" "DELETE_COMPLETE" \
                "$(aws cloudformation describe-stack-events --stack-name "$stack" --output json |
                    jq -r '[.StackEvents[] | select(.LogicalResourceId == "Probe")][0].ResourceStatus')"
        fi
        delete_stack "$stack" > /dev/null
    done
    stack=e2e-probe-update
    deploy "$stack" "$t" Mode=good Fail=no > /dev/null
    deploy "$stack" "$t" Mode=good Fail=yes
    events=$(aws cloudformation describe-stack-events --stack-name "$stack" --output json |
        jq -r '[.StackEvents[] | select(.LogicalResourceId == "Probe") | .ResourceStatus] | reverse | join(" ")')
    expect_eq "harness: a FAILED update rolls back, and the custom resource gets its old properties back" \
        "UPDATE_ROLLBACK_COMPLETE CREATE_IN_PROGRESS CREATE_COMPLETE UPDATE_IN_PROGRESS UPDATE_FAILED UPDATE_IN_PROGRESS UPDATE_COMPLETE 42" \
        "$DEPLOY_STATUS $events $(output "$stack" Answer)"
    delete_stack "$stack" > /dev/null
    deploy e2e-order "$E2E/selftest/no-depends-on.json"
    events=$(failure_events e2e-order)
    if [ "$DEPLOY_STATUS" = ROLLBACK_COMPLETE ] &&
        printf '%s\n' "$events" | grep -q "^Deployment CREATE_FAILED: The REST API doesn't contain any methods"; then
        pass "harness: resources are made in dependency waves (a Deployment without DependsOn comes too early)"
    else
        fail "harness: resources are made in dependency waves (a Deployment without DependsOn comes too early)" \
            "$DEPLOY_STATUS; events:
$events"
    fi
    delete_stack e2e-order > /dev/null
}

# Every custom-resource request of the whole run got exactly one answer, well formed,
# sent with an empty Content-Type (the engine's log counts them).
check_answers() {
    local log=$WORK/moto/logs/cloudformation.log counts
    if [ ! -s "$log" ]; then
        fail "e2e: every custom-resource request got exactly one well-formed answer" "no custom-resource request was made"
        return
    fi
    counts=$(jq -rs '. as $all | def n(f): [$all[] | select(f)] | length;
        "\(n(.message == "request")) requests, \(n(.message == "response" and .problem == null)) answers, \(n(.message == "response-duplicate")) duplicates, \(n(.message == "response-refused")) refused, \(n(.message == "response" and .problem != null)) malformed"' "$log")
    step "custom resources: $counts"
    local q=${counts%% requests*}
    expect_eq "e2e: every custom-resource request got exactly one well-formed answer" \
        "$q requests, $q answers, 0 duplicates, 0 refused, 0 malformed" "$counts"
}

main() {
    tools_ok || return
    start_moto || return
    aws s3 mb "s3://$BUCKET" > /dev/null || { fail "e2e: aws s3 mb s3://$BUCKET"; return; }
    source "$E2E/apps/plugin-failures.sh"
    local p ran=0
    for p in "${LONGEST[@]}" "${PARTS[@]}"; do
        case $p in plugin-failures|selftest) ;; *) part "$p" && ran=1 ;; esac
    done
    # over this shard's parts (another shard may have taken them all)
    [ "$ran" = 0 ] || check_answers
    part plugin-failures
    part selftest
}

# part NAME: run the part NAME once, if wanted, and say how long it took; 1 when
# it did not run here.
declare -A PART_SEEN
part() {
    [ -z "${PART_SEEN[$1]:-}" ] || return 1
    PART_SEEN[$1]=1
    wanted "$1" || return 1
    local t0=$EPOCHREALTIME app dir base
    case $1 in
    hit-triggers) hit_triggers_e2e ;;
    function-ops) function_ops_e2e ;;
    http-auth) http_auth_e2e ;;
    nested) nested_e2e ;;
    crossing) crossing_e2e ;;
    hitc-deploy) hitc_deploy_cases ;;
    plugin-failures) plugin_failures_cases ;;   # an app that only fails on purpose
    selftest) selftests ;;
    *) for app in "${APPS[@]}"; do
           read -r dir base <<< "$app"
           [ "$base" = "$1" ] && run_app "$dir" "$base"
       done ;;
    esac
    step "part $1: $(since "$t0")s"
}

selftests() {
    selftest
    triggers_selftest
    mapping_selftest
    plugin_selftest
}

main
step "e2e: $(since "$STARTED")s in all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

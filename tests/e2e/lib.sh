# tests/e2e/lib.sh: the harness's helpers, sourced by run.sh (and usable in apps/*.sh).
#
# Cases:  pass NAME | fail NAME [DETAIL] | expect_eq NAME WANT GOT | step TEXT
# Moto:   start_moto, stop_moto (run.sh traps EXIT to stop it and remove $WORK),
#         e2e_python SCRIPT ARG... (python3 SCRIPT, in aws_warm.py's server)
# Stacks: deploy STACK TEMPLATE KEY=VALUE..., delete_stack STACK (GONE once deleted),
#         stack_status STACK,
#         output STACK KEY, physical STACK LOGICALID, physical_of_type STACK TEMPLATE TYPE,
#         failure_events STACK
# HTTP:   http_get URL     ("CODE BODY"; URL exactly as a stack output gives it)

passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/    /'
    return 0
}
expect_eq() {
    if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "want: $2
got:  $3"; fi
}
step() { echo "-- $*"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# --- the local AWS ----------------------------------------------------------

# start_moto: moto_local.py on a free loopback port; exports AWS_ENDPOINT_URL and
# fake credentials so that the aws CLI (and boto3) reach it and nothing else.
start_moto() {
    local t0=$EPOCHREALTIME i
    mkdir -p "$WORK/moto/logs"
    python3 "$E2E/moto_local.py" --work "$WORK/moto" --port-file "$WORK/port" \
        > "$WORK/moto/logs/moto.log" 2>&1 &
    MOTO_PID=$!
    for i in $(seq 1 1200); do
        [ -s "$WORK/port" ] && break
        kill -0 "$MOTO_PID" 2> /dev/null || break
        sleep 0.1
    done
    if [ ! -s "$WORK/port" ]; then
        fail "e2e: moto starts" "moto_local.py did not listen within 120 s; its log:
$(tail -20 "$WORK/moto/logs/moto.log")"
        return 1
    fi
    PORT=$(cat "$WORK/port")
    export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
    export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
    export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
    export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
    export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
    unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_CA_BUNDLE
    if ! curl -sf "$AWS_ENDPOINT_URL/hitc-e2e/ready" > /dev/null; then
        fail "e2e: moto starts" "moto_local.py listens on $PORT but does not answer"
        return 1
    fi
    step "moto: listening on 127.0.0.1:$PORT after $(since "$t0")s (pid $MOTO_PID)"
    [ "${HITC_E2E_AWS_WARM:-1}" = 0 ] || start_aws_warm
}

# start_aws_warm: the aws CLI started once (tests/e2e/aws_warm.py), first on PATH as
# $WORK/bin/aws for the steps and the hitc commands they run; until it listens, and
# if it cannot start, that aws runs the real one.  Call it once the AWS_ variables are set.
start_aws_warm() {
    local t0=$EPOCHREALTIME py real i sock=$WORK/aws.sock
    py=$(python3 -c 'import sys; print(sys.executable)') real=$(command -v aws)
    mkdir -p "$WORK/bin"
    "$py" "$E2E/aws_warm.py" serve "$sock" > "$WORK/moto/logs/aws_warm.log" 2>&1 &
    AWS_WARM_PID=$!
    printf '#!/bin/sh\nexec "%s" -I -S "%s" call "%s" "%s" "$@"\n' "$py" "$E2E/aws_warm.py" "$sock" "$real" > "$WORK/bin/aws"
    printf '#!/bin/sh\nexec "%s" -I -S "%s" script "%s" "%s" "$@"\n' "$py" "$E2E/aws_warm.py" "$sock" "$py" > "$WORK/bin/e2e-python"
    chmod +x "$WORK/bin/aws" "$WORK/bin/e2e-python"
    ln -s "$py" "$WORK/bin/python3"     # the interpreter a version manager's shim would start
    export PATH="$WORK/bin:$PATH"
    for i in $(seq 1 600); do
        [ -S "$sock" ] && break
        kill -0 "$AWS_WARM_PID" 2> /dev/null || break
        sleep 0.1
    done
    if [ -S "$sock" ]; then step "aws CLI: started once, listening after $(since "$t0")s (pid $AWS_WARM_PID)"
    else step "aws CLI: the warm server did not start, each call starts the CLI: $(tail -3 "$WORK/moto/logs/aws_warm.log")"; fi
}

# e2e_python SCRIPT ARG...: python3 SCRIPT ARG..., in the warm server when it runs.
e2e_python() {
    if [ -x "$WORK/bin/e2e-python" ]; then "$WORK/bin/e2e-python" "$@"; else python3 "$@"; fi
}

stop_moto() {
    [ -n "${AWS_WARM_PID:-}" ] && kill -TERM "$AWS_WARM_PID" 2> /dev/null && wait "$AWS_WARM_PID" 2> /dev/null
    AWS_WARM_PID=
    [ -n "${MOTO_PID:-}" ] || return 0
    kill -TERM "$MOTO_PID" 2> /dev/null
    local i
    for i in $(seq 1 50); do
        kill -0 "$MOTO_PID" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$MOTO_PID" 2> /dev/null
    wait "$MOTO_PID" 2> /dev/null
    MOTO_PID=
}

# The tail of the engine's and the functions' logs, for a failure's detail.
moto_logs() {
    local f
    for f in "$WORK"/moto/logs/cloudformation.log "$WORK"/moto/logs/*Function*.log; do
        [ -f "$f" ] || continue
        echo "== $(basename "$f") (last 8 lines)"
        tail -8 "$f" | cut -c1-400
    done
}

# first_message QUEUE_URL TRIES: the body of the first message the queue
# has within TRIES one-second waits (left on the queue), or nothing.
first_message() {
    local got="" i
    for ((i = 0; i < $2; i++)); do
        got=$(aws --endpoint-url "$AWS_ENDPOINT_URL" sqs receive-message --queue-url "$1" \
                  --wait-time-seconds 1 --output json | jq -r '.Messages // [] | .[0].Body // empty')
        [ -n "$got" ] && break
    done
    printf '%s' "$got"
}

# role_policy ROLE POLICY: the role's inline policy document, as JSON.  moto
# keeps one made by CloudFormation as Python's repr of the document rather
# than JSON (or as an object), so each is read.
role_policy() {
    aws iam get-role-policy --role-name "$1" --policy-name "$2" --output json | python3 -c '
import ast, json, sys
doc = json.load(sys.stdin)["PolicyDocument"]
if isinstance(doc, str):
    try:
        doc = json.loads(doc)
    except ValueError:
        doc = ast.literal_eval(doc)
json.dump(doc, sys.stdout)'
}

# --- stacks -----------------------------------------------------------------

# deploy STACK TEMPLATE KEY=VALUE...: the README's deploy command.  Sets DEPLOY_RC,
# DEPLOY_LOG (what the CLI printed), DEPLOY_SECONDS and DEPLOY_STATUS.
deploy() {
    local stack=$1 template=$2
    shift 2
    local t0=$EPOCHREALTIME
    local overrides=()
    [ $# -gt 0 ] && overrides=(--parameter-overrides "$@")
    DEPLOY_LOG=$(aws cloudformation deploy --template-file "$template" --stack-name "$stack" \
        "${overrides[@]}" --capabilities CAPABILITY_IAM 2>&1)
    DEPLOY_RC=$?
    DEPLOY_SECONDS=$(since "$t0")
    DEPLOY_STATUS=$(stack_status "$stack")
    step "deploy $stack ($*): $DEPLOY_STATUS in ${DEPLOY_SECONDS}s (exit $DEPLOY_RC)"
}

# created STACK WHAT: after deploy, pass WHAT if STACK was created; else fail
# it with the CLI's output and the failed events, delete STACK and return 1.
created() {
    if [ "$DEPLOY_RC" -ne 0 ] || [ "$DEPLOY_STATUS" != CREATE_COMPLETE ]; then
        fail "$2" "status $DEPLOY_STATUS, exit $DEPLOY_RC
$DEPLOY_LOG
$(failure_events "$1" | head -40)"
        delete_stack "$1" > /dev/null
        return 1
    fi
    pass "$2"
}

# delete_stack STACK: delete-stack, then the CLI's waiter.  Sets DELETE_RC, DELETE_SECONDS,
# DELETE_STATUS (GONE when the stack no longer exists).
delete_stack() {
    local t0=$EPOCHREALTIME
    aws cloudformation delete-stack --stack-name "$1" && aws cloudformation wait stack-delete-complete --stack-name "$1"
    DELETE_RC=$?
    DELETE_SECONDS=$(since "$t0")
    DELETE_STATUS=$(stack_status "$1")
    step "delete $1: $DELETE_STATUS in ${DELETE_SECONDS}s (exit $DELETE_RC)"
}

stack_status() {
    aws cloudformation describe-stacks --stack-name "$1" --query 'Stacks[0].StackStatus' \
        --output text 2> /dev/null || echo GONE
}

output() {
    aws cloudformation describe-stacks --stack-name "$1" \
        --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text
}

physical() {
    aws cloudformation describe-stack-resource --stack-name "$1" --logical-resource-id "$2" \
        --query StackResourceDetail.PhysicalResourceId --output text
}

# logical_ids TEMPLATE TYPE: the template's resources of that type, one a line.
logical_ids() {
    jq -r --arg t "$2" '.Resources | to_entries[] | select(.value.Type == $t) | .key' "$1"
}

# The FAILED events of a stack, one "LOGICALID STATUS: REASON" a line.
failure_events() {
    aws cloudformation describe-stack-events --stack-name "$1" --output json |
        jq -r '.StackEvents[] | select(.ResourceStatus | test("FAILED")) |
               "\(.LogicalResourceId) \(.ResourceStatus): \(.ResourceStatusReason)"'
}

# --- HTTP ---------------------------------------------------------------------

# http_get URL: "CODE BODY".  URL is https://HOST/PATH exactly as a stack's output
# gives it; the request goes to the local server over plain HTTP with Host: HOST.
http_get() {
    local rest=${1#https://}
    local host=${rest%%/*} path=/${rest#*/} out
    out=$(curl -s --max-time 600 -w '\n%{http_code}' -H "Host: $host" "http://127.0.0.1:$PORT$path")
    echo "${out##*$'\n'} ${out%$'\n'*}"
}

# table_items TABLE: one line per item, "attr=value,..." (attributes sorted), lines sorted.
table_items() {
    aws dynamodb scan --table-name "$1" --output json |
        jq -r '.Items[] | [to_entries[] | "\(.key)=\(.value | to_entries[0].value)"] | sort | join(",")' | sort
}

# --- custom resources -------------------------------------------------------------

# custom_requests STACK [SINCE]: the custom-resource requests sent for STACK, in the
# order CloudFormation sent them, one "KIND LOGICALID" a line (the engine's log);
# with SINCE (a count from custom_request_count), only the ones after it.
custom_requests() {
    jq -r --arg s "$1" 'select(.message == "request" and (.stack | test(":stack/" + $s + "/"))) |
        "\(.kind) \(.logical_id)"' "$WORK/moto/logs/cloudformation.log" | tail -n +"$((${2:-0} + 1))"
}
custom_request_count() { custom_requests "$1" | wc -l; }

# resource_events STACK LOGICALID: that resource's events, oldest first, one
# "STATUS PHYSICALID" a line.
resource_events() {
    aws cloudformation describe-stack-events --stack-name "$1" --output json |
        jq -r --arg l "$2" '.StackEvents | reverse | .[] | select(.LogicalResourceId == $l) |
            "\(.ResourceStatus) \(.PhysicalResourceId)"'
}

# event_log STACK: every resource event of STACK (a deleted one too), oldest first,
# one "LOGICALID STATUS" a line (the engine's log).
event_log() {
    jq -r --arg s "$1" 'select(.message == "event" and .stack == $s) | "\(.logical_id) \(.status)"' \
        "$WORK/moto/logs/cloudformation.log"
}

# in_order TEXT LINE...: "yes" when each LINE is a whole line of TEXT and they come
# in this order (first occurrences); else what was found where.
in_order() {
    local text=$1 line n last=0 found=""
    shift
    for line in "$@"; do
        n=$(grep -n -m1 -x -F -- "$line" <<< "$text" | cut -d: -f1)
        found+="[$line] at ${n:-none}; "
        if [ -z "$n" ] || [ "$n" -le "$last" ]; then echo "no: $found"; return; fi
        last=$n
    done
    echo yes
}

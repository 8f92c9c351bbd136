# tests/e2e/apps/chat.sh: what the survivor chat (examples/chat) promises, on top of
# the generic checks of run.sh.  Sourced by run.sh with BASE=chat, DEV=chat-dev,
# PROD=chat-prod, OUT (the build), WORK, BUCKET and the helpers of lib.sh.
#
# Over HTTP through each stack's Url output: messages posted to a channel are read
# back in the order they were sent, per stage and per channel; a CORS preflight is
# answered by the API and every answer carries Access-Control-Allow-Origin; who is
# around, checking in only with an invitation (the survivors Lambda authorizer).
# Through `aws iam`: each function's role grants what it needs, nothing more.

# chat_http METHOD URL [BODY] [HEADER...]: "CODE BODY" of the request; the answer's
# headers (lower-cased names) are in $WORK/chat.headers.
chat_http() {
    local method=$1 url=$2 body=${3:-} rest host path out args=()
    shift 3 2> /dev/null || shift $#
    rest=${url#https://} host=${rest%%/*} path=/${rest#*/}
    [ -n "$body" ] && args+=(--data-binary "$body" -H "Content-Type: application/json")
    for h in "$@"; do args+=(-H "$h"); done
    out=$(curl -s --max-time 600 -X "$method" -D "$WORK/chat.headers.raw" -w '\n%{http_code}' \
        -H "Host: $host" "${args[@]}" "http://127.0.0.1:$PORT$path")
    tr -d '\r' < "$WORK/chat.headers.raw" | awk -F': ' 'NR > 1 && NF > 1 { print tolower($1) ": " $2 }' > "$WORK/chat.headers"
    echo "${out##*$'\n'} ${out%$'\n'*}"
}

# chat_header NAME: the value of header NAME (lower case) of the last answer.
chat_header() { awk -F': ' -v n="$1" '$1 == n { print $2 }' "$WORK/chat.headers"; }

# invitation NAME: the token that lets NAME check in (the gatekeeper's rule, with the
# stage's invite-key, the template's default here).
invitation() {
    printf '%s.%s' "$1" "$(printf '%s' "$1" | openssl dgst -sha256 -hmac dev-invitations -r | cut -c1-16)"
}

# post URL CHANNEL NAME TEXT: the posted message's sent key, or "HTTP CODE BODY".
post() {
    local got code body
    got=$(chat_http POST "$1messages/$2" "$(jq -nc --arg n "$3" --arg t "$4" '{name: $n, text: $t}')")
    code=${got%% *} body=${got#* }
    if [ "$code" = 201 ] && [ "$(jq -r .text <<< "$body" 2> /dev/null)" = "$4" ]; then
        jq -r .sent <<< "$body"
    else
        echo "HTTP $got"
    fi
}

# said URL CHANNEL [QUERY]: the channel's messages as "name: text" lines, or "HTTP CODE BODY".
said() {
    local got code body
    got=$(chat_http GET "$1messages/$2${3:+?$3}")
    code=${got%% *} body=${got#* }
    if [ "$code" = 200 ]; then jq -r '.messages[] | "\(.name): \(.text)"' <<< "$body"; else echo "HTTP $got"; fi
}

# actions STACK ROLE-LOGICAL-ID: "ACTION on TABLE-LOGICAL-ID[/index/*]" lines of the
# deployed role's inline policies (the logs statements left out), sorted; a table is
# named by its logical ID, found from the stack's physical table names (role_policy
# reads the document as moto keeps it).
actions() {
    local role policy tables
    role=$(physical "$1" "$2")
    tables=$(aws cloudformation describe-stack-resources --stack-name "$1" --output json |
        jq -c '[.StackResources[] | select(.ResourceType == "AWS::DynamoDB::Table") | {(.PhysicalResourceId): .LogicalResourceId}] | add')
    for policy in $(aws iam list-role-policies --role-name "$role" --query 'PolicyNames[]' --output text); do
        role_policy "$role" "$policy" |
            python3 -c '
import json, sys
tables = json.loads(sys.argv[1])
doc = json.load(sys.stdin)
listed = lambda v: [v] if isinstance(v, str) else v
for st in listed(doc["Statement"]):
    if st.get("Effect") != "Allow":
        continue
    for action in listed(st["Action"]):
        if action.startswith("logs:"):
            continue
        for res in listed(st["Resource"]):
            name, _, rest = res.partition(":table/")[2].partition("/")
            print(action, "on", tables.get(name, res) + ("/" + rest if rest else ""))
' "$tables"
    done | sort
}

app_deployed() {
    local got sent1 sent2 sent3 dev_table
    DEV_URL=$(output "$DEV" Url)
    PROD_URL=$(output "$PROD" Url)
    dev_table=$(physical "$DEV" MessagesTable)

    # Messages, in order, per channel and per stage.
    sent1=$(post "$DEV_URL" general alice "is anyone out there?")
    sent2=$(post "$DEV_URL" general bob "yes, at the mall")
    sent3=$(post "$DEV_URL" general alice "on my way")
    post "$DEV_URL" radio carol "channel 9 is clear" > /dev/null
    post "$PROD_URL" general dave "prod only" > /dev/null
    step "POST ${DEV_URL}messages/general x3: $sent1 $sent2 $sent3"
    expect_eq "chat: three POST /messages/general answer 201 with sort keys that increase" "ok" \
        "$([ "$sent1" \< "$sent2" ] && [ "$sent2" \< "$sent3" ] && [[ $sent1 != HTTP* ]] && echo ok || echo "$sent1 / $sent2 / $sent3")"
    expect_eq "chat: GET /messages/general reads them back oldest first" "alice: is anyone out there?
bob: yes, at the mall
alice: on my way" "$(said "$DEV_URL" general)"
    expect_eq "chat: GET with after=SENT of the first reads the other two; limit=1 the first" \
        "bob: yes, at the mall
alice: on my way
alice: is anyone out there?" "$(said "$DEV_URL" general "after=${sent1//#/%23}"; said "$DEV_URL" general limit=1)"
    expect_eq "chat: channels are apart (radio), and so are stages (prod has only its own)" \
        "carol: channel 9 is clear
dave: prod only" "$(said "$DEV_URL" radio; said "$PROD_URL" general)"
    expect_eq "$DEV: its messages table holds exactly the four dev messages, by channel" \
        "general general general radio" \
        "$(aws dynamodb scan --table-name "$dev_table" --output json | jq -r '[.Items[].channel.S] | sort | join(" ")')"
    got=$(chat_http POST "${DEV_URL}messages/general" 'not json')
    expect_eq "chat: a POST whose body is not JSON answers 400 with a JSON error and the CORS header" \
        "400 true *" "${got%% *} $(jq -r 'has("error")' <<< "${got#* }") $(chat_header access-control-allow-origin)"

    # CORS: the preflight is the API's own answer; the functions' answers carry the header.
    got=$(chat_http OPTIONS "${DEV_URL}messages/general" "" "Origin: https://survivors.example" \
        "Access-Control-Request-Method: POST")
    expect_eq "chat: an OPTIONS preflight of /messages/general answers 200 with Allow-Origin * and Allow-Methods GET,OPTIONS,POST" \
        "200 * GET,OPTIONS,POST" \
        "${got%% *} $(chat_header access-control-allow-origin) $(chat_header access-control-allow-methods | tr ',' '\n' | sort | paste -sd,)"
    chat_http GET "${DEV_URL}messages/general" "" "Origin: https://survivors.example" > /dev/null
    expect_eq "chat: GET /messages/general answers with Access-Control-Allow-Origin *" "*" \
        "$(chat_header access-control-allow-origin)"
    got=$(chat_http GET "${DEV_URL}nowhere" "" "Origin: https://survivors.example")
    expect_eq "chat: API Gateway's own 403 (no route) carries Access-Control-Allow-Origin * (its DEFAULT_4XX response)" \
        "403 *" "${got%% *} $(chat_header access-control-allow-origin)"

    # Checking in needs an invitation: the survivors authorizer (a REQUEST Lambda
    # authorizer, the gatekeeper) runs before checkin; its refusals are API Gateway's,
    # with the CORS header of the DEFAULT_4XX response.
    got=$(chat_http PUT "${DEV_URL}people/alice" "" "Origin: https://survivors.example")
    expect_eq "chat: PUT /people/alice without a token answers 401 Unauthorized with Allow-Origin *" \
        "401 Unauthorized *" "${got%% *} $(jq -r .message <<< "${got#* }") $(chat_header access-control-allow-origin)"
    got="$(chat_http PUT "${DEV_URL}people/alice" "" "Authorization: Bearer alice.0000000000000000" | cut -d' ' -f1)"
    got="$got $(chat_http PUT "${DEV_URL}people/alice" "" "Authorization: Bearer $(invitation bob)" | cut -d' ' -f1)"
    expect_eq "chat: a forged invitation, or bob's for alice's check-in, answers 401" "401 401" "$got"
    # Who is around (the functions and routes of lib/people.hit).
    got="$(chat_http PUT "${DEV_URL}people/alice" "" "Authorization: Bearer $(invitation alice)" | cut -d' ' -f1)"
    got="$got $(chat_http PUT "${DEV_URL}people/bob" "" "Authorization: Bearer $(invitation bob)" | cut -d' ' -f1)"
    got="$got $(chat_http GET "${DEV_URL}people" | cut -d' ' -f2- | jq -r '[.people[].name] | join(",")')"
    expect_eq "chat: PUT /people/alice and /people/bob with their invitations answer 200; GET /people lists alice,bob" "200 200 alice,bob" "$got"

    # Least privilege, as deployed: each role's grants, read back through aws iam.
    expect_eq "$DEV: the poster's role may only write messages (no read, nothing on presence)" \
        "dynamodb:BatchWriteItem on MessagesTable
dynamodb:BatchWriteItem on MessagesTable/index/*
dynamodb:DeleteItem on MessagesTable
dynamodb:DeleteItem on MessagesTable/index/*
dynamodb:PutItem on MessagesTable
dynamodb:PutItem on MessagesTable/index/*
dynamodb:UpdateItem on MessagesTable
dynamodb:UpdateItem on MessagesTable/index/*" "$(actions "$DEV" PostFunctionRole)"
    expect_eq "$DEV: the reader's role may only read messages (no PutItem or any write, nothing on presence)" \
        "dynamodb:BatchGetItem on MessagesTable
dynamodb:BatchGetItem on MessagesTable/index/*
dynamodb:ConditionCheckItem on MessagesTable
dynamodb:ConditionCheckItem on MessagesTable/index/*
dynamodb:DescribeTable on MessagesTable
dynamodb:DescribeTable on MessagesTable/index/*
dynamodb:GetItem on MessagesTable
dynamodb:GetItem on MessagesTable/index/*
dynamodb:Query on MessagesTable
dynamodb:Query on MessagesTable/index/*
dynamodb:Scan on MessagesTable
dynamodb:Scan on MessagesTable/index/*" "$(actions "$DEV" ReadFunctionRole)"
    expect_eq "$DEV: check-in may only PutItem (and the other writes) on presence; listing only reads presence" \
        "write presence: dynamodb:BatchWriteItem dynamodb:DeleteItem dynamodb:PutItem dynamodb:UpdateItem
read presence: dynamodb:BatchGetItem dynamodb:ConditionCheckItem dynamodb:DescribeTable dynamodb:GetItem dynamodb:Query dynamodb:Scan" \
        "write presence: $(actions "$DEV" CheckinFunctionRole | grep -v '/index/' | sed 's/ on PresenceTable$//' | paste -sd' ')
read presence: $(actions "$DEV" WhoFunctionRole | grep -v '/index/' | sed 's/ on PresenceTable$//' | paste -sd' ')"
}

app_updated() {
    expect_eq "chat: after the update, prod still reads its message" "dave: prod only" "$(said "$PROD_URL" general)"
}

app_after_delete() {
    expect_eq "chat: with dev deleted, prod still posts and reads" "dave: prod only
eve: still here" "$(post "$PROD_URL" general eve "still here" > /dev/null; said "$PROD_URL" general)"
}

# tests/e2e/triggers.sh: the local cloud runs what triggers, HTTP APIs, CORS and plugins
# emit, shown with hand-written templates (sourced by run.sh; uses lib.sh's helpers).
#
#   selftest/triggers.json            one recording function behind a schedule rule, a
#                                     pattern rule, an SNS topic, an SQS mapping, a stream
#                                     mapping, an HTTP API (two stages, CORS) and a REST
#                                     API with gateway responses; plus sources that no
#                                     Permission lets in
#   selftest/mapping-before-grant.json  a mapping made before the policy that grants it
#   selftest/plugin-lifecycle.json    a plugin-style custom resource: replaced, ordered,
#                                     never answering
#
# The function writes every event it gets into its Seen table (kind = http, schedule,
# event, sns, sqs or dynamodb); the cases read them back.

# aws CLI v1 sends sqs calls to queue.amazonaws.com whatever AWS_ENDPOINT_URL says
sqs() { aws --endpoint-url "$AWS_ENDPOINT_URL" sqs "$@"; }

# local_api SERVICE TARGET JSON: one JSON-protocol call straight to the local endpoint,
# for the test's own reads while it polls (the aws CLI takes seconds to start on a
# loaded machine; what a user does still goes through it)
local_api() {
    curl -s --max-time 30 -H "X-Amz-Target: $2" -H 'Content-Type: application/x-amz-json-1.0' \
        -H "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/$1/aws4_request, SignedHeaders=host, Signature=0" \
        -d "$3" "$AWS_ENDPOINT_URL/"
}

# seen_events TABLE KIND: the events of that kind the function wrote, one JSON a line
seen_events() {
    local_api dynamodb DynamoDB_20120810.Scan "{\"TableName\":\"$1\"}" |
        jq -c --arg k "$2" '.Items[] | select(.kind.S == $k) | .event.S | fromjson'
}

# seen_at_least TABLE KIND N: the function has written N events of that kind (or more)
seen_at_least() { [ "$(seen_events "$1" "$2" | wc -l)" -ge "$3" ]; }

# wait_until SECONDS CMD...: run CMD every 0.5 s until it succeeds (a generous cap, not a timing check)
wait_until() {
    local limit=$1 i
    shift
    for i in $(seq 1 $((limit * 2))); do
        "$@" && return 0
        sleep 0.5
    done
    return 1
}

# fire_rule RULE_NAME: fire a schedule rule now (its Lambda targets get the scheduled event)
fire_rule() { curl -sf -X POST "$AWS_ENDPOINT_URL/hitc-e2e/fire-rule/$1"; }

# deliveries: the harness's record of every delivery to a function (JSON list)
deliveries() { curl -s "$AWS_ENDPOINT_URL/hitc-e2e/deliveries"; }

# http_req METHOD URL [curl args...]: sets HTTP_CODE, HTTP_HEADERS (lower-case names), HTTP_BODY
http_req() {
    local method=$1 url=$2 rest host path
    shift 2
    rest=${url#https://}
    host=${rest%%/*} path=/${rest#*/}
    [ "$rest" = "$host" ] && path=/
    HTTP_CODE=$(curl -s --max-time 30 -X "$method" -D "$WORK/http.headers" -o "$WORK/http.body" \
        -w '%{http_code}' -H "Host: $host" "$@" "http://127.0.0.1:$PORT$path")
    HTTP_HEADERS=$(tr -d '\r' < "$WORK/http.headers" | sed -n '2,$p' | awk -F': ' 'NF > 1 { print tolower($1) ": " $2 }')
    HTTP_BODY=$(cat "$WORK/http.body")
}

trig_out() { jq -r --arg k "$1" '.[] | select(.OutputKey == $k) | .OutputValue' <<< "$TRIG_OUTPUTS"; }

triggers_selftest() {
    echo "== harness self-test: triggers, HTTP APIs, gateway responses"
    deploy e2e-triggers "$E2E/selftest/triggers.json"
    created e2e-triggers "harness: selftest/triggers.json deploys (rules, topics, queue, mappings, HTTP API, gateway responses)" || return
    TRIG_OUTPUTS=$(aws cloudformation describe-stacks --stack-name e2e-triggers --query 'Stacks[0].Outputs' --output json)
    SEEN=$(trig_out SeenTable)
    check_schedule
    check_pattern
    check_topic
    check_queue
    check_stream
    check_http_api
    check_gateway_responses
    delete_stack e2e-triggers
    expect_eq "harness: the triggers stack deletes" "0 GONE" "$DELETE_RC $DELETE_STATUS"
}

check_schedule() {
    local rule arn got
    rule=$(trig_out ScheduleRule) arn=$(trig_out ScheduleRuleArn)
    fire_rule "$rule" > /dev/null
    wait_until 30 seen_at_least "$SEEN" schedule 1
    got=$(seen_events "$SEEN" schedule | jq -c '[.source, ."detail-type", .resources, .detail, (.time | test("^[0-9-]+T[0-9:]+Z$"))]')
    expect_eq "harness: a fired schedule rule reaches its function with the scheduled event" \
        "[\"aws.events\",\"Scheduled Event\",[\"$arn\"],{},true]" "$got"
}

check_pattern() {
    local arn locked entries got refused
    arn=$(trig_out PatternRuleArn) locked=$(trig_out UnpermittedRuleArn)
    entries='[{"Source":"hitc.e2e","DetailType":"order.placed","Detail":"{\"state\":\"paid\",\"n\":7,\"tag\":\"match\"}"},
      {"Source":"hitc.e2e","DetailType":"order.placed","Detail":"{\"state\":\"draft\",\"n\":7,\"tag\":\"draft\"}"},
      {"Source":"hitc.e2e","DetailType":"order.placed","Detail":"{\"state\":\"paid\",\"n\":3,\"tag\":\"small\"}"},
      {"Source":"hitc.e2e","DetailType":"order.placed","Detail":"{\"state\":\"paid\",\"n\":9}"},
      {"Source":"hitc.e2e","DetailType":"invoice.sent","Detail":"{\"state\":\"paid\",\"n\":9,\"tag\":\"type\"}"},
      {"Source":"hitc.unpermitted","DetailType":"anything","Detail":"{\"tag\":\"locked\"}"}]'
    aws events put-events --entries "$entries" > /dev/null
    wait_until 30 seen_at_least "$SEEN" event 1
    sleep 1                                   # any wrong delivery would be as quick as the right one
    got=$(seen_events "$SEEN" event | jq -c '[.source, ."detail-type", .detail.tag, .resources]')
    expect_eq "harness: put-events matching the pattern (prefix, anything-but, numeric, exists) reaches the function, the others do not" \
        '["hitc.e2e","order.placed","match",[]]' "$got"
    refused=$(deliveries | jq -r --arg a "$locked" '[.[] | select(.source == $a) | .outcome] | join(",")')
    expect_eq "harness: an event rule whose function has no Permission for its ARN delivers nothing (refused)" \
        "refused|" "$refused|$(seen_events "$SEEN" event | jq -r 'select(.detail.tag == "locked") | .id')"
}

check_topic() {
    local topic locked got refused
    topic=$(trig_out TopicArn) locked=$(trig_out LockedTopicArn)
    aws sns publish --topic-arn "$topic" --subject greeting --message "hello topic" > /dev/null
    aws sns publish --topic-arn "$locked" --message "locked topic" > /dev/null
    wait_until 30 seen_at_least "$SEEN" sns 1
    sleep 1
    got=$(seen_events "$SEEN" sns | jq -c '.Records | [length, .[0].EventSource, .[0].Sns.TopicArn, .[0].Sns.Message, .[0].Sns.Subject, .[0].Sns.Type]')
    expect_eq "harness: an SNS publish reaches the subscribed function with the SNS event" \
        "[1,\"aws:sns\",\"$topic\",\"hello topic\",\"greeting\",\"Notification\"]" "$got"
    refused=$(deliveries | jq -r --arg a "$locked" '[.[] | select(.source == $a) | .outcome] | join(",")')
    expect_eq "harness: a topic whose subscriber has no Permission for it delivers nothing (refused)" "refused" "$refused"
}

queue_count() {  # visible + in flight
    local_api sqs AmazonSQS.GetQueueAttributes "{\"QueueUrl\":\"$1\",\"AttributeNames\":[\"All\"]}" |
        jq -r '(.Attributes.ApproximateNumberOfMessages | tonumber) + (.Attributes.ApproximateNumberOfMessagesNotVisible | tonumber)'
}

queue_holds() { [ "$(queue_count "$1")" = "$2" ]; }

sqs_errors() { deliveries | jq --arg a "$1" '[.[] | select(.source == $a and .outcome == "error")] | length'; }
sqs_failed_twice() { [ "$(sqs_errors "$1")" -ge 2 ]; }

stream_records() { seen_events "$1" dynamodb | jq -s '[.[].Records[]] | length'; }
stream_at_least() { [ "$(stream_records "$1")" -ge "$2" ]; }

check_queue() {
    local url arn got
    url=$(trig_out QueueUrl) arn=$(trig_out QueueArn)
    sqs send-message --queue-url "$url" --message-body "hello queue" > /dev/null
    wait_until 30 seen_at_least "$SEEN" sqs 1
    wait_until 30 queue_holds "$url" 0
    got=$(seen_events "$SEEN" sqs | jq -c '.Records | [length, .[0].body, .[0].eventSource, .[0].eventSourceARN, (.[0].receiptHandle | length > 0), .[0].attributes.ApproximateReceiveCount]')
    expect_eq "harness: a queue message reaches the function through its mapping, and is deleted" \
        "[1,\"hello queue\",\"aws:sqs\",\"$arn\",true,\"1\"]|0" "$got|$(queue_count "$url")"
    sqs send-message --queue-url "$url" --message-body "fail" > /dev/null
    wait_until 40 sqs_failed_twice "$arn"
    expect_eq "harness: a message whose batch fails stays in the queue and comes back" \
        "true|1" "$([ "$(sqs_errors "$arn")" -ge 2 ] && echo true)|$(queue_count "$url")"
    sqs purge-queue --queue-url "$url"
}

check_stream() {
    local table got
    table=$(trig_out SourceTable)
    aws dynamodb put-item --table-name "$table" --item '{"id":{"S":"k1"},"v":{"N":"1"}}'
    aws dynamodb put-item --table-name "$table" --item '{"id":{"S":"k1"},"v":{"N":"2"}}'
    wait_until 30 stream_at_least "$SEEN" 2
    got=$(seen_events "$SEEN" dynamodb | jq -sc '[.[].Records[]] | sort_by(.dynamodb.SequenceNumber) |
        map([.eventName, .eventSource, .dynamodb.Keys.id.S, .dynamodb.NewImage.v.N, .dynamodb.OldImage.v.N, .dynamodb.StreamViewType])')
    expect_eq "harness: stream records (put item twice) reach the function with NewImage and OldImage" \
        '[["INSERT","aws:dynamodb","k1","1",null,"NEW_AND_OLD_IMAGES"],["MODIFY","aws:dynamodb","k1","2","1","NEW_AND_OLD_IMAGES"]]' "$got"
}

check_http_api() {
    local url id got
    url=$(trig_out HttpUrl) id=$(trig_out HttpApiId)
    expect_eq "harness: an HTTP API's ApiEndpoint is https://API.execute-api.us-east-1.amazonaws.com" \
        "https://$id.execute-api.us-east-1.amazonaws.com" "$url"
    http_req GET "$url/hello/bob?x=1&y=2" -H "X-Probe: Yes"
    got=$(jq -c '[.version, .routeKey, .rawPath, .rawQueryString, .headers["x-probe"], ([.headers | keys[] | select(. != ascii_downcase)] | length),
                  .requestContext.http.method, .requestContext.http.path, .requestContext.stage, .pathParameters, .queryStringParameters]' <<< "$HTTP_BODY" 2>&1)
    expect_eq "harness: an HTTP API route answers over HTTP with the 2.0 event and the function's statusCode/headers/cookies" \
        '201|x-recorder: yes|set-cookie: a=1|["2.0","GET /hello/{name}","/hello/bob","x=1&y=2","Yes",0,"GET","/hello/bob","$default",{"name":"bob"},{"x":"1","y":"2"}]' \
        "$HTTP_CODE|$(grep '^x-recorder' <<< "$HTTP_HEADERS")|$(grep '^set-cookie' <<< "$HTTP_HEADERS")|$got"
    http_req POST "$url/v1/any/a/b" -H "Content-Type: application/json" --data '{"a":1}'
    got=$(jq -c '[.routeKey, .rawPath, .requestContext.stage, .requestContext.http.method, .pathParameters.proxy, .body, .isBase64Encoded]' <<< "$HTTP_BODY" 2>&1)
    expect_eq "harness: a named stage (v1) serves ANY /{proxy+} with the body" \
        '201 ["ANY /any/{proxy+}","/v1/any/a/b","v1","POST","a/b","{\"a\":1}",false]' "$HTTP_CODE $got"
    http_req GET "$url/bare"
    local bare="$HTTP_CODE $HTTP_BODY $(grep '^content-type' <<< "$HTTP_HEADERS")"
    http_req GET "$url/text"
    expect_eq "harness: payload 2.0: a dict or a string without statusCode is a 200 JSON body" \
        '200 {"bare": true} content-type: application/json|200 plain words' "$bare|$HTTP_CODE $HTTP_BODY"
    http_req GET "$url/not/a/route"
    expect_eq "harness: the \$default route takes what no other route matches" \
        '201 $default' "$HTTP_CODE $(jq -r .routeKey <<< "$HTTP_BODY" 2>&1)"
    http_req OPTIONS "$url/hello/bob" -H "Origin: https://app.example.com" -H "Access-Control-Request-Method: POST" \
        -H "Access-Control-Request-Headers: content-type"
    expect_eq "harness: a CORS preflight is answered from the API's CorsConfiguration" \
        "204|access-control-allow-origin: https://app.example.com|access-control-allow-methods: GET,POST|access-control-max-age: 600" \
        "$HTTP_CODE|$(grep '^access-control-allow-origin' <<< "$HTTP_HEADERS")|$(grep '^access-control-allow-methods' <<< "$HTTP_HEADERS")|$(grep '^access-control-max-age' <<< "$HTTP_HEADERS")"
    http_req OPTIONS "$url/hello/bob" -H "Origin: https://evil.example.com" -H "Access-Control-Request-Method: POST"
    local evil="$HTTP_CODE|$(grep -c '^access-control' <<< "$HTTP_HEADERS")"
    http_req GET "$url/hello/ann" -H "Origin: https://app.example.com"
    expect_eq "harness: CORS: another origin gets no CORS headers; an allowed one gets Allow-Origin on the answer" \
        "204|0|201|access-control-allow-origin: https://app.example.com" \
        "$evil|$HTTP_CODE|$(grep '^access-control-allow-origin' <<< "$HTTP_HEADERS")"
    http_req GET "$(trig_out LockedUrl)/anything"
    expect_eq "harness: an HTTP API whose function has no Permission for it answers 500 and does not call it" \
        '500 {"message":"Internal Server Error"}' "$HTTP_CODE $HTTP_BODY"
}

check_gateway_responses() {
    local url
    url=$(trig_out RestUrl)
    http_req GET "$url/no/such/path"
    expect_eq "harness: a REST GatewayResponse (DEFAULT_4XX) puts its headers on a 4xx" \
        '403|access-control-allow-origin: *|access-control-allow-headers: Content-Type,X-Token|{"message":"Missing Authentication Token"}' \
        "$HTTP_CODE|$(grep '^access-control-allow-origin' <<< "$HTTP_HEADERS")|$(grep '^access-control-allow-headers' <<< "$HTTP_HEADERS")|$HTTP_BODY"
    http_req GET "$url/thing"
    expect_eq "harness: ... and DEFAULT_5XX on a 5xx (a method whose function has no Permission)" \
        '500|access-control-allow-origin: *' "$HTTP_CODE|$(grep '^access-control-allow-origin' <<< "$HTTP_HEADERS")"
}

# a mapping that CloudFormation makes before the policy granting it fails
mapping_selftest() {
    local events
    deploy e2e-mapping "$E2E/selftest/mapping-before-grant.json"
    events=$(failure_events e2e-mapping)
    if [ "$DEPLOY_STATUS" = ROLLBACK_COMPLETE ] &&
        printf '%s\n' "$events" | grep -q "^Mapping CREATE_FAILED: .*does not have permissions to call ReceiveMessage on SQS"; then
        pass "harness: an event source mapping made before the policy that grants it fails"
    else
        fail "harness: an event source mapping made before the policy that grants it fails" "$DEPLOY_STATUS; events:
$events"
    fi
    delete_stack e2e-mapping > /dev/null
}

# seen_requests TABLE: "KIND#LOGICALID#PHYSICAL KEY OLDKEY INPUT" per custom-resource request, in order
seen_requests() {
    local_api dynamodb DynamoDB_20120810.Scan "{\"TableName\":\"$1\"}" |
        jq -r '.Items | sort_by(.ns.N | tonumber) | .[] | "\(.pk.S) \(.props.S | fromjson | .Key) \(.old.S | fromjson | .Key // "-") \(.props.S | fromjson | .Input // "-")"'
}

plugin_selftest() {
    local t=$E2E/selftest/plugin-lifecycle.json stack=e2e-plugin seen want events
    deploy "$stack" "$t" FirstKey=one
    deploy "$stack" "$t" FirstKey=two
    seen=$(output "$stack" SeenTable)
    expect_eq "harness: an Update answered with a new PhysicalResourceId completes; the dependent gets the new output" \
        "UPDATE_COMPLETE from-two" "$DEPLOY_STATUS $(output "$stack" FirstOut)"
    events=$(aws cloudformation describe-stack-events --stack-name "$stack" --output json |
        jq -r '[.StackEvents | reverse | .[] | select(.ResourceStatus == "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS" or
               (.LogicalResourceId == "First" and .ResourceStatus == "DELETE_COMPLETE")) | "\(.ResourceStatus) \(.PhysicalResourceId | sub("^arn.*"; "stack"))"] | join(", ")')
    expect_eq "harness: after the update, the cleanup phase deletes the replaced custom resource's old id" \
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS stack, DELETE_COMPLETE pid-one" "$events"
    delete_stack "$stack" > /dev/null
    want="Create#First#pid-one one - -
Create#Second#pid-second second - from-one
Update#First#pid-two two one -
Update#Second#pid-second second second from-two
Delete#First#pid-one one - -
Delete#Second#pid-second second - from-two
Delete#First#pid-two two - -"
    expect_eq "harness: the service sees Create, Update, Delete of the old id with the old properties after the updates, then Deletes in reverse dependency order" \
        "$want" "$(seen_requests "$seen")"
    aws dynamodb delete-table --table-name "$seen" > /dev/null
    stack=e2e-plugin-silent
    deploy "$stack" "$t" FirstKey=one Silent=yes
    events=$(aws cloudformation describe-stack-events --stack-name "$stack" --output json |
        jq -r '[.StackEvents[] | select(.LogicalResourceId == "First")] | sort_by(.Timestamp) |
               "\(.[-1].ResourceStatus): \(.[-1].ResourceStatusReason) after \((.[-1].Timestamp | sub("\\.[0-9]+"; "") | fromdate) - (.[0].Timestamp | sub("\\.[0-9]+"; "") | fromdate) >= 2)"')
    if [ "$DEPLOY_STATUS" = ROLLBACK_COMPLETE ] &&
        grep -q "^CREATE_FAILED: CloudFormation did not receive a response .*\[no answer within ServiceTimeout=3 s\] after true$" <<< "$events"; then
        pass "harness: a service that never answers fails after its ServiceTimeout (3 s), not an hour"
    else
        fail "harness: a service that never answers fails after its ServiceTimeout (3 s), not an hour" "$DEPLOY_STATUS; $events"
    fi
    seen=$(aws cloudformation describe-stack-resources --stack-name "$stack" --output json 2> /dev/null |
        jq -r '.StackResources[] | select(.LogicalResourceId == "Seen") | .PhysicalResourceId')
    delete_stack "$stack" > /dev/null
    [ -n "$seen" ] && aws dynamodb delete-table --table-name "$seen" > /dev/null 2>&1
    return 0
}

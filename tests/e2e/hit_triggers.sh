# tests/e2e/hit_triggers.sh: what hitc emits for every trigger, deployed and fired
# (sourced by run.sh after triggers.sh, whose helpers it uses).
#
#   tests/e2e/hit-triggers/app.hit   one recording function behind `on schedule`,
#                                    `on event`, `on TABLE.stream`, `on queue`, `on topic`
#                                    (the stream and the queue filtered); a failing one
#                                    behind a schedule and an ageing stream
#
# The queue and the topic are made with the aws CLI first and given as parameters.
# Each case fires its source as a user would and reads back, from the function's
# table, the event the function got.  The mappings exist at all only because the
# harness found their grant on the function's role when they were made.

hit_rule() {  # hit_rule TEMPLATE schedule|event [FUNCTION]: the logical ID of that rule
    jq -r --arg k "$2" --arg f "${3:-RecorderFunction}" '.Resources | to_entries[] |
        select(.value.Type == "AWS::Events::Rule") |
        select((.value.Properties | has("ScheduleExpression")) == ($k == "schedule")) |
        select(.value.Properties.Targets[0].Arn["Fn::GetAtt"][0] == $f) | .key' "$1"
}

# filtered_count SOURCE_ARN: records of that source the mapping's filters dropped
filtered_count() { deliveries | jq --arg a "$1" '[.[] | select(.source == $a and .outcome == "filtered")] | length'; }
filtered_from() { [ "$(filtered_count "$1")" -ge "$2" ]; }

hit_triggers_e2e() {
    echo "== hitc's triggers (tests/e2e/hit-triggers)"
    local dir=$E2E/hit-triggers out=$WORK/hit-triggers/out stack=hit-triggers-e2e
    local BASE=hit-triggers queue_url queue_arn topic_arn seen inbox t failed_url failed_arn
    build "$dir" "$out" || return
    upload "$out" "$PREFIX"
    queue_url=$(sqs create-queue --queue-name hit-triggers-jobs --attributes VisibilityTimeout=2 --query QueueUrl --output text)
    queue_arn=$(sqs get-queue-attributes --queue-url "$queue_url" --attribute-names QueueArn --query Attributes.QueueArn --output text)
    topic_arn=$(aws sns create-topic --name hit-triggers-alerts --query TopicArn --output text)
    failed_url=$(sqs create-queue --queue-name hit-triggers-failed --query QueueUrl --output text)
    failed_arn=$(sqs get-queue-attributes --queue-url "$failed_url" --attribute-names QueueArn --query Attributes.QueueArn --output text)
    step "queue $queue_arn, topic $topic_arn, on-failure queue $failed_arn"
    deploy "$stack" "$out/template.json" Stage=e2e "CodeBucket=$BUCKET" "QueueArn=$queue_arn" "TopicArn=$topic_arn" \
        "FailedArn=$failed_arn"
    created "$stack" "hit-triggers: the template hitc built for five triggers deploys (rules, mappings after their grant, subscription)" || return
    t=$out/template.json
    seen=$(output "$stack" Seen) inbox=$(output "$stack" Inbox)

    local rule arn got
    rule=$(physical "$stack" "$(hit_rule "$t" schedule)")
    arn="arn:aws:events:us-east-1:123456789012:rule/$rule"
    fire_rule "$rule" > /dev/null
    wait_until 30 seen_at_least "$seen" schedule 1
    got=$(seen_events "$seen" schedule | jq -c '[.source, ."detail-type", .resources, .detail]')
    expect_eq "hit-triggers: on schedule: the fired rule calls the function with the scheduled event, the rule's ARN in resources" \
        "[\"aws.events\",\"Scheduled Event\",[\"$arn\"],{}]" "$got"

    local entries='[{"Source":"aws.ec2","DetailType":"EC2 Instance State-change Notification","Detail":"{\"instance-id\":\"i-0abc\",\"state\":\"running\"}"},
      {"Source":"aws.ec2","DetailType":"EC2 Instance State-change Notification","Detail":"{\"instance-id\":\"i-0def\",\"state\":\"pending\"}"},
      {"Source":"aws.s3","DetailType":"EC2 Instance State-change Notification","Detail":"{\"instance-id\":\"i-0fed\",\"state\":\"running\"}"}]'
    aws events put-events --entries "$entries" > /dev/null
    wait_until 30 seen_at_least "$seen" event 1
    sleep 1                                   # a wrong delivery would be as quick as the right one
    got=$(seen_events "$seen" event | jq -c '[.source, ."detail-type", .detail."instance-id", .detail.state]')
    expect_eq "hit-triggers: on event: of three put-events only the aws.ec2 'running' one matches the pattern and reaches the function" \
        '["aws.ec2","EC2 Instance State-change Notification","i-0abc","running"]' "$got"

    aws sns publish --topic-arn "$topic_arn" --subject alert --message "disk full" > /dev/null
    wait_until 30 seen_at_least "$seen" sns 1
    got=$(seen_events "$seen" sns | jq -c '.Records | [length, .[0].EventSource, .[0].Sns.TopicArn, .[0].Sns.Subject, .[0].Sns.Message]')
    expect_eq "hit-triggers: on topic: a publish reaches the function through its subscription and permission" \
        "[1,\"aws:sns\",\"$topic_arn\",\"alert\",\"disk full\"]" "$got"

    sqs send-message --queue-url "$queue_url" --message-body '{"kind": "spam", "n": 0}' > /dev/null
    wait_until 30 filtered_from "$queue_arn" 1
    sqs send-message --queue-url "$queue_url" --message-body '{"kind": "job", "n": 1}' > /dev/null
    wait_until 30 seen_at_least "$seen" sqs 1
    wait_until 30 queue_holds "$queue_url" 0
    got=$(seen_events "$seen" sqs | jq -sc 'map(.Records[]) | [length, (.[0].body | fromjson | .kind), .[0].eventSource, .[0].eventSourceARN]')
    expect_eq "hit-triggers: on queue { filter body.kind job }: the job message reaches the function and is deleted; the spam one, sent first, never does and is deleted too" \
        "[1,\"job\",\"aws:sqs\",\"$queue_arn\"]|0|1" \
        "$got|$(queue_count "$queue_url")|$(filtered_count "$queue_arn")"

    aws dynamodb put-item --table-name "$inbox" --item '{"id":{"S":"m1"},"text":{"S":"first"}}'
    aws dynamodb put-item --table-name "$inbox" --item '{"id":{"S":"m1"},"text":{"S":"second"}}'
    wait_until 30 stream_at_least "$seen" 2
    got=$(seen_events "$seen" dynamodb | jq -sc '[.[].Records[]] | sort_by(.dynamodb.SequenceNumber) |
        map([.eventName, .dynamodb.Keys.id.S, .dynamodb.NewImage.text.S, .dynamodb.OldImage.text.S])')
    expect_eq "hit-triggers: on inbox.stream: two writes reach the function as INSERT and MODIFY with both images" \
        '[["INSERT","m1","first",null],["MODIFY","m1","second","first"]]' "$got"
    local stream_arn
    stream_arn=$(aws dynamodb describe-table --table-name "$inbox" --query Table.LatestStreamArn --output text)
    aws dynamodb delete-item --table-name "$inbox" --key '{"id":{"S":"m1"}}'
    aws dynamodb put-item --table-name "$inbox" --item '{"id":{"S":"m2"},"text":{"S":"third"}}'
    wait_until 30 stream_at_least "$seen" 3
    got=$(seen_events "$seen" dynamodb | jq -sc '[.[].Records[]] | sort_by(.dynamodb.SequenceNumber) | map(.eventName + " " + .dynamodb.Keys.id.S)')
    expect_eq "hit-triggers: on inbox.stream { filter eventName INSERT, MODIFY }: the delete (REMOVE) never reaches the function, the write after it does" \
        '["INSERT m1","MODIFY m1","INSERT m2"]|1' "$got|$(filtered_count "$stream_arn")"

    # A record that fails until it is too old (max-age 1m, no retries limit): aged by
    # the harness's clock, it goes to the stale queue as RecordAgeExceeded.
    local aged aged_stream stale_url stale_arn
    stale_url=$(physical "$stack" FailerOnAgedStreamFailureQueue)
    stale_arn=$(sqs get-queue-attributes --queue-url "$stale_url" --attribute-names QueueArn --query Attributes.QueueArn --output text)
    aged=$(physical "$stack" AgedTable)
    aged_stream=$(aws dynamodb describe-table --table-name "$aged" --query Table.LatestStreamArn --output text)
    aws dynamodb put-item --table-name "$aged" --item '{"id":{"S":"old-1"}}'
    wait_until 30 sqs_failed_twice "$aged_stream"
    curl -sf -X POST "$AWS_ENDPOINT_URL/hitc-e2e/age-records/120" > /dev/null
    got=$(first_message "$stale_url" 30)
    step "the stale queue got: ${got:0:300}"
    expect_eq "hit-triggers: on aged.stream { max-age 1m; on-failure queue }: a record the failer fails on is retried until it is older than a minute, then its batch goes to the queue hitc made for the trigger" \
        "RecordAgeExceeded|1|$aged_stream" \
        "$(jq -r '[.requestContext.condition, .DDBStreamBatchInfo.batchSize, .DDBStreamBatchInfo.streamArn] | join("|")' <<< "${got:-{\}}")"

    # on-failure of an asynchronous trigger: the function's EventInvokeConfig.
    rule=$(physical "$stack" "$(hit_rule "$t" schedule FailerFunction)")
    fire_rule "$rule" > /dev/null
    got=$(first_message "$failed_url" 30)
    step "the on-failure queue got: ${got:0:300}"
    expect_eq "hit-triggers: on schedule { on-failure queue; retries 1 }: the failing function is called twice, then its event goes to the queue with the error" \
        "RetriesExhausted|2|Scheduled Event|arn:aws:events:us-east-1:123456789012:rule/$rule|the failer fails: Scheduled Event" \
        "$(jq -r '[.requestContext.condition, .requestContext.approximateInvokeCount, .requestPayload."detail-type", .requestPayload.resources[0], .responsePayload.errorMessage] | join("|")' <<< "${got:-{\}}")"
    expect_eq "hit-triggers: the failer's role may send to those queues alone (sqs:SendMessage), one statement each" \
        "FailerOnAgedStreamOnFailure sqs:SendMessage $stale_arn
FailerOnSchedule41e05a7aOnFailure sqs:SendMessage $failed_arn" \
        "$(role_policy "$(physical "$stack" FailerFunctionRole)" hitc |
           python3 -c '
import json, sys
for st in json.load(sys.stdin)["Statement"]:
    if st.get("Sid", "").endswith("OnFailure"):
        print(st["Sid"], st["Action"], st["Resource"])' | sort)"

    got=$(deliveries | jq -r '[.[] | select(.outcome == "refused" and (.function // "" | test("hit-triggers")))] | length')
    expect_eq "hit-triggers: no delivery to the function was refused (every permission names its source)" 0 "$got"
    delete_stack "$stack"
    expect_eq "hit-triggers: the stack deletes, and with it the failure queue hitc made" "0 GONE gone" \
        "$DELETE_RC $DELETE_STATUS $(sqs get-queue-attributes --queue-url "$stale_url" > /dev/null 2>&1 && echo kept || echo gone)"
    sqs delete-queue --queue-url "$queue_url"
    sqs delete-queue --queue-url "$failed_url"
    aws sns delete-topic --topic-arn "$topic_arn"
}

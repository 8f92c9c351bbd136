# tests/e2e/apps/sweeper.sh: the nightly sweep (examples/sweeper) on top of the
# generic checks of run.sh.  The schedule is fired now through the harness (as
# EventBridge would at 03:00 UTC); the sweep deletes the expired sessions of its
# own stage only.

put_session() {  # put_session TABLE ID [EXPIRES]
    local item="{\"id\":{\"S\":\"$2\"}"
    [ $# -gt 2 ] && item+=",\"expires\":{\"N\":\"$3\"}"
    aws dynamodb put-item --table-name "$1" --item "$item}"
}

sessions_of() {  # sessions_of TABLE: the ids left, sorted, joined by ','
    local_api dynamodb DynamoDB_20120810.Scan "{\"TableName\":\"$1\"}" | jq -r '[.Items[].id.S] | sort | join(",")'
}
sessions_are() { [ "$(sessions_of "$1")" = "$2" ]; }

sweep_rule() {  # sweep_rule STACK: the physical name of its schedule rule
    physical "$1" "$(logical_ids "$OUT/template.json" AWS::Events::Rule)"
}

app_deployed() {
    local dev prod t
    dev=$(output "$DEV" Sessions) prod=$(output "$PROD" Sessions)
    for t in "$dev" "$prod"; do
        put_session "$t" expired 1000
        put_session "$t" later 4102444800     # 2100-01-01
        put_session "$t" forever
    done
    expect_eq "$BASE: the template's one rule runs on the schedule written in app.hit" \
        "cron(0 3 * * ? *)" "$(aws events describe-rule --name "$(sweep_rule "$DEV")" --query ScheduleExpression --output text)"
    fire_rule "$(sweep_rule "$DEV")" > /dev/null
    wait_until 60 sessions_are "$dev" forever,later
    expect_eq "$DEV: the fired schedule runs the sweep: the expired session is deleted, the others kept; prod untouched" \
        "forever,later|expired,forever,later" "$(sessions_of "$dev")|$(sessions_of "$prod")"
    fire_rule "$(sweep_rule "$PROD")" > /dev/null
    wait_until 60 sessions_are "$prod" forever,later
    expect_eq "$PROD: its own schedule sweeps its own table" "forever,later" "$(sessions_of "$prod")"
    sweep_fails
}

# A session the sweep cannot read ('expires' a string): the sweep deletes what it can,
# then fails; Lambda tries the night once more (retries 1), then sends its event to the
# queue hitc made for the trigger (`on-failure queue` without an ARN).
sweep_fails() {
    local dev queue_id url got=""
    dev=$(output "$DEV" Sessions)
    queue_id=$(logical_ids "$OUT/template.json" AWS::SQS::Queue)
    url=$(physical "$DEV" "$queue_id")
    expect_eq "$DEV: the failure queue hitc made keeps messages 14 days" "1209600" \
        "$(sqs get-queue-attributes --queue-url "$url" --attribute-names MessageRetentionPeriod --query Attributes.MessageRetentionPeriod --output text)"
    aws dynamodb put-item --table-name "$dev" --item '{"id":{"S":"garbled"},"expires":{"S":"tomorrow"}}'
    put_session "$dev" stale 2000
    fire_rule "$(sweep_rule "$DEV")" > /dev/null
    got=$(first_message "$url" 40)
    step "the failure queue got: ${got:0:300}"
    expect_eq "$DEV: a sweep that fails on an unreadable session is tried twice, then its night is in the failure queue with the last try's error" \
        "RetriesExhausted|2|Scheduled Event|ValueError|swept 0, but cannot read 'expires' of the sessions garbled: it must be a number (seconds since 1970)" \
        "$(jq -r '[.requestContext.condition, .requestContext.approximateInvokeCount, .requestPayload."detail-type", .responsePayload.errorType, .responsePayload.errorMessage] | join("|")' <<< "${got:-{\}}")"
    expect_eq "$DEV: the expired session was still swept; the unreadable one is left" \
        "forever,garbled,later" "$(sessions_of "$dev")"
    aws dynamodb delete-item --table-name "$dev" --key '{"id":{"S":"garbled"}}'
}

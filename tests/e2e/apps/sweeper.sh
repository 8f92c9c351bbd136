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
}

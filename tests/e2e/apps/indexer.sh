# tests/e2e/apps/indexer.sh: the stream indexer (examples/indexer) on top of the
# generic checks of run.sh.  Notes are written straight into each stage's notes
# table, as any writer would; the table's stream calls the indexer through its
# mapping, and GET /search/{word} answers from the index it wrote.

# search_of URL WORD: the note ids of the answer, joined by ',', or "HTTP CODE BODY"
search_of() {
    local got code body
    got=$(http_get "${1}search/$2")
    code=${got%% *} body=${got#* }
    if [ "$code" = 200 ]; then jq -r '.notes | join(",")' <<< "$body"; else echo "HTTP $got"; fi
}

# search_is URL WORD WANT: the search answers WANT (for wait_until)
search_is() { [ "$(search_of "$1" "$2")" = "$3" ]; }

put_note() {  # put_note TABLE ID TEXT
    aws dynamodb put-item --table-name "$1" --item "{\"id\":{\"S\":\"$2\"},\"text\":{\"S\":\"$3\"}}"
}

app_deployed() {
    local dev_url prod_url dev_notes prod_notes
    dev_url=$(output "$DEV" Url) prod_url=$(output "$PROD" Url)
    dev_notes=$(output "$DEV" Notes) prod_notes=$(output "$PROD" Notes)
    put_note "$dev_notes" n1 "Hello, world"
    put_note "$dev_notes" n2 "hello there, HELLO"
    put_note "$prod_notes" p1 "hello prod"
    wait_until 60 search_is "$dev_url" hello n1,n2
    expect_eq "$DEV: two notes written to the table reach the indexer through the stream; GET /search/hello finds both" \
        "n1,n2|n1" "$(search_of "$dev_url" hello)|$(search_of "$dev_url" WORLD)"
    wait_until 60 search_is "$prod_url" hello p1
    expect_eq "$PROD: its own notes and index only" "p1|" "$(search_of "$prod_url" hello)|$(search_of "$prod_url" world)"
    put_note "$dev_notes" n1 "goodbye world"
    wait_until 60 search_is "$dev_url" hello n2
    expect_eq "$DEV: a changed note (MODIFY, old and new image) leaves the words it lost and joins those it gained" \
        "n2|n1|n1" "$(search_of "$dev_url" hello)|$(search_of "$dev_url" goodbye)|$(search_of "$dev_url" world)"
    aws dynamodb delete-item --table-name "$dev_notes" --key '{"id":{"S":"n2"}}'
    wait_until 60 search_is "$dev_url" there ""
    expect_eq "$DEV: a deleted note (REMOVE) leaves the index" "|n1" \
        "$(search_of "$dev_url" there)|$(search_of "$dev_url" world)"
    expect_eq "$DEV: GET /search/ with two words answers 400" "400" "$(http_get "${dev_url}search/a%20b" | cut -d' ' -f1)"
    local items
    items=$(table_items "$(physical "$DEV" WordsTable)" | wc -l)
    expect_eq "$DEV: the words table holds exactly n1's two words" 2 "$items"
    failure_checks
    retention_checks
}

# unindexed_body QUEUE_URL: the body of the first message on the queue (deleted), or ""
unindexed_body() {
    local out
    out=$(sqs receive-message --queue-url "$1" --max-number-of-messages 1 --wait-time-seconds 1 --output json)
    jq -r '.Messages // [] | .[0].Body // empty' <<< "$out"
    jq -r '.Messages // [] | .[].ReceiptHandle' <<< "$out" | while read -r handle; do
        sqs delete-message --queue-url "$1" --receipt-handle "$handle"
    done
}

# A note the index cannot hold (a word longer than a key may be): the function names
# it (partial-batch), the mapping retries it twice, then sends Lambda's failure record
# to the included unindexed queue (on-failure) and the stream moves on.
failure_checks() {
    local dev_url dev_notes unindexed long body i stream
    dev_url=$(output "$DEV" Url) dev_notes=$(output "$DEV" Notes)
    unindexed=$(output "$DEV" Unindexed)
    long=$(printf '%02100d' 0 | tr 0 x)
    put_note "$dev_notes" n9 "$long unindexable"
    put_note "$dev_notes" n10 "after it"
    wait_until 90 search_is "$dev_url" after n10
    body=""
    for i in $(seq 1 60); do
        body=$(unindexed_body "$unindexed")
        [ -n "$body" ] && break
    done
    step "the unindexed queue got: ${body:0:300}"
    stream=$(aws dynamodb describe-table --table-name "$dev_notes" --query Table.LatestStreamArn --output text)
    expect_eq "$DEV: the note the index cannot hold reaches the on-failure queue after 2 retries (3 calls), alone, with its stream" \
        "RetryAttemptsExhausted|3|1|$stream" \
        "$(jq -r '[.requestContext.condition, .requestContext.approximateInvokeCount, .DDBStreamBatchInfo.batchSize, .DDBStreamBatchInfo.streamArn] | join("|")' <<< "${body:-{\}}")"
    expect_eq "$DEV: the stream moved on: the note after it is indexed, the failed one is not" \
        "n10|" "$(search_of "$dev_url" after)|$(search_of "$dev_url" unindexable)"
    expect_eq "$PROD: its unindexed queue is empty" "" "$(unindexed_body "$(output "$PROD" Unindexed)")"
}

# log-retention 14 in the app's defaults: every function's log group, and the
# stamper's, keeps two weeks (CloudWatch Logs as deployed).
retention_checks() {
    local got
    got=$(aws logs describe-log-groups --log-group-name-prefix "/aws/lambda/$DEV-" --output json |
          jq -r '[.logGroups[] | "\(.logGroupName)=\(.retentionInDays)"] | sort | join(" ")')
    expect_eq "$DEV: aws logs describe-log-groups: every log group hitc made keeps 14 days" \
        "/aws/lambda/$DEV-hitc-stamper=14 /aws/lambda/$DEV-indexer=14 /aws/lambda/$DEV-search=14" "$got"
}

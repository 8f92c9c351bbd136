# tests/e2e/apps/jobs.sh: what the job submissions app (examples/jobs) promises, on
# top of the generic checks of run.sh: its included CloudFormation fragment
# (queue.yaml) makes an SQS queue and an SNS topic in each stack, and the function,
# granted `allow "sqs:SendMessage" on cfn.Jobs.Arn`, sends to that stage's queue.
# Sourced by run.sh with BASE=jobs, DEV=jobs-dev, PROD=jobs-prod and lib.sh's helpers.

# submit URL NAME: GET URL+submit/NAME; "ID MESSAGEID", or "HTTP CODE BODY".
submit() {
    local got code body
    got=$(http_get "$1submit/$2")
    code=${got%% *} body=${got#* }
    if [ "$code" = 200 ] && [ "$(jq -r .name <<< "$body" 2> /dev/null)" = "$2" ]; then
        jq -r '"\(.id) \(.message_id)"' <<< "$body"
    else
        echo "HTTP $got"
    fi
}

# received QUEUEURL: every message now in the queue, "MESSAGEID BODY" a line,
# sorted; each is deleted once read.  The aws CLI sends an SQS call to the host of
# its --queue-url (sqs.us-east-1.amazonaws.com) unless --endpoint-url is given, so
# every SQS call here names the local one.
received() {
    local out handle
    out=$(aws sqs receive-message --endpoint-url "$AWS_ENDPOINT_URL" --queue-url "$1" --max-number-of-messages 10 \
        --wait-time-seconds 1 --output json)
    jq -r '.Messages // [] | .[] | "\(.MessageId) \(.Body)"' <<< "$out" | sort
    for handle in $(jq -r '.Messages // [] | .[].ReceiptHandle' <<< "$out"); do
        aws sqs delete-message --endpoint-url "$AWS_ENDPOINT_URL" --queue-url "$1" --receipt-handle "$handle"
    done
}

# check_included STACK STAGE: the included queue and topic exist, named after the
# stack, and the outputs and the function's .env name them.
check_included() {
    local queue topic arn attrs
    queue=$(output "$1" QueueUrl)
    topic=$(output "$1" TopicArn)
    arn=$(aws sqs get-queue-attributes --endpoint-url "$AWS_ENDPOINT_URL" --queue-url "$queue" --attribute-names QueueArn \
        VisibilityTimeout --query 'Attributes.[QueueArn, VisibilityTimeout]' --output text 2>&1)
    expect_eq "$1: the included queue exists ($queue), with the fragment's properties" \
        "arn:aws:sqs:us-east-1:123456789012:$1-jobs	60" "$arn"
    attrs=$(aws sns get-topic-attributes --topic-arn "$topic" \
        --query 'Attributes.[TopicArn, DisplayName]' --output text 2>&1)
    expect_eq "$1: the included topic exists ($topic), its DisplayName from the fragment's !Sub of Stage" \
        "arn:aws:sns:us-east-1:123456789012:$1-alerts	jobs alerts ($2)" "$attrs"
    expect_eq "$1: cfn.Jobs is the queue's URL (Ref) and cfn.Alerts the topic's ARN" \
        "$(physical "$1" Jobs) $(physical "$1" Alerts)" "$queue $topic"
}

app_deployed() {
    local got id msg body dev_queue prod_queue dev_url prod_url fn
    check_included "$DEV" dev
    check_included "$PROD" prod
    dev_url=$(output "$DEV" Url)
    prod_url=$(output "$PROD" Url)
    dev_queue=$(output "$DEV" QueueUrl)
    prod_queue=$(output "$PROD" QueueUrl)

    # Over HTTP: the function logs the job and sends it to its own stage's queue.
    got=$(submit "$dev_url" alice)
    read -r id msg <<< "$got"
    step "GET ${dev_url}submit/alice: $got"
    body=$(received "$dev_queue")
    step "aws sqs receive-message --queue-url $dev_queue: $body"
    expect_eq "jobs: GET /submit/alice in dev sends {id, name} to the included queue (aws sqs receive-message)" \
        "$msg {\"id\": \"$id\", \"name\": \"alice\"}" "$body"
    expect_eq "jobs: the job is logged in the dev table too" "id=$id,name=alice" \
        "$(table_items "$(physical "$DEV" SubmissionsTable)")"
    expect_eq "jobs: the prod queue got nothing from dev" "" "$(received "$prod_queue")"

    got=$(submit "$prod_url" bob)
    read -r id msg <<< "$got"
    expect_eq "jobs: GET /submit/bob in prod reaches the prod queue only" \
        "$msg {\"id\": \"$id\", \"name\": \"bob\"} |" "$(received "$prod_queue") |$(received "$dev_queue")"

    # The function alone, as `aws lambda invoke` with an API Gateway proxy event.
    fn=$(physical "$DEV" SubmitFunction)
    aws lambda invoke --function-name "$fn" \
        --payload '{"httpMethod": "GET", "path": "/submit/carol", "pathParameters": {"name": "carol"}}' \
        "$WORK/jobs-invoke.json" > /dev/null
    got=$(jq -r '"\(.statusCode) \(.body | fromjson | .name)"' "$WORK/jobs-invoke.json")
    body=$(received "$dev_queue" | cut -d' ' -f2- | jq -r .name)
    expect_eq "jobs: aws lambda invoke for carol answers 200, and carol is in the dev queue" \
        "200 carol carol" "$got $body"
}

app_updated() {
    local got id msg
    got=$(submit "$(output "$PROD" Url)" dave)
    read -r id msg <<< "$got"
    expect_eq "jobs: prod still sends to its included queue after its update" \
        "$msg {\"id\": \"$id\", \"name\": \"dave\"}" "$(received "$(output "$PROD" QueueUrl)")"
}

app_after_delete() {
    local left kept
    left=$(aws sqs list-queues --endpoint-url "$AWS_ENDPOINT_URL" --queue-name-prefix "$DEV-jobs" \
        --query 'QueueUrls' --output text)
    kept=$(aws sqs get-queue-attributes --endpoint-url "$AWS_ENDPOINT_URL" \
        --queue-url "$(output "$PROD" QueueUrl)" --attribute-names QueueArn \
        --query Attributes.QueueArn --output text 2>&1)
    expect_eq "jobs: deleting $DEV deletes its included queue, and prod's stays" \
        "None arn:aws:sqs:us-east-1:123456789012:$PROD-jobs" "$left $kept"
}

# tests/e2e/apps/hits.sh: what the hit counter (examples/hits) promises, on top of
# the generic checks of run.sh.  Sourced by run.sh with BASE=hits, DEV=hits-dev,
# PROD=hits-prod, OUT (the build), WORK, BUCKET and the helpers of lib.sh.
#
# Hooks (each optional for an app): app_deployed (both stages are up), app_edit DIR
# (change the env of the copy in DIR and set EDIT_KEY), app_updated (prod redeployed
# with that change), app_after_delete (dev deleted, prod still up).

# hits_of URL NAME: GET URL+NAME; the count, or "HTTP CODE BODY" when it is not a count.
hits_of() {
    local got code body
    got=$(http_get "$1$2")
    code=${got%% *} body=${got#* }
    if [ "$code" = 200 ] && [ "$(jq -r .name <<< "$body" 2> /dev/null)" = "$2" ]; then
        jq -r .hits <<< "$body"
    else
        echo "HTTP $got"
    fi
}

# check_url STACK STAGE URL: URL (the stack's url output) is the base URL of stage
# STAGE of the stack's own REST API, and that stage serves the stack's deployment.
check_url() {
    local api want stage_deployment deployment
    api=$(physical "$1" Api)
    want="https://$api.execute-api.us-east-1.amazonaws.com/$2/"
    stage_deployment=$(aws apigateway get-stage --rest-api-id "$api" --stage-name "$2" --query deploymentId --output text 2>&1)
    deployment=$(physical "$1" "$(logical_ids "$OUT/template.json" AWS::ApiGateway::Deployment)")
    expect_eq "$1: the url output is the base URL of stage '$2' of the stack's API ($3)" \
        "$want $deployment" "$3 $stage_deployment"
}

app_deployed() {
    local got dev_table prod_table
    DEV_URL=$(output "$DEV" Url)
    PROD_URL=$(output "$PROD" Url)
    check_url "$DEV" dev "$DEV_URL"
    check_url "$PROD" prod "$PROD_URL"
    dev_table=$(physical "$DEV" CountersTable)
    prod_table=$(physical "$PROD" CountersTable)

    got="$(hits_of "$DEV_URL" alice) $(hits_of "$DEV_URL" alice) $(hits_of "$DEV_URL" alice) $(hits_of "$PROD_URL" alice)"
    step "GET ${DEV_URL}alice x3, ${PROD_URL}alice x1: $got"
    expect_eq "hits: GET /alice three times in dev and once in prod answers 1 2 3 1 (over HTTP)" "1 2 3 1" "$got"
    expect_eq "hits: GET /bob in dev starts at 1" 1 "$(hits_of "$DEV_URL" bob)"
    expect_eq "$DEV: its table holds exactly alice=3 and bob=1" "hits=1,name=bob
hits=3,name=alice" "$(table_items "$dev_table")"
    expect_eq "$PROD: its table holds exactly alice=1" "hits=1,name=alice" "$(table_items "$prod_table")"

    # 20 requests at once on one path: every count from 1 to 20 exactly once.
    local pids=() i t0=$EPOCHREALTIME
    for i in $(seq 1 20); do
        hits_of "$DEV_URL" burst > "$WORK/burst.$i" &
        pids+=($!)
    done
    wait "${pids[@]}"
    got=$(cat "$WORK"/burst.* | sort -n | paste -sd' ')
    step "20 concurrent GET ${DEV_URL}burst in $(since "$t0")s: $got"
    expect_eq "hits: 20 concurrent requests on /burst in dev each get their own count, 1 to 20" \
        "$(seq 1 20 | paste -sd' ')" "$got"
    expect_eq "$DEV: its table counts exactly 20 for burst" "hits=20,name=burst" \
        "$(table_items "$dev_table" | grep 'name=burst$')"

    # The function alone, as `aws lambda invoke` with an API Gateway proxy event.
    local fn sid arn
    fn=$(physical "$DEV" CounterFunction)
    aws lambda invoke --function-name "$fn" --payload '{"httpMethod": "GET", "path": "/dave", "pathParameters": {"name": "dave"}}' \
        "$WORK/invoke.json" > /dev/null
    expect_eq "hits: aws lambda invoke with a proxy event for /dave answers 200 and 1" '200 {"name": "dave", "hits": 1}' \
        "$(jq -r '"\(.statusCode) \(.body)"' "$WORK/invoke.json")"

    # The harness itself: API Gateway refuses a call that no Lambda permission allows.
    sid=$(physical "$DEV" ApiNameParamGetPermission)
    arn=$(aws lambda get-policy --function-name "$fn" --output json | jq -r '.Policy | fromjson | .Statement[0].Condition.ArnLike["AWS:SourceArn"]')
    aws lambda remove-permission --function-name "$fn" --statement-id "$sid"
    got=$(http_get "${DEV_URL}carol")
    aws lambda add-permission --function-name "$fn" --statement-id "$sid" --action lambda:InvokeFunction \
        --principal apigateway.amazonaws.com --source-arn "$arn" > /dev/null
    expect_eq "harness: without the AWS::Lambda::Permission, API Gateway refuses the call" \
        '500 {"message":"Internal server error"} 1' "$got $(hits_of "$DEV_URL" carol)"
}

app_edit() {
    sed -i 's/^\( *\)table = counters.name$/&\n\1greeting = "hello, e2e"/' "$1/app.hit"
    EDIT_KEY=greeting
}

app_updated() {
    expect_eq "hits: prod counts on after its update (GET /alice answers 2)" 2 "$(hits_of "$PROD_URL" alice)"
}

app_after_delete() {
    expect_eq "hits: prod works after dev is deleted (GET /alice answers 3, /bob 1)" "3 1" \
        "$(hits_of "$PROD_URL" alice) $(hits_of "$PROD_URL" bob)"
    local dev_table
    dev_table=$(aws dynamodb list-tables --query 'TableNames' --output text | tr '\t' '\n' | grep "^$DEV-CountersTable-")
    expect_eq "$DEV: its kept table still holds alice=3, bob=1, burst=20, carol=1, dave=1" "hits=1,name=bob
hits=1,name=carol
hits=1,name=dave
hits=20,name=burst
hits=3,name=alice" "$(table_items "$dev_table")"
}

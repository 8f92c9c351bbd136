# tests/e2e/apps/hits-http.sh: what the hit counter behind an HTTP API
# (tests/e2e/apps/hits-http, `api { kind http }`) promises, on top of the generic
# checks of run.sh.  Sourced by run.sh with BASE=hits-http, DEV, PROD, OUT, WORK,
# BUCKET and the helpers of lib.sh and triggers.sh (http_req).

ORIGIN=https://hits.example.com

# hh_get URL NAME: GET URL+NAME; "HITS URL" from the answer, or "HTTP CODE BODY".
hh_get() {
    local got code body
    got=$(http_get "$1$2")
    code=${got%% *} body=${got#* }
    if [ "$code" = 200 ] && [ "$(jq -r .name <<< "$body" 2> /dev/null)" = "$2" ]; then
        jq -r '"\(.hits) \(.url)"' <<< "$body"
    else
        echo "HTTP $got"
    fi
}

# hh_check_url STACK STAGE URL: URL (the stack's url output) is the base URL of stage
# STAGE of the stack's own API, an HTTP API (ApiGatewayV2) with that stage.
hh_check_url() {
    local api got
    api=$(physical "$1" Api)
    got="$3 $(aws apigatewayv2 get-api --api-id "$api" --query ProtocolType --output text 2>&1)"
    got="$got $(aws apigatewayv2 get-stages --api-id "$api" --output json 2>&1 | jq -r '[.Items[].StageName] | join(",")' 2>&1)"
    expect_eq "$1: the url output is the base URL of stage '$2' of the stack's HTTP API ($3)" \
        "https://$api.execute-api.us-east-1.amazonaws.com/$2/ HTTP $2" "$got"
}

app_deployed() {
    local got dev_table prod_table
    DEV_URL=$(output "$DEV" Url)
    PROD_URL=$(output "$PROD" Url)
    hh_check_url "$DEV" dev "$DEV_URL"
    hh_check_url "$PROD" prod "$PROD_URL"
    dev_table=$(physical "$DEV" CountersTable)
    prod_table=$(physical "$PROD" CountersTable)

    got="$(hh_get "$DEV_URL" alice) | $(hh_get "$DEV_URL" alice) | $(hh_get "$DEV_URL" alice) | $(hh_get "$PROD_URL" alice)"
    step "GET ${DEV_URL}alice x3, ${PROD_URL}alice x1: $got"
    expect_eq "hits-http: GET /alice three times in dev and once in prod answers 1 2 3 1 over the HTTP API; each function reads its own stage's api.url" \
        "1 $DEV_URL | 2 $DEV_URL | 3 $DEV_URL | 1 $PROD_URL" "$got"
    expect_eq "hits-http: GET /bob in dev starts at 1" "1 $DEV_URL" "$(hh_get "$DEV_URL" bob)"

    # CORS: API Gateway answers the preflight from the API's CorsConfiguration, without
    # calling the function, and adds the origin to the function's answer.
    http_req OPTIONS "${DEV_URL}alice" -H "Origin: $ORIGIN" -H "Access-Control-Request-Method: GET"
    got="$HTTP_CODE|$(grep '^access-control-allow-origin' <<< "$HTTP_HEADERS")|$(grep '^access-control-allow-methods' <<< "$HTTP_HEADERS")"
    http_req GET "${DEV_URL}alice" -H "Origin: $ORIGIN"
    got="$got|$HTTP_CODE $(jq -r .hits <<< "$HTTP_BODY" 2>&1)|$(grep '^access-control-allow-origin' <<< "$HTTP_HEADERS")"
    expect_eq "hits-http: a CORS preflight answers 204 with the configured origin (no count), a GET with that Origin gets it on the answer" \
        "204|access-control-allow-origin: $ORIGIN|access-control-allow-methods: GET|200 4|access-control-allow-origin: $ORIGIN" "$got"
    http_req GET "${DEV_URL}alice" -H "Origin: https://evil.example.com"
    expect_eq "hits-http: another origin gets no CORS header" "200 0" \
        "$HTTP_CODE $(grep -c '^access-control' <<< "$HTTP_HEADERS")"

    # Only the routes: POST has none (404 from API Gateway, the function is not called).
    http_req POST "${DEV_URL}alice"
    expect_eq "hits-http: POST /alice has no route: 404" "404" "$HTTP_CODE"

    # Least privilege: the route's own AWS::Lambda::Permission is what lets API
    # Gateway call the function; without it the HTTP API answers 500.
    local fn sid arn
    fn=$(physical "$DEV" CounterFunction)
    sid=$(physical "$DEV" ApiNameParamGetPermission)
    arn=$(aws lambda get-policy --function-name "$fn" --output json | jq -r '.Policy | fromjson | .Statement[0].Condition.ArnLike["AWS:SourceArn"]')
    aws lambda remove-permission --function-name "$fn" --statement-id "$sid"
    http_req GET "${DEV_URL}carol"
    got="$HTTP_CODE"
    aws lambda add-permission --function-name "$fn" --statement-id "$sid" --action lambda:InvokeFunction \
        --principal apigateway.amazonaws.com --source-arn "$arn" > /dev/null
    expect_eq "hits-http: the permission is scoped to this API, stage, GET and /*; without it the HTTP API answers 500, with it again 1" \
        "arn:aws:execute-api:us-east-1:123456789012:$(physical "$DEV" Api)/dev/GET/* 500 1 $DEV_URL" \
        "$arn $got $(hh_get "$DEV_URL" carol)"

    expect_eq "$DEV: its table holds exactly alice=5, bob=1 and carol=1" "hits=1,name=bob
hits=1,name=carol
hits=5,name=alice" "$(table_items "$dev_table")"
    expect_eq "$PROD: its table holds exactly alice=1" "hits=1,name=alice" "$(table_items "$prod_table")"
}

app_updated() {
    expect_eq "hits-http: prod counts on after its update (GET /alice answers 2)" "2 $PROD_URL" "$(hh_get "$PROD_URL" alice)"
}

app_after_delete() {
    expect_eq "hits-http: prod works after dev is deleted (GET /alice answers 3)" "3 $PROD_URL" "$(hh_get "$PROD_URL" alice)"
}

# tests/e2e/apps/seeded-hits.sh: the hit counter with a plugin of its own
# (examples/seeded-hits): the seed resource, served by the app's seeder function,
# writes starting counts into the counters table, and its outputs reach the counter
# function's .env.  Sourced by run.sh (BASE=seeded-hits); hooks as in apps/hits.sh.

# seeding URL: GET URL (the root): "seeded written" from the function's .env, or the answer.
seeding() {
    local got
    got=$(http_get "$1")
    if [ "${got%% *}" = 200 ]; then jq -r '"\(.seeded) \(.written)"' <<< "${got#* }"; else echo "HTTP $got"; fi
}

# count URL NAME: GET URL+NAME: the count, or the answer.
count() {
    local got
    got=$(http_get "$1$2")
    if [ "${got%% *}" = 200 ]; then jq -r .hits <<< "${got#* }"; else echo "HTTP $got"; fi
}

app_deployed() {
    local requests events table
    requests=$(custom_requests "$DEV")
    step "custom-resource requests of $DEV: $(paste -sd, <<< "$requests")"
    expect_eq "$DEV: the seed is created before the counter's code is stamped with its outputs" \
        yes "$(in_order "$requests" "Create StartingResource" "Create CounterFunctionCode")"
    events=$(event_log "$DEV")
    expect_eq "$DEV: the seed's service (a function of the app) is deployed before the seed" \
        yes "$(in_order "$events" "SeederFunction CREATE_COMPLETE" "StartingResource CREATE_IN_PROGRESS")"
    # exactly the grants it needs: write on the counters table, nothing else
    expect_eq "$BASE: the seeder's role may only write to the counters table (and its logs)" \
        '[{"Action":["dynamodb:BatchWriteItem","dynamodb:DeleteItem","dynamodb:PutItem","dynamodb:UpdateItem"],"Resource":[{"Fn::GetAtt":["CountersTable","Arn"]},{"Fn::Sub":"${CountersTable.Arn}/index/*"}]}]' \
        "$(jq -c '[.Resources.SeederFunctionRole.Properties.Policies[].PolicyDocument.Statement[] |
                   select(.Sid != "Logs") | {Action, Resource}]' "$OUT/template.json")"

    SH_DEV_URL=$(output "$DEV" Url)
    SH_PROD_URL=$(output "$PROD" Url)
    expect_eq "$DEV: GET / shows the seed's outputs from the function's .env (count 3, written 3)" \
        "3 3" "$(seeding "$SH_DEV_URL")"
    expect_eq "$DEV: the seed output is on the stack too" 3 "$(output "$DEV" Seeded)"
    expect_eq "$DEV: a seeded name counts on from its start, a new one from 1 (over HTTP)" \
        "101 102 1" "$(count "$SH_DEV_URL" home) $(count "$SH_DEV_URL" home) $(count "$SH_DEV_URL" fresh)"
    table=$(physical "$DEV" CountersTable)
    expect_eq "$DEV: the table holds the seeded items and the counted ones" \
        "hits=1,name=fresh
hits=100,name=about
hits=100,name=contact
hits=102,name=home" "$(table_items "$table")"
}

# The edit: one more name to seed (an in-place Update of the seed, whose new outputs
# must reach .env), and the generic probe key.
app_edit() {
    EDIT_KEY=hitc_e2e_probe
    sed -i 's/names = \["home", "about", "contact"\]/names = ["home", "about", "contact", "blog"]/' "$1/app.hit"
    sed -i '0,/^\([[:space:]]*\)env[[:space:]]*{[[:space:]]*$/s//&\n\1  hitc_e2e_probe = "1"/' "$1/app.hit"
    grep -q '"blog"' "$1/app.hit" || return 1
    SH_BEFORE=$(custom_request_count "$PROD")
    SH_PHYSICAL=$(physical "$PROD" StartingResource)
}

app_updated() {
    local requests
    requests=$(custom_requests "$PROD" "$SH_BEFORE")
    step "custom-resource requests of $PROD's update: $(paste -sd, <<< "$requests")"
    expect_eq "$PROD: the changed seed gets one Update (no Create, no Delete), before the stamp's" \
        "yes Update StartingResource" \
        "$(in_order "$requests" "Update StartingResource" "Update CounterFunctionCode") $(grep StartingResource <<< "$requests" | paste -sd,)"
    expect_eq "$PROD: the seed keeps its physical id (updated in place)" \
        "$SH_PHYSICAL" "$(physical "$PROD" StartingResource)"
    expect_eq "$PROD: the new outputs reach the function's .env (count 4, written 1)" \
        "4 1" "$(seeding "$SH_PROD_URL")"
    expect_eq "$PROD: the new name is seeded" 101 "$(count "$SH_PROD_URL" blog)"
    service_code_update
}

# New service code alone, no input changed: each resource carries its service's
# bundle hash (HitcPlugin.ServiceCode, docs/plugins.md), so CloudFormation sends the
# seed an Update, which it would not for a property-less change.  Then back to the
# edited build, which the later generic checks expect prod to run.
service_code_update() {
    local coded=$WORK/$BASE/coded out3=$WORK/$BASE/out3 before requests
    rm -rf "$coded"
    cp -r "$WORK/$BASE/edited" "$coded"
    echo "# new service code, the same inputs" >> "$coded/seeder/seed.py"
    build "$coded" "$out3" || return
    upload "$out3" "$PREFIX"
    expect_eq "seeded-hits: the seed's ServiceCode is the seeder's new bundle, and differs from the last build's" \
        "yes yes" "$(jq -r '.Resources.StartingResource.Properties.HitcPlugin.ServiceCode as $c |
            (.Resources.SeederFunction.Properties.Code.S3Key["Fn::Sub"] | contains($c)) | if . then "yes" else "no" end' \
            "$out3/template.json") $(jq -r --slurpfile old "$WORK/$BASE/out2/template.json" \
            '.Resources.StartingResource.Properties.HitcPlugin.ServiceCode != $old[0].Resources.StartingResource.Properties.HitcPlugin.ServiceCode |
             if . then "yes" else "no" end' "$out3/template.json")"
    before=$(custom_request_count "$PROD")
    deploy "$PROD" "$out3/template.json" "Stage=prod" "CodeBucket=$BUCKET" "${APP_PARAMS[@]}"
    requests=$(custom_requests "$PROD" "$before")
    step "custom-resource requests of $PROD's service-code update: $(paste -sd, <<< "$requests")"
    expect_eq "$PROD: new service code alone: UPDATE_COMPLETE, and the seed gets an Update (same physical id)" \
        "0 UPDATE_COMPLETE Update StartingResource $SH_PHYSICAL" \
        "$DEPLOY_RC $DEPLOY_STATUS $(grep StartingResource <<< "$requests" | paste -sd,) $(physical "$PROD" StartingResource)"
    deploy "$PROD" "$WORK/$BASE/out2/template.json" "Stage=prod" "CodeBucket=$BUCKET" "${APP_PARAMS[@]}"
    expect_eq "$PROD: back to the edited build: UPDATE_COMPLETE" "0 UPDATE_COMPLETE" "$DEPLOY_RC $DEPLOY_STATUS"
}

app_after_delete() {
    local requests events
    requests=$(custom_requests "$DEV" | grep '^Delete ')
    step "custom-resource Deletes of $DEV: $(paste -sd, <<< "$requests")"
    expect_eq "$DEV: on delete the stamp (which reads the seed) goes before the seed" \
        yes "$(in_order "$requests" "Delete CounterFunctionCode" "Delete StartingResource")"
    events=$(event_log "$DEV")
    expect_eq "$DEV: the seed's service is deleted only after the seed" \
        yes "$(in_order "$events" "StartingResource DELETE_COMPLETE" "SeederFunction DELETE_IN_PROGRESS")"
    expect_eq "$PROD: still counts after dev is deleted" 102 "$(count "$SH_PROD_URL" blog)"
}

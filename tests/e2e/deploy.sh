# tests/e2e/deploy.sh: `hitc deploy`, `hitc outputs` and `hitc destroy` as a user runs
# them, on the local cloud (sourced by run.sh: the part `hitc-deploy`).
#
# A copy of examples/hits named `shipped` (its own stacks, shipped-dev and
# shipped-prod), its bundles under their own prefix, its build in a cache of its own.

# ship NAME ARGS...: run hitc ARGS (a deploy, outputs or destroy) with a timeout; its
# exit status in SHIP_RC, stdout in $DW/NAME.out, stderr in $DW/NAME.err.
ship() {
    local name=$1 t0=$EPOCHREALTIME
    shift
    timeout 600 "$HITC" "$@" > "$DW/$name.out" 2> "$DW/$name.err" < /dev/null
    SHIP_RC=$?
    step "hitc $1 ($name): exit $SHIP_RC in $(since "$t0")s"
}

# detail NAME: what a step printed, for a failure.
detail() { echo "stdout:"; cat "$DW/$1.out"; echo "stderr:"; tail -40 "$DW/$1.err"; }

# plan_lines NAME: the plan's change lines, "ACTION LOGICALID" each.
plan_lines() { grep -E '^  (add|modify|replace\??|remove) ' "$DW/$1.out" | awk '{print $1, $2}'; }

hitc_deploy_cases() {
    local BASE=hitc-deploy
    echo "== hitc deploy (examples/hits as 'shipped')"
    DW=$WORK/hitc-deploy
    mkdir -p "$DW"
    export XDG_CACHE_HOME=$DW/cache
    local app=$DW/app/app.hit where=(--bucket "$BUCKET" --prefix hitc-deploy/)
    cp -r "$ROOT/examples/hits" "$DW/app"
    sed -i 's/^app hits /app shipped /' "$app"

    # one command per stage; the second stage uploads nothing (the same bundles)
    ship dev deploy "$app" --stage dev "${where[@]}"
    if [ "$SHIP_RC" -eq 0 ] && [ "$(stack_status shipped-dev)" = CREATE_COMPLETE ]; then
        pass "$BASE: 'hitc deploy app.hit --stage dev' makes shipped-dev (CREATE_COMPLETE)"
    else fail "$BASE: 'hitc deploy app.hit --stage dev' makes shipped-dev" "$(detail dev)"; fi
    expect_eq "$BASE: the first deploy uploads both bundles" "bundles: 2 of 2 uploaded" \
        "$(grep -o '^bundles: [0-9]* of [0-9]* uploaded' "$DW/dev.out")"
    ship prod deploy "$app" --stage prod "${where[@]}"
    if [ "$SHIP_RC" -eq 0 ] && [ "$(stack_status shipped-prod)" = CREATE_COMPLETE ]; then
        pass "$BASE: 'hitc deploy app.hit --stage prod' makes shipped-prod (CREATE_COMPLETE)"
    else fail "$BASE: 'hitc deploy app.hit --stage prod' makes shipped-prod" "$(detail prod)"; fi
    expect_eq "$BASE: the second stage uploads nothing (one listing finds both bundles)" \
        "bundles: 0 of 2 uploaded (0 bytes)" "$(grep -o '^bundles: .* bytes)' "$DW/prod.out")"

    # the outputs printed are the stack's, and they work
    local url
    url=$(output shipped-dev Url)
    expect_eq "$BASE: deploy prints the stack's outputs by their .hit names" "url = $url" \
        "$(grep '^url = ' "$DW/dev.out")"
    ship outputs-json outputs "$app" --stage prod --format json
    expect_eq "$BASE: 'hitc outputs --format json' is the prod stack's Url" \
        "$(output shipped-prod Url)" "$(jq -r .url "$DW/outputs-json.out")"
    expect_eq "$BASE: the deployed dev stage answers through its url" "200 {\"name\": \"alice\", \"hits\": 1}" \
        "$(http_get "${url}alice")"

    # unchanged: nothing uploaded, no change set executed
    ship same deploy "$app" --stage dev "${where[@]}"
    expect_eq "$BASE: an unchanged app deploys as no changes, uploading nothing" \
        "0|bundles: 0 of 2 uploaded (0 bytes)|no changes: stack shipped-dev is up to date" \
        "$SHIP_RC|$(grep -o '^bundles: .* bytes)' "$DW/same.out")|$(grep '^no changes' "$DW/same.out")"

    # one function's env changes: exactly its stamp (which carries the env) is modified
    sed -i 's/^    table = counters.name$/&\n    greeting = "hello"/' "$app"
    ship env-plan deploy "$app" --stage dev "${where[@]}" --plan
    expect_eq "$BASE: a changed env plans as exactly the function's stamp, modified" \
        "0|modify CounterFunctionCode" "$SHIP_RC|$(plan_lines env-plan | paste -sd,)"
    if grep -q "^  modify    CounterFunctionCode (Custom::HitcStamp)  $app:8: stamp of function 'counter'$" "$DW/env-plan.out"; then
        pass "$BASE: the plan names the change's .hit declaration and line"
    else fail "$BASE: the plan names the change's .hit declaration and line" "$(detail env-plan)"; fi
    ship env deploy "$app" --stage dev "${where[@]}"
    expect_eq "$BASE: the env change deploys (UPDATE_COMPLETE)" "0 UPDATE_COMPLETE" \
        "$SHIP_RC $(stack_status shipped-dev)"

    # on a terminal (script(1) gives hitc one): it asks; 'n' deploys nothing, 'y' deploys
    # with a progress line
    local cmd
    cmd=$(printf '%q ' "$HITC" deploy "$app" --stage prod "${where[@]}")
    printf 'n\n' | timeout 600 script -qec "$cmd" /dev/null > "$DW/tty-no.out" 2>&1
    if [ $? -eq 1 ] && grep -q "deploy these changes to shipped-prod? \[y/N\]" "$DW/tty-no.out" &&
        grep -q "nothing deployed" "$DW/tty-no.out" && [ "$(stack_status shipped-prod)" = CREATE_COMPLETE ]; then
        pass "$BASE: on a terminal hitc asks before deploying, and 'n' changes nothing"
    else fail "$BASE: on a terminal hitc asks before deploying, and 'n' changes nothing" "$(tail -20 "$DW/tty-no.out")"; fi
    printf 'y\n' | timeout 600 script -qec "$cmd" /dev/null > "$DW/tty-yes.out" 2>&1
    if [ $? -eq 0 ] && [ "$(stack_status shipped-prod)" = UPDATE_COMPLETE ] &&
        grep -qE $'\r\033\\[K  \\[[0-9]+/[0-9]+\\] +[0-9.]+s  CounterFunctionCode UPDATE_COMPLETE' "$DW/tty-yes.out"; then
        pass "$BASE: 'y' deploys, with a progress line ([done/total] seconds) on the terminal"
    else fail "$BASE: 'y' deploys, with a progress line on the terminal" "$(tail -20 "$DW/tty-yes.out" | cat -v)"; fi

    # a new key replaces the table: refused, naming it; --allow-replace lets it through
    local table
    table=$(physical shipped-dev CountersTable)
    sed -i 's/^  key name: string$/  key id: string/' "$app"
    ship replace deploy "$app" --stage dev "${where[@]}"
    if [ "$SHIP_RC" -eq 1 ] && grep -q "^$app:4:1: error: this deploy .* table 'counters' (CountersTable) in stack 'shipped-dev', as KeySchema changes" "$DW/replace.err" &&
        grep -q "note: to go ahead, name it: --allow-replace counters" "$DW/replace.err"; then
        pass "$BASE: a deploy that would replace a table is refused, naming the table and its line"
    else fail "$BASE: a deploy that would replace a table is refused, naming the table" "$(detail replace)"; fi
    expect_eq "$BASE: the refused deploy changed nothing" "UPDATE_COMPLETE $table" \
        "$(stack_status shipped-dev) $(physical shipped-dev CountersTable)"
    ship allowed deploy "$app" --stage dev "${where[@]}" --allow-replace counters
    local new_table
    new_table=$(physical shipped-dev CountersTable)
    if [ "$SHIP_RC" -eq 0 ] && [ "$new_table" != "$table" ] &&
        aws dynamodb describe-table --table-name "$table" > /dev/null 2>&1; then
        pass "$BASE: --allow-replace counters replaces the table (the old one is kept)"
    else fail "$BASE: --allow-replace counters replaces the table" "$(detail allowed)"; fi

    # destroy keeps the table
    ship destroy destroy "$app" --stage dev --yes
    if [ "$SHIP_RC" -eq 0 ] && [ "$(stack_status shipped-dev)" = GONE ] &&
        aws dynamodb describe-table --table-name "$new_table" > /dev/null 2>&1 &&
        grep -q "^  table 'counters' (CountersTable): $new_table$" "$DW/destroy.out"; then
        pass "$BASE: 'hitc destroy' deletes shipped-dev, says the table survives, and it does"
    else fail "$BASE: 'hitc destroy' deletes shipped-dev and keeps the table" "$(detail destroy)"; fi

    # a killed deploy is continued by the next one: hitc is killed once it has started
    # the change set's execution (the engine goes on with it, as CloudFormation would)
    "$HITC" deploy "$app" --stage killed "${where[@]}" > "$DW/killed.out" 2>&1 < /dev/null &
    local pid=$! i
    for i in $(seq 1 1200); do grep -q '^deploying stack' "$DW/killed.out" 2> /dev/null && break; sleep 0.1; done
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    step "killed hitc deploy of shipped-killed after: $(tail -1 "$DW/killed.out"); the stack: $(stack_status shipped-killed)"
    ship resumed deploy "$app" --stage killed "${where[@]}"
    if [ "$SHIP_RC" -eq 0 ] && [[ "$(stack_status shipped-killed)" == *_COMPLETE ]] &&
        [ "$(jq -r .url <(timeout 120 "$HITC" outputs "$app" --stage killed --format json))" = "$(output shipped-killed Url)" ]; then
        pass "$BASE: a deploy killed while it ran is continued by the next ($(stack_status shipped-killed); $(grep -c 'waiting for it to end' "$DW/resumed.err") waits)"
    else fail "$BASE: a deploy killed while it ran is continued by the next" "$(detail resumed)"; fi

    # two deploys of one stage at once: the second waits for the first, then finds nothing to do
    sed -i 's/^    greeting = "hello"$/    greeting = "hi"/' "$app"
    ( ship twice-a deploy "$app" --stage killed "${where[@]}"; echo "$SHIP_RC" > "$DW/twice-a.rc" ) &
    local a=$!
    ( ship twice-b deploy "$app" --stage killed "${where[@]}"; echo "$SHIP_RC" > "$DW/twice-b.rc" ) &
    wait "$a" "$!"
    if [ "$(cat "$DW/twice-a.rc") $(cat "$DW/twice-b.rc")" = "0 0" ] &&
        grep -q "another 'hitc deploy' of stack 'shipped-killed' is running on this machine; waiting" "$DW/twice-a.err" "$DW/twice-b.err" &&
        grep -q "^no changes" "$DW/twice-a.out" "$DW/twice-b.out"; then
        pass "$BASE: two deploys of one stage at once: the second waits, then has nothing to do"
    else fail "$BASE: two deploys of one stage at once" "$(detail twice-a; detail twice-b)"; fi

    # the plugin whose service fails: the reason, at the plugin resource's line (the
    # stage 'shipped': not a stack of the plugin-failures part, which may share this cloud)
    local pf=$DW/pf/app.hit line
    cp -r "$E2E/apps/plugin-failures" "$DW/pf"
    line=$(grep -n '^resource attempt: probe {$' "$pf" | cut -d: -f1)
    ship plugin deploy "$pf" --stage shipped "${where[@]}" --parameter mode=raise
    if [ "$SHIP_RC" -eq 1 ] && grep -q "^$pf:$line:1: error: deploying stack 'plugin-failures-shipped' failed at resource 'attempt' (AttemptResource): Received response status \[FAILED\] from custom resource. Message returned: RuntimeError: the probe refuses to be created (mode raise)" "$DW/plugin.err" &&
        grep -q "note: the stack is ROLLBACK_COMPLETE" "$DW/plugin.err"; then
        pass "$BASE: a failing plugin service fails the deploy with its reason at the resource's line ($line)"
    else fail "$BASE: a failing plugin service fails the deploy with its reason at the resource's line" "$(detail plugin)"; fi
    # the next deploy starts again from the failed creation
    ship plugin-again deploy "$pf" --stage shipped "${where[@]}" --parameter mode=raise
    if grep -q "failed to create earlier (ROLLBACK_COMPLETE).*deleting it to start again" "$DW/plugin-again.out" && [ "$SHIP_RC" -eq 1 ]; then
        pass "$BASE: a stack whose creation failed is deleted and made again by the next deploy"
    else fail "$BASE: a stack whose creation failed is made again by the next deploy" "$(detail plugin-again)"; fi
    ship plugin-destroy destroy "$pf" --stage shipped --yes

    # the printed recipe, run literally
    ship recipe deploy "$app" --stage recipe "${where[@]}" --print-commands
    if (cd "$DW" && timeout 600 bash -e recipe.out > "$DW/recipe.log" 2>&1) &&
        [ "$(stack_status shipped-recipe)" = CREATE_COMPLETE ] && grep -q "$(output shipped-recipe Url)" "$DW/recipe.log"; then
        pass "$BASE: the commands 'hitc deploy --print-commands' prints deploy the stage, run as printed"
    else fail "$BASE: the commands 'hitc deploy --print-commands' prints deploy the stage" "$(cat "$DW/recipe.out" "$DW/recipe.log" | tail -20)"; fi

    # no --bucket: the managed bucket, made private, encrypted, with its lifecycle rule
    local mb=hitc-deploy-123456789012-us-east-1
    ship managed deploy "$app" --stage managed
    if [ "$SHIP_RC" -eq 0 ] && [ "$(stack_status shipped-managed)" = CREATE_COMPLETE ] &&
        grep -q "made the deployment bucket $mb" "$DW/managed.err" &&
        [ "$(aws s3api get-public-access-block --bucket "$mb" --query 'PublicAccessBlockConfiguration.[BlockPublicAcls,IgnorePublicAcls,BlockPublicPolicy,RestrictPublicBuckets]' --output text)" = "True	True	True	True" ] &&
        [ "$(aws s3api get-bucket-encryption --bucket "$mb" --query 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm' --output text)" = AES256 ] &&
        [ "$(aws s3api get-bucket-lifecycle-configuration --bucket "$mb" --query 'Rules[?ID==`hitc-old-templates`].Expiration.Days' --output text)" = 7 ] &&
        [ "$(aws s3 ls "s3://$mb/hitc/" | grep -c '\.zip$')" = 2 ]; then
        pass "$BASE: without --bucket, the managed bucket $mb is made (private, encrypted, lifecycle) and holds the bundles"
    else fail "$BASE: without --bucket, the managed bucket is made and used" "$(detail managed)"; fi
    ship managed-again deploy "$app" --stage managed
    expect_eq "$BASE: the next deploy finds the managed bucket (makes nothing)" "0 0" \
        "$SHIP_RC $(grep -c 'made the deployment bucket' "$DW/managed-again.err")"

    # a template past the 51,200 bytes CloudFormation takes inline goes through S3,
    # without being asked: the hit counter with a dozen more counters
    local big=$DW/big/app.hit
    cp -r "$ROOT/examples/hits" "$DW/big"
    sed -i 's/^app hits /app shipped-big /' "$big"
    for i in $(seq 1 12); do
        printf 'function counter%d {\n  runtime python3.12\n  handler index.handler\n  code "src"\n  env {\n    table = counters.name\n  }\n}\n\nroute GET /c%d/{name} -> counter%d\n\n' \
            "$i" "$i" "$i" >> "$big"
    done
    "$HITC" build -q "$big" -o "$DW/big-out"
    step "the big app's template: $(wc -c < "$DW/big-out/template.json") bytes"
    ship big deploy "$big" --stage dev "${where[@]}"
    local tkey same=differs
    tkey=$(aws s3 ls "s3://$BUCKET/hitc-deploy/templates/" | awk '{print $4}' | head -1)
    aws s3 cp "s3://$BUCKET/hitc-deploy/templates/$tkey" "$DW/big-s3.json" > /dev/null 2>&1 &&
        cmp -s "$DW/big-s3.json" "$DW/big-out/template.json" && same="the template hitc builds"
    expect_eq "$BASE: a template past 51,200 bytes is uploaded to PREFIX/templates/ and deploys" \
        "0 CREATE_COMPLETE the template hitc builds" "$SHIP_RC $(stack_status shipped-big-dev) $same"
    expect_eq "$BASE: the big app answers on one of its routes" "200 {\"name\": \"bob\", \"hits\": 1}" \
        "$(http_get "$(output shipped-big-dev Url)c7/bob")"
    ship destroy-big destroy "$big" --stage dev --yes

    # a param given no value keeps the deployed stack's (UsePreviousValue)
    local dd=$DW/ddns/app.hit kept
    cp -r "$ROOT/examples/ddns" "$DW/ddns"
    ship kept-1 deploy "$dd" --stage kept "${where[@]}" --parameter zone-id=Z123 --parameter domain=internal.example.com
    # (and the function changes: the local cloud's change sets see resources, not
    # parameters, so a parameter-only change would be 'no changes' here)
    sed -i 's/^function updater {$/&\n  memory 256/' "$dd"
    ship kept-2 deploy "$dd" --stage kept "${where[@]}" --parameter domain=other.example.com
    kept=$(aws cloudformation describe-stacks --stack-name ddns-kept --output json |
           jq -r '.Stacks[0].Parameters | map(select(.ParameterKey == "ZoneId" or .ParameterKey == "Domain")) | sort_by(.ParameterKey) | map(.ParameterKey + "=" + .ParameterValue) | join(" ")')
    if [ "$SHIP_RC $kept" = "0 Domain=other.example.com ZoneId=Z123" ] &&
        grep -q "^param 'zone-id' (ZoneId) keeps its deployed value$" "$DW/kept-2.out"; then
        pass "$BASE: a redeploy that gives zone-id no value keeps the deployed one, and says so"
    else fail "$BASE: a redeploy that gives zone-id no value keeps the deployed one" "exit $SHIP_RC, $kept
$(detail kept-2)"; fi
    ship destroy-kept destroy "$dd" --stage kept --yes

    for s in prod killed recipe managed; do ship "destroy-$s" destroy "$app" --stage "$s" --yes; done
    unset XDG_CACHE_HOME
}

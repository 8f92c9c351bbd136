# tests/e2e/apps/plugin-failures.sh: how a plugin's failures show, with the small
# app in apps/plugin-failures (no table, no env: not one of run.sh's APPS).  Its
# service raises (mode raise) or never answers (mode silent).

plugin_failures_cases() {
    local BASE=plugin-failures dir=$E2E/apps/plugin-failures out=$WORK/plugin-failures/out stack events
    echo "== plugin failures ($dir)"
    build "$dir" "$out" || return
    upload "$out" "$PREFIX"
    expect_eq "$BASE: the probe's ServiceTimeout is its plugin's timeout (1m)" 60 \
        "$(jq -r '.Resources.AttemptResource.Properties.ServiceTimeout' "$out/template.json")"

    stack=plugin-failures-raise
    deploy "$stack" "$out/template.json" "Mode=raise" "CodeBucket=$BUCKET"
    events=$(failure_events "$stack")
    printf '%s\n' "$events" | sed 's/^/-- event: /' | cut -c1-300
    expect_eq "$stack: a service that raises fails the deploy, and the stack rolls back" \
        "1 ROLLBACK_COMPLETE" "$([ "$DEPLOY_RC" -ne 0 ] && echo 1 || echo 0) $DEPLOY_STATUS"
    if grep -q "^AttemptResource CREATE_FAILED: Received response status \[FAILED\] from custom resource. Message returned: RuntimeError: the probe refuses to be created (mode raise)" <<< "$events"; then
        pass "$stack: the service's reason reaches describe-stack-events"
    else
        fail "$stack: the service's reason reaches describe-stack-events" "$events"
    fi
    expect_eq "$stack: the rollback's Delete is answered (the kit skips the delete of a failed Create)" \
        "Create AttemptResource,Delete AttemptResource" "$(custom_requests "$stack" | paste -sd,)"
    delete_stack "$stack" > /dev/null

    stack=plugin-failures-silent
    deploy "$stack" "$out/template.json" "Mode=silent" "CodeBucket=$BUCKET"
    events=$(failure_events "$stack")
    printf '%s\n' "$events" | sed 's/^/-- event: /' | cut -c1-300
    expect_eq "$stack: a service that never answers fails the deploy, and the stack rolls back" \
        "1 ROLLBACK_COMPLETE" "$([ "$DEPLOY_RC" -ne 0 ] && echo 1 || echo 0) $DEPLOY_STATUS"
    # The engine waits ServiceTimeout (60 s), not CloudFormation's default hour, and says so.
    if grep -q "^AttemptResource CREATE_FAILED: CloudFormation did not receive a response from your Custom Resource.*\[no answer within ServiceTimeout=60 s\]" <<< "$events"; then
        pass "$stack: it fails after the plugin's timeout (ServiceTimeout=60 s), not an hour (${DEPLOY_SECONDS}s)"
    else
        fail "$stack: it fails after the plugin's timeout (ServiceTimeout=60 s), not an hour" "$events"
    fi
    delete_stack "$stack" > /dev/null
}

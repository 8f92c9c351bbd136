# tests/e2e/apps/releases.sh: a plugin chain (examples/releases).  The release
# resource numbers the stage's release; the notice resource's input reads its id;
# the status function reads both through .env; the release output shows one.
# Sourced by run.sh (BASE=releases); hooks as in apps/hits.sh.

# status URL: GET URL: "release number notice text" from the status page, or the answer.
status_page() {
    local got
    got=$(http_get "$1")
    if [ "${got%% *}" = 200 ]; then jq -r '"\(.release) \(.number) \(.notice) \(.text)"' <<< "${got#* }"; else echo "HTTP $got"; fi
}

app_deployed() {
    local requests
    requests=$(custom_requests "$DEV")
    step "custom-resource requests of $DEV: $(paste -sd, <<< "$requests")"
    expect_eq "$DEV: services answered in dependency order: the release, then the notice that reads it, then the stamp that reads both" \
        yes "$(in_order "$requests" "Create CurrentResource" "Create AnnouncementResource" "Create StatusFunctionCode")"
    RL_DEV_URL=$(output "$DEV" Url)
    RL_PROD_URL=$(output "$PROD" Url)
    expect_eq "$DEV: GET / shows both resources' outputs from .env and the notice's text (over HTTP)" \
        "dev-r1 1 dev-r1 release 1 of dev: the status page is up" "$(status_page "$RL_DEV_URL")"
    expect_eq "$PROD: its own series" \
        "prod-r1 1 prod-r1 release 1 of prod: the status page is up" "$(status_page "$RL_PROD_URL")"
    expect_eq "$DEV: the release output shows the release resource's id" dev-r1 "$(output "$DEV" Release)"
    expect_eq "$PROD: its board holds the one notice" \
        "id=prod-r1,posted=1,text=release 1 of prod: the status page is up" \
        "$(table_items "$(physical "$PROD" BoardTable)")"
}

# The edit: another series, a `replace` input of the release (a new release resource,
# the old one deleted after the update), and the generic probe key.
app_edit() {
    EDIT_KEY=hitc_e2e_probe
    sed -i 's/^  series = stage$/  series = "${stage}-v2"/' "$1/app.hit"
    sed -i '0,/^\([[:space:]]*\)env[[:space:]]*{[[:space:]]*$/s//&\n\1  hitc_e2e_probe = "1"/' "$1/app.hit"
    grep -q -- '-v2"' "$1/app.hit" || return 1
    RL_BEFORE=$(custom_request_count "$PROD")
    RL_RELEASE=$(physical "$PROD" CurrentResource)
    RL_NOTICE=$(physical "$PROD" AnnouncementResource)
}

app_updated() {
    local requests new events
    requests=$(custom_requests "$PROD" "$RL_BEFORE")
    step "custom-resource requests of $PROD's update: $(paste -sd, <<< "$requests")"
    # CloudFormation sends a changed custom resource an Update; the kit sees the
    # `replace` input changed, calls create() and answers a new physical id (the
    # service's log says so); CloudFormation deletes the old id after the update.
    expect_eq "$PROD: the replaced release: Update answered as a new one, the notice and stamp updated, then Delete of the old after the update" \
        "yes Update CurrentResource,Delete CurrentResource" \
        "$(in_order "$requests" "Update CurrentResource" "Update AnnouncementResource" "Update StatusFunctionCode" "Delete CurrentResource") $(grep CurrentResource <<< "$requests" | paste -sd,)"
    expect_eq "$PROD: the release's service created a new resource (its log)" 1 \
        "$(aws logs filter-log-events --log-group-name "$(physical "$PROD" NumbererFunctionLogGroup)" --output json |
            jq '[.events[].message | select(test("replace input changed: creating a new resource"))] | length')"
    new=$(physical "$PROD" CurrentResource)
    events=$(resource_events "$PROD" CurrentResource | tail -3 | paste -sd,)
    expect_eq "$PROD: the release has a new physical id; the old one is deleted in the cleanup" \
        "new UPDATE_COMPLETE $new,DELETE_IN_PROGRESS $RL_RELEASE,DELETE_COMPLETE $RL_RELEASE" \
        "$([ "$new" != "$RL_RELEASE" ] && echo new || echo same) $events"
    expect_eq "$PROD: the notice is updated in place (same physical id)" "$RL_NOTICE" "$(physical "$PROD" AnnouncementResource)"
    expect_eq "$PROD: the new values reach .env and the board (over HTTP)" \
        "prod-v2-r1 1 prod-v2-r1 release 1 of prod: the status page is up" "$(status_page "$RL_PROD_URL")"
    expect_eq "$PROD: the notice moved to the new id (updated twice: posted=2)" \
        "id=prod-v2-r1,posted=2,text=release 1 of prod: the status page is up" \
        "$(table_items "$(physical "$PROD" BoardTable)")"
    expect_eq "$PROD: the release output follows" prod-v2-r1 "$(output "$PROD" Release)"
}

app_after_delete() {
    local requests
    requests=$(custom_requests "$DEV" | grep '^Delete ')
    step "custom-resource Deletes of $DEV: $(paste -sd, <<< "$requests")"
    expect_eq "$DEV: on stack delete the services get Delete in reverse dependency order" \
        yes "$(in_order "$requests" "Delete StatusFunctionCode" "Delete AnnouncementResource" "Delete CurrentResource")"
}

# tests/e2e/apps/node-deps.sh: a Node function whose package (is-number, from npm)
# hitc build installed into its bundle (tests/e2e/apps/node-deps), on top of the
# generic checks of run.sh (which also run it with `hitc invoke` beside the deployed
# one, the package laid out the same way).  Sourced by run.sh with BASE=node-deps,
# DEV, PROD, OUT, WORK and the helpers of lib.sh and triggers.sh (http_get).

APP_TABLES=0    # one function and its route: no table for check_tables to look at

app_deployed() {
    local zip got
    zip=$(jq -r '.bundles[] | select(.source == "src") | .file' \
        "$OUT/manifest.json" 2> /dev/null | head -1)
    got=$(unzip -Z1 "$OUT/${zip:-none}" 2>&1 | grep -E '^(index\.js|node_modules/is-number/index\.js|package\.json)$' | sort | paste -sd' ')
    expect_eq "node-deps: the bundle holds the handler and node_modules/is-number, which hitc build installed (npm ci)" \
        "index.js node_modules/is-number/index.js package.json" "$got"
    DEV_URL=$(output "$DEV" Url)
    got="$(http_get "${DEV_URL}is-number/42" | cut -d' ' -f2- | jq -c '[.value, .isNumber, .label]' 2>&1)"
    got="$got $(http_get "${DEV_URL}is-number/forty-two" | cut -d' ' -f2- | jq -c '[.value, .isNumber]' 2>&1)"
    expect_eq "node-deps: the deployed function runs is-number from its bundle: 42 is a number, forty-two is not" \
        '["42",true,"is-number"] ["forty-two",false]' "$got"
}

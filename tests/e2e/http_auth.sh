# tests/e2e/http_auth.sh: an HTTP API's JWT authorizer, deployed and called (sourced by
# run.sh after triggers.sh, whose http_req it uses; the part `http-auth`).
#
#   tests/e2e/http-auth/app.hit   routes guarded by `authorizer users { jwt issuer ... }`
#   tests/e2e/issuer.py           the issuer: its keys (openssl), its discovery document
#                                 and key set on 127.0.0.1, the tokens it signs
#
# The harness runs the authorizer as API Gateway does (providers_apigwv2_auth.py): it
# reads the issuer's keys through its discovery document and checks each token.

# auth_call METHOD PATH [TOKEN]: a request to the deployed stage; sets HTTP_CODE, HTTP_BODY
auth_call() {
    local token=${3:-}
    if [ -n "$token" ]; then
        http_req "$1" "$AUTH_URL${2#/}" -H "Authorization: Bearer $token"
    else
        http_req "$1" "$AUTH_URL${2#/}"
    fi
}

# auth_token KEY CLAIMS: a token the issuer signs with KEY (k1: in its key set; k2: not)
auth_token() { python3 "$E2E/issuer.py" token "$AUTH_KEYS/$1.pem" "$1" "$2"; }

http_auth_e2e() {
    echo "== JWT authorizers (tests/e2e/http-auth)"
    local dir=$E2E/http-auth out=$WORK/http-auth/out stack=http-auth-e2e BASE=http-auth
    local issuer_pid port issuer good i
    AUTH_KEYS=$WORK/http-auth/keys
    mkdir -p "$AUTH_KEYS"
    build "$dir" "$out" || return
    upload "$out" "$PREFIX"
    python3 "$E2E/issuer.py" keys "$AUTH_KEYS" || { fail "http-auth: openssl makes the issuer's keys"; return; }
    python3 "$E2E/issuer.py" serve "$AUTH_KEYS" "$AUTH_KEYS/port" 2> "$WORK/http-auth/issuer.log" &
    issuer_pid=$!
    for i in $(seq 1 100); do [ -s "$AUTH_KEYS/port" ] && break; sleep 0.1; done
    port=$(cat "$AUTH_KEYS/port" 2> /dev/null)
    issuer="http://127.0.0.1:$port/pool-1"
    step "issuer $issuer (pid $issuer_pid)"
    deploy "$stack" "$out/template.json" Stage=e2e "CodeBucket=$BUCKET" "Issuer=$issuer"
    created "$stack" "http-auth: the app deploys (an HTTP API with a JWT authorizer)" || { kill "$issuer_pid"; return; }
    AUTH_URL=$(output "$stack" Url)
    expect_eq "http-auth: the authorizer as made (aws apigatewayv2 get-authorizer)" \
        "[\"users\",\"JWT\",[\"\$request.header.Authorization\"],\"$issuer\",[\"notes-web\",\"notes-cli\"]]" \
        "$(aws apigatewayv2 get-authorizer --api-id "$(physical "$stack" Api)" \
               --authorizer-id "$(physical "$stack" ApiUsersAuthorizer)" --output json |
           jq -c '[.Name, .AuthorizerType, .IdentitySource, .JwtConfiguration.Issuer, .JwtConfiguration.Audience]')"

    good=$(auth_token k1 "{\"iss\": \"$issuer\", \"aud\": \"notes-web\", \"sub\": \"ana\", \"exp\": \"+3600\"}")
    auth_call GET /me
    expect_eq "http-auth: GET /me without a token is 401 Unauthorized, from API Gateway (the function is not called)" \
        '401 {"message":"Unauthorized"}' "$HTTP_CODE $HTTP_BODY"
    auth_call GET /me "$good"
    expect_eq "http-auth: GET /me with a token the issuer signed is 200; the function sees its subject" \
        '200 {"sub": "ana", "scopes": null, "route": "GET /me"}' "$HTTP_CODE $HTTP_BODY"
    local bad got=""
    for bad in "$(auth_token k2 "{\"iss\": \"$issuer\", \"aud\": \"notes-web\", \"sub\": \"ana\", \"exp\": \"+3600\"}")" \
               "$(auth_token k1 "{\"iss\": \"$issuer\", \"aud\": \"someone-else\", \"sub\": \"ana\", \"exp\": \"+3600\"}")" \
               "$(auth_token k1 "{\"iss\": \"http://127.0.0.1:$port/pool-2\", \"aud\": \"notes-web\", \"sub\": \"ana\", \"exp\": \"+3600\"}")" \
               "$(auth_token k1 "{\"iss\": \"$issuer\", \"aud\": \"notes-web\", \"sub\": \"ana\", \"exp\": \"-10\"}")" \
               "${good%.*}.$(auth_token k1 '{"sub": "eve"}' | cut -d. -f3)" \
               "not-a-token"; do
        auth_call GET /me "$bad"
        got+="$HTTP_CODE "
    done
    expect_eq "http-auth: 401 for a token signed by another key, for another audience, from another issuer, expired, with a signature of other claims, or no JWT" \
        "401 401 401 401 401 401 " "$got"
    auth_call GET /me "$(auth_token k1 "{\"iss\": \"$issuer\", \"client_id\": \"notes-cli\", \"sub\": \"cli\", \"exp\": \"+60\"}")"
    expect_eq "http-auth: an access token whose client_id is an audience passes" "200" "$HTTP_CODE"

    auth_call DELETE /notes/7 "$good"
    expect_eq "http-auth: DELETE /notes/7 with a valid token but neither scope is 403 Forbidden" \
        '403 {"message":"Forbidden"}' "$HTTP_CODE $HTTP_BODY"
    auth_call DELETE /notes/7 "$(auth_token k1 "{\"iss\": \"$issuer\", \"aud\": \"notes-web\", \"sub\": \"bo\", \"exp\": \"+60\", \"scope\": \"openid notes/owner\"}")"
    expect_eq "http-auth: with one of its two scopes it passes, and the function sees the route's scopes" \
        '200 {"sub": "bo", "scopes": ["notes/admin", "notes/owner"], "route": "DELETE /notes/{id}"}' "$HTTP_CODE $HTTP_BODY"
    auth_call GET /health
    expect_eq "http-auth: GET /health (auth none) needs no token" '200 {"sub": "anyone", "route": "GET /health"}' "$HTTP_CODE $HTTP_BODY"
    auth_call GET /internal "$good"
    expect_eq "http-auth: GET /internal (auth iam) without a SigV4 signature is 403" "403" "$HTTP_CODE"
    http_req GET "${AUTH_URL}me" -H "Origin: https://notes.example.com"
    expect_eq "http-auth: the 401 carries the CORS origin, so a browser can read it" \
        "401 access-control-allow-origin: https://notes.example.com" \
        "$HTTP_CODE $(grep -i '^access-control-allow-origin' <<< "$HTTP_HEADERS")"
    expect_eq "http-auth: the harness read the issuer's discovery document, then its key set" \
        "GET /pool-1/.well-known/openid-configuration|GET /keys.json" \
        "$(grep -o 'GET [^ ]*' "$WORK/http-auth/issuer.log" | head -2 | paste -sd'|')"
    kill "$issuer_pid"
    wait "$issuer_pid" 2> /dev/null
    delete_stack "$stack"
    expect_eq "http-auth: the stack deletes" "0 GONE" "$DELETE_RC $DELETE_STATUS"
}

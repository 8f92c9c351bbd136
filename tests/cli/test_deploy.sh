#!/usr/bin/env bash
# tests/cli/test_deploy.sh: `hitc deploy`, `outputs` and `destroy` where no
# cloud is needed: every param without a value named before any AWS call,
# the AWS CLI missing, the printed recipe, usage.  An `aws` of the test's
# own on PATH records every call it gets (tests/e2e deploys for real).
. "$(dirname "$0")/lib.sh"
hitc() { timeout 300 $WRAP "$HITC" "$@"; }      # none of these may hang

# fake_aws: an `aws` that logs its arguments to $WORK/aws.log and answers {}.
fake_aws() {
    mkdir -p "$WORK/bin"
    cat > "$WORK/bin/aws" <<'SH'
#!/bin/sh
echo "$*" >> "$AWS_LOG"
echo '{}'
SH
    chmod +x "$WORK/bin/aws"
    export PATH="$WORK/bin:$PATH" AWS_LOG="$WORK/aws.log" XDG_CACHE_HOME="$WORK/cache"
    : > "$WORK/aws.log"
}

every_missing_param_is_named_before_any_call() {
    fake_aws
    cp -r "$ROOT/examples/ddns" app
    expect 1 hitc deploy app/app.hit --stage dev --bucket b 2> err.txt
    grep -q "^app/app.hit:5:1: error: param 'zone-id' (ZoneId) has no value and no default$" err.txt || { cat err.txt; return 1; }
    grep -q "^app/app.hit:6:1: error: param 'domain' (Domain) has no value and no default$" err.txt || { cat err.txt; return 1; }
    grep -q "note: give it one: hitc deploy ... --parameter zone-id=VALUE (a stack deployed with one keeps it)" err.txt || { cat err.txt; return 1; }
    # the one call: a read of the stack, for values it may keep (there is none)
    [ "$(cat "$WORK/aws.log")" = "cloudformation describe-stacks --stack-name ddns-dev --output json --region us-east-1" ] \
        || { echo "aws was called:"; cat "$WORK/aws.log"; return 1; }
    : > "$WORK/aws.log"
    # one given (by its template name), one still missing
    expect 1 hitc deploy app/app.hit --bucket b --parameter ZoneId=Z1 2> err.txt
    not grep -q "zone-id" err.txt
    grep -q "param 'domain' (Domain) has no value" err.txt
    not grep -v "^cloudformation describe-stacks " "$WORK/aws.log"
}

# A deployed stack's values stay: a param given no value on a later deploy
# keeps the stack's (UsePreviousValue), said so; one the stack lacks is
# still E0802.  The plain recipe leaves it out (aws cloudformation deploy
# keeps it too).
deployed_values_are_kept() {
    fake_aws
    cp -r "$ROOT/examples/ddns" app
    cat > "$WORK/bin/aws" <<'SH'
#!/bin/sh
echo "$*" >> "$AWS_LOG"
case "$1 $2" in
"cloudformation describe-stacks") echo '{"Stacks": [{"StackStatus": "UPDATE_COMPLETE", "Parameters": [{"ParameterKey": "ZoneId", "ParameterValue": "Z1"}]}]}' ;;
*) echo '{}' ;;
esac
SH
    expect 1 hitc deploy app/app.hit --bucket b 2> err.txt > out.txt
    grep -q "^param 'zone-id' (ZoneId) keeps its deployed value$" out.txt || { cat out.txt err.txt; return 1; }
    not grep -q "zone-id" err.txt
    grep -q "param 'domain' (Domain) has no value and no default" err.txt || { cat err.txt; return 1; }
    not grep -q "create-change-set" "$WORK/aws.log"
    : > "$WORK/aws.log"
    expect 0 hitc deploy app/app.hit --bucket b --parameter domain=example.com --print-commands > cmds.sh
    grep -q " --parameter-overrides Stage=dev CodePrefix=hitc/ Domain=example.com CodeBucket=b --capabilities " cmds.sh || { cat cmds.sh; return 1; }
    # the change set asks for the deployed value (the fake refuses it; what was asked is logged)
    expect 2 hitc deploy app/app.hit --bucket b --parameter domain=example.com --yes > out.txt 2> err.txt
    grep "create-change-set" "$WORK/aws.log" | grep -q '{"ParameterKey":"ZoneId","UsePreviousValue":true}' || { cat "$WORK/aws.log"; return 1; }
    grep "create-change-set" "$WORK/aws.log" | grep -q '{"ParameterKey":"Domain","ParameterValue":"example.com"}' || { cat "$WORK/aws.log"; return 1; }
}

unknown_parameter_and_bad_options_are_usage_errors() {
    fake_aws
    cp -r "$ROOT/examples/hits" app
    expect 2 hitc deploy app/app.hit --bucket b --parameter nope=1 2> err.txt
    grep -q "the app has no param 'nope'" err.txt || { cat err.txt; return 1; }
    expect 2 hitc deploy app/app.hit --bucket b --parameter stage=prod 2> err.txt
    grep -q "hitc sets Stage; use --stage" err.txt || { cat err.txt; return 1; }
    expect 2 hitc deploy app/app.hit --parameter CodeBucket=x 2> err.txt
    grep -q "hitc sets CodeBucket; use --bucket" err.txt
    expect 2 hitc deploy app/app.hit --bucket b --parameter novalue 2> err.txt
    grep -q "NAME=VALUE" err.txt
    expect 2 hitc deploy app/app.hit --stage Prod 2> err.txt
    grep -q "stage 'Prod' is not a stage name" err.txt
    expect 2 hitc deploy app/app.hit --bucket b --prefix nos 2> err.txt
    grep -q "must end in '/'" err.txt
    expect 2 hitc outputs app/app.hit --format yaml 2> err.txt
    grep -q "unknown format 'yaml'" err.txt
    expect 2 hitc destroy 2> err.txt
    grep -q "needs a .hit file" err.txt
    [ ! -s "$WORK/aws.log" ]
}

missing_aws_cli_says_how_to_install() {
    cp -r "$ROOT/examples/hits" app
    mkdir empty
    expect 2 timeout 300 env PATH="$WORK/empty" XDG_CACHE_HOME="$WORK/cache" "$HITC" deploy app/app.hit --bucket b 2> err.txt
    grep -q "cannot run 'aws', the AWS CLI, .*: it is not on PATH.  Install it (version 1 or 2): https://docs.aws.amazon.com/cli/" err.txt || { cat err.txt; return 1; }
}

print_commands_names_every_parameter() {
    fake_aws
    cp -r "$ROOT/examples/ddns" app
    hitc deploy app/app.hit --stage prod --bucket my-b --parameter zone-id=Z9 \
        --parameter domain=example.com --print-commands --region eu-west-1 > cmds.sh
    local dir="$WORK/cache/hitc/deploy/eu-west-1/ddns-prod"
    [ -f "$dir/template.json" ]
    [ "$(sed -n 1p cmds.sh)" = "aws s3 sync $dir/bundles s3://my-b/hitc/ --region eu-west-1" ] || { cat cmds.sh; return 1; }
    [ "$(sed -n 2p cmds.sh)" = "aws cloudformation deploy --template-file $dir/template.json --stack-name ddns-prod --parameter-overrides Stage=prod CodePrefix=hitc/ Domain=example.com ZoneId=Z9 CodeBucket=my-b --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM --region eu-west-1" ] || { cat cmds.sh; return 1; }
    [ "$(sed -n 3p cmds.sh)" = "aws cloudformation describe-stacks --stack-name ddns-prod --query 'Stacks[0].Outputs' --region eu-west-1" ] || { cat cmds.sh; return 1; }
    [ "$(wc -l < cmds.sh)" -eq 3 ]
    [ ! -s "$WORK/aws.log" ]
}

usage_tells_of_the_commands() {
    hitc --help > help.txt
    grep -q "hitc deploy FILE \[--stage STAGE\]" help.txt
    grep -q "hitc destroy FILE" help.txt
    hitc deploy --help > d.txt
    grep -q -- "--allow-replace NAME" d.txt
    grep -q -- "--print-commands" d.txt
    hitc destroy --help | grep -q -- "--yes"
    hitc outputs --help | grep -q -- "--format text|json"
}

# crossing_app DIR N: N functions, each behind GET /fN/{name}, over a REST API
# (70 are one stack, 72 a root and nested stacks).
crossing_app() {
    mkdir -p "$1/src"
    echo 'def handler(e, c): return {"statusCode": 200}' > "$1/src/index.py"
    python3 - "$1/app.hit" "$2" <<'PY'
import sys
out = ['app grow "past the threshold"', ""]
for i in range(1, int(sys.argv[2]) + 1):
    out += [f"function f{i} {{", "  runtime python3.12", "  handler index.handler",
            '  code "src"', "}", f"route GET /f{i}/{{name}} -> f{i}", ""]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
}

# An app deployed at 70 functions (get-template answers its one template) and
# grown to 72: --plan prints the crossing, the routes that move and that none
# answers 404 (REST), and step 1's plan (the API parts removed), made from the
# deployed template without them, through S3; nothing is executed.
crossing_plan_names_the_steps_and_routes() {
    crossing_app small 70
    hitc build -q small/app.hit -o small/out
    [ "$(jq '.stacks | length' small/out/manifest.json)" = 0 ] || { echo "70 functions split"; return 1; }
    crossing_app app 72
    mkdir -p "$WORK/bin"
    jq '{TemplateBody: .}' small/out/template.json > "$WORK/deployed.json"
    cat > "$WORK/bin/aws" <<'SH'
#!/bin/sh
echo "$*" >> "$AWS_LOG"
case "$1 $2" in
"cloudformation describe-stacks") echo '{"Stacks": [{"StackStatus": "UPDATE_COMPLETE"}]}' ;;
"cloudformation get-template") cat "$DEPLOYED" ;;
"cloudformation create-change-set") echo '{"Id": "arn:cs/1"}' ;;
"cloudformation describe-change-set") echo '{"Status": "CREATE_COMPLETE", "Changes": []}' ;;
*) echo '{}' ;;
esac
SH
    chmod +x "$WORK/bin/aws"
    export PATH="$WORK/bin:$PATH" AWS_LOG="$WORK/aws.log" XDG_CACHE_HOME="$WORK/cache" \
        DEPLOYED="$WORK/deployed.json"
    : > "$WORK/aws.log"
    expect 0 hitc deploy app/app.hit --stage dev --bucket b --plan > out.txt 2> err.txt
    grep -q "^crossing: .* into 36 nested stacks, and with them 210 API parts" out.txt || { cat out.txt err.txt; return 1; }
    grep -q "^no route answers 404: .* these 70 routes keep answering throughout:$" out.txt
    [ "$(grep -cE '^    GET /f[0-9]+/\{name\}$' out.txt)" = 70 ]
    grep -q "^plan for stack grow-dev, step 1 of 2, 211 changes:$" out.txt
    [ "$(grep -c '^  remove    ApiF[0-9]*\(NameParam\)\{0,1\}\(Resource\|GetMethod\) ' out.txt)" = 210 ]
    grep -q "^step 2's plan is made once step 1 is deployed$" out.txt
    # step 1's template: through S3 (it is past 51,200 bytes), the deployed one less 210
    grep -q "^cloudformation create-change-set .*--template-url https://b.s3.us-east-1.amazonaws.com/hitc/templates/crossing-[0-9a-f]*.json" "$WORK/aws.log"
    local step1
    step1=$(ls "$WORK"/cache/hitc/deploy/*/grow-dev.crossing.json)
    [ "$(jq '.Resources | length' "$step1")" = $(( $(jq '.Resources | length' small/out/template.json) - 210 )) ]
    hitc lint --strict "$step1"
    not grep -q "execute-change-set" "$WORK/aws.log"
}

CASES=(every_missing_param_is_named_before_any_call deployed_values_are_kept
       unknown_parameter_and_bad_options_are_usage_errors
       missing_aws_cli_says_how_to_install print_commands_names_every_parameter
       usage_tells_of_the_commands crossing_plan_names_the_steps_and_routes)
for c in "${CASES[@]}"; do
    t_clean
    t "$c"
done
end

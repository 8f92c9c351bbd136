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
    grep -q "note: give it one: hitc deploy ... --parameter zone-id=VALUE" err.txt || { cat err.txt; return 1; }
    [ ! -s "$WORK/aws.log" ] || { echo "aws was called:"; cat "$WORK/aws.log"; return 1; }
    # one given (by its template name), one still missing
    expect 1 hitc deploy app/app.hit --bucket b --parameter ZoneId=Z1 2> err.txt
    not grep -q "zone-id" err.txt
    grep -q "param 'domain' (Domain) has no value" err.txt
    [ ! -s "$WORK/aws.log" ]
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

CASES=(every_missing_param_is_named_before_any_call
       unknown_parameter_and_bad_options_are_usage_errors
       missing_aws_cli_says_how_to_install print_commands_names_every_parameter
       usage_tells_of_the_commands)
for c in "${CASES[@]}"; do
    t_clean
    t "$c"
done
end

# tests/e2e/function_ops.sh: how functions run (tracing, architecture, ephemeral storage,
# layers, VPC, reserved concurrency), deployed and read back through the Lambda API
# (sourced by run.sh; the part `function-ops`).
#
#   tests/e2e/function-ops/app.hit   the app's defaults (arm64, active tracing), a greeter
#                                    with a layer, a VPC, 1 GB of /tmp and a reserved
#                                    concurrency of 5, and a plain function
#
# The layer (python/greeting.py), the VPC's two subnets and the security group are
# made with the aws CLI first and given as parameters.  The harness sets on each
# function what the template says and refuses what Lambda refuses (function_settings.py).

# fn_config FUNCTION QUERY: one value of get-function-configuration, as JSON.
fn_config() {
    aws lambda get-function-configuration --function-name "$1" --query "$2" --output json | jq -c .
}

function_ops_e2e() {
    echo "== how functions run (tests/e2e/function-ops)"
    local dir=$E2E/function-ops out=$WORK/function-ops/out stack=function-ops-e2e BASE=function-ops
    local scratch layer vpc subnet_a subnet_b group greeter plain got
    build "$dir" "$out" || return
    upload "$out" "$PREFIX"
    scratch=$WORK/function-ops/layer
    mkdir -p "$scratch/python"
    printf 'def greet(name):\n    return "hello " + name + ", from the layer"\n' > "$scratch/python/greeting.py"
    (cd "$scratch" && python3 -m zipfile -c ../layer.zip python)
    layer=$(aws lambda publish-layer-version --layer-name hitc-e2e-greeting --zip-file "fileb://$WORK/function-ops/layer.zip" \
        --compatible-runtimes python3.12 --query LayerVersionArn --output text)
    vpc=$(aws ec2 create-vpc --cidr-block 10.77.0.0/16 --query Vpc.VpcId --output text)
    subnet_a=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.77.1.0/24 --query Subnet.SubnetId --output text)
    subnet_b=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.77.2.0/24 --query Subnet.SubnetId --output text)
    group=$(aws ec2 create-security-group --vpc-id "$vpc" --group-name hitc-e2e-functions \
        --description "the functions" --query GroupId --output text)
    step "layer $layer; vpc $vpc, subnets $subnet_a $subnet_b, group $group"

    # A subnet that does not exist: Lambda refuses the function and the stack rolls back.
    deploy "$stack-badnet" "$out/template.json" Stage=e2e "CodeBucket=$BUCKET" "GreetingLayer=$layer" \
        "SubnetA=$subnet_a" "SubnetB=subnet-0000000000000dead" "FunctionsGroup=$group"
    got=$(failure_events "$stack-badnet" | grep -o "The subnet ID 'subnet-0000000000000dead' does not exist" | head -1)
    expect_eq "function-ops: a vpc subnet that does not exist fails the greeter as Lambda does, and the stack rolls back" \
        "ROLLBACK_COMPLETE|The subnet ID 'subnet-0000000000000dead' does not exist" "$DEPLOY_STATUS|$got"
    delete_stack "$stack-badnet" > /dev/null

    deploy "$stack" "$out/template.json" Stage=e2e "CodeBucket=$BUCKET" "GreetingLayer=$layer" \
        "SubnetA=$subnet_a" "SubnetB=$subnet_b" "FunctionsGroup=$group"
    created "$stack" "function-ops: the app deploys (layer, VPC, concurrency, tracing, arch, storage)" || return
    greeter=$(output "$stack" Greeter) plain=$(output "$stack" Plain)

    expect_eq "function-ops: greeter: tracing Active and arm64 (the defaults), 1024 MB of /tmp, 256 MB of memory" \
        '["Active",["arm64"],1024,256]' "$(fn_config "$greeter" '[TracingConfig.Mode, Architectures, EphemeralStorage.Size, MemorySize]')"
    expect_eq "function-ops: greeter: the layer's version ARN (the parameter's value)" \
        "[\"$layer\"]" "$(fn_config "$greeter" 'Layers[].Arn')"
    expect_eq "function-ops: greeter: in the VPC, its two subnets and the security group (parameters)" \
        "[[\"$subnet_a\",\"$subnet_b\"],[\"$group\"],\"$vpc\"]" \
        "$(fn_config "$greeter" '[VpcConfig.SubnetIds, VpcConfig.SecurityGroupIds, VpcConfig.VpcId]')"
    expect_eq "function-ops: greeter: reserved concurrency 5 (get-function-concurrency)" \
        5 "$(aws lambda get-function-concurrency --function-name "$greeter" --query ReservedConcurrentExecutions --output text)"
    expect_eq "function-ops: plain: its own x86_64 and PassThrough over the defaults; no layer, no VPC, 512 MB of /tmp" \
        '["PassThrough",["x86_64"],512,0,null]' \
        "$(fn_config "$plain" '[TracingConfig.Mode, Architectures, EphemeralStorage.Size, length(Layers || `[]`), VpcConfig.SubnetIds]')"
    expect_eq "function-ops: plain: no reserved concurrency" \
        None "$(aws lambda get-function-concurrency --function-name "$plain" --query ReservedConcurrentExecutions --output text)"
    expect_eq "function-ops: the greeter's role has AWS's AWSLambdaVPCAccessExecutionRole attached (the harness checked it allows the network interfaces); plain's none" \
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole|" \
        "$(aws iam list-attached-role-policies --role-name "$(physical "$stack" GreeterFunctionRole)" --query 'AttachedPolicies[].PolicyArn' --output text)|$(aws iam list-attached-role-policies --role-name "$(physical "$stack" PlainFunctionRole)" --query 'AttachedPolicies[].PolicyArn' --output text)"
    expect_eq "function-ops: both log groups keep 7 days (the app's defaults)" "7|7" \
        "$(aws logs describe-log-groups --log-group-name-prefix "/aws/lambda/$stack-greeter" --query 'logGroups[0].retentionInDays' --output text)|$(aws logs describe-log-groups --log-group-name-prefix "/aws/lambda/$stack-plain" --query 'logGroups[0].retentionInDays' --output text)"

    local answer=$WORK/function-ops/answer.json
    aws lambda invoke --function-name "$greeter" --payload '{"name":"ada"}' "$answer" > /dev/null
    expect_eq "function-ops: greeter runs with its layer on the import path (the layer's words)" \
        '{"greeting":"hello ada, from the layer"}' "$(jq -c . "$answer")"
    aws lambda invoke --function-name "$plain" --payload '{}' "$answer" > /dev/null
    expect_eq "function-ops: plain runs without it" '{"layer":false}' "$(jq -c . "$answer")"

    delete_stack "$stack"
    expect_eq "function-ops: the stack deletes" "0 GONE" "$DELETE_RC $DELETE_STATUS"
    aws ec2 delete-security-group --group-id "$group"
    aws ec2 delete-subnet --subnet-id "$subnet_a"
    aws ec2 delete-subnet --subnet-id "$subnet_b"
    aws ec2 delete-vpc --vpc-id "$vpc"
}

"""Write one app four times: as app.hit, as the equivalent SAM template
(sam.json), as a CDK app in plain JavaScript (app.js, for `cdk synth --app
"node app.js"`) and as a Serverless Framework v3 service (serverless.yml):
N counters, each a table, a function whose env names its table and which may
read and write it, and a GET route.  N = 1 is the hit counter itself.  All four
share the handler code in src/.  Where the four differ: bench/README.md.

usage: python3 bench/gen.py N DIR
"""
import json
import os
import sys


def hit(n):
    lines = [f'app bench{n} "{n} counters"', ""]
    for i in range(n):
        s = "" if n == 1 else str(i)
        lines += [f"table counters{s} {{", "  key name: string", "}", "",
                  f"function counter{s} {{", "  runtime python3.12", "  handler index.handler",
                  '  code "src"', f"  env {{ table = counters{s}.name }}", "}", "",
                  f"route GET /{'' if n == 1 else f'c{i}/'}{{name}} -> counter{s}", ""]
    lines.append("output url = api.url")
    return "\n".join(lines) + "\n"


def sam(n):
    resources = {"Api": {"Type": "AWS::Serverless::Api",
                         "Properties": {"StageName": {"Ref": "Stage"}}}}
    for i in range(n):
        s = "" if n == 1 else str(i)
        table = f"Counters{s}"
        resources[table] = {
            "Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {"AttributeDefinitions": [{"AttributeName": "name", "AttributeType": "S"}],
                           "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                           "BillingMode": "PAY_PER_REQUEST"}}
        resources[f"Counter{s}"] = {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Runtime": "python3.12", "Handler": "index.handler",
                "CodeUri": {"Bucket": {"Ref": "CodeBucket"}, "Key": "hitc/code.zip"},
                "Environment": {"Variables": {"table": {"Ref": table}}},
                "Policies": [{"DynamoDBCrudPolicy": {"TableName": {"Ref": table}}}],
                "Events": {"Get": {"Type": "Api", "Properties": {
                    "Path": f"/{'' if n == 1 else f'c{i}/'}{{name}}", "Method": "GET",
                    "RestApiId": {"Ref": "Api"}}}}}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"},
                       "CodeBucket": {"Type": "String"}},
        "Resources": resources,
        "Outputs": {"Url": {"Value": {"Fn::Sub":
            "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/"}}}}


def route(n, i):
    return f"{'' if n == 1 else f'c{i}/'}{{name}}"


def cdk(n):
    """A CDK app in plain JavaScript: no TypeScript compile step.  Run as a
    script it synthesizes (what `cdk synth --app "node app.js"` starts);
    required, it exports synth() for bench/cdk_synth.js."""
    body = []
    for i in range(n):
        s = "" if n == 1 else str(i)
        body += [
            f"  const t{i} = new dynamodb.Table(stack, 'Counters{s}', {{",
            "    partitionKey: { name: 'name', type: dynamodb.AttributeType.STRING },",
            "    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,",
            "    removalPolicy: cdk.RemovalPolicy.RETAIN });",
            f"  const f{i} = new lambda.Function(stack, 'Counter{s}', {{",
            "    runtime: lambda.Runtime.PYTHON_3_12, handler: 'index.handler',",
            "    code: lambda.Code.fromAsset(path.join(__dirname, 'src')),",
            f"    environment: {{ table: t{i}.tableName }} }});",
            f"  t{i}.grantReadWriteData(f{i});",
            f"  api.root.resourceForPath('{route(n, i)}')"
            f".addMethod('GET', new apigateway.LambdaIntegration(f{i}));",
        ]
    return "\n".join([
        "// Written by bench/gen.py: the CDK side of the benchmark.",
        "const path = require('path');",
        "const cdk = require('aws-cdk-lib');",
        "const dynamodb = require('aws-cdk-lib/aws-dynamodb');",
        "const lambda = require('aws-cdk-lib/aws-lambda');",
        "const apigateway = require('aws-cdk-lib/aws-apigateway');",
        "",
        "function synth(outdir) {",
        "  const app = new cdk.App(outdir ? { outdir } : {});",
        f"  const stack = new cdk.Stack(app, 'Bench{n}');",
        f"  const api = new apigateway.RestApi(stack, 'Api', {{ restApiName: 'bench{n}',",
        "    deployOptions: { stageName: 'dev' } });",
        *body,
        "  new cdk.CfnOutput(stack, 'url', { value: api.url });",
        "  return app.synth();",
        "}",
        "",
        "module.exports = { synth };",
        "if (require.main === module) synth();",
        ""])


def serverless(n):
    """A Serverless Framework v3 service: provider aws, one function per
    counter with an http (REST API) event, the tables as raw CloudFormation
    in resources.  v3 gives all functions one role; its statements name each
    table."""
    lines = [f"service: bench{n}", "frameworkVersion: '3'", "",
             "provider:", "  name: aws", "  runtime: python3.12", "  region: us-east-1",
             "  stage: dev", "  iam:", "    role:", "      statements:"]
    actions = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
               "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
               "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"]
    for i in range(n):
        s = "" if n == 1 else str(i)
        lines += ["        - Effect: Allow", f"          Action: [{', '.join(actions)}]",
                  "          Resource:",
                  f"            - !GetAtt Counters{s}.Arn",
                  f"            - !Sub '${{Counters{s}.Arn}}/index/*'"]
    lines += ["", "package:", "  patterns: ['!**', 'src/**']", "", "functions:"]
    for i in range(n):
        s = "" if n == 1 else str(i)
        lines += [f"  counter{s}:", "    handler: src/index.handler",
                  f"    environment: {{ table: !Ref Counters{s} }}",
                  "    events:", f"      - http: {{ path: '{route(n, i)}', method: get }}"]
    lines += ["", "resources:", "  Resources:"]
    for i in range(n):
        s = "" if n == 1 else str(i)
        lines += [f"    Counters{s}:", "      Type: AWS::DynamoDB::Table",
                  "      DeletionPolicy: Retain", "      UpdateReplacePolicy: Retain",
                  "      Properties:", "        BillingMode: PAY_PER_REQUEST",
                  "        AttributeDefinitions: [{ AttributeName: name, AttributeType: S }]",
                  "        KeySchema: [{ AttributeName: name, KeyType: HASH }]"]
    return "\n".join(lines) + "\n"


def main(n, directory):
    os.makedirs(os.path.join(directory, "src"), exist_ok=True)
    with open(os.path.join(directory, "src", "index.py"), "w") as f:
        f.write("def handler(event, context):\n    return {'statusCode': 200, 'body': '1'}\n")
    with open(os.path.join(directory, "app.hit"), "w") as f:
        f.write(hit(n))
    with open(os.path.join(directory, "sam.json"), "w") as f:
        json.dump(sam(n), f, indent=1)
    with open(os.path.join(directory, "app.js"), "w") as f:
        f.write(cdk(n))
    with open(os.path.join(directory, "serverless.yml"), "w") as f:
        f.write(serverless(n))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])

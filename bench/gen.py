"""Write one app twice, as app.hit and as the equivalent SAM template (sam.json):
N counters, each a table, a function whose env names its table, and a route.
N = 1 is the hit counter itself.

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


def main(n, directory):
    os.makedirs(os.path.join(directory, "src"), exist_ok=True)
    with open(os.path.join(directory, "src", "index.py"), "w") as f:
        f.write("def handler(event, context):\n    return {'statusCode': 200, 'body': '1'}\n")
    with open(os.path.join(directory, "app.hit"), "w") as f:
        f.write(hit(n))
    with open(os.path.join(directory, "sam.json"), "w") as f:
        json.dump(sam(n), f, indent=1)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])

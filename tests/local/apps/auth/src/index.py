"""The handlers of tests/local/apps/auth: a function behind the routes that
answers what it got, and the Lambda authorizers that guard them.

echo:   200 with {"event"} as JSON (its requestContext.authorizer is what
        the authorizer passed on).
token:  a TOKEN authorizer: "allow-NAME" allows this method for principal
        NAME, with a context; "deny" denies it; "elsewhere" allows another
        ARN only; "broken" answers no policy; anything else raises
        "Unauthorized".
keys:   a REQUEST authorizer: the header X-Key must be "sesame".
"""
import json


def echo(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"event": event})}


def policy(principal, effect, resource, context=None):
    answer = {"principalId": principal,
              "policyDocument": {"Version": "2012-10-17", "Statement": [
                  {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}}
    if context:
        answer["context"] = context
    return answer


def token(event, context):
    t = event["authorizationToken"]
    arn = event["methodArn"]
    if t.startswith("allow-"):
        return policy(t[6:], "Allow", arn, {"role": "reader", "level": 3, "ok": True})
    if t == "deny":
        return policy("someone", "Deny", arn)
    if t == "elsewhere":
        return policy("someone", "Allow", arn.rsplit("/", 2)[0] + "/GET/other")
    if t == "broken":
        return {"principalId": "x"}
    raise Exception("Unauthorized")


def keys(event, context):
    if event["type"] == "REQUEST" and event["headers"].get("X-Key") == "sesame":
        region_account_api = event["methodArn"].split("/")[0]
        return policy("key-holder", "Allow", region_account_api + "/*", {"path": event["path"]})
    raise Exception("Unauthorized")

"""Who called: the subject and scopes of the JWT that API Gateway checked (the
payload 2.0 event's requestContext.authorizer.jwt), or "anyone" on an open route."""
import json


def handler(event, context):
    jwt = (event.get("requestContext", {}).get("authorizer") or {}).get("jwt")
    who = {"sub": jwt["claims"].get("sub"), "scopes": jwt["scopes"]} if jwt else {"sub": "anyone"}
    who["route"] = event.get("routeKey")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(who)}

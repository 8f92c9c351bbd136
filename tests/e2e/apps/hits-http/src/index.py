"""The hit counter behind an HTTP API: GET /{name} answers how often /{name} was
requested.

In:  an API Gateway HTTP API event (payload format 2.0: "version" "2.0",
     requestContext.http.method, pathParameters) for the route "GET /{name}".
Out: 200 {"name": NAME, "hits": N, "url": the API's base URL (api.url, from .env)},
     400 {"error": ...} when the event is not payload 2.0 or has no name, and
     405 {"error": ...} for a method other than GET.
The count lives in the stage's DynamoDB table, whose name the stamper wrote into
.env under 'table'; one atomic ADD per request, so concurrent requests never lose
a hit.  CORS headers come from the API (its CorsConfiguration), not from here.
"""
import json

import boto3

import hitc_env

_table = None
_env = None


def env():
    """The stage's .env, read once per container."""
    global _env
    if _env is None:
        _env = hitc_env.load()
    return _env


def table():
    """The stage's table, made once per container (boto3 honours AWS_ENDPOINT_URL)."""
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(env()["table"])
    return _table


def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body)}


def handler(event, context):
    if event.get("version") != "2.0":
        return reply(400, {"error": "expected an HTTP API event, payload format 2.0"})
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method")
    if method != "GET":
        return reply(405, {"error": f"method {method} not allowed: GET /{{name}}"})
    name = (event.get("pathParameters") or {}).get("name")
    if not name:
        return reply(400, {"error": "missing path parameter 'name': request /{name}"})
    result = table().update_item(
        Key={"name": name},
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW")
    return reply(200, {"name": name, "hits": int(result["Attributes"]["hits"]), "url": env()["url"]})

"""The hit counter: GET /{name} answers how often /{name} was requested.

In:  an API Gateway proxy event (payload 1.0) whose pathParameters hold 'name'.
Out: 200 {"name": NAME, "hits": N}, or 400 {"error": ...} when there is no name.
The count lives in the stage's DynamoDB table, whose name the stamper wrote into
.env under the key 'table'; one atomic ADD per request, so concurrent requests
never lose a hit.
"""
import json

import boto3

import hitc_env

_table = None


def table():
    """The stage's table, made once per container (boto3 honours AWS_ENDPOINT_URL)."""
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(hitc_env.load()["table"])
    return _table


def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body), "isBase64Encoded": False}


def handler(event, context):
    name = (event.get("pathParameters") or {}).get("name")
    if not name:
        return reply(400, {"error": "missing path parameter 'name': request /{name}"})
    result = table().update_item(
        Key={"name": name},
        UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW")
    return reply(200, {"name": name, "hits": int(result["Attributes"]["hits"])})

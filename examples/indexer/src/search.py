"""GET /search/{word}: which notes hold the word.

In:  an API Gateway proxy event (payload 1.0) whose pathParameters hold 'word'.
Out: 200 {"word": W, "notes": [ID, ...]} (sorted; the word is looked up as the
     indexer stores it, in lower case), or 400 {"error": ...} when there is no
     single word in the path.
"""
import json

import boto3
from boto3.dynamodb.conditions import Key

import hitc_env
from words import words

_table = None


def table():
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(hitc_env.load()["words"])
    return _table


def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body), "isBase64Encoded": False}


def handler(event, context):
    asked = words((event.get("pathParameters") or {}).get("word"))
    if len(asked) != 1:
        return reply(400, {"error": "ask for one word of letters and digits: /search/WORD"})
    word = asked.pop()
    notes, start = [], {}
    while True:
        page = table().query(KeyConditionExpression=Key("word").eq(word), **start)
        notes += [item["id"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    return reply(200, {"word": word, "notes": sorted(notes)})

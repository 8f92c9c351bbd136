"""The seeded hit counter.

GET /NAME  counts one more hit for NAME: 200 {"name": NAME, "hits": N}; a name
           the seed plugin wrote starts from its starting count, not from 0.
GET /      what the seeding did, as the stamper wrote it into .env at deploy
           time: 200 {"table": ..., "seeded": COUNT, "written": WRITTEN}.
.env keys: table (the counters table), seeded and written (the seed
resource's outputs count and written).
"""
import json

import boto3

import hitc_env

ENV = None
_counters = None


def env():
    global ENV
    if ENV is None:
        ENV = hitc_env.load()
    return ENV


def counters():
    global _counters
    if _counters is None:
        _counters = boto3.resource("dynamodb").Table(env()["table"])
    return _counters


def answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body), "isBase64Encoded": False}


def seeding():
    values = env()
    return {"table": values["table"], "seeded": int(values["seeded"]),
            "written": int(values["written"])}


def count(name):
    item = counters().update_item(Key={"name": name}, UpdateExpression="ADD hits :n",
                                  ExpressionAttributeValues={":n": 1},
                                  ReturnValues="UPDATED_NEW")["Attributes"]
    return {"name": name, "hits": int(item["hits"])}


def handler(event, context):
    name = (event.get("pathParameters") or {}).get("name")
    return answer(200, count(name) if name else seeding())

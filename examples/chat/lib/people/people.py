"""Who is around in the survivor chat.

PUT /people/{name}   200 {"name", "seen"}: NAME checked in now.  API Gateway
                     asks the gatekeeper first (a REQUEST authorizer): the
                     Authorization header must be "Bearer NAME.CODE" with the
                     path's NAME, CODE = invitation(key, NAME).
GET /people          200 {"people": [{"name", "seen"}, ... by name]}: everyone
                     who checked in during the last five minutes.

One item per person in the stage's presence table (its name is the 'people'
key of the .env the stamper writes): 'name', 'seen' (ISO 8601 UTC) and
'expires' (epoch seconds, the table's TTL attribute).  DynamoDB deletes
expired items only eventually, so listing filters them out itself.  Checking
in only puts items and listing only scans: each function's role grants just
that.  Every answer carries 'Access-Control-Allow-Origin: *'.
"""
import datetime
import hashlib
import hmac
import json
import re
import time

import boto3
from boto3.dynamodb.conditions import Attr

import hitc_env

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
AROUND = 300        # seconds a check-in counts

_table = None


def table():
    """The stage's presence table, made once per container."""
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(hitc_env.load()["people"])
    return _table


def reply(status, body):
    return {"statusCode": status,
            "headers": {"Content-Type": "application/json",
                        "Access-Control-Allow-Origin": "*"},
            "body": json.dumps(body), "isBase64Encoded": False}


def clock():
    """Now, in epoch seconds (a function of its own for tests)."""
    return time.time()


def checkin(event, context):
    name = (event.get("pathParameters") or {}).get("name") or ""
    if not NAME.match(name):
        return reply(400, {"error": "a name is 1 to 64 letters, digits, '.', '_' or '-'"})
    t = clock()
    seen = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    table().put_item(Item={"name": name, "seen": seen, "expires": int(t) + AROUND})
    return reply(200, {"name": name, "seen": seen})


def who(event, context):
    now = int(clock())
    people, start = [], None
    while True:
        args = {"FilterExpression": Attr("expires").gt(now)}
        if start:
            args["ExclusiveStartKey"] = start
        result = table().scan(**args)
        people += [{"name": item["name"], "seen": item["seen"]} for item in result["Items"]]
        start = result.get("LastEvaluatedKey")
        if not start:
            break
    return reply(200, {"people": sorted(people, key=lambda p: p["name"])})


def invitation(key, name):
    """The code that lets NAME check in: 16 hex digits of HMAC-SHA256(key, NAME)."""
    return hmac.new(key.encode(), name.encode(), hashlib.sha256).hexdigest()[:16]


def gatekeeper(event, context):
    """The survivors authorizer: Allow this very request when the token is
    NAME.CODE for the path's NAME; no token or a forged one is Unauthorized."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    header = headers.get("authorization") or ""
    token = header[7:] if header.startswith("Bearer ") else ""
    name, _, code = token.rpartition(".")
    path_name = (event.get("pathParameters") or {}).get("name")
    key = hitc_env.load()["invite_key"]
    if not name or name != path_name or not hmac.compare_digest(code, invitation(key, name)):
        raise Exception("Unauthorized")
    return {"principalId": name,
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow",
                 "Resource": event["methodArn"]}]},
            "context": {"survivor": name}}

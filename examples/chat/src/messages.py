"""The survivor chat's messages: post to a channel, read a channel back.

POST /messages/{channel}   body {"name": NAME, "text": TEXT}
    201 {"channel", "sent", "id", "name", "text"}: the message as stored.
GET /messages/{channel}?after=SENT&limit=N
    200 {"channel", "messages": [...oldest first], "last": SENT or null}: the
    messages sent after SENT (all when there is no 'after'), at most N (1 to
    100, default 50); 'last' is what to pass as 'after' next time.

Each message is one item of the stage's messages table (its name is the
'messages' key of the .env the stamper writes): key 'channel', sort key
'sent', which is the time it was sent (ISO 8601 UTC with milliseconds) then
'#' and the message's id, so that a channel's messages sort by time and two
in the same millisecond are both kept.  The poster only puts items and the
reader only queries: each function's role grants just that.

Every answer is JSON with 'Access-Control-Allow-Origin: *', as the API's
'cors "*"' promises browsers; a bad request is a 400 {"error": ...}.
"""
import base64
import datetime
import json
import re
import uuid

import boto3
from boto3.dynamodb.conditions import Key

import hitc_env

CHANNEL = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[0-9a-f]{32}$")
MAX_NAME = 64
MAX_TEXT = 2000
DEFAULT_LIMIT = 50
MAX_LIMIT = 100

_table = None


def table():
    """The stage's messages table, made once per container."""
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(hitc_env.load()["messages"])
    return _table


def reply(status, body):
    return {"statusCode": status,
            "headers": {"Content-Type": "application/json",
                        "Access-Control-Allow-Origin": "*"},
            "body": json.dumps(body), "isBase64Encoded": False}


def now():
    """The time, as the sort key spells it (a function of its own for tests)."""
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def channel_of(event):
    channel = (event.get("pathParameters") or {}).get("channel") or ""
    return channel if CHANNEL.match(channel) else None


def body_of(event):
    body = event.get("body")
    if body is None:
        return None
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def post(event, context):
    channel = channel_of(event)
    if channel is None:
        return reply(400, {"error": "a channel is 1 to 64 letters, digits, '_' or '-'"})
    body = body_of(event)
    if body is None:
        return reply(400, {"error": 'the body must be a JSON object: {"name": ..., "text": ...}'})
    name, text = body.get("name"), body.get("text")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        return reply(400, {"error": f"'name' must be a string of 1 to {MAX_NAME} characters"})
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return reply(400, {"error": f"'text' must be a string of 1 to {MAX_TEXT} characters"})
    message_id = uuid.uuid4().hex
    item = {"channel": channel, "sent": f"{now()}#{message_id}", "id": message_id,
            "name": name, "text": text}
    # A new item only: the id makes the key unique, the condition makes sure.
    table().put_item(Item=item, ConditionExpression="attribute_not_exists(sent)")
    return reply(201, item)


def read(event, context):
    channel = channel_of(event)
    if channel is None:
        return reply(400, {"error": "a channel is 1 to 64 letters, digits, '_' or '-'"})
    query = event.get("queryStringParameters") or {}
    after = query.get("after")
    if after is not None and not SENT.match(after):
        return reply(400, {"error": "'after' must be the 'sent' of a message"})
    limit = query.get("limit", str(DEFAULT_LIMIT))
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        return reply(400, {"error": f"'limit' must be a number from 1 to {MAX_LIMIT}"})
    condition = Key("channel").eq(channel)
    if after is not None:
        condition = condition & Key("sent").gt(after)
    result = table().query(KeyConditionExpression=condition, ScanIndexForward=True,
                           Limit=int(limit))
    messages = [{k: item[k] for k in ("sent", "id", "name", "text")}
                for item in result["Items"]]
    return reply(200, {"channel": channel, "messages": messages,
                       "last": messages[-1]["sent"] if messages else after})

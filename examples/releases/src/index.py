"""The release status page: GET / answers which release this stage runs.

Out: 200 {"release": ID, "number": N, "notice": KEY, "text": TEXT}: the release
     and notice resources' outputs, as the stamper wrote them into .env at
     deploy time, and the notice's text read from the board table (404 with
     the key when the notice is not there).
.env keys: release, number (the release resource's id and number), notice (the
notice resource's key), board (the board table).  The role may only read the
board (`allow board read`).
"""
import json

import boto3

import hitc_env


def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body), "isBase64Encoded": False}


def handler(event, context):
    env = hitc_env.load()
    page = {"release": env["release"], "number": int(env["number"]), "notice": env["notice"]}
    item = boto3.resource("dynamodb").Table(env["board"]).get_item(
        Key={"id": env["notice"]}).get("Item")
    if item is None:
        return reply(404, {**page, "error": f"the notice {env['notice']!r} is not on the board"})
    return reply(200, {**page, "text": item["text"]})

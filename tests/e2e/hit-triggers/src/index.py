"""Records every event it is given: {"pk": KIND#UUID, "kind": KIND, "event": JSON}
in the table whose name is in .env under 'seen'.  KIND is schedule, event, sns,
sqs or dynamodb, read from the event's shape.  A queue message whose body is
"fail" fails the batch (so it stays on the queue)."""
import json
import uuid

import boto3

import hitc_env


def kind_of(event):
    if "detail-type" in event:
        return "schedule" if event.get("detail-type") == "Scheduled Event" else "event"
    record = (event.get("Records") or [{}])[0]
    return {"aws:sns": "sns", "aws:sqs": "sqs", "aws:dynamodb": "dynamodb"}.get(
        record.get("EventSource") or record.get("eventSource"), "unknown")


def handler(event, context):
    kind = kind_of(event)
    boto3.client("dynamodb").put_item(TableName=hitc_env.load()["seen"], Item={
        "pk": {"S": kind + "#" + uuid.uuid4().hex}, "kind": {"S": kind},
        "event": {"S": json.dumps(event)}})
    if kind == "sqs" and any(r["body"] == "fail" for r in event["Records"]):
        raise RuntimeError("told to fail")
    return {"ok": True}

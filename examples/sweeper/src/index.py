"""The nightly sweep: deletes the sessions whose time is up.

In:  the scheduled event of the app's EventBridge rule ("source": "aws.events",
     "detail-type": "Scheduled Event", "time": ISO 8601 UTC).  The sweep's "now"
     is the event's time, so a late or repeated delivery deletes what had expired
     when the rule fired, and nothing newer.
Out: every item of the sessions table whose 'expires' (seconds since 1970) is at
     or before that time is deleted (only if it still has that 'expires': a
     session renewed meanwhile stays).  Returns {"now": T, "deleted": N, "kept": M}.
     A session whose 'expires' is not a number is left alone, and once every other
     session is swept the sweep fails naming them (ValueError): Lambda tries the
     night once more, then sends its event to the app's failure queue.
The table's name is in .env under 'sessions' (stamped by hitc).
"""
import datetime
import decimal

import boto3
from boto3.dynamodb.conditions import Attr

import hitc_env

_table = None


def table():
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(hitc_env.load()["sessions"])
    return _table


def event_time(event):
    """Seconds since 1970 of the event's 'time' ("2026-11-30T03:00:00Z")."""
    when = datetime.datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
    return int(when.replace(tzinfo=datetime.timezone.utc).timestamp())


def is_number(value):
    """DynamoDB numbers come back as Decimal; anything else (a string) is no time."""
    return isinstance(value, (int, decimal.Decimal)) and not isinstance(value, bool)


def handler(event, context):
    now = event_time(event)
    deleted = kept = 0
    unreadable = []
    start = {}
    while True:
        page = table().scan(**start)
        for item in page["Items"]:
            expires = item.get("expires")
            if expires is not None and not is_number(expires):
                unreadable.append(item["id"])
                continue
            if expires is None or int(expires) > now:
                kept += 1
                continue
            try:
                table().delete_item(Key={"id": item["id"]},
                                    ConditionExpression=Attr("expires").eq(expires))
                deleted += 1
            except table().meta.client.exceptions.ConditionalCheckFailedException:
                kept += 1       # renewed since the scan
        if "LastEvaluatedKey" not in page:
            break
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    if unreadable:
        raise ValueError(f"swept {deleted}, but cannot read 'expires' of the sessions "
                         f"{', '.join(sorted(unreadable))}: it must be a number (seconds since 1970)")
    return {"now": now, "deleted": deleted, "kept": kept}

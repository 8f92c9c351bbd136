"""The release plugin's service: the next number of a series, per release.

In:  the plugin kit's inputs (app.hit's `plugin release`): table (the numbers
     table), series (both `replace` inputs: another series is another resource),
     notes (what the release is).
Out: number, the release's number in its series (1, 2, ...); id, SERIES-rNUMBER.
Create and every Update (the notes changed: a new release) take the next number
with one atomic ADD on the numbers table, so two stacks of one series never get
the same number.  Delete keeps the series' counter: a number is never given
twice, even after the resource is gone.  The role may only write to the
numbers table (`allow numbers write`).
"""
import re

import boto3

from hitc_plugin import Failure, serve

SERIES_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}\Z")


def take_number(inputs):
    series = inputs["series"]
    if not SERIES_RE.match(series):
        raise Failure(f"series {series!r} must be lowercase letters, digits and '-' "
                      "(at most 63, starting with a letter or digit)")
    numbers = boto3.resource("dynamodb").Table(inputs["table"])
    item = numbers.update_item(Key={"series": series}, UpdateExpression="ADD latest :one",
                               ExpressionAttributeValues={":one": 1},
                               ReturnValues="UPDATED_NEW")["Attributes"]
    number = int(item["latest"])
    return {"number": number, "id": f"{series}-r{number}"}


def create(inputs):
    return take_number(inputs)


def update(inputs, old_inputs):
    return take_number(inputs)


def delete(inputs):
    return None


handler = serve(create=create, update=update, delete=delete)

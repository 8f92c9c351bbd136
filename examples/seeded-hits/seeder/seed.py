"""The seed plugin's service: starting counts written into the counters table.

In:  the plugin kit's inputs (app.hit's `plugin seed`): table, the counters
     table's name (a `replace` input: another table is another seeding); names,
     the paths to seed (a list); start, the count each one starts at.
Out: written, how many items this request wrote; count, how many names the
     seeding has (every one of them is in the table once it answers).
A name already in the table is never overwritten, so a redeploy, an update or a
retried Create keeps the hits that were counted since.  Delete leaves the items:
by then they hold real hits, and the table outlives the stack (on-delete retain).
The function's role may only write to the counters table (`allow counters write`).
"""
import boto3
from botocore.exceptions import ClientError

from hitc_plugin import Failure, serve

MAX_NAMES = 100


def names_of(inputs):
    """The names to seed, in order, each once; Failure for a bad list."""
    names = []
    for name in inputs["names"]:
        if not name.strip() or name != name.strip():
            raise Failure(f"name {name!r} is empty or has spaces around it")
        if "/" in name:
            raise Failure(f"name {name!r} holds a '/': seed one path segment, as GET /NAME counts it")
        if name not in names:
            names.append(name)
    if len(names) > MAX_NAMES:
        raise Failure(f"{len(names)} names to seed, over the {MAX_NAMES} this plugin writes in one deployment")
    return names


def start_of(inputs):
    start = inputs["start"]
    if not isinstance(start, int) or start < 0:
        raise Failure(f"start must be a whole number of hits, 0 or more, not {start!r}")
    return start


def seed(inputs):
    """Put each name that is not in the table yet; the outputs."""
    names, start = names_of(inputs), start_of(inputs)
    table = boto3.resource("dynamodb").Table(inputs["table"])
    written = 0
    for name in names:
        try:
            table.put_item(Item={"name": name, "hits": start},
                           ConditionExpression="attribute_not_exists(#n)",
                           ExpressionAttributeNames={"#n": "name"})
            written += 1
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
    return {"written": written, "count": len(names)}


def create(inputs):
    return seed(inputs)


def update(inputs, old_inputs):
    # names or start changed: the new names get seeded, the counted ones stay
    return seed(inputs)


def delete(inputs):
    return None


handler = serve(create=create, update=update, delete=delete)

"""The indexer: keeps the words table in step with the notes table's stream.

In:  a DynamoDB stream event (view NEW_AND_OLD_IMAGES) of the notes table, whose
     items are {"id": S, "text": S}.
Out: for each record, the words the note gained are put into the words table as
     {"word": W, "id": ID}, and the words it lost are deleted; a removed note
     loses all its words.  Returns {"indexed": N, "removed": M}, the items put and
     deleted.  An error fails the batch, and Lambda retries it (the mapping's
     `retries`); putting and deleting the same items again is harmless.
The words table's name is in .env under 'words' (stamped by hitc).
"""
import boto3

import hitc_env
from words import words

_table = None


def table():
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(hitc_env.load()["words"])
    return _table


def text_of(image):
    """The note's text from a stream image ({"text": {"S": ...}}), or None."""
    return ((image or {}).get("text") or {}).get("S")


def handler(event, context):
    put = removed = 0
    with table().batch_writer() as batch:
        for record in event.get("Records", []):
            change = record["dynamodb"]
            note = change["Keys"]["id"]["S"]
            old = words(text_of(change.get("OldImage")))
            new = words(text_of(change.get("NewImage")))
            if record["eventName"] == "REMOVE":
                new = set()
            for word in sorted(new - old):
                batch.put_item(Item={"word": word, "id": note})
                put += 1
            for word in sorted(old - new):
                batch.delete_item(Key={"word": word, "id": note})
                removed += 1
    return {"indexed": put, "removed": removed}

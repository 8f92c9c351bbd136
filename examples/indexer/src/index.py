"""The indexer: keeps the words table in step with the notes table's stream.

In:  a DynamoDB stream event (view NEW_AND_OLD_IMAGES) of the notes table, whose
     items are {"id": S, "text": S}.
Out: for each record, the words the note gained are put into the words table as
     {"word": W, "id": ID}, and the words it lost are deleted; a removed note
     loses all its words.  Returns {"indexed": N, "removed": M}, the items put and
     deleted.  A note the index cannot hold (a word longer than a key may be)
     stops the batch there: the answer names its record in "batchItemFailures"
     (the mapping's `partial-batch`), so Lambda retries from that record on and,
     after the mapping's `retries`, sends it to the unindexed queue (`on-failure`)
     and moves on.  Any other error fails the whole batch, retried the same way;
     putting and deleting the same items again is harmless.
The words table's name is in .env under 'words' (stamped by hitc).
"""
import boto3

import hitc_env
from words import words

MAX_KEY_BYTES = 2048     # DynamoDB's limit on a partition key

_table = None


def table():
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(hitc_env.load()["words"])
    return _table


def text_of(image):
    """The note's text from a stream image ({"text": {"S": ...}}), or None."""
    return ((image or {}).get("text") or {}).get("S")


def changes(record):
    """The words a record's note gained and lost, as (gained, lost) sorted lists.

    A word longer than DynamoDB's partition key may be (2048 bytes) cannot be
    indexed: ValueError, and the record fails."""
    change = record["dynamodb"]
    old = words(text_of(change.get("OldImage")))
    new = words(text_of(change.get("NewImage")))
    if record["eventName"] == "REMOVE":
        new = set()
    long = [w for w in new - old if len(w.encode()) > MAX_KEY_BYTES]
    if long:
        raise ValueError(f"note {change['Keys']['id']['S']}: a word of {len(long[0])} "
                         f"characters is longer than the index's key may be")
    return sorted(new - old), sorted(old - new)


def handler(event, context):
    put = removed = 0
    with table().batch_writer() as batch:
        for record in event.get("Records", []):
            note = record["dynamodb"]["Keys"]["id"]["S"]
            try:
                gained, lost = changes(record)
            except ValueError as err:
                # The mapping's partial-batch: Lambda retries from this record on,
                # and after its retries sends it to the unindexed queue (on-failure).
                print(f"not indexed: {err}")
                return {"batchItemFailures": [
                    {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}],
                    "indexed": put, "removed": removed}
            for word in gained:
                batch.put_item(Item={"word": word, "id": note})
                put += 1
            for word in lost:
                batch.delete_item(Key={"word": word, "id": note})
                removed += 1
    return {"indexed": put, "removed": removed}

"""The notice plugin's service: one notice on the board table per resource.

In:  the plugin kit's inputs (app.hit's `plugin notice`): board (the board
     table's name; `replace`), id (the notice's key: the release it announces,
     another resource's output), text.
Out: key, the item's key (the id); posted, how many times the notice was
     written (1 on Create, one more on each Update).
An Update that changes the id moves the notice: the new item is written first,
then the old one removed, so the board never lacks it.  Delete removes the item
(and succeeds when it is already gone).  The role may only write to the board
table (`allow board write`).
"""
import boto3

from hitc_plugin import Failure, serve

MAX_TEXT = 1000


def board(inputs):
    return boto3.resource("dynamodb").Table(inputs["board"])


def post(inputs, posted):
    if not inputs["id"]:
        raise Failure("id is empty: a notice needs the release it announces")
    if len(inputs["text"]) > MAX_TEXT:
        raise Failure(f"text is {len(inputs['text'])} characters, over {MAX_TEXT}")
    board(inputs).put_item(Item={"id": inputs["id"], "text": inputs["text"], "posted": posted})
    return {"key": inputs["id"], "posted": posted}


def create(inputs):
    return post(inputs, 1)


def update(inputs, old_inputs):
    item = board(inputs).get_item(Key={"id": old_inputs["id"]}).get("Item") or {}
    result = post(inputs, int(item.get("posted", 0)) + 1)
    if old_inputs["id"] != inputs["id"]:
        board(inputs).delete_item(Key={"id": old_inputs["id"]})
    return result


def delete(inputs):
    board(inputs).delete_item(Key={"id": inputs["id"]})


handler = serve(create=create, update=update, delete=delete)

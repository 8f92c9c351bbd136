"""The failer: fails every event it is given (an on-failure destination's test)."""


def handler(event, context):
    raise RuntimeError("the failer fails: " + event.get("detail-type", "?"))

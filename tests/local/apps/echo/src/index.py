"""The handlers of tests/local's apps (rest.hit and http.hit share them).

echo:   200 with {"event", "env" (the .env), "context", "pid"} as JSON.
fail:   raises RuntimeError.
sleepy: sleeps a minute (past any timeout the tests give it).
reply:  answers json.loads(event body) as it is: a proxy response of the
        test's choosing, or something that is not one.
meet:   GET /meet/{n}?room=DIR: leaves a file in DIR, then waits until DIR
        holds n files (n invocations inside at once), and answers its pid.
"""
import base64
import json
import os
import time

import hitc_env

VERSION = 1


def echo(event, context):
    body = {"event": event, "env": hitc_env.load(), "pid": os.getpid(), "version": VERSION,
            "context": {"function_name": context.function_name,
                        "memory_limit_in_mb": context.memory_limit_in_mb,
                        "aws_request_id": context.aws_request_id,
                        "remaining": context.get_remaining_time_in_millis(),
                        "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
                        "cwd": os.getcwd(), "handler": os.environ.get("_HANDLER"),
                        "region": os.environ.get("AWS_REGION"), "tz": os.environ.get("TZ"),
                        "endpoint": os.environ.get("AWS_ENDPOINT_URL")}}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body)}


def fail(event, context):
    raise RuntimeError("the handler fails on purpose")


def sleepy(event, context):
    time.sleep(60)
    return {"statusCode": 200, "body": "woke up"}


def reply(event, context):
    body = event.get("body") or "null"
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


def meet(event, context):
    n = int(event["pathParameters"]["n"])
    room = (event.get("queryStringParameters") or {})["room"]
    open(os.path.join(room, f"{os.getpid()}-{context.aws_request_id}"), "w").close()
    deadline = time.time() + 100
    while len(os.listdir(room)) < n:
        if time.time() > deadline:
            raise TimeoutError(f"only {len(os.listdir(room))} of {n} invocations met")
        time.sleep(0.02)
    return {"statusCode": 200, "body": json.dumps({"pid": os.getpid()})}


def crash(event, context):
    os._exit(3)


def layout(event, context):
    """Every file under the task root (links followed) and the .env's text."""
    root = os.environ["LAMBDA_TASK_ROOT"]
    files = sorted(os.path.relpath(os.path.join(d, f), root)
                   for d, _, names in os.walk(root) for f in names)
    with open(os.path.join(root, ".env")) as f:
        return {"statusCode": 200, "body": json.dumps({"files": files, "env": f.read()})}

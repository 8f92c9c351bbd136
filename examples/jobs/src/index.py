"""Job submissions: GET /submit/{name} logs a job and queues it.

In:  an API Gateway proxy event (payload 1.0) whose pathParameters hold 'name'.
Out: 200 {"id": ID, "name": NAME, "message_id": SQS MESSAGE ID}, or 400
{"error": ...} when there is no name.
The job is written to the stage's DynamoDB table (.env key 'table') and then
sent, as JSON {"id", "name"}, to the stage's SQS queue (.env key 'queue_url'),
which the app's included CloudFormation fragment declares.  The stamper wrote
both values into .env when the stack was deployed.
"""
import json
import uuid

import boto3

import hitc_env

_clients = {}


def client(service):
    """One client per service and container (boto3 honours AWS_ENDPOINT_URL)."""
    if service not in _clients:
        _clients[service] = boto3.client(service)
    return _clients[service]


def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body), "isBase64Encoded": False}


def handler(event, context):
    name = (event.get("pathParameters") or {}).get("name")
    if not name:
        return reply(400, {"error": "missing path parameter 'name': request /submit/{name}"})
    env = hitc_env.load()
    job = {"id": str(uuid.uuid4()), "name": name}
    client("dynamodb").put_item(
        TableName=env["table"],
        Item={"id": {"S": job["id"]}, "name": {"S": name}})
    sent = client("sqs").send_message(QueueUrl=env["queue_url"],
                                      MessageBody=json.dumps(job, sort_keys=True))
    return reply(200, {**job, "message_id": sent["MessageId"]})

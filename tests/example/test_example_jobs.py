"""The job submissions example (examples/jobs/src) against moto's DynamoDB and SQS."""
import json
import os
import unittest

from example_support import ROOT, MotoCase, load

SRC = os.path.join(ROOT, "examples", "jobs", "src")
TABLE = "jobs-dev-SubmissionsTable-1ABC"
example = load("jobs_example_index", os.path.join(SRC, "index.py"), SRC)


def proxy_event(name):
    """An API Gateway REST proxy event (payload 1.0) for GET /submit/{name}."""
    return {"resource": "/submit/{name}", "path": f"/submit/{name}", "httpMethod": "GET",
            "headers": {}, "queryStringParameters": None,
            "pathParameters": None if name is None else {"name": name},
            "requestContext": {"stage": "dev"}, "body": None, "isBase64Encoded": False}


class Submissions(MotoCase):

    def setUp(self):
        super().setUp()
        self.make_table(TABLE, "id")
        import boto3
        self.dynamodb = boto3.client("dynamodb", region_name="us-east-1")   # items as the client shows them
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.queue = self.sqs.create_queue(QueueName="jobs-dev-jobs")["QueueUrl"]
        self.write_env({"queue_url": self.queue, "table": TABLE,
                        "queue_arn": "arn:aws:sqs:us-east-1:123456789012:jobs-dev-jobs",
                        "topic_arn": "arn:aws:sns:us-east-1:123456789012:jobs-dev-alerts"})
        example._clients.clear()                 # a fresh container

    def tearDown(self):
        example._clients.clear()
        super().tearDown()

    def messages(self, queue=None):
        got = self.sqs.receive_message(QueueUrl=queue or self.queue, MaxNumberOfMessages=10)
        return got.get("Messages", [])

    def test_a_submission_is_logged_and_queued(self):
        response = example.handler(proxy_event("alice"), None)
        self.assertEqual(response["statusCode"], 200)
        self.assertEqual(response["headers"]["Content-Type"], "application/json")
        body = json.loads(response["body"])
        self.assertEqual(sorted(body), ["id", "message_id", "name"])
        self.assertEqual(body["name"], "alice")
        messages = self.messages()
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages[0]["MessageId"], body["message_id"])
        self.assertEqual(json.loads(messages[0]["Body"]), {"id": body["id"], "name": "alice"})
        item = self.dynamodb.get_item(TableName=TABLE, Key={"id": {"S": body["id"]}})["Item"]
        self.assertEqual(item, {"id": {"S": body["id"]}, "name": {"S": "alice"}})

    def test_each_submission_has_its_own_id_and_message(self):
        ids = {json.loads(example.handler(proxy_event(n), None)["body"])["id"]
               for n in ("a", "b", "a")}
        self.assertEqual(len(ids), 3)
        self.assertEqual(len(self.messages()), 3)
        self.assertEqual(self.dynamodb.scan(TableName=TABLE)["Count"], 3)

    def test_missing_name_is_a_400_and_nothing_is_sent(self):
        for event in (proxy_event(None), proxy_event(""), {"httpMethod": "GET"}):
            response = example.handler(event, None)
            self.assertEqual(response["statusCode"], 400)
            self.assertIn("name", json.loads(response["body"])["error"])
        self.assertEqual(self.messages(), [])
        self.assertEqual(self.dynamodb.scan(TableName=TABLE)["Count"], 0)

    def test_the_queue_comes_from_dotenv(self):
        other = self.sqs.create_queue(QueueName="jobs-prod-jobs")["QueueUrl"]
        self.write_env({"queue_url": other, "table": TABLE})
        example.handler(proxy_event("bob"), None)
        self.assertEqual(self.messages(), [])
        self.assertEqual(json.loads(self.messages(other)[0]["Body"])["name"], "bob")

    def test_a_failed_send_is_an_error_not_a_200(self):
        self.write_env({"queue_url": self.queue + "-gone", "table": TABLE})
        with self.assertRaises(Exception):
            example.handler(proxy_event("carol"), None)


class Files(unittest.TestCase):

    def test_the_example_carries_no_copy_of_the_reader(self):
        # hitc adds it to each stamped bundle (docs/env-format.md)
        self.assertFalse(os.path.exists(os.path.join(SRC, "hitc_env.py")))


if __name__ == "__main__":
    unittest.main()

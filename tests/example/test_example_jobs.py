"""The job submissions example (examples/jobs/src) against moto's DynamoDB and SQS."""
import importlib.util
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "examples", "jobs", "src")
READER = os.path.join(ROOT, "runtime-support", "python", "hitc_env.py")
STAMPER = os.path.join(ROOT, "runtime-support", "stamper", "index.py")
# hitc adds runtime-support/python/hitc_env.py to every stamped bundle; here
# the code finds it on the path, after its own directory.
sys.path.append(os.path.join(ROOT, "runtime-support", "python"))
TABLE = "jobs-dev-SubmissionsTable-1ABC"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_example():
    """examples/jobs/src/index.py as Lambda would import it: with src on the path."""
    sys.path.insert(0, SRC)
    try:
        sys.modules.pop("hitc_env", None)
        return load("jobs_example_index", os.path.join(SRC, "index.py"))
    finally:
        sys.path.remove(SRC)


example = load_example()
stamper = load("jobs_example_stamper", STAMPER)


def proxy_event(name):
    """An API Gateway REST proxy event (payload 1.0) for GET /submit/{name}."""
    return {"resource": "/submit/{name}", "path": f"/submit/{name}", "httpMethod": "GET",
            "headers": {}, "queryStringParameters": None,
            "pathParameters": None if name is None else {"name": name},
            "requestContext": {"stage": "dev"}, "body": None, "isBase64Encoded": False}


class Submissions(unittest.TestCase):

    def setUp(self):
        from moto import mock_aws
        self.saved_env = dict(os.environ)
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_DYNAMODB",
                     "AWS_PROFILE"):
            os.environ.pop(name, None)
        self.task_root = tempfile.TemporaryDirectory()
        os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                           "AWS_REGION": "us-east-1", "LAMBDA_TASK_ROOT": self.task_root.name})
        self.mock = mock_aws()
        self.mock.start()
        import boto3
        self.dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.dynamodb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        self.queue = self.sqs.create_queue(QueueName="jobs-dev-jobs")["QueueUrl"]
        self.write_env({"queue_url": self.queue, "table": TABLE,
                        "queue_arn": "arn:aws:sqs:us-east-1:123456789012:jobs-dev-jobs",
                        "topic_arn": "arn:aws:sns:us-east-1:123456789012:jobs-dev-alerts"})
        example._clients.clear()                 # a fresh container

    def tearDown(self):
        example._clients.clear()
        self.mock.stop()
        self.task_root.cleanup()
        os.environ.clear()
        os.environ.update(self.saved_env)

    def write_env(self, env):
        """The .env as the stamper writes it, in the task root."""
        with open(os.path.join(self.task_root.name, ".env"), "w", encoding="utf-8") as f:
            f.write(stamper.format_env(env))

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

"""The hit counter behind an HTTP API (tests/e2e/apps/hits-http/src) against moto's
DynamoDB, with payload 2.0 events as API Gateway HTTP APIs send them."""
import importlib.util
import json
import os
import sys
import tempfile
import unittest
from decimal import Decimal

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "tests", "e2e", "apps", "hits-http", "src")
READER = os.path.join(ROOT, "runtime-support", "python", "hitc_env.py")
STAMPER = os.path.join(ROOT, "runtime-support", "stamper", "index.py")
# hitc adds runtime-support/python/hitc_env.py to every stamped bundle; here
# the code finds it on the path, after its own directory.
sys.path.append(os.path.join(ROOT, "runtime-support", "python"))
TABLE = "hits-http-dev-CountersTable-1ABC"
URL = "https://a1b2c3.execute-api.us-east-1.amazonaws.com/dev/"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_app():
    """src/index.py as Lambda would import it: with src on the path."""
    sys.path.insert(0, SRC)
    try:
        sys.modules.pop("hitc_env", None)
        return load("hits_http_index", os.path.join(SRC, "index.py"))
    finally:
        sys.path.remove(SRC)


app = load_app()
stamper = load("hits_http_stamper", STAMPER)


def event_v2(name, method="GET"):
    """An HTTP API event (payload 2.0) for METHOD /{name} on the route GET /{name}."""
    event = {"version": "2.0", "routeKey": "GET /{name}", "rawPath": f"/dev/{name}",
             "rawQueryString": "", "headers": {"accept": "*/*"},
             "requestContext": {"apiId": "a1b2c3", "stage": "dev", "routeKey": "GET /{name}",
                                "http": {"method": method, "path": f"/dev/{name}",
                                         "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                         "userAgent": "curl"}},
             "isBase64Encoded": False}
    if name is not None:
        event["pathParameters"] = {"name": name}
    return event


class HitCounterHttp(unittest.TestCase):

    def setUp(self):
        from moto import mock_aws
        self.saved_env = dict(os.environ)
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
            os.environ.pop(name, None)
        self.task_root = tempfile.TemporaryDirectory()
        os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                           "AWS_REGION": "us-east-1", "LAMBDA_TASK_ROOT": self.task_root.name})
        self.mock = mock_aws()
        self.mock.start()
        import boto3
        self.dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        self.dynamodb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}])
        with open(os.path.join(self.task_root.name, ".env"), "w", encoding="utf-8") as f:
            f.write(stamper.format_env({"table": TABLE, "url": URL}))
        app._table = app._env = None             # a fresh container

    def tearDown(self):
        app._table = app._env = None
        self.mock.stop()
        self.task_root.cleanup()
        os.environ.clear()
        os.environ.update(self.saved_env)

    def call(self, event):
        response = app.handler(event, None)
        return response["statusCode"], json.loads(response["body"]), response

    def test_counts_per_name_and_tells_its_own_url(self):
        for name, expected in (("alice", 1), ("alice", 2), ("bob", 1)):
            status, body, response = self.call(event_v2(name))
            self.assertEqual((status, body), (200, {"name": name, "hits": expected, "url": URL}))
            self.assertEqual(response["headers"]["Content-Type"], "application/json")
        item = self.dynamodb.Table(TABLE).get_item(Key={"name": "alice"})["Item"]
        self.assertEqual(item, {"name": "alice", "hits": Decimal(2)})

    def test_a_payload_1_event_is_refused(self):
        status, body, _ = self.call({"httpMethod": "GET", "path": "/alice",
                                     "pathParameters": {"name": "alice"}})
        self.assertEqual(status, 400)
        self.assertIn("payload format 2.0", body["error"])
        self.assertNotIn("Item", self.dynamodb.Table(TABLE).get_item(Key={"name": "alice"}))

    def test_another_method_is_a_405(self):
        status, body, _ = self.call(event_v2("alice", "POST"))
        self.assertEqual(status, 405)
        self.assertIn("POST", body["error"])

    def test_missing_name_is_a_400(self):
        status, body, _ = self.call(event_v2(None))
        self.assertEqual(status, 400)
        self.assertIn("/{name}", body["error"])

    def test_it_carries_no_copy_of_the_reader(self):
        # hitc adds it to each stamped bundle (docs/env-format.md)
        self.assertFalse(os.path.exists(os.path.join(SRC, "hitc_env.py")))


if __name__ == "__main__":
    unittest.main()

"""The hit counter behind an HTTP API (tests/e2e/apps/hits-http/src) against moto's
DynamoDB, with payload 2.0 events as API Gateway HTTP APIs send them."""
import json
import os
import unittest
from decimal import Decimal

from example_support import ROOT, MotoCase, load

SRC = os.path.join(ROOT, "tests", "e2e", "apps", "hits-http", "src")
TABLE = "hits-http-dev-CountersTable-1ABC"
URL = "https://a1b2c3.execute-api.us-east-1.amazonaws.com/dev/"
app = load("hits_http_index", os.path.join(SRC, "index.py"), SRC)


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


class HitCounterHttp(MotoCase):

    def setUp(self):
        super().setUp()
        self.make_table(TABLE)
        self.write_env({"table": TABLE, "url": URL})
        app._table = app._env = None             # a fresh container

    def tearDown(self):
        app._table = app._env = None
        super().tearDown()

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

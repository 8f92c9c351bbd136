"""hitc event: each kind's shape as AWS sends it (the keys, DynamoDB's typed
JSON, SQS's MD5 of the body, an EventBridge event that its pattern matches),
and that the API requests are the ones `hitc serve` sends."""
import hashlib
import json
import os
import re
import unittest

from local_support import EXAMPLES, run_hitc

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def event(*args):
    rc, out, err = run_hitc("event", *args)
    assert rc == 0, err
    return json.loads(out)


def matches(pattern, value):
    """EventBridge's matching, for the forms the examples use: lists of
    literals, prefix, anything-but, numeric ranges, exists, nested objects."""
    for key, want in pattern.items():
        if isinstance(want, dict):
            if not isinstance(value.get(key), dict) or not matches(want, value[key]):
                return False
            continue
        got = value.get(key, None)
        values = got if isinstance(got, list) else [got]
        ok = False
        for m in want:
            for v in values:
                if not isinstance(m, dict):
                    ok |= v == m
                elif "prefix" in m:
                    ok |= isinstance(v, str) and v.startswith(m["prefix"])
                elif "anything-but" in m:
                    but = m["anything-but"] if isinstance(m["anything-but"], list) else [m["anything-but"]]
                    ok |= v is not None and v not in but
                elif "exists" in m:
                    ok |= (key in value) == m["exists"]
                elif "numeric" in m:
                    ops, good = m["numeric"], isinstance(v, (int, float))
                    for op, n in zip(ops[::2], ops[1::2]):
                        good = good and {"<": v < n, "<=": v <= n, ">": v > n, ">=": v >= n,
                                         "=": v == n}[op]
                    ok |= good
        if not ok:
            return False
    return True


class Events(unittest.TestCase):
    def test_rest_with_a_route(self):
        e = event("rest", "POST", "/users/7/posts?tag=a&tag=b", "--route", "/users/{id}/posts",
                  "--body", '{"x": 1}', "--header", "X-Api-Key: k1")
        self.assertEqual(("/users/{id}/posts", "/users/7/posts", "POST", {"id": "7"}),
                         (e["resource"], e["path"], e["httpMethod"], e["pathParameters"]))
        self.assertEqual(({"tag": "b"}, {"tag": ["a", "b"]}),
                         (e["queryStringParameters"], e["multiValueQueryStringParameters"]))
        self.assertEqual(('{"x": 1}', False, "k1"), (e["body"], e["isBase64Encoded"],
                                                    e["headers"]["X-Api-Key"]))
        self.assertEqual(["k1"], e["multiValueHeaders"]["X-Api-Key"])
        self.assertEqual({"resource", "path", "httpMethod", "headers", "multiValueHeaders",
                          "queryStringParameters", "multiValueQueryStringParameters",
                          "pathParameters", "stageVariables", "requestContext", "body",
                          "isBase64Encoded"}, set(e))
        self.assertRegex(e["requestContext"]["requestId"], UUID)

    def test_http_from_the_apps_routes(self):
        path = os.path.join(os.path.dirname(__file__), "..", "e2e", "apps", "hits-http", "app.hit")
        e = event("http", "get", "/zoe?a=1", "--app", path, "--stage", "prod")
        self.assertEqual(("2.0", "GET /{name}", "/prod/zoe", "a=1", {"name": "zoe"}, {"a": "1"}),
                         (e["version"], e["routeKey"], e["rawPath"], e["rawQueryString"],
                          e["pathParameters"], e["queryStringParameters"]))
        self.assertEqual(("GET", "prod"), (e["requestContext"]["http"]["method"],
                                           e["requestContext"]["stage"]))
        rc, out, err = run_hitc("event", "http", "GET", "/a/b", "--app", path)
        self.assertEqual(2, rc)
        self.assertIn("no route of", err)

    def test_schedule(self):
        e = event("schedule", "--rule", "nightly")
        self.assertEqual(("0", "Scheduled Event", "aws.events", {},
                          ["arn:aws:events:us-east-1:123456789012:rule/nightly"]),
                         (e["version"], e["detail-type"], e["source"], e["detail"], e["resources"]))
        self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertRegex(e["id"], UUID)

    def test_dynamodb_records_in_dynamodbs_json(self):
        item = {"id": "n1", "n": 3, "ok": True, "tags": ["a", 2], "m": {"x": None}}
        e = event("dynamodb", "MODIFY", "--keys", '{"id": "n1"}', "--new", json.dumps(item),
                  "--old", '{"id": "n1"}', "--table", "notes")
        r = e["Records"][0]
        self.assertEqual(("MODIFY", "aws:dynamodb", "1.1"),
                         (r["eventName"], r["eventSource"], r["eventVersion"]))
        d = r["dynamodb"]
        self.assertEqual({"id": {"S": "n1"}}, d["Keys"])
        self.assertEqual({"id": {"S": "n1"}, "n": {"N": "3"}, "ok": {"BOOL": True},
                          "tags": {"L": [{"S": "a"}, {"N": "2"}]}, "m": {"M": {"x": {"NULL": True}}}},
                         d["NewImage"])
        self.assertEqual(({"id": {"S": "n1"}}, "NEW_AND_OLD_IMAGES"), (d["OldImage"], d["StreamViewType"]))
        self.assertRegex(r["eventSourceARN"],
                         r"^arn:aws:dynamodb:us-east-1:123456789012:table/notes/stream/\d{4}-\d\d-\d\dT")
        r = event("dynamodb", "INSERT", "--keys", '{"id": "n2"}', "--new", '{"id": "n2"}')["Records"][0]
        self.assertNotIn("OldImage", r["dynamodb"])
        r = event("dynamodb", "REMOVE", "--keys", '{"id": "n2"}', "--old", '{"id": "n2"}')["Records"][0]
        self.assertNotIn("NewImage", r["dynamodb"])
        rc, out, err = run_hitc("event", "dynamodb", "MODIFY", "--keys", '{"id": "n"}', "--new", "{}")
        self.assertEqual((2, True), (rc, "MODIFY needs the old item: --old JSON" in err), err)

    def test_sqs_batch(self):
        e = event("sqs", "first", '{"n": 2}', "--queue", "jobs")
        self.assertEqual(["first", '{"n": 2}'], [r["body"] for r in e["Records"]])
        for r in e["Records"]:
            self.assertEqual(hashlib.md5(r["body"].encode()).hexdigest(), r["md5OfBody"])
            self.assertEqual(("aws:sqs", "arn:aws:sqs:us-east-1:123456789012:jobs", "1"),
                             (r["eventSource"], r["eventSourceARN"],
                              r["attributes"]["ApproximateReceiveCount"]))
            self.assertRegex(r["messageId"], UUID)
        self.assertNotEqual(e["Records"][0]["messageId"], e["Records"][1]["messageId"])

    def test_sns(self):
        r = event("sns", "hello", "--subject", "greeting", "--topic", "alerts")["Records"][0]
        self.assertEqual(("aws:sns", "1.0"), (r["EventSource"], r["EventVersion"]))
        s = r["Sns"]
        self.assertEqual(("Notification", "arn:aws:sns:us-east-1:123456789012:alerts", "greeting",
                          "hello"), (s["Type"], s["TopicArn"], s["Subject"], s["Message"]))
        self.assertTrue(r["EventSubscriptionArn"].startswith(s["TopicArn"] + ":"))

    def test_eventbridge_matches_its_pattern(self):
        patterns = [
            {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
             "detail": {"state": ["running", "stopped"]}},
            {"source": [{"prefix": "com.shop"}], "detail": {"total": [{"numeric": [">", 100, "<=", 200]}],
                                                            "kind": [{"anything-but": ["test"]}],
                                                            "coupon": [{"exists": True}]}},
            {"detail": {"order": {"status": ["paid"]}}},
        ]
        for p in patterns:
            e = event("eventbridge", json.dumps(p))
            self.assertTrue(matches(p, e), (p, e))
            self.assertEqual({"version", "id", "detail-type", "source", "account", "time", "region",
                              "resources", "detail"}, set(e))
        ddns = open(os.path.join(EXAMPLES, "ddns", "app.hit")).read()
        p = json.loads(re.search(r'on event "(.*)" -> updater', ddns).group(1).encode().decode("unicode_escape"))
        e = event("eventbridge", json.dumps(p), "--detail", '{"instance-id": "i-1", "state": "stopped"}')
        self.assertTrue(matches(p, e), e)
        self.assertEqual({"instance-id": "i-1", "state": "stopped"}, e["detail"])


if __name__ == "__main__":
    unittest.main()

"""The hit counter example (examples/hits/src) against moto's DynamoDB."""
import copy
import json
import os
import threading
import unittest
from decimal import Decimal

from example_support import ROOT, MotoCase, load

SRC = os.path.join(ROOT, "examples", "hits", "src")
TABLE = "hits-dev-CountersTable-1ABC"


example = load("hits_example_index", os.path.join(SRC, "index.py"), SRC)


def proxy_event(name):
    """An API Gateway REST proxy event (payload 1.0) for GET /{name}."""
    return {"resource": "/{name}", "path": f"/{name}", "httpMethod": "GET",
            "headers": {"Accept": "*/*"}, "queryStringParameters": None,
            "pathParameters": None if name is None else {"name": name},
            "stageVariables": None, "requestContext": {"stage": "dev", "httpMethod": "GET"},
            "body": None, "isBase64Encoded": False}


class SerialWrites:
    """Make moto apply each write whole, as DynamoDB does.

    moto's in-process backend runs concurrent requests interleaved, so even a
    single ADD can lose an update there.  DynamoDB applies every write to an item
    atomically and answers with the item as that write left it; this lock gives
    moto that one property and nothing more, so a read-then-write counter still
    loses hits while one UpdateItem ADD does not.  The answer is a copy taken
    under the lock: moto builds its response from the live item after the call
    returns, so on a busy machine a request could otherwise report the count of
    a later one (seen as 9 missing and 10 twice).
    """
    names = ("put_item", "update_item", "delete_item")

    def __enter__(self):
        from moto.dynamodb.models import DynamoDBBackend
        lock, self.saved = threading.Lock(), {}
        for name in self.names:
            real = self.saved[name] = getattr(DynamoDBBackend, name)
            setattr(DynamoDBBackend, name, self.serial(real, lock))
        return self

    @staticmethod
    def serial(real, lock):
        def method(*args, **kwargs):
            with lock:
                return copy.deepcopy(real(*args, **kwargs))
        return method

    def __exit__(self, *exc):
        from moto.dynamodb.models import DynamoDBBackend
        for name, real in self.saved.items():
            setattr(DynamoDBBackend, name, real)


class HitCounter(MotoCase):

    def setUp(self):
        super().setUp()
        self.make_table(TABLE)
        self.write_env({"table": TABLE})
        example._table = None                    # a fresh container

    def tearDown(self):
        example._table = None
        super().tearDown()

    def hit(self, name):
        response = example.handler(proxy_event(name), None)
        return response["statusCode"], json.loads(response["body"]), response

    def item(self, name, table=TABLE):
        return self.dynamodb.Table(table).get_item(Key={"name": name}).get("Item")

    def test_counts_per_name(self):
        for name, expected in (("alice", 1), ("alice", 2), ("alice", 3), ("bob", 1)):
            status, body, response = self.hit(name)
            self.assertEqual(status, 200)
            self.assertEqual(body, {"name": name, "hits": expected})
            self.assertIs(type(body["hits"]), int)
            self.assertEqual(response["headers"]["Content-Type"], "application/json")
        self.assertEqual(self.item("alice"), {"name": "alice", "hits": Decimal(3)})
        self.assertEqual(self.item("bob"), {"name": "bob", "hits": Decimal(1)})

    def test_missing_name_is_a_400_with_a_json_error(self):
        for event in (proxy_event(None), {**proxy_event(None), "pathParameters": {}},
                      proxy_event(""), {"httpMethod": "GET"}):
            response = example.handler(event, None)
            self.assertEqual(response["statusCode"], 400)
            self.assertIn("name", json.loads(response["body"])["error"])
        self.assertEqual(self.dynamodb.Table(TABLE).scan()["Items"], [])

    def test_unusual_names_are_counted_as_they_are(self):
        for name in ("caf\u00e9", "a b", "\U0001F600", "x" * 500):
            self.assertEqual(self.hit(name)[1], {"name": name, "hits": 1})
            self.assertEqual(self.item(name)["hits"], 1)

    def test_the_table_comes_from_dotenv(self):
        self.make_table("hits-prod-CountersTable-9XYZ")
        self.write_env({"table": "hits-prod-CountersTable-9XYZ", "other": "x y"})
        self.hit("alice")
        self.assertIsNone(self.item("alice"))
        self.assertEqual(self.item("alice", "hits-prod-CountersTable-9XYZ")["hits"], 1)

    def test_the_resource_is_made_once_per_container(self):
        import boto3
        made = []
        real = boto3.resource

        def counting(*args, **kwargs):
            made.append(args)
            return real(*args, **kwargs)
        example.boto3.resource = counting
        try:
            for _ in range(3):
                self.hit("alice")
        finally:
            example.boto3.resource = real
        self.assertEqual(made, [("dynamodb",)])

    def test_aws_endpoint_url_is_honoured(self):
        os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566"
        self.assertEqual(example.table().meta.client.meta.endpoint_url, "http://127.0.0.1:4566")

    def test_one_atomic_add_per_request(self):
        calls = []
        client = example.table().meta.client
        client.meta.events.register(
            "provide-client-params.dynamodb.*",
            lambda params, model, **kw: calls.append((model.name, dict(params))))
        self.hit("alice")
        self.hit("alice")
        self.assertEqual([name for name, _ in calls], ["UpdateItem", "UpdateItem"])
        params = calls[0][1]
        self.assertEqual(params["UpdateExpression"], "ADD hits :one")
        self.assertEqual(params["ExpressionAttributeValues"], {":one": 1})
        self.assertEqual(params["Key"], {"name": "alice"})
        self.assertEqual(params["ReturnValues"], "UPDATED_NEW")

    def test_concurrent_hits_give_the_exact_count(self):
        threads, per_thread, seen, errors = 8, 25, [], []
        lock = threading.Lock()
        start = threading.Barrier(threads)

        def worker():
            try:
                start.wait()
                for _ in range(per_thread):
                    status, body, _ = self.hit("carol")
                    with lock:
                        seen.append(body["hits"])
            except Exception as err:              # surfaced below, not lost in the thread
                errors.append(err)
        pool = [threading.Thread(target=worker) for _ in range(threads)]
        with SerialWrites():
            for t in pool:
                t.start()
            for t in pool:
                t.join(900)                       # generous: this is about atomicity, not speed
        self.assertEqual([t for t in pool if t.is_alive()], [], "threads still running after 15 minutes")
        self.assertEqual(errors, [])
        total = threads * per_thread
        self.assertEqual(self.item("carol")["hits"], total)
        # every request saw its own count: no two read the same value
        self.assertEqual(sorted(seen), list(range(1, total + 1)))


class Files(unittest.TestCase):

    def test_the_example_carries_no_copy_of_the_reader(self):
        # hitc adds it to each stamped bundle (docs/env-format.md)
        self.assertFalse(os.path.exists(os.path.join(SRC, "hitc_env.py")))


if __name__ == "__main__":
    unittest.main()

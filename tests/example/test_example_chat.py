"""The survivor chat example (examples/chat): its functions against moto's DynamoDB.

Each function is loaded as Lambda loads it (its code directory first on the path)
and called with API Gateway proxy events (payload 1.0), its table's name in a .env
written as the stamper writes it.  Shown here: messages are kept per channel and
read back oldest first, also two of one millisecond; 'after' and 'limit' page
through a channel; bad channels, bodies, names, texts and queries are 400s that
touch no table; every answer carries the CORS header the API's 'cors "*"'
promises; presence lists who checked in during the last five minutes; and each
function makes only the DynamoDB calls its role grants (the poster PutItem, the
reader Query, check-in PutItem, listing Scan); the gatekeeper lets a survivor
with an invitation check in as themself only.
"""
import json
import os
import re
import unittest

from example_support import READER, ROOT, MotoCase, load

APP = os.path.join(ROOT, "examples", "chat")
SRC = os.path.join(APP, "src")
PEOPLE = os.path.join(APP, "lib", "people")
MESSAGES = "chat-dev-MessagesTable-1ABC"
PRESENCE = "chat-dev-PresenceTable-2DEF"


messages = load("chat_example_messages", os.path.join(SRC, "messages.py"), SRC)
people = load("chat_example_people", os.path.join(PEOPLE, "people.py"), PEOPLE)


def event(method, resource, path, params=None, body=None, query=None):
    return {"resource": resource, "path": path, "httpMethod": method,
            "headers": {"Content-Type": "application/json"}, "queryStringParameters": query,
            "pathParameters": params, "stageVariables": None,
            "requestContext": {"stage": "dev", "httpMethod": method},
            "body": body, "isBase64Encoded": False}


def post_event(channel, body):
    if not isinstance(body, (str, type(None))):
        body = json.dumps(body)
    return event("POST", "/messages/{channel}", f"/messages/{channel}", {"channel": channel}, body)


def read_event(channel, **query):
    return event("GET", "/messages/{channel}", f"/messages/{channel}", {"channel": channel},
                 query=query or None)


class Chat(MotoCase):

    def setUp(self):
        super().setUp()
        self.make_table(MESSAGES, "channel", "sent")
        self.make_table(PRESENCE, "name")
        # Both code directories read one .env here; each reads only its own key.
        self.write_env({"messages": MESSAGES, "people": PRESENCE})
        messages._table = people._table = None      # fresh containers
        self.calls = []

    def tearDown(self):
        messages._table = people._table = None
        super().tearDown()

    def record_calls(self, module):
        client = module.table().meta.client
        client.meta.events.register("provide-client-params.dynamodb.*",
                                    lambda params, model, **kw: self.calls.append(model.name))

    def answer(self, response):
        self.assertEqual(response["headers"]["Content-Type"], "application/json")
        self.assertEqual(response["headers"]["Access-Control-Allow-Origin"], "*")
        return response["statusCode"], json.loads(response["body"])

    def post(self, channel, name, text):
        return self.answer(messages.post(post_event(channel, {"name": name, "text": text}), None))

    def read(self, channel, **query):
        return self.answer(messages.read(read_event(channel, **query), None))

    def test_messages_come_back_oldest_first_per_channel(self):
        for channel, name, text in (("general", "alice", "anyone?"), ("general", "bob", "here"),
                                    ("radio", "carol", "ch 9"), ("general", "alice", "coming")):
            status, body = self.post(channel, name, text)
            self.assertEqual(status, 201, body)
            self.assertEqual((body["channel"], body["name"], body["text"]), (channel, name, text))
            self.assertRegex(body["sent"], messages.SENT)
            self.assertEqual(body["sent"].split("#")[1], body["id"])
        status, body = self.read("general")
        self.assertEqual(status, 200)
        self.assertEqual([(m["name"], m["text"]) for m in body["messages"]],
                         [("alice", "anyone?"), ("bob", "here"), ("alice", "coming")])
        self.assertEqual(body["last"], body["messages"][-1]["sent"])
        self.assertEqual([m["text"] for m in self.read("radio")[1]["messages"]], ["ch 9"])
        self.assertEqual(self.read("empty")[1], {"channel": "empty", "messages": [], "last": None})

    def test_two_messages_of_one_millisecond_are_both_kept_in_order_of_key(self):
        real = messages.now
        messages.now = lambda: "2026-11-30T12:00:00.000Z"
        try:
            a = self.post("general", "alice", "one")[1]
            b = self.post("general", "bob", "two")[1]
        finally:
            messages.now = real
        self.assertNotEqual(a["sent"], b["sent"])
        got = self.read("general")[1]["messages"]
        self.assertEqual(sorted([a["sent"], b["sent"]]), [m["sent"] for m in got])

    def test_after_and_limit_page_through_a_channel(self):
        sent = [self.post("general", "alice", f"m{i}")[1]["sent"] for i in range(5)]
        first = self.read("general", limit="2")[1]
        self.assertEqual([m["text"] for m in first["messages"]], ["m0", "m1"])
        rest = self.read("general", after=first["last"])[1]
        self.assertEqual([m["text"] for m in rest["messages"]], ["m2", "m3", "m4"])
        self.assertEqual(self.read("general", after=sent[-1])[1]["messages"], [])
        self.assertEqual(self.read("general", after=sent[-1])[1]["last"], sent[-1])

    def test_bad_requests_are_400s_that_touch_no_table(self):
        self.record_calls(messages)
        long_name, long_text = "n" * 65, "t" * 2001
        for e in (post_event("bad channel", {"name": "a", "text": "b"}), post_event("", {"name": "a", "text": "b"}),
                  post_event("x" * 65, {"name": "a", "text": "b"}), post_event("general", "not json"),
                  post_event("general", None), post_event("general", [1, 2]),
                  post_event("general", {"text": "b"}), post_event("general", {"name": " ", "text": "b"}),
                  post_event("general", {"name": long_name, "text": "b"}),
                  post_event("general", {"name": "a", "text": ""}),
                  post_event("general", {"name": "a", "text": long_text}),
                  post_event("general", {"name": "a", "text": 5}),
                  {"httpMethod": "POST"}):
            status, body = self.answer(messages.post(e, None))
            self.assertEqual(status, 400, e)
            self.assertIn("error", body)
        for e in (read_event("bad/channel"), read_event("general", after="yesterday"),
                  read_event("general", limit="0"), read_event("general", limit="101"),
                  read_event("general", limit="ten"), {"httpMethod": "GET"}):
            status, body = self.answer(messages.read(e, None))
            self.assertEqual(status, 400, e)
        self.assertEqual(self.calls, [])
        self.assertEqual(self.dynamodb.Table(MESSAGES).scan()["Items"], [])

    def test_a_base64_body_is_read(self):
        import base64
        e = post_event("general", None)
        e["body"] = base64.b64encode(json.dumps({"name": "zoë", "text": "ça va"}).encode()).decode()
        e["isBase64Encoded"] = True
        status, body = self.answer(messages.post(e, None))
        self.assertEqual((status, body["name"], body["text"]), (201, "zoë", "ça va"))

    def test_each_function_makes_only_the_calls_its_role_grants(self):
        self.record_calls(messages)
        self.post("general", "alice", "hi")
        self.read("general")
        self.assertEqual(self.calls, ["PutItem", "Query"])
        self.calls = []
        self.record_calls(people)
        people.checkin(event("PUT", "/people/{name}", "/people/alice", {"name": "alice"}), None)
        people.who(event("GET", "/people", "/people"), None)
        self.assertEqual(self.calls, ["PutItem", "Scan"])

    def test_presence_lists_who_checked_in_in_the_last_five_minutes(self):
        clock = [1_800_000_000.0]
        real = people.clock
        people.clock = lambda: clock[0]
        try:
            for name in ("carol", "alice"):
                status, body = self.answer(people.checkin(
                    event("PUT", "/people/{name}", f"/people/{name}", {"name": name}), None))
                self.assertEqual((status, body["name"]), (200, name))
                self.assertEqual(body["seen"], "2027-01-15T08:00:00Z")
            item = self.dynamodb.Table(PRESENCE).get_item(Key={"name": "alice"})["Item"]
            self.assertEqual(item["expires"], 1_800_000_000 + people.AROUND)
            status, body = self.answer(people.who(event("GET", "/people", "/people"), None))
            self.assertEqual([p["name"] for p in body["people"]], ["alice", "carol"])
            clock[0] += 200
            people.checkin(event("PUT", "/people/{name}", "/people/carol", {"name": "carol"}), None)
            clock[0] += 150          # alice's check-in is 350 s old: gone; carol's 150 s
            self.assertEqual([p["name"] for p in self.answer(people.who(event("GET", "/people", "/people"), None))[1]["people"]],
                             ["carol"])
            for bad in ("", "a b", "x" * 65, None):
                status, _ = self.answer(people.checkin(
                    event("PUT", "/people/{name}", "/people/x", None if bad is None else {"name": bad}), None))
                self.assertEqual(status, 400, bad)
        finally:
            people.clock = real

    def test_the_gatekeeper_lets_a_survivor_check_in_as_themself_only(self):
        self.write_env({"messages": MESSAGES, "people": PRESENCE, "invite_key": "k1"})

        def asked(name, authorization):
            e = event("PUT", "/people/{name}", f"/people/{name}", {"name": name})
            e["headers"]["authorization"] = authorization
            e["methodArn"] = f"arn:aws:execute-api:us-east-1:123456789012:a1/dev/PUT/people/{name}"
            return people.gatekeeper(e, None)

        good = "Bearer alice." + people.invitation("k1", "alice")
        got = asked("alice", good)
        self.assertEqual(("alice", "Allow", "arn:aws:execute-api:us-east-1:123456789012:a1/dev/PUT/people/alice"),
                         (got["principalId"], got["policyDocument"]["Statement"][0]["Effect"],
                          got["policyDocument"]["Statement"][0]["Resource"]))
        for name, auth in (("bob", good), ("alice", "Bearer alice.0000000000000000"),
                           ("alice", "alice." + people.invitation("k1", "alice")), ("alice", ""),
                           ("alice", "Bearer alice." + people.invitation("other-key", "alice"))):
            with self.subTest(name=name, auth=auth):
                with self.assertRaisesRegex(Exception, "^Unauthorized$"):
                    asked(name, auth)

    def test_the_tables_come_from_dotenv(self):
        self.write_env({"messages": "other-table", "people": "other-people"})
        messages._table = people._table = None
        self.assertEqual(messages.table().name, "other-table")
        self.assertEqual(people.table().name, "other-people")

    def test_the_code_directories_carry_no_copy_of_the_reader(self):
        # hitc adds it to each stamped bundle (docs/env-format.md)
        for directory in (SRC, PEOPLE):
            self.assertFalse(os.path.exists(os.path.join(directory, "hitc_env.py")), directory)
        self.assertEqual(messages.hitc_env.__file__, READER)


class App(unittest.TestCase):
    """The .hit files: split with import, each function's grant as narrow as it can be."""

    def test_the_app_imports_its_tables_and_people(self):
        with open(os.path.join(APP, "app.hit"), encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(re.findall(r'^import "([^"]+)"$', text, re.M), ["lib/tables.hit", "lib/people.hit"])

    def test_grants(self):
        text = ""
        for rel in ("app.hit", "lib/people.hit"):
            with open(os.path.join(APP, rel), encoding="utf-8") as f:
                text += f.read()
        grants = dict(re.findall(r"^function (\w+) \{.*?^  allow (\w+ \w+)$", text, re.M | re.S))
        self.assertEqual(grants, {"post": "messages write", "read": "messages read",
                                  "checkin": "presence write", "who": "presence read"})


if __name__ == "__main__":
    unittest.main()

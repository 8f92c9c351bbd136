"""The triggered examples' code against moto: examples/indexer (a stream indexer and
its search route), examples/sweeper (a nightly expiry sweep) and examples/ddns (EC2
state changes to Route 53 records)."""
import json
import os
import unittest

from example_support import ROOT, MotoCase, load


def load_code(app, *modules):
    """examples/APP/src's modules as Lambda imports them: with src on the path,
    and its words.py and index.py, not another app's."""
    src = os.path.join(ROOT, "examples", app, "src")
    fresh, loaded = ("hitc_env", "words", "index"), []
    for m in modules:
        loaded.append(load(f"{app}_{m}", os.path.join(src, m + ".py"), src, fresh))
        fresh = ()
    return loaded


indexer, search = load_code("indexer", "index", "search")
(sweeper,) = load_code("sweeper", "index")
(ddns,) = load_code("ddns", "index")


def record(name, note, old=None, new=None):
    """A DynamoDB stream record (NEW_AND_OLD_IMAGES) of the notes table."""
    change = {"Keys": {"id": {"S": note}}, "SequenceNumber": "1", "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if old is not None:
        change["OldImage"] = {"id": {"S": note}, "text": {"S": old}}
    if new is not None:
        change["NewImage"] = {"id": {"S": note}, "text": {"S": new}}
    return {"eventID": "1", "eventName": name, "eventSource": "aws:dynamodb", "dynamodb": change}


class Moto(MotoCase):
    modules = ()

    def setUp(self):
        super().setUp()
        for m in self.modules:
            m._table = None

    def tearDown(self):
        for m in self.modules:
            m._table = None
        super().tearDown()


class Indexer(Moto):
    modules = (indexer, search)
    WORDS = "indexer-dev-WordsTable-1ABC"

    def setUp(self):
        super().setUp()
        self.make_table(self.WORDS, "word", "id")
        self.write_env({"words": self.WORDS})

    def index(self):
        items = self.dynamodb.Table(self.WORDS).scan()["Items"]
        return sorted((i["word"], i["id"]) for i in items)

    def ask(self, word):
        r = search.handler({"pathParameters": None if word is None else {"word": word}}, None)
        return r["statusCode"], json.loads(r["body"])

    def test_insert_modify_remove_keep_the_index_in_step(self):
        got = indexer.handler({"Records": [
            record("INSERT", "n1", new="Hello, world! Hello again."),
            record("INSERT", "n2", new="The WORLD is round")]}, None)
        self.assertEqual(got, {"indexed": 7, "removed": 0})
        self.assertEqual(self.index(), [("again", "n1"), ("hello", "n1"), ("is", "n2"),
                                        ("round", "n2"), ("the", "n2"), ("world", "n1"),
                                        ("world", "n2")])
        got = indexer.handler({"Records": [
            record("MODIFY", "n1", old="Hello, world! Hello again.", new="goodbye world")]}, None)
        self.assertEqual(got, {"indexed": 1, "removed": 2})
        self.assertEqual(self.ask("World"), (200, {"word": "world", "notes": ["n1", "n2"]}))
        self.assertEqual(self.ask("hello"), (200, {"word": "hello", "notes": []}))
        indexer.handler({"Records": [record("REMOVE", "n2", old="The WORLD is round")]}, None)
        self.assertEqual(self.index(), [("goodbye", "n1"), ("world", "n1")])

    def test_replaying_a_batch_changes_nothing(self):
        batch = {"Records": [record("INSERT", "n1", new="a b"), record("MODIFY", "n1", old="a b", new="b c")]}
        indexer.handler(batch, None)
        first = self.index()
        indexer.handler(batch, None)
        self.assertEqual(self.index(), first)
        self.assertEqual(first, [("b", "n1"), ("c", "n1")])

    def test_a_note_without_text_has_no_words(self):
        r = record("INSERT", "n1")
        r["dynamodb"]["NewImage"] = {"id": {"S": "n1"}, "text": {"N": "5"}}
        self.assertEqual(indexer.handler({"Records": [r]}, None), {"indexed": 0, "removed": 0})

    def test_a_note_the_index_cannot_hold_fails_alone(self):
        # partial-batch: the records before it are indexed, the answer names it,
        # and nothing of it or after it is written (Lambda retries from it on).
        first = record("INSERT", "n1", new="kept words")
        bad = record("INSERT", "n2", new="x" * 2049 + " fine")
        bad["dynamodb"]["SequenceNumber"] = "2"
        after = record("INSERT", "n3", new="later")
        got = indexer.handler({"Records": [first, bad, after]}, None)
        self.assertEqual(got, {"batchItemFailures": [{"itemIdentifier": "2"}],
                               "indexed": 2, "removed": 0})
        self.assertEqual(self.index(), [("kept", "n1"), ("words", "n1")])
        ok = record("INSERT", "n4", new="y" * 2048)
        self.assertEqual(indexer.handler({"Records": [ok]}, None), {"indexed": 1, "removed": 0})

    def test_search_wants_one_word(self):
        for bad in (None, "two words", "!!"):
            status, body = self.ask(bad)
            self.assertEqual(status, 400, bad)
            self.assertIn("one word", body["error"])


class Sweeper(Moto):
    modules = (sweeper,)
    SESSIONS = "sweeper-dev-SessionsTable-1ABC"

    def setUp(self):
        super().setUp()
        self.make_table(self.SESSIONS, "id")
        self.write_env({"sessions": self.SESSIONS})

    def scheduled(self, time):
        return {"version": "0", "id": "x", "detail-type": "Scheduled Event", "source": "aws.events",
                "time": time, "resources": ["arn:aws:events:us-east-1:123456789012:rule/r"], "detail": {}}

    def test_deletes_exactly_what_expired_by_the_event_time(self):
        t = self.dynamodb.Table(self.SESSIONS)
        now = 1796094000    # 2026-12-01T03:00:00Z
        t.put_item(Item={"id": "old", "expires": now - 1})
        t.put_item(Item={"id": "edge", "expires": now})
        t.put_item(Item={"id": "new", "expires": now + 1})
        t.put_item(Item={"id": "forever"})
        got = sweeper.handler(self.scheduled("2026-12-01T03:00:00Z"), None)
        self.assertEqual(got, {"now": now, "deleted": 2, "kept": 2})
        left = sorted(i["id"] for i in t.scan()["Items"])
        self.assertEqual(left, ["forever", "new"])
        self.assertEqual(sweeper.handler(self.scheduled("2026-12-01T03:00:00Z"), None),
                         {"now": now, "deleted": 0, "kept": 2})

    def test_an_unreadable_session_fails_the_night_after_the_rest_is_swept(self):
        t = self.dynamodb.Table(self.SESSIONS)
        now = 1796094000
        t.put_item(Item={"id": "old", "expires": now - 1})
        t.put_item(Item={"id": "garbled", "expires": "tomorrow"})
        t.put_item(Item={"id": "odd", "expires": True})
        with self.assertRaises(ValueError) as raised:
            sweeper.handler(self.scheduled("2026-12-01T03:00:00Z"), None)
        self.assertEqual(str(raised.exception), "swept 1, but cannot read 'expires' of the sessions "
                         "garbled, odd: it must be a number (seconds since 1970)")
        self.assertEqual(sorted(i["id"] for i in t.scan()["Items"]), ["garbled", "odd"])


class DynamicDns(Moto):
    modules = ()
    HOSTS = "ddns-dev-HostsTable-1ABC"

    def setUp(self):
        super().setUp()
        import boto3
        ddns._env = None
        self.make_table(self.HOSTS, "instance")
        self.route53 = boto3.client("route53", region_name="us-east-1")
        self.zone = self.route53.create_hosted_zone(
            Name="internal.example.com", CallerReference="t")["HostedZone"]["Id"].split("/")[-1]
        self.write_env({"hosts": self.HOSTS, "zone": self.zone, "domain": "internal.example.com"})
        self.dynamodb.Table(self.HOSTS).put_item(
            Item={"instance": "i-0abc", "name": "web", "address": "10.0.0.5"})

    def tearDown(self):
        ddns._env = None
        super().tearDown()

    def state(self, instance, state):
        return ddns.handler({"version": "0", "source": "aws.ec2",
                             "detail-type": "EC2 Instance State-change Notification",
                             "detail": {"instance-id": instance, "state": state}}, None)

    def a_records(self):
        sets = self.route53.list_resource_record_sets(HostedZoneId=self.zone)["ResourceRecordSets"]
        return sorted((r["Name"], r["TTL"], [v["Value"] for v in r["ResourceRecords"]])
                      for r in sets if r["Type"] == "A")

    def test_running_upserts_and_stopping_deletes_the_record(self):
        self.assertEqual(self.state("i-0abc", "pending")["change"], None)
        self.assertEqual(self.a_records(), [])
        got = self.state("i-0abc", "running")
        self.assertEqual(got, {"instance": "i-0abc", "state": "running", "change": "UPSERT",
                               "name": "web.internal.example.com."})
        self.assertEqual(self.a_records(), [("web.internal.example.com.", 60, ["10.0.0.5"])])
        self.assertEqual(self.state("i-0abc", "running")["change"], "UPSERT")    # again: same record
        self.assertEqual(len(self.a_records()), 1)
        self.dynamodb.Table(self.HOSTS).put_item(          # the address changed meanwhile
            Item={"instance": "i-0abc", "name": "web", "address": "10.0.0.9"})
        self.assertEqual(self.state("i-0abc", "stopped")["change"], "DELETE")
        self.assertEqual(self.a_records(), [])
        self.assertEqual(self.state("i-0abc", "terminated")["change"], None)    # already gone

    def test_an_instance_without_a_fixed_address_gets_the_one_ec2_gave_it(self):
        import boto3
        ec2 = boto3.client("ec2", region_name="us-east-1")
        image = ec2.describe_images()["Images"][0]["ImageId"]
        inst = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]
        iid = inst["InstanceId"]
        described = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
        want = described.get("PublicIpAddress") or described["PrivateIpAddress"]
        self.dynamodb.Table(self.HOSTS).put_item(Item={"instance": iid, "name": "db"})
        self.assertEqual(self.state(iid, "running")["change"], "UPSERT")
        self.assertEqual(self.a_records(), [("db.internal.example.com.", 60, [want])])
        self.assertEqual(self.state(iid, "stopped")["change"], "DELETE")   # as Route 53 holds it
        self.assertEqual(self.a_records(), [])

    def test_an_unregistered_instance_changes_nothing(self):
        self.assertEqual(self.state("i-0zzz", "running"),
                         {"instance": "i-0zzz", "state": "running", "change": None, "name": None})
        self.assertEqual(self.a_records(), [])


if __name__ == "__main__":
    unittest.main()

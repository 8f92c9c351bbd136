"""examples/seeded-hits: the seed plugin's service (seeder/seed.py) through the
plugin kit, and the counter (src/index.py) reading the seed's outputs from .env,
against moto's DynamoDB."""
import contextlib
import io
import os
import unittest
from decimal import Decimal

from plugin_examples import ROOT, ExampleCase, load

APP = os.path.join(ROOT, "examples", "seeded-hits")
SEEDER, SRC = os.path.join(APP, "seeder"), os.path.join(APP, "src")
seed = load("seeded_hits_seed", os.path.join(SEEDER, "seed.py"), SEEDER)
counter = load("seeded_hits_counter", os.path.join(SRC, "index.py"), SRC)
TABLE = "seeded-hits-dev-CountersTable-1ABC"
PLUGIN = {"Plugin": "seed", "Types": {"table": "string", "names": "list", "start": "number"},
          "Replace": ["table"], "Outputs": ["written", "count"]}


class Seeder(ExampleCase):

    def setUp(self):
        super().setUp()
        self.table = self.make_table(TABLE, "name")

    def send(self, kind, names=("home", "about", "contact"), start=100, **extra):
        return self.request(seed.handler, kind, PLUGIN,
                            {"table": TABLE, "names": list(names), "start": start}, **extra)

    def hits(self):
        return {i["name"]: int(i["hits"]) for i in self.table.scan()["Items"]}

    def test_create_writes_each_name_with_its_start_and_says_how_many(self):
        answer = self.send("Create")
        self.assertEqual(answer["Status"], "SUCCESS", answer["Reason"])
        self.assertEqual(answer["Data"], {"written": "3", "count": "3"})
        self.assertEqual(self.hits(), {"home": 100, "about": 100, "contact": 100})

    def test_counted_hits_are_never_overwritten(self):
        self.table.put_item(Item={"name": "home", "hits": Decimal(7)})
        answer = self.send("Create", names=["home", "about", "home"], start=5)
        self.assertEqual(answer["Data"], {"written": "1", "count": "2"})
        self.assertEqual(self.hits(), {"home": 7, "about": 5})

    def test_an_update_seeds_the_new_names_in_place(self):
        first = self.send("Create", names=["home", "about"])
        answer = self.send("Update", names=["home", "about", "contact"],
                           old={"names": ["home", "about"]}, physical_id=first["PhysicalResourceId"])
        self.assertEqual(answer["Status"], "SUCCESS", answer["Reason"])
        self.assertEqual(answer["PhysicalResourceId"], first["PhysicalResourceId"], "in place")
        self.assertEqual(answer["Data"], {"written": "1", "count": "3"})
        self.assertEqual(sorted(self.hits()), ["about", "contact", "home"])

    def test_another_table_is_a_new_resource(self):
        first = self.send("Create")
        other = "seeded-hits-dev-CountersTable-2DEF"
        self.make_table(other, "name")
        answer = self.request(seed.handler, "Update", PLUGIN,
                              {"table": other, "names": ["home"], "start": 1},
                              old={"table": TABLE}, physical_id=first["PhysicalResourceId"])
        self.assertEqual(answer["Status"], "SUCCESS", answer["Reason"])
        self.assertNotEqual(answer["PhysicalResourceId"], first["PhysicalResourceId"])
        self.assertEqual(self.dynamodb.Table(other).get_item(Key={"name": "home"})["Item"]["hits"], 1)

    def test_delete_keeps_the_counts(self):
        first = self.send("Create")
        answer = self.send("Delete", physical_id=first["PhysicalResourceId"])
        self.assertEqual(answer["Status"], "SUCCESS", answer["Reason"])
        self.assertEqual(len(self.hits()), 3)

    def test_bad_inputs_fail_with_a_reason_and_write_nothing(self):
        for names, start, reason in ((["home", "", "about"], 1, "is empty"),
                                     ([" home"], 1, "spaces around it"),
                                     (["a/b"], 1, "holds a '/'"),
                                     (["home"], -1, "0 or more"),
                                     (["home"], 1.5, "whole number"),
                                     ([f"n{i}" for i in range(101)], 1, "over the 100")):
            answer = self.send("Create", names=names, start=start)
            self.assertEqual(answer["Status"], "FAILED", names)
            self.assertIn(reason, answer["Reason"])
        self.assertEqual(self.hits(), {})

    def test_a_missing_table_fails_naming_dynamodbs_error(self):
        with contextlib.redirect_stderr(io.StringIO()):      # the kit prints the traceback
            answer = self.request(seed.handler, "Create", PLUGIN,
                                  {"table": "no-such-table", "names": ["home"], "start": 1})
        self.assertEqual(answer["Status"], "FAILED")
        self.assertIn("ResourceNotFoundException", answer["Reason"])


class Counter(ExampleCase):

    def setUp(self):
        super().setUp()
        self.table = self.make_table(TABLE, "name")
        self.write_env({"table": TABLE, "seeded": "3", "written": "2"})
        counter.ENV, counter._counters = None, None      # a fresh container

    def tearDown(self):
        counter.ENV, counter._counters = None, None
        super().tearDown()

    def test_a_seeded_name_counts_on_from_its_start(self):
        self.table.put_item(Item={"name": "home", "hits": Decimal(100)})
        self.assertEqual(self.proxy_get(counter.handler, "home"), (200, {"name": "home", "hits": 101}))
        self.assertEqual(self.proxy_get(counter.handler, "new"), (200, {"name": "new", "hits": 1}))

    def test_the_root_shows_the_seeds_outputs_from_dotenv(self):
        self.assertEqual(self.proxy_get(counter.handler),
                         (200, {"table": TABLE, "seeded": 3, "written": 2}))
        self.assertEqual(self.table.scan()["Items"], [], "reading the seeding counts nothing")


if __name__ == "__main__":
    unittest.main()

"""examples/releases: a plugin chain.  The release service (services/release.py)
numbers releases, the notice service (services/notice.py) posts the release's id
(the other resource's output) on the board, and the status page (src/index.py)
reads both from .env; through the plugin kit, against moto's DynamoDB."""
import os
import unittest

from plugin_examples import ROOT, ExampleCase, load

APP = os.path.join(ROOT, "examples", "releases")
SERVICES, SRC = os.path.join(APP, "services"), os.path.join(APP, "src")
release = load("releases_release", os.path.join(SERVICES, "release.py"), SERVICES)
notice = load("releases_notice", os.path.join(SERVICES, "notice.py"), SERVICES)
status = load("releases_status", os.path.join(SRC, "index.py"), SRC)
NUMBERS, BOARD = "releases-dev-NumbersTable-1ABC", "releases-dev-BoardTable-2DEF"
RELEASE = {"Plugin": "release", "Types": {"table": "string", "series": "string", "notes": "string"},
           "Replace": ["table", "series"], "Outputs": ["number", "id"]}
NOTICE = {"Plugin": "notice", "Types": {"board": "string", "id": "string", "text": "string"},
          "Replace": ["board"], "Outputs": ["key", "posted"]}


class Chain(ExampleCase):

    def setUp(self):
        super().setUp()
        self.numbers = self.make_table(NUMBERS, "series")
        self.board = self.make_table(BOARD, "id")

    def release(self, kind, series="dev", notes="first release", **extra):
        return self.request(release.handler, kind, RELEASE,
                            {"table": NUMBERS, "series": series, "notes": notes}, **extra)

    def notice(self, kind, release_id, text="up", **extra):
        return self.request(notice.handler, kind, NOTICE,
                            {"board": BOARD, "id": release_id, "text": text}, **extra)

    def ok(self, answer):
        self.assertEqual(answer["Status"], "SUCCESS", answer["Reason"])
        return answer

    def items(self):
        return {i["id"]: (i["text"], int(i["posted"])) for i in self.board.scan()["Items"]}

    def test_each_release_takes_the_next_number_of_its_series(self):
        first = self.ok(self.release("Create"))
        self.assertEqual(first["Data"], {"number": "1", "id": "dev-r1"})
        prod = self.ok(self.release("Create", series="prod"))
        self.assertEqual(prod["Data"], {"number": "1", "id": "prod-r1"})
        second = self.ok(self.release("Update", notes="second", old={"notes": "first release"},
                                      physical_id=first["PhysicalResourceId"]))
        self.assertEqual(second["Data"], {"number": "2", "id": "dev-r2"})
        self.assertEqual(second["PhysicalResourceId"], first["PhysicalResourceId"], "in place")

    def test_another_series_replaces_the_release_and_delete_keeps_the_count(self):
        first = self.ok(self.release("Create"))
        moved = self.ok(self.release("Update", series="beta", old={"series": "dev"},
                                     physical_id=first["PhysicalResourceId"]))
        self.assertNotEqual(moved["PhysicalResourceId"], first["PhysicalResourceId"])
        self.assertEqual(moved["Data"]["id"], "beta-r1")
        self.ok(self.release("Delete", physical_id=first["PhysicalResourceId"]))
        again = self.ok(self.release("Create"))
        self.assertEqual(again["Data"]["id"], "dev-r2", "a number is never given twice")

    def test_a_bad_series_fails_before_numbering(self):
        answer = self.release("Create", series="Dev Stage")
        self.assertEqual(answer["Status"], "FAILED")
        self.assertIn("lowercase letters", answer["Reason"])
        self.assertEqual(self.numbers.scan()["Items"], [])

    def test_the_notice_follows_the_release_it_reads(self):
        first = self.ok(self.release("Create"))
        posted = self.ok(self.notice("Create", first["Data"]["id"], "release 1 of dev"))
        self.assertEqual(posted["Data"], {"key": "dev-r1", "posted": "1"})
        # the release changes: the notice's id input (its output) changes with it
        second = self.ok(self.release("Update", notes="second", old={"notes": "first release"},
                                      physical_id=first["PhysicalResourceId"]))
        moved = self.ok(self.notice("Update", second["Data"]["id"], "release 2 of dev",
                                    old={"id": "dev-r1", "text": "release 1 of dev"},
                                    physical_id=posted["PhysicalResourceId"]))
        self.assertEqual(moved["PhysicalResourceId"], posted["PhysicalResourceId"], "in place")
        self.assertEqual(moved["Data"], {"key": "dev-r2", "posted": "2"})
        self.assertEqual(self.items(), {"dev-r2": ("release 2 of dev", 2)}, "moved, not copied")
        self.ok(self.notice("Delete", "dev-r2", physical_id=posted["PhysicalResourceId"]))
        self.assertEqual(self.items(), {})
        self.ok(self.notice("Delete", "dev-r2", physical_id=posted["PhysicalResourceId"]))

    def test_an_empty_id_or_a_long_text_fails(self):
        self.assertIn("id is empty", self.notice("Create", "")["Reason"])
        self.assertIn("over 1000", self.notice("Create", "dev-r1", "x" * 1001)["Reason"])
        self.assertEqual(self.items(), {})


class StatusPage(ExampleCase):

    def setUp(self):
        super().setUp()
        self.board = self.make_table(BOARD, "id")
        self.write_env({"release": "dev-r2", "number": "2", "notice": "dev-r2", "board": BOARD})

    def test_it_shows_both_resources_outputs_and_the_notice(self):
        self.board.put_item(Item={"id": "dev-r2", "text": "release 2 of dev", "posted": 1})
        self.assertEqual(self.proxy_get(status.handler),
                         (200, {"release": "dev-r2", "number": 2, "notice": "dev-r2",
                                "text": "release 2 of dev"}))

    def test_a_missing_notice_is_a_404_naming_it(self):
        code, body = self.proxy_get(status.handler)
        self.assertEqual(code, 404)
        self.assertIn("'dev-r2' is not on the board", body["error"])


if __name__ == "__main__":
    unittest.main()

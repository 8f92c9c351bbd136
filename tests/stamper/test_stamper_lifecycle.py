"""Create, retry, second stack, Update, Delete: the stamper's life in a stack."""
import hashlib
import re
import time

from stamper_support import (LOGICAL_ID, OTHER_STACK_ID, SOURCE_KEY, STACK_ID,
                             TARGET_PREFIX, StamperCase, make_zip, stack_part, zip_entries)

INDEX = b"def handler(event, context):\n    return 'hi'\n"
UTIL = b"#!/bin/sh\necho util\n"
SOURCE = [("index.py", INDEX, 0o100644), ("lib/util.sh", UTIL, 0o100755)]
KEY_SHAPE = re.compile(re.escape(TARGET_PREFIX + stack_part(STACK_ID) + "/" + LOGICAL_ID + "/")
                       + r"([0-9a-f]{64})\.zip")


class Lifecycle(StamperCase):

    def create(self, **kw):
        response = self.invoke(self.event("Create", **kw))
        self.assert_success(response)
        return response

    def test_create_answers_with_the_stamped_object(self):
        self.put_source(SOURCE)
        response = self.create()
        data = response["Data"]
        self.assertEqual(sorted(data), ["Bucket", "Key", "Sha256"])
        self.assertEqual(data["Bucket"], self.bucket)
        m = KEY_SHAPE.fullmatch(data["Key"])
        self.assertIsNotNone(m, data["Key"])
        self.assertEqual(m.group(1), data["Sha256"])
        self.assertEqual(response["PhysicalResourceId"], f"s3://{self.bucket}/{data['Key']}")
        self.assertEqual(response["Reason"], "")
        stamped = self.get(data["Key"])
        self.assertEqual(hashlib.sha256(stamped).hexdigest(), data["Sha256"])
        entries, order = zip_entries(stamped)
        self.assertEqual(order, [".env", "index.py", "lib/util.sh"])
        self.assertEqual(entries[".env"][0], b"table=hits-dev-CountersTable-1ABC\n")
        self.assertEqual(entries["index.py"][0], INDEX)
        self.assertEqual(entries["lib/util.sh"][0], UTIL)
        self.assertEqual(entries[".env"][1], 0o100644)
        self.assertEqual(entries["index.py"][1], 0o100644)
        self.assertEqual(entries["lib/util.sh"][1], 0o100755)
        for name, (_, _, when) in entries.items():
            self.assertEqual(when, (1980, 1, 1, 0, 0, 0), name)
        self.assertEqual(self.stamped_keys(), [data["Key"]])

    def test_retried_create_finds_the_same_object(self):
        self.put_source(SOURCE)
        first = self.create()
        bytes_first = self.get(first["Data"]["Key"])
        second = self.create()
        self.assertEqual(second["PhysicalResourceId"], first["PhysicalResourceId"])
        self.assertEqual(second["Data"], first["Data"])
        self.assertEqual(self.get(second["Data"]["Key"]), bytes_first)
        self.assertEqual(self.stamped_keys(), [first["Data"]["Key"]])

    def test_second_stack_gets_its_own_object(self):
        self.put_source(SOURCE)
        dev = self.create()
        prod = self.create(stack_id=OTHER_STACK_ID)
        self.assertNotEqual(dev["Data"]["Key"], prod["Data"]["Key"])
        self.assertTrue(prod["Data"]["Key"].startswith(
            TARGET_PREFIX + stack_part(OTHER_STACK_ID) + "/" + LOGICAL_ID + "/"))
        # the same Env gives the same bytes: only the place differs
        self.assertEqual(dev["Data"]["Sha256"], prod["Data"]["Sha256"])
        self.assertEqual(self.stamped_keys(), sorted([dev["Data"]["Key"], prod["Data"]["Key"]]))

    def test_update_with_new_env_is_a_new_object_and_the_old_survives_until_delete(self):
        self.put_source(SOURCE)
        old = self.create()
        update = self.event("Update", env={"table": "hits-dev-CountersTable-2XYZ"},
                            physical=old["PhysicalResourceId"])
        update["OldResourceProperties"] = self.event("Create")["ResourceProperties"]
        new = self.invoke(update)
        self.assert_success(new)
        self.assertNotEqual(new["PhysicalResourceId"], old["PhysicalResourceId"])
        self.assertIsNotNone(KEY_SHAPE.fullmatch(new["Data"]["Key"]))
        entries, _ = zip_entries(self.get(new["Data"]["Key"]))
        self.assertEqual(entries[".env"][0], b"table=hits-dev-CountersTable-2XYZ\n")
        self.assertEqual(self.stamped_keys(), sorted([old["Data"]["Key"], new["Data"]["Key"]]))
        # CloudFormation's cleanup: Delete for the old id, with the old properties
        cleanup = self.invoke(self.event("Delete", physical=old["PhysicalResourceId"]))
        self.assert_success(cleanup)
        self.assertEqual(cleanup["PhysicalResourceId"], old["PhysicalResourceId"])
        self.assertEqual(self.stamped_keys(), [new["Data"]["Key"]])

    def test_update_with_same_env_keeps_the_physical_id(self):
        self.put_source(SOURCE)
        old = self.create()
        same = self.invoke(self.event("Update", physical=old["PhysicalResourceId"]))
        self.assert_success(same)
        self.assertEqual(same["PhysicalResourceId"], old["PhysicalResourceId"])

    def test_delete_removes_only_its_own_object(self):
        self.put_source(SOURCE)
        mine = self.create()
        other_logical = self.create(logical="OtherFunctionCode")
        other_stack = self.create(stack_id=OTHER_STACK_ID)
        response = self.invoke(self.event("Delete", physical=mine["PhysicalResourceId"]))
        self.assert_success(response)
        self.assertEqual(response["PhysicalResourceId"], mine["PhysicalResourceId"])
        self.assertEqual(self.stamped_keys(),
                         sorted([other_logical["Data"]["Key"], other_stack["Data"]["Key"]]))
        self.assertEqual(self.get(SOURCE_KEY), make_zip(SOURCE))
        # a second Delete of the same id (a retry) is still a success
        self.assert_success(self.invoke(self.event("Delete", physical=mine["PhysicalResourceId"])))

    def test_delete_of_ids_it_never_made_removes_nothing(self):
        self.put_source(SOURCE)
        mine = self.create()
        theirs = self.create(stack_id=OTHER_STACK_ID)
        sibling = self.create(logical="OtherFunctionCode")
        before = self.stamped_keys()
        sha = mine["Data"]["Sha256"]
        foreign = [
            "hitc-failed-request-1",                                   # a failed Create's id
            theirs["PhysicalResourceId"],                              # another stack's object
            sibling["PhysicalResourceId"],                             # another resource's object
            f"s3://{self.bucket}/{SOURCE_KEY}",                             # the source bundle itself
            f"s3://other-bucket/{mine['Data']['Key']}",                # right key, wrong bucket
            f"s3://{self.bucket}/{mine['Data']['Key']}.bak",                # not the shape
            f"s3://{self.bucket}/{TARGET_PREFIX}{stack_part(STACK_ID)}/{LOGICAL_ID}/../{sha}.zip",
            f"s3://{self.bucket}/{TARGET_PREFIX}{stack_part(STACK_ID)}/{LOGICAL_ID}/x/{sha}.zip",
            f"s3://{self.bucket}/{TARGET_PREFIX}{stack_part(STACK_ID)}/{LOGICAL_ID}/{sha.upper()}.zip",
        ]
        for physical in foreign:
            response = self.invoke(self.event("Delete", physical=physical))
            self.assert_success(response)
            self.assertEqual(response["PhysicalResourceId"], physical)
            self.assertEqual(self.stamped_keys(), before, f"Delete of {physical} removed something")
            self.assertEqual(self.get(SOURCE_KEY), make_zip(SOURCE))

    def test_delete_after_a_failed_create_succeeds(self):
        failed = self.invoke(self.event("Create"))          # no source uploaded
        self.assert_failed(failed)
        self.assertFalse(failed["PhysicalResourceId"].startswith("s3://"))
        response = self.invoke(self.event("Delete", physical=failed["PhysicalResourceId"]))
        self.assert_success(response)

    def test_stamped_zip_is_deterministic(self):
        self.put_source(SOURCE)
        first = self.create()
        first_bytes = self.get(first["Data"]["Key"])
        time.sleep(2.2)                     # zip times have a 2 s grain: a clock would show
        self.s3.delete_object(Bucket=self.bucket, Key=first["Data"]["Key"])
        again = self.create()
        self.assertEqual(again["Data"], first["Data"])
        self.assertEqual(self.get(again["Data"]["Key"]), first_bytes)

    def test_source_order_times_and_modes_do_not_matter(self):
        self.put_source(SOURCE)
        first = self.create()
        shuffled = make_zip([("lib/util.sh", UTIL, 0o100700), ("index.py", INDEX, 0o100600)],
                            date_time=(2031, 12, 31, 23, 59, 58))
        self.put_source(shuffled)
        second = self.create()
        self.assertEqual(second["Data"], first["Data"])

    def test_directory_entries_are_kept_and_normalised(self):
        self.put_source([("lib/", b"", 0o40700), ("lib/a.py", b"a = 1\n", 0o100600)])
        response = self.create()
        entries, order = zip_entries(self.get(response["Data"]["Key"]))
        self.assertEqual(order, [".env", "lib/", "lib/a.py"])
        self.assertEqual(entries["lib/"][1], 0o40755)
        self.assertEqual(entries["lib/a.py"], (b"a = 1\n", 0o100644, (1980, 1, 1, 0, 0, 0)))

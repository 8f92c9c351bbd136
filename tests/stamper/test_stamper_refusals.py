"""What the stamper refuses, and that each refusal is one FAILED a person can act on."""
import io
import json

from stamper_support import (SOURCE_KEY, STACK_ID, StamperCase, kit, make_zip, stamper,
                             zip_entries)

INDEX = b"def handler(event, context):\n    return 1\n"


def with_nul_in_name(data, placeholder, name):
    """Rewrite an entry name in both headers of a zip (zipfile cuts names at NUL on write)."""
    assert len(placeholder) == len(name) and data.count(placeholder) == 2
    return data.replace(placeholder, name)


class Refusals(StamperCase):

    def refused(self, event, *phrases):
        response = self.invoke(event)
        self.assert_failed(response, *phrases)
        self.assertEqual(self.stamped_keys(), [], "a refusal uploads nothing")
        return response

    def test_missing_source_says_to_upload_the_bundles(self):
        response = self.refused(self.event("Create"),
                                f"s3://{self.bucket}/{SOURCE_KEY}", "does not exist",
                                f"aws s3 sync out/bundles s3://{self.bucket}/hitc/")
        self.assertTrue(response["PhysicalResourceId"].startswith("hitc-failed-"))
        self.assertEqual(response["Data"], {})

    def deny_get_object(self):
        """S3 as IAM makes it for the stamper's role: GetObject of a missing key is
        403 (the role may list only with a prefix), and listing with one works."""
        from botocore.exceptions import ClientError
        client = stamper.s3()
        real_get = client.get_object

        def get_object(**kwargs):
            try:
                return real_get(**kwargs)
            except ClientError as err:
                if err.response["Error"]["Code"] != "NoSuchKey":
                    raise
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}},
                                  "GetObject") from None
        client.get_object = get_object
        return client

    def test_missing_source_behind_a_403_still_says_to_upload_the_bundles(self):
        self.deny_get_object()
        self.refused(self.event("Create"), f"s3://{self.bucket}/{SOURCE_KEY}", "does not exist",
                     "upload the bundles first")

    def test_a_403_on_a_source_that_is_there_says_access_denied(self):
        self.put_source([("index.py", b"x", 0o644)])
        client = stamper.s3()
        from botocore.exceptions import ClientError

        def get_object(**kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "GetObject")
        client.get_object = get_object
        self.refused(self.event("Create"), "access denied reading", "needs s3:GetObject")

    def test_missing_bucket_names_the_parameter(self):
        self.refused(self.event("Create", SourceBucket="no-such-bucket"),
                     "'no-such-bucket' does not exist", "CodeBucket")

    def test_failed_update_keeps_the_old_physical_id(self):
        old = "s3://code-bucket/hitc/stamped/x/CounterFunctionCode/" + "a" * 64 + ".zip"
        response = self.refused(self.event("Update", physical=old), "does not exist")
        self.assertEqual(response["PhysicalResourceId"], old)

    def test_bad_env_keys_are_named(self):
        self.put_source([("index.py", INDEX, 0o100644)])
        for key in ("bad-key", "1abc", "", "a b", "caf\u00e9", "a=b", "x\ny"):
            self.refused(self.event("Create", env={"table": "t", key: "v"}),
                         repr(key), "[A-Za-z_][A-Za-z0-9_]*")

    def test_env_must_map_strings_to_strings(self):
        self.put_source([("index.py", INDEX, 0o100644)])
        self.refused(self.event("Create", env={"zones": ["a", "b"]}), "'zones'", "string")
        self.refused(self.event("Create", env=["table"]), "Env must be a map")

    def test_missing_properties_are_named(self):
        event = self.event("Create")
        del event["ResourceProperties"]["SourceKey"]
        self.refused(event, "SourceKey")
        self.refused(self.event("Create", TargetPrefix=""), "TargetPrefix")

    def test_unknown_request_type(self):
        self.refused(self.event("Frobnicate"), "unknown RequestType 'Frobnicate'")

    def test_unsafe_entry_names_are_refused(self):
        cases = {"/etc/passwd": "absolute", "../up.py": "'..'", "a/../../b.py": "'..'",
                 "lib\\x.py": "backslash", "./index.py": "'.'", "a//b.py": "empty",
                 "a/..": "'..'"}
        for name, why in cases.items():
            self.put_source([("index.py", INDEX, 0o100644), (name, b"x", 0o100644)])
            self.refused(self.event("Create"), "unsafe entry name", repr(name), why)

    def test_nul_in_an_entry_name_is_refused(self):
        data = make_zip([("index.py", INDEX, 0o100644), ("aQQQb.py", b"x", 0o100644)])
        self.put_source(with_nul_in_name(data, b"aQQQb.py", b"a\0\0\0b.py"))
        self.refused(self.event("Create"), "unsafe entry name", "NUL")

    def test_duplicate_entry_names_are_refused(self):
        self.put_source([("index.py", INDEX, 0o100644), ("index.py", b"evil", 0o100644)])
        self.refused(self.event("Create"), "'index.py' twice")

    def test_duplicate_env_entries_are_refused(self):
        self.put_source([(".env", b"a=1\n", 0o100644), (".env", b"a=2\n", 0o100644)])
        self.refused(self.event("Create"), "'.env' twice")

    def test_symbolic_links_are_refused(self):
        self.put_source([("index.py", INDEX, 0o100644), ("link", b"/etc/passwd", 0o120777)])
        self.refused(self.event("Create"), "symbolic link 'link'")

    def test_a_source_that_is_not_a_zip(self):
        self.put_source(b"this is not a zip")
        self.refused(self.event("Create"), f"s3://{self.bucket}/{SOURCE_KEY} is not a zip file")

    def test_a_damaged_zip_is_refused(self):
        data = bytearray(make_zip([("index.py", bytes(range(256)) * 64, 0o100644)]))
        middle = 30 + len("index.py") + 100          # inside the compressed data
        data[middle:middle + 8] = b"\xff" * 8
        self.put_source(bytes(data))
        self.refused(self.event("Create"), "is damaged", "upload it again")

    def test_a_directory_named_env_is_refused(self):
        self.put_source([("index.py", INDEX, 0o100644), (".env/x", b"x", 0o100644)])
        self.refused(self.event("Create"), "'.env/x'", "clashes with the .env file")

    def test_value_ending_in_backslash_that_no_form_can_carry_is_refused(self):
        # hitc 0.1 refused every value ending in '\\' that needed quotes, e.g.
        # "C:\\Program Files\\"; now that one is written raw, and only a value no
        # form can carry (here: a line break) is refused.
        self.put_source([("index.py", INDEX, 0o100644)])
        self.refused(self.event("Create", env={"path": "one\nC:\\dir\\"}),
                     "'path'", "ends with a backslash", "line break", "python-dotenv")
        for value in ("C:\\dir\\", "C:\\Program Files\\"):
            ok = self.invoke(self.event("Create", env={"path": value}))
            self.assert_success(ok)
            entries, _ = zip_entries(self.get(ok["Data"]["Key"]))
            self.assertEqual(entries[".env"][0], f"path={value}\n".encode())

    def test_lone_surrogate_is_refused(self):
        self.put_source([("index.py", INDEX, 0o100644)])
        self.refused(self.event("Create", env={"bad": "a\ud800b"}), "'bad'", "surrogate")

    def test_source_env_with_a_bad_line_is_refused(self):
        self.put_source([(".env", b"ok=1\nthis line has no equals sign\n", 0o100644)])
        self.refused(self.event("Create"), "line 2 of the source bundle's .env")

    def test_source_env_that_is_not_utf8_is_refused(self):
        self.put_source([(".env", b"a=\xff\n", 0o100644)])
        self.refused(self.event("Create"), "not UTF-8")

    def test_long_reasons_are_cut_to_fit(self):
        key = "hitc/" + "\u00e9" * 400 + "/" + "\U0001F600" * 100 + ".zip"
        response = self.refused(self.event("Create", source_key=key), "does not exist")
        self.assertTrue(response["Reason"].endswith(" [cut]"), response["Reason"][-40:])


class ResponseBody(StamperCase):

    def test_body_stays_under_4096_bytes_whatever_the_reason(self):
        event = {"StackId": STACK_ID, "RequestId": "r", "LogicalResourceId": "L"}
        for reason in ("x" * 10000, "\U0001F600" * 3000, "\0" * 5000, "\u00e9" * 4000, "ok"):
            body = stamper.response_body(event, "FAILED", reason, "pid", {})
            self.assertLessEqual(len(body), 4096, reason[:3])
            parsed = json.loads(body)
            self.assertTrue(reason.startswith(parsed["Reason"].removesuffix(" [cut]")))
            if reason == "ok":
                self.assertEqual(parsed["Reason"], "ok")
            else:
                self.assertGreater(len(body), 3900, f"cut no more than needed: {reason[:3]}")

    def test_a_success_too_big_to_send_is_refused_before_uploading(self):
        # Reproduction (issue 6, section 5): a non-ASCII CodePrefix made the
        # SUCCESS body 5,455 bytes (the key is in both PhysicalResourceId and
        # Data.Key, each non-ASCII character as a 6-byte \\uXXXX), over
        # CloudFormation's 4096; only Reason was ever cut.
        self.put_source([("index.py", INDEX, 0o100644)])
        prefix = "hitc/" + "\u00e9" * 300 + "/stamped/"
        response = self.invoke(self.event("Create", TargetPrefix=prefix))
        self.assert_failed(response, "over CloudFormation's limit of 4096", "shorter")
        listing = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        self.assertEqual([o["Key"] for o in listing], [SOURCE_KEY], "nothing uploaded")
        self.assertTrue(response["PhysicalResourceId"].startswith("hitc-failed-"))
        self.assertEqual(response["Data"], {})
        # a shorter one still fits and succeeds
        ok = self.invoke(self.event("Create", TargetPrefix="hitc/" + "\u00e9" * 100 + "/stamped/"))
        self.assert_success(ok)

    def test_the_answer_is_the_plugin_kits_protocol_code(self):
        # Reproduction (issue 8): the stamper had its own copy of the answering
        # code (response body, PUT with retries, watchdog) beside the kit's.
        # Now there is one: hitc_plugin's, which the stamper bundle carries.
        for name in ("response_body", "run_request", "log"):
            self.assertIs(getattr(stamper, name), getattr(kit, name), name)
        for name in ("put_response", "Reply", "work_budget"):
            self.assertFalse(hasattr(stamper, name), f"the stamper still has its own {name}")

    def test_the_response_url_is_not_logged(self):
        self.put_source([("index.py", INDEX, 0o100644)])
        out = io.StringIO()
        stamper.log = kit.log = self.real_log
        import contextlib
        with contextlib.redirect_stdout(out):
            self.assert_success(self.invoke(self.event("Create")))
        self.assertIn('"message": "answer"', out.getvalue())
        self.assertNotIn("sig=abc", out.getvalue())

"""The Python plugin kit (runtime-support/plugin/python/hitc_plugin.py), one
test per rule of docs/plugins.md, against a local HTTP server standing in for
CloudFormation's ResponseURL.  The value tables are in cases.json, shared with
test_kit_node.js so the two kits keep the same rules.
"""
import contextlib
import importlib.util
import io
import json
import os
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
KIT_PATH = os.path.join(ROOT, "runtime-support", "plugin", "python", "hitc_plugin.py")
CASES = json.load(open(os.path.join(HERE, "cases.json"), encoding="utf-8"))

spec = importlib.util.spec_from_file_location("hitc_plugin_under_test", KIT_PATH)
kit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kit)

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/hits-dev/11111111-2222-3333-4444-555555555555"


class ResponseServer:
    """A ResponseURL on 127.0.0.1, port 0.  script: the statuses to answer the
    first attempts with, in order (None: close without an answer); then 200."""

    def __init__(self):
        self.requests = []          # every attempt: {status, body, headers, time}
        self.script = []
        self.cond = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server.cond:
                    status = server.script.pop(0) if server.script else 200
                    server.requests.append({"status": status, "body": body, "time": time.monotonic(),
                                            "content_type": self.headers.get("Content-Type")})
                    server.cond.notify_all()
                if status is None:
                    self.close_connection = True
                    return              # no answer at all: the client sees the connection drop
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/response?X-Amz-Signature=abc"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self):
        return [r for r in self.requests
                if r["status"] is not None and r["status"] < 500 and r["status"] != 429]

    def wait_for(self, count, timeout=20):
        """The accepted answers, once there are `count` of them (or the timeout passed)."""
        end = time.monotonic() + timeout
        with self.cond:
            while len(self.accepted()) < count and time.monotonic() < end:
                self.cond.wait(end - time.monotonic())
            return self.accepted()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeContext:
    def __init__(self, millis=60000):
        self.deadline = time.monotonic() + millis / 1000.0
        self.log_stream_name = "2026/11/30/[$LATEST]abc"

    def get_remaining_time_in_millis(self):
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class KitCase(unittest.TestCase):
    TYPES = {"zone": "string", "ttl": "number", "private": "bool", "tags": "list"}

    def setUp(self):
        self.server = ResponseServer()
        self.saved = (kit.RETRY_BASE, kit.RETRY_CAP)
        kit.RETRY_BASE, kit.RETRY_CAP = 0.01, 0.05
        self.calls = []
        self.log = io.StringIO()

    def tearDown(self):
        kit.RETRY_BASE, kit.RETRY_CAP = self.saved
        self.server.close()

    def props(self, types=None, replace=("zone",), outputs=("fqdn",), **inputs):
        values = {"zone": "Z1", "ttl": "300", "private": "false", "tags": ["a", "b"]}
        values.update(inputs)
        return {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:svc",
                "ServiceTimeout": "300",
                "HitcPlugin": {"Plugin": "dns-record", "Types": self.TYPES if types is None else types,
                               "Replace": list(replace), "Outputs": list(outputs)},
                **values}

    def event(self, kind, props=None, old=None, physical_id=None, request_id="req-1"):
        event = {"RequestType": kind, "ResponseURL": self.server.url, "StackId": STACK_ID,
                 "RequestId": request_id, "LogicalResourceId": "WwwRecord",
                 "ResourceType": "Custom::DnsRecord",
                 "ResourceProperties": props if props is not None else self.props()}
        if old is not None:
            event["OldResourceProperties"] = old
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        return event

    def service(self, result=None, error=None, **overrides):
        """A handler whose functions record their calls and return result or raise error."""
        def make(name):
            def fn(*args):
                self.calls.append((name, args))
                if error is not None:
                    raise error
                return {"fqdn": "www.example.com"} if result is None else result
            return fn
        fns = {name: overrides.get(name, make(name)) for name in ("create", "update", "delete")}
        return kit.serve(margin=overrides.get("margin"), **fns)

    def answer(self, handler, event, context=None):
        """Run the handler; the one answer the server accepted, as a dict."""
        with contextlib.redirect_stdout(self.log), contextlib.redirect_stderr(self.log):
            handler(event, context or FakeContext())
        accepted = self.server.wait_for(1)
        self.assertEqual(len(accepted), 1, f"want exactly one answer, got {len(accepted)}")
        return json.loads(accepted[0]["body"])


class InputTypes(KitCase):

    def test_declared_types_are_restored_from_cloudformations_strings(self):
        for case in CASES["restore"]:
            with self.subTest(case=case):
                self.assertEqual(kit.restore("x", case["type"], case["sent"]), case["want"])
                self.assertIs(type(kit.restore("x", case["type"], case["sent"])), type(case["want"]))
        response = self.answer(self.service(), self.event("Create"))
        self.assertEqual(response["Status"], "SUCCESS")
        inputs = self.calls[0][1][0]
        self.assertEqual(inputs, {"zone": "Z1", "ttl": 300, "private": False, "tags": ["a", "b"]})

    def test_a_value_that_cannot_be_restored_fails_naming_the_input(self):
        for case in CASES["refuse"]:
            with self.subTest(case=case):
                with self.assertRaises(kit.Failure) as caught:
                    kit.restore("x", case["type"], case["sent"])
                self.assertIn(case["reason"], str(caught.exception))
        response = self.answer(self.service(), self.event("Create", self.props(ttl="five")))
        self.assertEqual(response["Status"], "FAILED")
        self.assertEqual(response["Reason"], "input 'ttl' must be a number, got \"five\"")
        self.assertEqual(self.calls, [], "create must not run on bad inputs")

    def test_protocol_properties_are_not_inputs(self):
        self.answer(self.service(), self.event("Create", self.props(extra="kept")))
        inputs = self.calls[0][1][0]
        for key in ("ServiceToken", "ServiceTimeout", "HitcPlugin"):
            self.assertNotIn(key, inputs)
        self.assertEqual(inputs["extra"], "kept")


class Answers(KitCase):

    def test_success_carries_the_outputs(self):
        response = self.answer(self.service(), self.event("Create"))
        self.assertEqual(response["Status"], "SUCCESS")
        self.assertEqual(response["Data"], {"fqdn": "www.example.com"})
        for key in ("StackId", "RequestId", "LogicalResourceId"):
            self.assertEqual(response[key], self.event("Create")[key])

    def test_an_exception_fails_with_its_type_and_cut_message(self):
        response = self.answer(self.service(error=ValueError("zone Z1 is not hosted here")),
                               self.event("Create"))
        self.assertEqual(response["Status"], "FAILED")
        self.assertTrue(response["Reason"].startswith("ValueError: zone Z1 is not hosted here"),
                        response["Reason"])
        self.assertIn("CloudWatch log stream 2026/11/30/[$LATEST]abc", response["Reason"])
        self.server.requests.clear()
        response = self.answer(self.service(error=RuntimeError("x" * 10000)), self.event("Create"))
        self.assertIn("[cut]", response["Reason"])
        self.assertLess(len(response["Reason"]), 2000)
        self.server.requests.clear()
        response = self.answer(self.service(error=kit.Failure("zone Z1 is not yours")), self.event("Create"))
        self.assertEqual(response["Reason"], "zone Z1 is not yours")

    def test_a_hanging_service_is_answered_failed_before_its_timeout_and_only_once(self):
        # The work returns only after the watchdog's answer arrived: its own
        # (late) answer must be dropped, so the server sees one answer.
        def hang(inputs):
            self.server.wait_for(1, timeout=30)
            return {"fqdn": "late"}
        context = FakeContext(6000)
        response = self.answer(self.service(create=hang, margin=3.0), self.event("Create"), context)
        self.assertEqual(response["Status"], "FAILED")
        self.assertIn("the service did not finish within its Lambda timeout", response["Reason"])
        self.assertTrue(response["PhysicalResourceId"].startswith("hitc-failed-"))
        self.assertLess(self.server.requests[0]["time"], context.deadline)
        self.assertEqual(len(self.server.requests), 1, "answered twice")
        self.assertIn("already answered", self.log.getvalue())

    def test_the_plugins_timeout_bounds_the_watchdog_when_shorter(self):
        # ServiceTimeout 4 s in a Lambda with 60 s left: the answer comes at
        # about 4 - 2 s, long before the Lambda's own end (the hang gives up
        # after 30 s and would answer SUCCESS).
        def hang(inputs):
            self.server.wait_for(1, timeout=30)
            return {"fqdn": "late"}
        props = self.props()
        props["ServiceTimeout"] = "4"
        response = self.answer(self.service(create=hang, margin=2.0), self.event("Create", props),
                               FakeContext(60000))
        self.assertEqual(response["Status"], "FAILED")
        self.assertIn("did not finish", response["Reason"])


class BareProtocol(KitCase):
    """run_request alone, as hitc's stamper is to use it."""

    def test_run_request_answers_with_the_callers_ids_and_plain_errors(self):
        class Refusal(Exception):
            pass

        def refuse(event):
            raise Refusal("the source bundle is missing: upload it")
        with contextlib.redirect_stdout(self.log):
            kit.run_request(self.event("Create"), FakeContext(), refuse, lambda e: "stamp-failed",
                            plain=(Refusal,))
        response = json.loads(self.server.wait_for(1)[0]["body"])
        self.assertEqual((response["Status"], response["Reason"], response["PhysicalResourceId"]),
                         ("FAILED", "the source bundle is missing: upload it", "stamp-failed"))

    def test_data_that_json_cannot_hold_still_gets_an_answer(self):
        with contextlib.redirect_stdout(self.log):
            kit.run_request(self.event("Create"), FakeContext(), lambda e: ("id-1", {"x": object()}),
                            lambda e: "failed-id")
        response = json.loads(self.server.wait_for(1)[0]["body"])
        self.assertEqual(response["Status"], "FAILED")
        self.assertIn("the answer could not be encoded (TypeError", response["Reason"])

    def test_run_request_times_out_with_the_callers_reason(self):
        def hang(event):
            self.server.wait_for(1, timeout=30)
            return "late", {}
        with contextlib.redirect_stdout(self.log):
            kit.run_request(self.event("Create"), FakeContext(4000), hang, lambda e: "stamp-failed",
                            margin=2.0, timeout_reason="the stamper ran out of time")
        response = json.loads(self.server.wait_for(1)[0]["body"])
        self.assertEqual((response["Status"], response["Reason"]), ("FAILED", "the stamper ran out of time"))


class PhysicalIds(KitCase):

    def test_an_in_place_update_keeps_the_physical_id(self):
        created = self.answer(self.service(), self.event("Create"))
        pid = created["PhysicalResourceId"]
        self.assertRegex(pid, r"^WwwRecord-[0-9a-f]{12}-[0-9a-f]{8}$")
        self.server.requests.clear()
        self.calls.clear()
        updated = self.answer(self.service(), self.event(
            "Update", self.props(ttl="60"), old=self.props(), physical_id=pid, request_id="req-2"))
        self.assertEqual(updated["Status"], "SUCCESS")
        self.assertEqual(updated["PhysicalResourceId"], pid)
        name, (inputs, old_inputs) = self.calls[0]
        self.assertEqual(name, "update")
        self.assertEqual((inputs["ttl"], old_inputs["ttl"]), (60, 300))

    def test_a_changed_replace_input_creates_a_new_resource_with_a_new_id(self):
        for original in (self.answer(self.service(), self.event("Create"))["PhysicalResourceId"],
                         "WwwRecord-000000000000"):       # the kit's own ID, and one without IDENT8
            self.server.requests.clear()
            self.calls.clear()
            updated = self.answer(self.service(), self.event(
                "Update", self.props(zone="Z2"), old=self.props(), physical_id=original,
                request_id="req-2"))
            self.assertEqual(updated["Status"], "SUCCESS")
            self.assertNotEqual(updated["PhysicalResourceId"], original)
            self.assertRegex(updated["PhysicalResourceId"], r"^WwwRecord-[0-9a-f]{12}-[0-9a-f]{8}$")
            self.assertEqual([c[0] for c in self.calls], ["create"])
            self.assertEqual(self.calls[0][1][0]["zone"], "Z2")

    def test_the_rollback_of_a_failed_replacement_updates_the_original_in_place(self):
        # zone Z1 -> Z2 failed in create(), so the resource kept its ID (made
        # for Z1); the rollback Update (Z2 -> Z1) must not create a second Z1
        # that CloudFormation's Delete of the original ID would then remove.
        original = self.answer(self.service(), self.event("Create"))["PhysicalResourceId"]
        self.server.requests.clear()
        self.calls.clear()
        response = self.answer(self.service(), self.event(
            "Update", self.props(), old=self.props(zone="Z2", ttl="bad"), physical_id=original,
            request_id="req-3"))
        self.assertEqual(response["Status"], "SUCCESS")
        self.assertEqual(response["PhysicalResourceId"], original)
        name, (inputs, old_inputs) = self.calls[0]
        self.assertEqual(name, "update")
        self.assertEqual((inputs["zone"], old_inputs["zone"]), ("Z1", "Z2"))
        self.assertEqual(old_inputs["ttl"], "bad", "an old value that cannot be restored is passed as sent")

    def test_a_failed_update_keeps_the_old_id(self):
        response = self.answer(self.service(error=RuntimeError("no")), self.event(
            "Update", self.props(ttl="60"), old=self.props(), physical_id="WwwRecord-000000000000"))
        self.assertEqual(response["Status"], "FAILED")
        self.assertEqual(response["PhysicalResourceId"], "WwwRecord-000000000000")

    def test_delete_after_a_failed_create_succeeds_without_calling_delete(self):
        failed = self.answer(self.service(error=RuntimeError("no")), self.event("Create"))
        self.assertTrue(failed["PhysicalResourceId"].startswith("hitc-failed-WwwRecord-"))
        self.server.requests.clear()
        self.calls.clear()
        deleted = self.answer(self.service(), self.event(
            "Delete", physical_id=failed["PhysicalResourceId"], request_id="req-2"))
        self.assertEqual(deleted["Status"], "SUCCESS")
        self.assertEqual(deleted["PhysicalResourceId"], failed["PhysicalResourceId"])
        self.assertEqual(self.calls, [], "delete() must not run for a resource never created")

    def test_the_physical_id_is_the_documented_hash_as_in_the_node_kit(self):
        c = CASES["physical_id"]
        event = {"StackId": c["stack"], "LogicalResourceId": c["logical"], "RequestId": c["request"],
                 "ResourceProperties": c["props"]}
        self.assertEqual(kit.new_physical_id(event), CASES["physical_id"]["want"])

    def test_delete_of_a_real_resource_calls_delete_with_typed_inputs(self):
        deleted = self.answer(self.service(), self.event("Delete", physical_id="WwwRecord-0123456789ab"))
        self.assertEqual(deleted["Status"], "SUCCESS")
        self.assertEqual(deleted["PhysicalResourceId"], "WwwRecord-0123456789ab")
        self.assertEqual(self.calls[0][0], "delete")
        self.assertEqual(self.calls[0][1][0]["ttl"], 300)


class Outputs(KitCase):

    def test_a_missing_declared_output_fails_naming_it(self):
        response = self.answer(self.service(result={"fqdn": "x"}),
                               self.event("Create", self.props(outputs=("fqdn", "id", "zone_id"))))
        self.assertEqual(response["Status"], "FAILED")
        self.assertIn("did not return the declared outputs of plugin 'dns-record' 'id', 'zone_id'",
                      response["Reason"])

    def test_undeclared_keys_are_dropped(self):
        response = self.answer(self.service(result={"fqdn": "x", "secret": "s", "debug": 1}),
                               self.event("Create"))
        self.assertEqual(response["Data"], {"fqdn": "x"})

    def test_output_values_become_strings(self):
        for case in CASES["outputs"]:
            with self.subTest(case=case):
                self.assertEqual(kit.output_text("out", case["value"]), case["want"])
        for case in CASES["bad_outputs"]:
            with self.subTest(case=case):
                with self.assertRaises(kit.Failure) as caught:
                    kit.output_text("out", case["value"])
                self.assertIn(case["reason"], str(caught.exception))
        response = self.answer(self.service(result={"fqdn": ["a", "b"], "n": 1}),
                               self.event("Create", self.props(outputs=("fqdn",))))
        self.assertEqual(response["Data"], {"fqdn": "a,b"})


class Bounds(KitCase):

    def test_a_long_reason_is_cut_so_the_body_fits_4096_bytes(self):
        with contextlib.redirect_stdout(self.log), contextlib.redirect_stderr(self.log):
            self.service(error=kit.Failure("é" * 9000))(self.event("Create"), FakeContext())
        response_raw = self.server.wait_for(1)[0]["body"]
        self.assertLessEqual(len(response_raw), 4096)
        response = json.loads(response_raw)
        self.assertTrue(response["Reason"].endswith(" [cut]"))
        self.assertGreater(len(response["Reason"]), 100)

    def test_data_too_big_fails_naming_the_outputs(self):
        result = {"fqdn": "x", "blob": "b" * 3000, "more": "m" * 2000}
        raw_handler = self.service(result=result)
        with contextlib.redirect_stdout(self.log):
            raw_handler(self.event("Create", self.props(outputs=("fqdn", "blob", "more"))), FakeContext())
        body = self.server.wait_for(1)[0]["body"]
        self.assertLessEqual(len(body), 4096)
        response = json.loads(body)
        self.assertEqual(response["Status"], "FAILED")
        self.assertEqual(response["Data"], {})
        self.assertIn("too big: 'blob' (3002 bytes)", response["Reason"])
        self.assertNotIn("'fqdn'", response["Reason"])


class Delivery(KitCase):

    def test_the_answer_is_put_with_an_empty_content_type(self):
        self.answer(self.service(), self.event("Create"))
        self.assertEqual(self.server.requests[0]["content_type"], "")

    def test_server_errors_and_429_are_retried(self):
        # 429 (too many requests) is retried like a 5xx; before, it was final.
        self.server.script = [500, 503, 429, 500]
        response = self.answer(self.service(), self.event("Create"))
        self.assertEqual(response["Status"], "SUCCESS")
        self.assertEqual([r["status"] for r in self.server.requests], [500, 503, 429, 500, 200])

    def test_dropped_connections_are_retried(self):
        self.server.script = [None, None]
        response = self.answer(self.service(), self.event("Create"))
        self.assertEqual(response["Status"], "SUCCESS")
        self.assertEqual([r["status"] for r in self.server.requests], [None, None, 200])

    def test_retries_stop_when_the_time_is_up(self):
        self.server.script = [500] * 10 ** 6
        with contextlib.redirect_stdout(self.log):
            sent = kit.put_response(self.server.url, b"{}", time.monotonic() + 2.0)
        self.assertFalse(sent)
        self.assertGreater(len(self.server.requests), 1)
        self.assertIn("gave up sending the answer", self.log.getvalue())

    def test_a_4xx_is_not_retried(self):
        # A 403 from S3 (an expired or mis-signed URL) will not get better.
        self.server.script = [403]
        with contextlib.redirect_stdout(self.log):
            sent = kit.put_response(self.server.url, b"{}", time.monotonic() + 5)
        self.assertFalse(sent)
        self.assertEqual([r["status"] for r in self.server.requests], [403])
        self.assertIn("CloudFormation refused the answer", self.log.getvalue())


class EveryPathAnswers(KitCase):
    """Reproductions: each of these left CloudFormation waiting out its whole
    timeout, because the kit raised on its way to the FAILED answer."""

    def answer_raising(self, handler, event, error):
        """Run a handler that must answer and then raise error (SystemExit, say)."""
        with contextlib.redirect_stdout(self.log), contextlib.redirect_stderr(self.log):
            with self.assertRaises(error):
                handler(event, FakeContext())
        accepted = self.server.wait_for(1)
        self.assertEqual(len(accepted), 1, f"want exactly one answer, got {len(accepted)}")
        return json.loads(accepted[0]["body"])

    def test_a_malformed_hitcplugin_property_is_answered_failed(self):
        # The failure path re-parsed HitcPlugin for the physical ID and raised again.
        for bad, reason in (("{not json", "the property HitcPlugin is not JSON"),
                            ([1, 2], "the property HitcPlugin must be a map"),
                            ({"Types": "zone"}, "the property HitcPlugin must hold Types")):
            with self.subTest(bad=bad):
                self.server.requests.clear()
                props = self.props()
                props["HitcPlugin"] = bad
                for kind in ("Create", "Update", "Delete"):
                    self.server.requests.clear()
                    response = self.answer(self.service(), self.event(
                        kind, props, old=props if kind == "Update" else None,
                        physical_id=None if kind == "Create" else "WwwRecord-0123456789ab-00000000"))
                    self.assertEqual(response["Status"], "FAILED")
                    self.assertIn(reason, response["Reason"])
                    if kind == "Create":
                        self.assertTrue(response["PhysicalResourceId"].startswith("hitc-failed-WwwRecord-"),
                                        response["PhysicalResourceId"])
                self.assertEqual(self.calls, [])

    def test_system_exit_and_cancellation_are_answered_then_raised_again(self):
        import asyncio
        for error, reason in ((SystemExit(3), "SystemExit: 3"),
                              (asyncio.CancelledError(), "CancelledError"),
                              (KeyboardInterrupt(), "KeyboardInterrupt")):
            with self.subTest(error=error):
                self.server.requests.clear()
                response = self.answer_raising(self.service(error=error), self.event("Create"),
                                               type(error))
                self.assertEqual(response["Status"], "FAILED")
                self.assertTrue(response["Reason"].startswith(reason), response["Reason"])
                self.assertTrue(response["PhysicalResourceId"].startswith("hitc-failed-"))

    def test_an_exception_whose_text_cannot_be_made_is_answered(self):
        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no text for you")

        class NotText(Exception):
            def __str__(self):
                return 42
        for error in (Unprintable(), NotText()):
            with self.subTest(error=type(error).__name__):
                self.server.requests.clear()
                response = self.answer(self.service(error=error), self.event("Create"))
                self.assertEqual(response["Status"], "FAILED")
                self.assertTrue(response["Reason"].startswith(
                    f"{type(error).__name__} (its message could not be read)"), response["Reason"])

    def test_the_watchdog_answers_even_when_the_physical_id_cannot_be_made(self):
        def hang(event):
            self.server.wait_for(1, timeout=30)
            return "late", {}

        def broken_id(event):
            raise ValueError("no id")
        with contextlib.redirect_stdout(self.log), contextlib.redirect_stderr(self.log):
            kit.run_request(self.event("Create"), FakeContext(4000), hang, broken_id, margin=2.0)
        response = json.loads(self.server.wait_for(1)[0]["body"])
        self.assertEqual(response["Status"], "FAILED")
        self.assertEqual(response["PhysicalResourceId"], "hitc-failed-req-1")

    def test_the_number_pattern_does_not_backtrack(self):
        # "1" * N + "x" took quadratic time in the number pattern (minutes
        # for 200,000 digits); the check runs in a process of its own, which
        # a hang would keep past the generous bound.
        import subprocess
        code = ("import importlib.util, sys\n"
                "spec = importlib.util.spec_from_file_location('k', sys.argv[1])\n"
                "k = importlib.util.module_from_spec(spec); spec.loader.exec_module(k)\n"
                "for text in ('1' * 200000 + 'x', '1' * 200000 + '.' + '1' * 200000 + 'x', '1' * 5000):\n"
                "    try:\n"
                "        k.restore('n', 'number', text); print('accepted')\n"
                "    except k.Failure as err:\n"
                "        print(str(err)[:38])\n")
        out = subprocess.run([sys.executable, "-c", code, KIT_PATH], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.stdout.splitlines(), ["input 'n' must be a number, got \"11111"] * 3,
                         out.stderr)


if __name__ == "__main__":
    unittest.main()

"""The stamper answers once and in time, whatever the work does."""
import contextlib
import io
import json
import threading
import time

from stamper_support import FakeContext, StamperCase, stamper


class Watchdog(StamperCase):

    def setUp(self):
        super().setUp()
        self.real_perform = stamper.perform
        self.release = threading.Event()
        self.returned = threading.Event()

    def tearDown(self):
        self.release.set()
        stamper.perform = self.real_perform
        super().tearDown()

    def hang(self, event):
        self.release.wait(30)
        self.returned.set()
        return "s3://late/answer", {"Bucket": "late"}

    def test_hanging_work_is_answered_failed_before_the_deadline_exactly_once(self):
        stamper.perform = self.hang
        context = FakeContext(3000)
        started = time.monotonic()
        result = stamper.handler(self.event("Create"), context)
        returned_at = time.monotonic()
        requests = self.server.wait_for(1)
        self.assertEqual(len(requests), 1)
        self.assertLess(requests[0]["time"], context.deadline, "answered before the timeout")
        self.assertLess(returned_at, context.deadline, "the handler returned before the timeout")
        self.assertGreater(requests[0]["time"] - started, 1.0, "the work got most of the time")
        response = json.loads(requests[0]["body"])
        self.assertEqual(response["Status"], "FAILED")
        self.assertIn("ran out of time", response["Reason"])
        self.assertIn(FakeContext.log_stream_name, response["Reason"])
        self.assertTrue(response["PhysicalResourceId"].startswith("hitc-failed-"))
        self.assertEqual(result["Status"], "FAILED")
        self.assertEqual(requests[0]["headers"]["Content-Type"], "")
        # the work finishes late: it must not answer a second time
        self.release.set()
        self.assertTrue(self.returned.wait(5))
        time.sleep(0.5)
        self.assertEqual(len(self.server.requests), 1)

    def test_hanging_delete_keeps_its_physical_id(self):
        stamper.perform = self.hang
        event = self.event("Delete", physical="s3://code-bucket/some/key.zip")
        stamper.handler(event, FakeContext(2500))
        response = json.loads(self.server.wait_for(1)[0]["body"])
        self.assertEqual(response["Status"], "FAILED")
        self.assertEqual(response["PhysicalResourceId"], "s3://code-bucket/some/key.zip")

    def test_unexpected_errors_are_answered_failed_once(self):
        def explode(event):
            raise KeyError("surprise")
        stamper.perform = explode
        with contextlib.redirect_stderr(io.StringIO()) as err:
            response = self.invoke(self.event("Create"))
        self.assert_failed(response, "unexpectedly", "KeyError", FakeContext.log_stream_name)
        self.assertIn("Traceback", err.getvalue())

    def test_fast_work_is_answered_once_with_its_result(self):
        stamper.perform = lambda event: ("s3://b/k", {"Bucket": "b", "Key": "k", "Sha256": "0"})
        response = self.invoke(self.event("Create"), millis=3000)
        self.assert_success(response)
        self.assertEqual(response["Data"], {"Bucket": "b", "Key": "k", "Sha256": "0"})

    def test_no_response_url_sends_nothing_and_does_not_crash(self):
        event = self.event("Delete", physical="x")
        del event["ResponseURL"]
        stamper.handler(event, FakeContext(3000))
        time.sleep(0.2)
        self.assertEqual(self.server.requests, [])

    def test_work_budget_leaves_a_reserve(self):
        self.assertEqual(stamper.work_budget(120.0), 105.0)
        self.assertEqual(stamper.work_budget(3.0), 2.0)
        self.assertEqual(stamper.work_budget(0.5), 0.0)
        for seconds in (1.0, 10.0, 60.0, 300.0, 900.0):
            self.assertLess(stamper.work_budget(seconds), seconds)

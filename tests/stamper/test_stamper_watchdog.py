"""The stamper answers once and in time, whatever the work does."""
import contextlib
import io
import json
import threading
import time

from stamper_support import FakeContext, ResponseServer, StamperCase, kit, stamper


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
        # The kit's run_request keeps the work on the handler's thread: the
        # watchdog answers in time, and the handler returns when the work ends
        # (in Lambda, a work that never ends is a timeout after the answer).
        threading.Timer(4.0, self.release.set).start()
        result = stamper.handler(self.event("Create"), context)
        requests = self.server.wait_for(1)
        self.assertEqual(len(requests), 1)
        self.assertLess(requests[0]["time"], context.deadline, "answered before the timeout")
        self.assertGreater(requests[0]["time"] - started, 1.0, "the work got most of the time")
        response = json.loads(requests[0]["body"])
        self.assertEqual(response["Status"], "FAILED")
        self.assertIn("ran out of time", response["Reason"])
        self.assertIn(FakeContext.log_stream_name, response["Reason"])
        self.assertTrue(response["PhysicalResourceId"].startswith("hitc-failed-"))
        self.assertEqual(result["Status"], "FAILED")
        self.assertEqual(requests[0]["headers"]["Content-Type"], "")
        # the work finished late: it must not answer a second time
        self.assertTrue(self.returned.is_set())
        time.sleep(0.5)
        self.assertEqual(len(self.server.requests), 1)

    def test_hanging_delete_keeps_its_physical_id(self):
        stamper.perform = self.hang
        threading.Timer(3.0, self.release.set).start()
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


class Answering(StamperCase):
    """Reproduction (issue 6, section 5): hitc 0.1 gave up after one HTTP 5xx
    from the ResponseURL and retried a refused connection once, at once; the
    stack then waited out ServiceTimeout (300 s).  Now: retries with
    exponential backoff and jitter while the Lambda's time allows (the plugin
    kit's put_response; tests/plugin checks its backoff)."""

    def setUp(self):
        super().setUp()
        kit.RETRY_BASE, kit.RETRY_CAP = 0.02, 0.1       # short pauses, same rules
        self.real_perform = stamper.perform
        stamper.perform = lambda event: ("s3://b/k", {"Bucket": "b", "Key": "k", "Sha256": "0"})

    def tearDown(self):
        stamper.perform = self.real_perform
        super().tearDown()

    def use_server(self, server):
        self.server.close()
        self.server = server

    def test_http_5xx_and_429_are_retried(self):
        self.use_server(ResponseServer(statuses=[500, 503, 502, 429]))
        stamper.handler(self.event("Create"), FakeContext(60000))
        self.assertEqual([r["status"] for r in self.server.turned_away], [500, 503, 502, 429])
        self.assertEqual(len(self.server.wait_for(1)), 1)
        self.assertEqual(json.loads(self.server.requests[0]["body"])["Status"], "SUCCESS")

    def test_a_refused_connection_is_retried_after_a_pause(self):
        self.use_server(ResponseServer(listening=False))     # bound, refusing for now
        threading.Timer(0.3, self.server.listen).start()
        stamper.handler(self.event("Delete", physical="x"), FakeContext(60000))
        requests = self.server.wait_for(1)
        self.assertEqual(len(requests), 1)
        self.assertEqual(json.loads(requests[0]["body"])["Status"], "SUCCESS")
        self.assertTrue(any(m == "cannot send the answer" for m, _ in self.logs), self.logs)

    def test_retries_stop_before_the_lambda_times_out(self):
        self.use_server(ResponseServer(statuses=[503] * 100000))
        context = FakeContext(3000)
        stamper.handler(self.event("Delete", physical="x"), context)
        self.assertGreater(len(self.server.turned_away), 3)
        self.assertEqual(self.server.requests, [])
        self.assertGreater(context.get_remaining_time_in_millis(), 0, "gave up in time")

    def test_a_4xx_is_final(self):
        self.use_server(ResponseServer(statuses=[403, 403]))
        stamper.handler(self.event("Delete", physical="x"), FakeContext(60000))
        self.assertEqual(len(self.server.turned_away), 1)
        self.assertEqual(self.server.requests, [])

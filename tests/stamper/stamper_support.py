"""Shared pieces of the stamper tests: the stamper module, moto's S3, a local
HTTP server standing in for CloudFormation's ResponseURL, a fake Lambda context,
and builders for events and zips.
"""
import hashlib
import importlib.util
import io
import json
import logging
import os
import sys
import threading
import time
import unittest
import uuid
import warnings
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
logging.getLogger("werkzeug").setLevel(logging.ERROR)      # moto's server: one line per request
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STAMPER_PATH = os.path.join(ROOT, "runtime-support", "stamper", "index.py")
PY_READER_PATH = os.path.join(ROOT, "runtime-support", "python", "hitc_env.py")
NODE_READER_PATH = os.path.join(ROOT, "runtime-support", "node", "hitc_env.js")
KIT_DIR = os.path.join(ROOT, "runtime-support", "plugin", "python")   # hitc_plugin.py

BUCKET = "code-bucket"           # each test's bucket: this, the process id and a serial
PREFIX = "hitc/"
SOURCE_KEY = PREFIX + "0" * 64 + ".zip"
TARGET_PREFIX = PREFIX + "stamped/"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/hits-dev/11111111-2222-3333-4444-555555555555"
OTHER_STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/hits-prod/66666666-7777-8888-9999-000000000000"
LOGICAL_ID = "CounterFunctionCode"


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The stamper imports the plugin kit's protocol layer, which its bundle carries
# beside index.py; here it comes from the kit's own directory.
sys.path.insert(0, KIT_DIR)
stamper = load_module("hitc_stamper_under_test", STAMPER_PATH)
kit = sys.modules["hitc_plugin"]
py_reader = load_module("hitc_env_under_test", PY_READER_PATH)


def stack_part(stack_id):
    """What the contract says the stack's part of a key is (computed here independently)."""
    name = stack_id.split("/")[1]
    return f"{name}/{hashlib.sha256(stack_id.encode()).hexdigest()[:12]}"


def make_zip(files, date_time=(2024, 5, 6, 7, 8, 10)):
    """A zip from [(name, bytes, mode)] in the order given."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # duplicate names on purpose
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data, mode in files:
                info = zipfile.ZipInfo(name, date_time=date_time)
                info.external_attr = mode << 16
                info.create_system = 3
                z.writestr(info, data)
    return buf.getvalue()


def zip_entries(data):
    """{name: (bytes, mode, date_time)} and the names in archive order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        entries = {i.filename: (z.read(i), i.external_attr >> 16, i.date_time) for i in infos}
        return entries, [i.filename for i in infos]


class ResponseServer:
    """A local HTTP server that records every PUT it gets, as CloudFormation's URL would.

    statuses: HTTP codes to answer the first PUTs with (then 200); a PUT answered
    with an error is kept in self.turned_away, not in self.requests.
    listening=False: bound to its port but refusing connections until listen()."""

    def __init__(self, statuses=(), listening=True):
        self.requests = []
        self.turned_away = []
        self.statuses = list(statuses)
        self.arrived = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with server.arrived:
                    status = server.statuses.pop(0) if server.statuses else 200
                    record = {"path": self.path, "headers": self.headers, "body": body,
                              "time": time.monotonic(), "status": status}
                    (server.requests if status == 200 else server.turned_away).append(record)
                    server.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self.httpd.server_bind()
        self.thread = None
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/response?sig=abc"
        if listening:
            self.listen()

    def listen(self):
        self.httpd.server_activate()
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def wait_for(self, count, timeout=10):
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
        return list(self.requests)

    def close(self):
        if self.thread:
            self.httpd.shutdown()
        self.httpd.server_close()


class FakeContext:
    """A Lambda context whose remaining time runs down in real time."""

    log_stream_name = "2024/01/01/[$LATEST]abcdef0123456789"

    def __init__(self, millis=60000):
        self.deadline = time.monotonic() + millis / 1000.0

    def get_remaining_time_in_millis(self):
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class StamperCase(unittest.TestCase):
    """One moto S3 server per test class, on a free port of 127.0.0.1; each test
    gets its own bucket (a unique name) and a fresh response server."""

    moto = None
    serial = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from moto.server import ThreadedMotoServer
        cls.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        cls.moto.start()
        host, port = cls.moto.get_host_and_port()
        cls.endpoint = f"http://{host}:{port}"

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()
        super().tearDownClass()

    def setUp(self):
        self.saved_env = dict(os.environ)
        for name in ("AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_CONFIG_FILE",
                     "AWS_SHARED_CREDENTIALS_FILE"):
            os.environ.pop(name, None)
        os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                           "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.endpoint})
        import boto3
        self.s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=self.endpoint)
        StamperCase.serial += 1
        self.bucket = f"{BUCKET}-{os.getpid()}-{StamperCase.serial}-{uuid.uuid4().hex[:8]}"
        self.s3.create_bucket(Bucket=self.bucket)
        stamper._s3 = None                   # the stamper's client must use this endpoint
        self.logs = []                       # the stamper's log lines, kept off the test output
        self.real_log = stamper.log            # the stamper's and the kit's (the answers)
        stamper.log = kit.log = lambda message, **fields: self.logs.append((message, fields))
        self.real_retry = (kit.RETRY_BASE, kit.RETRY_CAP)
        self.server = ResponseServer()
        self.counter = 0

    def tearDown(self):
        self.server.close()
        stamper._s3 = None
        stamper.log = kit.log = self.real_log
        kit.RETRY_BASE, kit.RETRY_CAP = self.real_retry
        os.environ.clear()
        os.environ.update(self.saved_env)

    # --- builders --------------------------------------------------------

    def put_source(self, files, key=SOURCE_KEY):
        data = make_zip(files) if isinstance(files, list) else files
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return data

    def event(self, kind, env=None, stack_id=STACK_ID, logical=LOGICAL_ID,
              physical=None, source_key=SOURCE_KEY, **props):
        self.counter += 1
        properties = {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:stamper",
                      "ServiceTimeout": "300", "SourceBucket": self.bucket, "SourceKey": source_key,
                      "TargetPrefix": TARGET_PREFIX,
                      "Env": {"table": "hits-dev-CountersTable-1ABC"} if env is None else env}
        properties.update(props)
        event = {"RequestType": kind, "ResponseURL": self.server.url, "StackId": stack_id,
                 "RequestId": f"request-{self.counter}", "ResourceType": "Custom::HitcStamp",
                 "LogicalResourceId": logical, "ResourceProperties": properties}
        if physical is not None:
            event["PhysicalResourceId"] = physical
        return event

    # --- running ---------------------------------------------------------

    def invoke(self, event, millis=60000):
        """Run the handler; return the one response it PUT, parsed, after checking its form."""
        before = len(self.server.requests)
        stamper.handler(event, FakeContext(millis))
        requests = self.server.wait_for(before + 1)
        time.sleep(0.05)                      # a second answer would show up here
        requests = self.server.requests[before:]
        self.assertEqual(len(requests), 1, "exactly one answer per request")
        request = requests[0]
        self.assertEqual(request["path"], "/response?sig=abc")
        self.assertIn("Content-Type", request["headers"])
        self.assertEqual(request["headers"]["Content-Type"], "")
        self.assertLessEqual(len(request["body"]), 4096)
        response = json.loads(request["body"])
        self.assertEqual(response["StackId"], event["StackId"])
        self.assertEqual(response["RequestId"], event["RequestId"])
        self.assertEqual(response["LogicalResourceId"], event["LogicalResourceId"])
        self.assertIn(response["Status"], ("SUCCESS", "FAILED"))
        self.assertTrue(response["PhysicalResourceId"])
        return response

    def assert_success(self, response):
        self.assertEqual(response["Status"], "SUCCESS", response.get("Reason"))

    def assert_failed(self, response, *phrases):
        self.assertEqual(response["Status"], "FAILED", response.get("PhysicalResourceId"))
        for phrase in phrases:
            self.assertIn(phrase, response["Reason"])

    def stamped_keys(self):
        listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=TARGET_PREFIX)
        return sorted(o["Key"] for o in listing.get("Contents", []))

    def get(self, key):
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

"""Shared pieces of the plugin examples' tests (examples/seeded-hits,
examples/releases): moto's DynamoDB in process, the example modules loaded as
Lambda loads them (their directory first on the path, the plugin kit and the
.env reader beside them as hitc build puts them in the bundle), and a service
driven through the kit's handler with CloudFormation's events, its one answer
captured."""
import importlib.util
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KIT_DIR = os.path.join(ROOT, "runtime-support", "plugin", "python")
STAMPER = os.path.join(ROOT, "runtime-support", "stamper", "index.py")
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/app-dev/0f0e0d0c-0b0a-0908-0706-050403020100"

sys.path.append(KIT_DIR)
# hitc adds runtime-support/python/hitc_env.py to every stamped bundle; here
# the code finds it on the path, after its own directory.
sys.path.append(os.path.join(ROOT, "runtime-support", "python"))
import hitc_plugin as kit  # noqa: E402  (the one copy every service and the stamper load)


def load(name, directory, filename):
    """DIRECTORY/FILENAME as module NAME, with DIRECTORY first on the path while
    it loads (hitc_env.py and hitc_plugin.py from runtime-support, as hitc build
    puts them beside it in the bundle), as Lambda imports it."""
    sys.path.insert(0, directory)
    try:
        sys.modules.pop("hitc_env", None)
        spec = importlib.util.spec_from_file_location(name, os.path.join(directory, filename))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(directory)


stamper = load("plugin_examples_stamper", os.path.dirname(STAMPER), "index.py")


class Context:
    log_stream_name = "2026/11/30/[$LATEST]0123"

    def get_remaining_time_in_millis(self):
        return 60000


class ExampleCase(unittest.TestCase):
    """moto's DynamoDB for each test, a task root for a stamped .env, and the
    answers the kit would PUT to CloudFormation."""

    def setUp(self):
        from moto import mock_aws
        self.saved_env = dict(os.environ)
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
            os.environ.pop(name, None)
        self.task_root = tempfile.TemporaryDirectory()
        os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                           "AWS_REGION": "us-east-1", "LAMBDA_TASK_ROOT": self.task_root.name})
        self.mock = mock_aws()
        self.mock.start()
        import boto3
        self.dynamodb = boto3.resource("dynamodb", region_name="us-east-1")
        self.answers = []
        self.saved_kit = (kit.put_response, kit.log)
        kit.put_response = lambda url, body, deadline: self.answers.append(json.loads(body)) or True
        kit.log = lambda message, **fields: None
        self.requests = 0

    def tearDown(self):
        kit.put_response, kit.log = self.saved_kit
        self.mock.stop()
        self.task_root.cleanup()
        os.environ.clear()
        os.environ.update(self.saved_env)

    def make_table(self, name, key):
        self.dynamodb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
        return self.dynamodb.Table(name)

    def write_env(self, env):
        """The .env as the stamper writes it, in the task root."""
        with open(os.path.join(self.task_root.name, ".env"), "w", encoding="utf-8") as f:
            f.write(stamper.format_env(env))

    def request(self, handler, kind, plugin, props, old=None, physical_id=None):
        """Send handler one custom-resource request as CloudFormation does (every
        scalar a string, HitcPlugin as hitc emits it); its one answer."""
        self.requests += 1
        def as_cfn(values):
            return {k: [str(x) for x in v] if isinstance(v, list) else str(v)
                    for k, v in values.items()}
        properties = {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:svc",
                      "ServiceTimeout": "120", "HitcPlugin": plugin, **as_cfn(props)}
        event = {"RequestType": kind, "ResponseURL": "http://127.0.0.1:9/unused",
                 "StackId": STACK_ID, "RequestId": f"request-{self.requests}",
                 "LogicalResourceId": "Resource", "ResourceType": "Custom::Test",
                 "ResourceProperties": properties}
        if old is not None:
            event["OldResourceProperties"] = {**properties, **as_cfn(old)}
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        before = len(self.answers)
        handler(event, Context())
        self.assertEqual(len(self.answers), before + 1, "exactly one answer")
        return self.answers[-1]

    def proxy_get(self, handler, path_name=None):
        """GET /NAME (or GET /) through API Gateway's proxy event; (status, body)."""
        event = {"resource": "/{name}" if path_name else "/", "httpMethod": "GET",
                 "path": f"/{path_name or ''}",
                 "pathParameters": {"name": path_name} if path_name else None}
        response = handler(event, None)
        self.assertEqual(response["headers"]["Content-Type"], "application/json")
        return response["statusCode"], json.loads(response["body"])

"""Shared pieces of the plugin examples' tests (examples/seeded-hits,
examples/releases): moto's DynamoDB in process, the example modules loaded as
Lambda loads them (their directory first on the path, the plugin kit and the
.env reader beside them as hitc build puts them in the bundle), and a service
driven through the kit's handler with CloudFormation's events, its one answer
captured."""
import json

from example_support import ROOT, MotoCase, load  # noqa: F401  (ROOT, load: for the tests)
import hitc_plugin as kit  # (the one copy every service and the stamper load)

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/app-dev/0f0e0d0c-0b0a-0908-0706-050403020100"


class Context:
    log_stream_name = "2026/11/30/[$LATEST]0123"

    def get_remaining_time_in_millis(self):
        return 60000


class ExampleCase(MotoCase):
    """moto's DynamoDB for each test, a task root for a stamped .env, and the
    answers the kit would PUT to CloudFormation."""

    def setUp(self):
        super().setUp()
        self.answers = []
        self.saved_kit = (kit.put_response, kit.log)
        kit.put_response = lambda url, body, deadline: self.answers.append(json.loads(body)) or True
        kit.log = lambda message, **fields: None
        self.requests = 0

    def tearDown(self):
        kit.put_response, kit.log = self.saved_kit
        super().tearDown()

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

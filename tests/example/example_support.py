"""What the example tests share (not a test file: tests/pyrunner.py collects
test_*.py only, and puts this directory on the path).

The runtime support on the path as hitc build puts it in a bundle, a loader
that imports a code directory's module as Lambda does, the stamper that writes
each test's .env, and MotoCase: moto's AWS in process for each test, with a
task root for the stamped .env."""
import importlib.util
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
READER = os.path.join(ROOT, "runtime-support", "python", "hitc_env.py")
STAMPER = os.path.join(ROOT, "runtime-support", "stamper", "index.py")
KIT_DIR = os.path.join(ROOT, "runtime-support", "plugin", "python")
# hitc adds runtime-support/python/hitc_env.py to every stamped bundle; here
# the code finds it on the path, after its own directory.
sys.path.append(os.path.dirname(READER))
sys.path.append(KIT_DIR)  # the plugin kit, which the stamper imports too


def load(name, path, directory=None, fresh=("hitc_env",)):
    """PATH as module NAME.  With DIRECTORY (the code directory), as Lambda
    imports it: DIRECTORY first on the path while it loads, and the modules
    named in FRESH dropped first, so it finds its own (or runtime-support's
    hitc_env.py, as hitc build puts it beside the code in the bundle)."""
    if directory:
        sys.path.insert(0, directory)
        for m in fresh:
            sys.modules.pop(m, None)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        if directory:
            sys.path.remove(directory)


stamper = load("example_support_stamper", STAMPER, os.path.dirname(STAMPER))


class MotoCase(unittest.TestCase):
    """moto's AWS for each test (no endpoint or profile of the caller's, fake
    credentials in us-east-1), a LAMBDA_TASK_ROOT for the .env, and a DynamoDB
    resource; the environment as it was afterwards."""

    def setUp(self):
        from moto import mock_aws
        self.saved_env = dict(os.environ)
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3",
                     "AWS_ENDPOINT_URL_SQS", "AWS_PROFILE"):
            os.environ.pop(name, None)
        self.task_root = tempfile.TemporaryDirectory()
        os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                           "AWS_REGION": "us-east-1", "LAMBDA_TASK_ROOT": self.task_root.name})
        self.mock = mock_aws()
        self.mock.start()
        import boto3
        self.dynamodb = boto3.resource("dynamodb", region_name="us-east-1")

    def tearDown(self):
        self.mock.stop()
        self.task_root.cleanup()
        os.environ.clear()
        os.environ.update(self.saved_env)

    def make_table(self, name, *keys):
        """An on-demand table NAME keyed on KEYS (hash, then range; default
        'name'), every key a string; the Table."""
        keys = keys or ("name",)
        self.dynamodb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in zip(keys, ("HASH", "RANGE"))],
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys])
        return self.dynamodb.Table(name)

    def write_env(self, env):
        """The .env as the stamper writes it, in the task root."""
        with open(os.path.join(self.task_root.name, ".env"), "w", encoding="utf-8") as f:
            f.write(stamper.format_env(env))

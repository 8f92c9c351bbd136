"""End to end without AWS: zip examples/hits/src, stamp it as a stack would, unpack
the stamped copy as Lambda would, and count hits with the code from that copy."""
import contextlib
import io
import json
import os
import sys
import unittest
import zipfile

from example_support import READER, ROOT, STAMPER, MotoCase, load

SRC = os.path.join(ROOT, "examples", "hits", "src")
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/hits-dev/0f0e0d0c-0b0a-0908-0706-050403020100"


def bundle_of(directory):
    """The code directory as a zip, the way a stamped function's bundle holds it
    (sources only, and the .env reader that hitc adds at the root)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(os.listdir(directory)):
            if name.endswith(".py"):
                z.write(os.path.join(directory, name), name)
        z.write(READER, "hitc_env.py")
    return buf.getvalue()


class StampedExample(MotoCase):

    def stamp(self, stamper, table):
        event = {"RequestType": "Create", "StackId": STACK_ID, "RequestId": "r1",
                 "LogicalResourceId": "CounterFunctionCode", "ResourceType": "Custom::HitcStamp",
                 "ResourceProperties": {"SourceBucket": "code", "SourceKey": "hitc/src.zip",
                                        "TargetPrefix": "hitc/stamped/", "Env": {"table": table}}}

        class Context:
            log_stream_name = "stream"

            def get_remaining_time_in_millis(self):
                return 60000
        with contextlib.redirect_stdout(io.StringIO()):
            return stamper.handler(event, Context())      # no ResponseURL: it only returns

    def test_the_stamped_copy_counts_hits_in_its_stage_table(self):
        import boto3
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="code")
        s3.put_object(Bucket="code", Key="hitc/src.zip", Body=bundle_of(SRC))
        table = "hits-dev-CountersTable-1ABC"
        self.make_table(table)

        stamper = load("stamped_example_stamper", STAMPER)
        answer = self.stamp(stamper, table)
        self.assertEqual(answer["Status"], "SUCCESS", answer["Reason"])
        stamped = s3.get_object(Bucket="code", Key=answer["Data"]["Key"])["Body"].read()
        task_root = os.path.join(self.task_root.name, "task")
        with zipfile.ZipFile(io.BytesIO(stamped)) as z:
            self.assertEqual(sorted(z.namelist()), [".env", "hitc_env.py", "index.py"])
            z.extractall(task_root)

        os.environ["LAMBDA_TASK_ROOT"] = task_root
        sys.path.insert(0, task_root)
        saved_reader = sys.modules.pop("hitc_env", None)
        try:
            function = load("stamped_example_index", os.path.join(task_root, "index.py"))
            self.assertEqual(os.path.dirname(function.hitc_env.__file__), task_root)
            for expected in (1, 2):
                event = {"httpMethod": "GET", "pathParameters": {"name": "alice"}}
                response = function.handler(event, None)
                self.assertEqual(response["statusCode"], 200)
                self.assertEqual(json.loads(response["body"]), {"name": "alice", "hits": expected})
        finally:
            sys.path.remove(task_root)
            sys.modules.pop("hitc_env", None)
            if saved_reader is not None:
                sys.modules["hitc_env"] = saved_reader
        item = self.dynamodb.Table(table).get_item(Key={"name": "alice"})["Item"]
        self.assertEqual(item["hits"], 2)


if __name__ == "__main__":
    unittest.main()

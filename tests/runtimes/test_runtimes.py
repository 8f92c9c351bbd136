"""hitc's runtime table against cfn-lint's copy of AWS's Lambda data: every runtime
CloudFormation accepts is known to hitc, and hitc calls deprecated exactly those
that AWS deprecated by the table's date, with AWS's dates in the warning."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HITC = os.environ.get("HITC", os.path.join(ROOT, "hitc"))


def as_of():
    with open(os.path.join(ROOT, "compiler", "runtimes.h"), encoding="utf-8") as f:
        return re.search(r'#define RUNTIMES_AS_OF "(\d{4}-\d\d-\d\d)"', f.read())[1]


def cfn_lint_runtimes():
    from cfnlint.data import AdditionalSpecs
    from cfnlint.helpers import load_resource
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Lambda::Function")
    return (schema.schema["properties"]["Runtime"]["enum"],
            load_resource(AdditionalSpecs, "LmbdRuntimeLifecycle.json"))


class RuntimeTable(unittest.TestCase):
    def check(self, runtimes):
        """hitc check on one file with a function per runtime: {runtime: [diagnostics]}."""
        with tempfile.TemporaryDirectory() as work:
            os.mkdir(os.path.join(work, "src"))
            with open(os.path.join(work, "src", "index.py"), "w") as f:
                f.write("def handler(e, c):\n    return 1\n")
            lines = ["# one function per runtime; line 1 is where template-wide notes go"]
            for i, rt in enumerate(runtimes):
                lines.append(f'function f{i} {{ runtime {rt}; handler index.handler; code "src" }}')
            path = os.path.join(work, "app.hit")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            run = subprocess.run([HITC, "check", "--format", "json", path],
                                 capture_output=True, text=True)
        by_runtime = {rt: [] for rt in runtimes}
        for d in json.loads(run.stderr):
            if d["line"] == 1:      # the whole template: only its size may be noted
                self.assertEqual(d["code"], "W0506", d)
                continue
            by_runtime[runtimes[d["line"] - 2]].append(d)
        return run.returncode, by_runtime

    def test_cloudformation_runtimes_get_awss_verdict(self):
        enum, lifecycle = cfn_lint_runtimes()
        day = as_of()
        self.assertGreater(len(enum), 40)
        _, found = self.check(enum)
        for rt in enum:
            life = lifecycle.get(rt)
            diags = found[rt]
            if life and life["deprecated"] <= day:
                self.assertEqual([d["code"] for d in diags], ["W0212"], f"{rt}: {diags}")
                message = diags[0]["message"]
                self.assertIn(f"deprecated since {life['deprecated']}", message)
                self.assertIn(life["create-block"], message)
            else:
                self.assertEqual(diags, [], f"{rt} is current as of {day}, yet: {diags}")

    def test_unknown_runtimes_are_errors(self):
        rc, found = self.check(["python3.99", "nodejs22", "go1.22", "rust"])
        self.assertEqual(rc, 1)
        for rt, diags in found.items():
            self.assertEqual([d["code"] for d in diags], ["E0211"], f"{rt}: {diags}")
        self.assertIn("did you mean 'nodejs22.x'?", found["nodejs22"][0]["message"])
        self.assertIn("did you mean 'python3.9'?", found["python3.99"][0]["message"])

    def test_hitc_knows_every_runtime_with_a_lifecycle(self):
        """A runtime in AWS's lifecycle data that hitc calls unknown means the table is stale."""
        _, lifecycle = cfn_lint_runtimes()
        _, found = self.check(sorted(lifecycle))
        unknown = [rt for rt, diags in found.items() if any(d["code"] == "E0211" for d in diags)]
        self.assertEqual(unknown, [])

if __name__ == "__main__":
    unittest.main()

"""hitc's runtime table against cfn-lint's copy of AWS's Lambda data: every runtime
CloudFormation accepts is known to hitc; hitc refuses (E0217, exit 1) exactly the
runtimes on which Lambda stopped creating functions by the table's date, as
cfn-lint does (E2533), and warns (W0212) on those that are deprecated but still
take new functions, with AWS's dates in the message."""
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
            # the handler's file for Node runtimes too (E0219 looks for it)
            with open(os.path.join(work, "src", "index.js"), "w") as f:
                f.write("exports.handler = async () => 1;\n")
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
        blocked = deprecated = 0
        for rt in enum:
            life = lifecycle.get(rt)
            diags = found[rt]
            if life and life["create-block"] <= day:
                blocked += 1
                self.assertEqual([(d["code"], d["severity"]) for d in diags],
                                 [("E0217", "error")], f"{rt}: {diags}")
                message = diags[0]["message"]
                self.assertIn(f"deprecated since {life['deprecated']}", message)
                self.assertIn(f"refused new functions on it since {life['create-block']}",
                              message)
            elif life and life["deprecated"] <= day:
                deprecated += 1
                self.assertEqual([(d["code"], d["severity"]) for d in diags],
                                 [("W0212", "warning")], f"{rt}: {diags}")
                message = diags[0]["message"]
                self.assertIn(f"deprecated since {life['deprecated']}", message)
                self.assertIn(f"refuses new functions on it from {life['create-block']}",
                              message)
            else:
                self.assertEqual(diags, [], f"{rt} is current as of {day}, yet: {diags}")
        # Both verdicts occur, so neither branch above is vacuous.
        self.assertGreater(blocked, 0)
        self.assertGreater(deprecated, 0)

    def test_blocked_runtimes_fail_the_build(self):
        """Reproduction (hitc 0.1): these built with exit 0 and a warning each."""
        rc, found = self.check(["python2.7", "nodejs6.10", "nodejs20.x"])
        self.assertEqual(rc, 1)
        for rt, diags in found.items():
            self.assertEqual([d["code"] for d in diags], ["E0217"], f"{rt}: {diags}")

    def test_deprecated_but_creatable_runtimes_build_with_a_warning(self):
        rc, found = self.check(["dotnet8"])
        self.assertEqual(rc, 0)
        self.assertEqual([d["code"] for d in found["dotnet8"]], ["W0212"])

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

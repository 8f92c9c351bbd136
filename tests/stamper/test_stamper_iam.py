"""The stamper's role, as hitc writes it: what it may read and list in the code bucket.

Reproduction (issue 6, section 4): with hitc 0.1 the role had s3:GetObject on
arn:...:BUCKET/${CodePrefix}*, so dev's stamper could read
${CodePrefix}stamped/hits-prod/.../x.zip, prod's copy with prod's .env.  The
checks below evaluate the role's patterns the way IAM does (* and ?) against
keys of this stack and of another stack.
"""
import json
import os
import re
import subprocess
import tempfile
import unittest

from stamper_support import ROOT

HITC = os.environ.get("HITC") or os.path.join(ROOT, "hitc")
PREFIX = "hitc/"
BUCKET = "code-bucket"
STACK = "hits-dev"


def build(hit_path):
    out = subprocess.run([HITC, "build", hit_path, "-o", "-"], capture_output=True, timeout=120)
    if out.returncode != 0:
        raise AssertionError(f"hitc build failed: {out.stderr.decode()}")
    return json.loads(out.stdout)


def sub(value, partition="aws"):
    """A Fn::Sub string with the template's parameters and pseudo-parameters filled in."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    for name, to in (("AWS::Partition", partition), ("CodeBucket", BUCKET),
                     ("CodePrefix", PREFIX), ("AWS::StackName", STACK)):
        text = text.replace("${" + name + "}", to)
    return text


def iam_match(pattern, text):
    """IAM's wildcards: * is any run of characters, ? is one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.S) is not None


class Role:
    def __init__(self, template):
        doc = template["Resources"]["HitcStamperRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        self.statements = doc["Statement"]
        self.sources = sorted({sub(r["Properties"]["SourceKey"])
                               for r in template["Resources"].values()
                               if r["Type"] == "Custom::HitcStamp"})

    def may(self, action, key=None, prefix=None):
        for st in self.statements:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if st["Effect"] != "Allow" or action not in actions:
                continue
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            target = f"arn:aws:s3:::{BUCKET}" + (f"/{key}" if key is not None else "")
            if not any(iam_match(sub(r), target) for r in resources):
                continue
            cond = st.get("Condition")
            if cond is None:
                return True
            for op, tests in cond.items():
                allowed = [sub(v) for v in tests["s3:prefix"]]
                if prefix is None:
                    break
                if op == "StringEquals" and prefix in allowed:
                    return True
                if op == "StringLike" and any(iam_match(a, prefix) for a in allowed):
                    return True
        return False


def stamped_key(stack, sha="a" * 64):
    return f"{PREFIX}stamped/{stack}/0123456789ab/CounterFunctionCode/{sha}.zip"


class StamperRole(unittest.TestCase):

    def check_role(self, role):
        self.assertTrue(role.sources)
        for key in role.sources:
            self.assertTrue(role.may("s3:GetObject", key), key)
            self.assertTrue(role.may("s3:ListBucket", prefix=key), key)
        # its own stack's copies: yes; another stack's (even one whose name starts
        # with this one's): no, neither read nor list
        self.assertTrue(role.may("s3:GetObject", stamped_key(STACK)))
        for other in ("hits-prod", "hits-dev-2", "hits"):
            self.assertFalse(role.may("s3:GetObject", stamped_key(other)), other)
            self.assertFalse(role.may("s3:ListBucket", prefix=f"{PREFIX}stamped/{other}/"), other)
        self.assertFalse(role.may("s3:ListBucket", prefix=PREFIX))
        self.assertFalse(role.may("s3:ListBucket", prefix=f"{PREFIX}stamped/"))
        self.assertFalse(role.may("s3:ListBucket"))
        # anything else under the prefix
        self.assertFalse(role.may("s3:GetObject", f"{PREFIX}secrets.txt"))
        self.assertFalse(role.may("s3:GetObject", f"{PREFIX}stamped/"))

    def test_the_example_role_reads_only_its_sources_and_its_own_copies(self):
        role = Role(build(os.path.join(ROOT, "examples", "hits", "app.hit")))
        self.check_role(role)
        self.assertEqual(len(role.sources), 1)
        # a bundle this template does not name is not readable either
        other = PREFIX + "f" * 64 + ".zip"
        self.assertNotIn(other, role.sources)
        self.assertFalse(role.may("s3:GetObject", other))

    def test_many_sources_are_named_by_pattern_that_still_misses_other_stacks(self):
        # 40 code directories: the role names the bundles by a 64-character
        # pattern rather than one by one, and must still not reach another stack.
        with tempfile.TemporaryDirectory() as tmp:
            lines = ["app many", "table t {", "  key id: string", "}"]
            for i in range(40):
                os.makedirs(os.path.join(tmp, f"src{i}"))
                with open(os.path.join(tmp, f"src{i}", "index.py"), "w") as f:
                    f.write(f"N = {i}\n")
                lines += [f"function f{i} {{", "  runtime python3.12", "  handler index.handler",
                          f'  code "src{i}"', "  env { T = t.name }", "}"]
            path = os.path.join(tmp, "app.hit")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            template = build(path)
        role = Role(template)
        self.assertEqual(len(role.sources), 40)
        self.check_role(role)
        policy = json.dumps(template["Resources"]["HitcStamperRole"]["Properties"]["Policies"])
        self.assertLess(len(policy), 4000, "the role's policy stays small")


if __name__ == "__main__":
    unittest.main()

"""hitc's build-time check (E0540) refuses exactly the literal env values that the
stamper would refuse at deploy time for their final backslash.

Reproduction (issue 6, section 3): hitc 0.1 built `env { P = "one\\ntwo\\\\" }`
with exit 0, and the stamper then answered FAILED at deploy time.
"""
import os
import random
import re
import subprocess
import tempfile
import unittest

from stamper_support import ROOT, stamper

HITC = os.environ.get("HITC") or os.path.join(ROOT, "hitc")


def hit_literal(value):
    """value as a .hit string literal."""
    out = []
    for c in value:
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c.isascii() and c.isprintable():
            out.append(c)
        else:
            out.append("\\u{%x}" % ord(c))
    return '"' + "".join(out) + '"'


class BuildTimeCheck(unittest.TestCase):

    def flagged(self, values, mode="stamp"):
        """The keys hitc check refuses with E0540 among {key: value}."""
        with tempfile.TemporaryDirectory() as tmp:
            os.mkdir(os.path.join(tmp, "src"))
            with open(os.path.join(tmp, "src", "index.py"), "w") as f:
                f.write("pass\n")
            lines = ["app agree", "function f {", "  runtime python3.12",
                     "  handler index.handler", '  code "src"', f"  env-mode {mode}", "  env {"]
            lines += [f"    {k} = {hit_literal(v)}" for k, v in values.items()]
            lines += ["  }", "}"]
            path = os.path.join(tmp, "app.hit")
            with open(path, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            out = subprocess.run([HITC, "check", path], capture_output=True,
                                 text=True, timeout=60)
            if out.returncode not in (0, 1):
                raise AssertionError(f"hitc check exited {out.returncode}: {out.stderr}")
            return set(re.findall(r"env value for '(K\d+)' ends with", out.stderr)), out

    def test_hitc_and_the_stamper_refuse_the_same_values(self):
        rng = random.Random(540)
        pieces = ["a", " ", "\t", "#", "'", '"', "\n", "\r", "\x85", "\u2028", "\u3000", "\x0b",
                  "\x1c", "\u00e9", "\\", "=", "\U0001F600", "\u00a0", "\ufeff", "\u200b"]
        refused = 0
        for batch in range(6):
            values = {f"K{batch * 25 + i}": "".join(rng.choice(pieces)
                                                    for _ in range(rng.randint(0, 5))) + "\\"
                      for i in range(25)}
            flagged, out = self.flagged(values)
            expected = {k for k, v in values.items() if stamper.value_problem(v)}
            self.assertEqual(flagged, expected, out.stderr)
            refused += len(expected)
        self.assertGreater(refused, 20)

    def test_native_mode_refuses_nothing(self):
        flagged, out = self.flagged({"K1": "one\ntwo\\"}, mode="native")
        self.assertEqual(flagged, set())
        self.assertEqual(out.returncode, 0, out.stderr)


if __name__ == "__main__":
    unittest.main()

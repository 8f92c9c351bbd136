"""hitc's resource-schema table against the cfn-lint it was made from:
compiler/schema_data.c is byte for byte what scripts/gen_schemas.py makes from
the cfn-lint on this machine (the version the file names), so the table is
neither hand-edited nor stale; a cfn-lint upgrade makes this fail until
`make schemas` is run and the new table committed.  And the generator itself
is deterministic: two runs, the same bytes."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TABLE = os.path.join(ROOT, "compiler", "schema_data.c")


def generate(out):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_schemas.py"),
                        "-o", out], capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise AssertionError("gen_schemas.py failed: " + p.stderr[-2000:])


class SchemaTable(unittest.TestCase):
    def test_the_committed_table_is_what_the_generator_makes(self):
        import importlib.metadata
        have = importlib.metadata.version("cfn-lint")
        with open(TABLE, encoding="utf-8") as f:
            committed = f.read()
        named = re.search(r'schema_version\[\] = "cfn-lint ([^"]+)"', committed)[1]
        self.assertEqual(have, named, "compiler/schema_data.c was made from cfn-lint %s and "
                         "this machine has %s: run `make schemas` and commit" % (named, have))
        with tempfile.TemporaryDirectory() as d:
            one, two = os.path.join(d, "one.c"), os.path.join(d, "two.c")
            generate(one)
            generate(two)
            with open(one, encoding="utf-8") as f:
                made = f.read()
            with open(two, encoding="utf-8") as f:
                self.assertEqual(made, f.read(), "two runs of gen_schemas.py differ")
        self.assertTrue(made == committed, "compiler/schema_data.c differs from what "
                        "scripts/gen_schemas.py makes: run `make schemas` and commit")


if __name__ == "__main__":
    unittest.main()

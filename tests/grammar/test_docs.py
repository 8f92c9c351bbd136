"""The documentation against the project: it stands on its own, docs/language.md
names every diagnostic hitc can give, and its status lines say what hitc builds.

Reproduction of what these catch (hitc 0.1.0 before this test): README.md,
docs/language.md and grammar/hit.ebnf pointed at ../shared/LANGUAGE.md, which a
clone does not have; docs/language.md listed no E0304, E0404, W0408, E0503 or
E0504; it had no section per declaration with the state of each."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
HITC = os.environ.get("HITC", os.path.join(ROOT, "hitc"))
sys.path.insert(0, HERE)
from keywords import declaration_keywords  # noqa: E402

LANGUAGE = os.path.join(ROOT, "docs", "language.md")

# What the project ships: its text files, outside build output.
TOP = ["README.md", "Makefile", "bench", "compiler", "docs", "examples", "grammar",
       "runtime-support", "scripts", "tests"]
TEXT = (".md", ".c", ".h", ".py", ".js", ".sh", ".hit", ".ebnf", ".json", ".yaml", "Makefile")


def shipped_files():
    for top in TOP:
        path = os.path.join(ROOT, top)
        if os.path.isfile(path):
            yield path
            continue
        for directory, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for name in sorted(files):
                if name.endswith(TEXT):
                    yield os.path.join(directory, name)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


class StandsOnItsOwn(unittest.TestCase):
    def test_no_file_points_outside_the_project(self):
        # The documents beside the project during its development; a clone has none.
        # One place outside is meant: `make corpus` scores lint on ../shared/lint-corpus,
        # data that is read in place and never part of the project (make test never
        # reads it; make corpus says so when it is missing).
        outside = re.compile(r"\.\./shared(?!/lint-corpus)|\b(?:LANGUAGE|DESIGN|STYLE)\.md\b")
        me = os.path.abspath(__file__)
        found = []
        for path in shipped_files():
            if os.path.abspath(path) == me:
                continue
            for n, line in enumerate(read(path).splitlines(), 1):
                if outside.search(line):
                    found.append(f"{os.path.relpath(path, ROOT)}:{n}: {line.strip()}")
        self.assertGreater(sum(1 for _ in shipped_files()), 50)
        self.assertEqual(found, [], "points at documents a clone does not have")


class LanguageReference(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = read(LANGUAGE)

    def test_no_stray_hit_file_at_the_root(self):
        # A scratch t.hit once sat at the repository's root: .hit files
        # belong to examples/ and tests/.
        stray = sorted(n for n in os.listdir(ROOT) if n.endswith(".hit"))
        self.assertEqual(stray, [], "move or remove these .hit files")

    def test_the_log_group_is_named_as_hitc_names_it(self):
        # docs/language.md once said `/aws/lambda/STACK-NAME`; the template
        # says `/aws/lambda/${AWS::StackName}-` and the function's name.
        with open(os.path.join(ROOT, "tests", "golden", "example-hits.expected.json"),
                  encoding="utf-8") as f:
            template = json.load(f)
        group = template["Resources"]["CounterFunctionLogGroup"]["Properties"]["LogGroupName"]
        pattern = group["Fn::Sub"].replace("-counter", "-NAME")
        function = self.text.split("\n### function\n", 1)[1].split("\n### ", 1)[0]
        self.assertIn(f"`{pattern}`", function, "the function section must name the log group "
                      "as the template does")
        self.assertNotIn("`/aws/lambda/STACK-NAME`", function)

    def test_every_diagnostic_code_is_in_the_reference(self):
        listing = subprocess.run([HITC, "--list-diagnostics"], capture_output=True,
                                 text=True, check=True).stdout
        codes = sorted(set(re.findall(r"^\| ([EW]\d{4}) \|", listing, re.M)))
        self.assertGreaterEqual(len(codes), 40, listing)
        # The lint rules (E07xx, W07xx) are about CloudFormation templates, not the
        # language: docs/lint.md explains those.
        lint = read(os.path.join(ROOT, "docs", "lint.md"))
        missing = [c for c in codes if not c.startswith(("E07", "W07")) and c not in self.text]
        self.assertEqual(missing, [], "codes that docs/language.md does not explain: add each "
                         "where its rule is described and under 'What hitc checks'")
        missing = [c for c in codes if c.startswith(("E07", "W07")) and c not in lint]
        self.assertEqual(missing, [], "lint codes that docs/lint.md does not explain")

    def test_status_lines_say_what_hitc_builds(self):
        # Every keyword of kinds[] and those the compiler handles itself
        # (import), as hitc lists them: before import was built, its section
        # said built while hitc refused it, and nothing noticed.
        built = declaration_keywords(HITC)
        # Keywords the language has and hitc refuses (declare.c's `later`,
        # E0216): none since import, include, on, plugin and resource landed.
        m = re.search(r"later\[\] = \{([^}]*)\}", read(os.path.join(ROOT, "compiler", "declare.c")))
        later = set(re.findall(r'"([^"]+)"', m.group(1))) if m else set()
        self.assertGreaterEqual(len(built), 7)

        declarations = self.text.split("\n## Declarations\n", 1)[1].split("\n## ", 1)[0]
        seen = set()
        for section in declarations.split("\n### ")[1:]:
            heading, _, body = section.partition("\n")
            words = set(re.findall(r"[a-z]+", heading)) & (built | later)
            self.assertTrue(words, f"a section of no known keyword: {heading!r}")
            seen |= words
            status = re.search(r"^\*\*Status: ([^*]+)", body, re.M)
            self.assertIsNotNone(status, f"section {heading!r} has no status line")
            not_built = status.group(1).startswith("not built yet")
            self.assertEqual(not_built, words <= later,
                             f"section {heading!r} says {status.group(1)!r}; hitc builds "
                             f"{sorted(words & built)}, refuses {sorted(words & later)}")
        self.assertEqual(sorted((built | later) - seen), [], "keywords without a section")


if __name__ == "__main__":
    unittest.main()

"""grammar/hit.ebnf against the files hitc builds, the language's other forms, and
the compiler's own tables of keywords and fields."""
import glob
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import ebnf  # noqa: E402
from keywords import declaration_keywords  # noqa: E402

GRAMMAR_PATH = os.path.join(ROOT, "grammar", "hit.ebnf")
HITC = os.environ.get("HITC", os.path.join(ROOT, "hitc"))

# Forms of docs/language.md as fragments (they name declarations the fragment
# lacks, so hitc would refuse each alone): the grammar must take every one.
FRAGMENT_FORMS = {
    "event trigger": 'on event "{\\"source\\": [\\"aws.ec2\\"]}" -> report\n',
    "stream trigger with options": "on events.stream -> report { batch 100; start trim-horizon; retries 3 }\n",
    "queue trigger": "on queue cfn.Jobs.Arn -> report { batch 10 }\n",
    "topic trigger": "on topic cfn.Alerts -> report\n",
    "allow on": 'function f {\n  allow ["s3:GetObject", "s3:PutObject"] on "arn:aws:s3:::b/*"\n}\n',
    "plugin": 'plugin dns-record {\n  service "arn:aws:lambda:us-east-1:123456789012:function:dns"\n'
              '  in zone: string replace, name: string, ttl: number = 300, on: bool = true, tags: list = ["a"]\n'
              '  out fqdn, id\n  timeout 5m\n}\n',
    "resource": 'resource www: dns-record {\n  zone = "Z123"\n  name = "www"\n}\n',
    "http api": "api {\n  kind http\n  cors \"*\"\n}\n",
    "schedule trigger": 'on schedule "rate(5 minutes)" -> report\n',
    "cron trigger": 'on schedule "cron(0 12 * * ? *)" -> report\n',
    "stream trigger": "on events.stream -> report\n",
    "import": 'import "lib/dns.hit"\n',
    "include": 'include "extra.yaml"\n',
    "cfn references": "output a = cfn.Queue\noutput b = cfn.Queue.Arn\n",
    "acceptances": 'function f {\n  # hitc: accept W0272 "any reply queue"\n'
                   '  allow "sqs:SendMessage" on "*" # hitc: accept W0272 "again \\"quoted\\""\n}\n',
}

# Text the language does not allow, and why.
NOT_HIT = {
    "brace on its own line": "table t\n{\n  key id: string\n}\n",
    "key without a colon": "table t {\n  key id string\n}\n",
    "path without a slash": "route GET users -> f\n",
    "unit apart from its number": 'function f {\n  memory 1 GB\n}\n',
    "empty interpolation": 'output o = "${}"\n',
    "interpolation of two names": 'output o = "${a b}"\n',
    "env key starting with a digit": 'function f {\n  env { 1x = "a" }\n}\n',
    "unknown escape": 'output o = "\\q"\n',
    "newline inside a string": 'output o = "a\nb"\n',
    "two declarations on one line": "table a { key id: string } table b { key id: string }\n",
    "name starting with a digit": "table 1t {\n  key id: string\n}\n",
    "method in lower case": "route get / -> f\n",
    "greedy parameter with a space": "route GET /{p +} -> f\n",
    "unknown declaration": "tabel t {\n  key id: string\n}\n",
    "export before the value": "output o export = 1\n",
    "resource without ': PLUGIN'": 'plugin p { service "arn" }\nresource r p {}\n',
    "plugin input without a type": 'plugin p {\n  service "arn"\n  in a\n}\n',
    "replace after the default": 'plugin p {\n  service "arn"\n  in a: string = "x" replace\n}\n',
}


def hit_files():
    files = sorted(glob.glob(os.path.join(ROOT, "examples", "*", "*.hit")))
    files += sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "*.hit")))
    return files


class Grammar(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.grammar = ebnf.load(GRAMMAR_PATH)

    def test_every_rule_is_defined_and_used(self):
        rules = self.grammar.rules
        used = set()

        def walk(node):
            if isinstance(node, ebnf.Ref):
                used.add(node.name)
            for child in getattr(node, "items", None) or getattr(node, "options", None) or []:
                walk(child)
            if isinstance(node, ebnf.Rep):
                walk(node.item)

        for node in rules.values():
            walk(node)
        self.assertEqual(sorted(used - set(rules)), [], "referenced but not defined")
        self.assertEqual(sorted(set(rules) - used - {"file", "BLANK"}), [], "defined but never used")

    def test_examples_and_golden_inputs_are_sentences(self):
        files = hit_files()
        self.assertGreaterEqual(len(files), 4)
        for path in files:
            with open(path, encoding="utf-8") as f:
                self.assertTrue(self.grammar.accepts(f.read()), f"the grammar rejects {path}")

    def test_the_fragment_forms_are_sentences(self):
        for what, text in FRAGMENT_FORMS.items():
            self.assertTrue(self.grammar.accepts(text), f"the grammar rejects the {what}: {text!r}")

    def test_what_is_not_hit_is_rejected_by_the_grammar_and_by_hitc(self):
        with tempfile.TemporaryDirectory() as work:
            for what, text in NOT_HIT.items():
                self.assertFalse(self.grammar.accepts(text), f"the grammar accepts {what}: {text!r}")
                path = os.path.join(work, "bad.hit")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                run = subprocess.run([HITC, "check", path], capture_output=True, text=True)
                self.assertEqual(run.returncode, 1, f"hitc check accepts {what}: {run.stderr}")

    def test_blocks_may_stand_on_one_line_and_comments_anywhere(self):
        text = ("# a comment\napp x  # trailing\ntable t { key id: string; sort at: number }\n"
                "function f {\n  runtime python3.12; handler index.handler\n  code \"src\"\n"
                "  env { A = t.name; B = \"${stage}-\\u{e9}\\$\" }\n}\n")
        self.assertTrue(self.grammar.accepts(text))

    def test_every_keyword_and_field_of_the_compiler_is_in_the_grammar(self):
        with open(GRAMMAR_PATH, encoding="utf-8") as f:
            literals = set(re.findall(r'"([^"]+)"', f.read()))
        # the keywords from kinds[], as hitc lists them; the fields from
        # each kind's table of them
        found = declaration_keywords(HITC)
        self.assertGreaterEqual(len(found), 10, found)
        for path in glob.glob(os.path.join(ROOT, "compiler", "kinds", "*.c")):
            with open(path, encoding="utf-8") as f:
                source = f.read()
            found |= set(re.findall(r'\{"([a-z-]+)", (?:true|false), field_', source))
        self.assertGreaterEqual(len(found), 20, found)
        self.assertEqual(sorted(found - literals), [], "in the compiler, not in the grammar")


if __name__ == "__main__":
    unittest.main()

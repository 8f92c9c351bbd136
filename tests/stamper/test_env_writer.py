"""The .env writer and parser inside the stamper, and the readers, without S3."""
import io
import json
import logging
import os
import random
import subprocess
import tempfile
import time
import unittest

from dotenv import dotenv_values

from dotenv.parser import parse_stream

from stamper_support import NODE_READER_PATH, py_reader, stamper

logging.getLogger("dotenv.main").setLevel(logging.ERROR)   # it warns on the bad text we feed it


def node_load(path):
    script = ("const r = require(process.argv[1]);"
              "process.stdout.write(JSON.stringify(r.load(process.argv[2])));")
    out = subprocess.run(["node", "-e", script, NODE_READER_PATH, path],
                         check=True, capture_output=True, timeout=60)
    return json.loads(out.stdout.decode("utf-8"))


class Writer(unittest.TestCase):

    def test_lines_are_sorted_by_key_and_end_in_newline(self):
        env = {"b": "1", "A": "2", "_x": "3", "a": "4", "B_2": "5", "B1": "6"}
        self.assertEqual(stamper.format_env(env), "A=2\nB1=6\nB_2=5\n_x=3\na=4\nb=1\n")

    def test_no_keys_is_an_empty_file(self):
        self.assertEqual(stamper.format_env({}), "")

    def test_safe_values_are_raw(self):
        for value in ("abc", "ABC019", "hits-dev-CountersTable-1ABC", "a_b-c.d:e/f@g+h,i%j=k",
                      "arn:aws:dynamodb:us-east-1:123456789012:table/t", "C:\\dir\\", "=", "\\"):
            self.assertEqual(stamper.format_value(value), value)

    def test_other_values_are_quoted(self):
        for value in ("", " ", "a b", "a#b", "#", "'", '"', "$X", "${X}", "caf\u00e9", "\n",
                      "a\tb", "\U0001F600", "a;b", "a&b", "a!b", "(x)", "a*b", "~", "`x`",
                      "a|b", "<x>", "[x]", "{x}", "a?b", "a^b", "\0"):
            written = stamper.format_value(value)
            self.assertTrue(written.startswith('"') and written.endswith('"'), written)

    def test_quoting_escapes(self):
        self.assertEqual(stamper.format_value('a"b\\c\nd\re\tf'), '"a\\"b\\\\c\\nd\\re\\tf"')
        self.assertEqual(stamper.format_value("\a\b\f\v"), '"\\a\\b\\f\\v"')
        self.assertEqual(stamper.format_value("$ {x} #"), '"$ {x} #"')
        self.assertEqual(stamper.format_value("\u00e9\0"), '"\u00e9\0"')
        self.assertEqual(stamper.format_value(""), '""')

    def test_written_text_has_one_line_per_key(self):
        env = {"a": "x\ny\rz", "b": "\u2028\x85", "c": ""}
        self.assertEqual(stamper.format_env(env).count("\n"), 3)

    def test_value_problems(self):
        self.assertIsNone(stamper.value_problem("anything at all \n \" ' \\ $ # x"))
        self.assertIsNone(stamper.value_problem("raw\\"))
        self.assertIsNone(stamper.value_problem("needs quotes\\"))
        for value, why in (("a\nb\\", "line break"), ("'q\\", "quote"), ('"q\\', "quote"),
                           (" lead\\", "whitespace"), ("a #b\\", "'#'"), ("a\t#b\\", "'#'")):
            self.assertIn("ends with a backslash", stamper.value_problem(value), value)
            self.assertIn(why, stamper.value_problem(value), value)
        self.assertIn("surrogate", stamper.value_problem("\udc80"))

    def test_values_ending_in_a_backslash_are_written_raw_and_read_back(self):
        # Reproduction (issue 6, section 3): Env {"path": "C:\\Program Files\\"} was
        # refused at deploy time ("ends with a backslash and also holds characters
        # that need quotes"), and written quoted it reads back wrong.  Raw, every
        # reader gets it back, python-dotenv included.
        env = {"path": "C:\\Program Files\\", "b": "a b\\", "c": "caf\u00e9 \\", "d": "$X \\",
               "e": "x#y\\", "f": "tab\there\\", "g": "a=b \"q\" 'r' \\", "h": "\\\\",
               "i": "#start\\", "j": "\U0001F600\\", "k": "sp\u2028\x85ace\\", "z": 'x "y"'}
        for key in env:
            self.assertIsNone(stamper.value_problem(env[key]), key)
        text = stamper.format_env(env)
        self.assertEqual(text.count("\n"), len(env))
        self.assertEqual(dict(dotenv_values(stream=io.StringIO(text), interpolate=False)), env)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, ".env")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            self.assertEqual(dict(dotenv_values(path, interpolate=False, encoding="utf-8")), env)
            self.assertEqual(py_reader.load(path), env)
            self.assertEqual(node_load(path), env)

    def test_random_values_round_trip_or_are_refused_because_nothing_works(self):
        # Every value the writer accepts reads back exactly (python-dotenv and
        # hitc_env.py); every value it refuses for its final backslash reads back
        # wrong both raw and quoted, so the refusal is forced.
        rng = random.Random(6)
        pieces = ["a", "Z", "0", " ", "\t", "\\", "\\\\", "'", '"', "#", " #", "=", "$", "\n",
                  "\r", "\u00e9", "\x85", "\u2028", "\x0b", "\0", "\U0001F600", "\\n", "\\'"]
        accepted, refused = {}, 0
        for n in range(3000):
            value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
            if rng.random() < 0.5:
                value += "\\"
            env = {"A": "x y", "K": value, "Z": "'z'"}
            problem = stamper.value_problem(value)
            if problem is None:
                text = stamper.format_env(env)
                self.assertEqual(dict(dotenv_values(stream=io.StringIO(text), interpolate=False)),
                                 env, repr(value))
                accepted[f"K{n}"] = value
            else:
                self.assertTrue(value.endswith("\\"), repr(value))
                quoted = '"' + "".join(stamper.WRITE_ESCAPES.get(c, c) for c in value) + '"'
                for written in (value, quoted):
                    text = f"A=\"x y\"\nK={written}\nZ=\"'z'\"\n"
                    self.assertNotEqual(dotenv_values(stream=io.StringIO(text), interpolate=False),
                                        env, repr(value))
                refused += 1
        # hitc's own readers, all accepted values in one file
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, ".env")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(stamper.format_env(accepted))
            self.assertEqual(py_reader.load(path), accepted)
            self.assertEqual(node_load(path), accepted)
        checked = len(accepted)
        self.assertGreater(checked, 1000)
        self.assertGreater(refused, 100)

    def test_what_python_dotenv_does_with_a_quoted_trailing_backslash(self):
        # Why the stamper refuses it: the quote after \\ reads as an escaped quote,
        # so python-dotenv runs on into the next quoted value.
        text = 'A="a b\\\\"\nB="x y"\n'
        self.assertNotEqual(dict(dotenv_values(stream=io.StringIO(text), interpolate=False)),
                            {"A": "a b\\", "B": "x y"})

    def test_keys(self):
        for key in ("a", "_", "A_1", "__proto__", "export"):
            self.assertTrue(stamper.KEY_RE.match(key), key)
        for key in ("", "1a", "a-b", "a.b", "a b", "caf\u00e9", "a\n"):
            self.assertFalse(stamper.KEY_RE.match(key), key)


def expected_dotenv(text):
    """What python-dotenv reads from text, or None where the stamper must refuse it."""
    bindings = list(parse_stream(io.StringIO(text)))
    for b in bindings:
        if b.error or (b.key is not None and (b.value is None or not stamper.KEY_RE.match(b.key))):
            return None
    return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))


class SourceParser(unittest.TestCase):

    def test_dotenv_forms(self):
        text = ("# comment\n\n  \nexport A=1\nB = two words # comment\nC=\"q\\\"\\n\\t\"\n"
                "D='single \\' \\n'\nE=\nF=\"multi\nline\"\r\nG=x#not-a-comment\n  # indented")
        expected = {"A": "1", "B": "two words", "C": 'q"\n\t', "D": "single ' \\n", "E": "",
                    "F": "multi\nline", "G": "x#not-a-comment"}
        self.assertEqual(stamper.parse_env(text), expected)
        self.assertEqual(dict(dotenv_values(stream=io.StringIO(text), interpolate=False)), expected)

    def test_own_output_parses_back(self):
        env = {"a": "x y", "b": "", "c": "\n\\\"'", "d": "raw"}
        self.assertEqual(stamper.parse_env(stamper.format_env(env)), env)

    def test_the_forms_where_the_old_parser_and_python_dotenv_disagreed(self):
        # Reproduction (issue 6, section 5): hitc 0.1's parser read 'A="x\\"' as
        # 'x\\' where python-dotenv reads the \\" as an escaped quote, and read
        # 'A=\'it\\\'s\'' differently too.
        for text in ('A="x\\\\"\nB="y"\n', "A='x\\\\'\nB='y'\n", "A='it\\'s'\n",
                     'A="a\\\\"b"\n', "A='a\\\\'b' \n", 'A="x\\"\n', "'A'=1\n",
                     "A=1\x85\u2028B=2\n", "A=x \x85#c\n", "A=\"q\"\x0b\n"):
            try:
                got = stamper.parse_env(text)
            except stamper.Refusal:
                got = None
            self.assertEqual(got, expected_dotenv(text), repr(text))

    def test_random_inputs_read_as_python_dotenv_reads_them(self):
        # A few thousand seeded random files built from the characters that matter
        # to python-dotenv: where the stamper accepts a file it must read exactly
        # what python-dotenv reads; it refuses exactly the files where
        # python-dotenv reports a bad line, a key without '=', or a key outside
        # [A-Za-z_][A-Za-z0-9_]* (a BOM, say).  The result must also survive a
        # round trip through the writer.
        rng = random.Random(2026)
        pieces = ["A", "b", "_k", "export ", "export\t", "'", '"', "\\", "\\\\", "#", " # c", "=",
                  "  ", "\t", "\n", "\r\n", "\r", "x", "\x85", "\u2028", "\x0b", "\ufeff",
                  "\u00e9", "$X", "1", " ", "a b", "'A'", "\\'", '\\"', "\\n"]
        keys = ["A", "b_1", "'K'", "export C", "1x", "a-b", "", " D", "\ufeffE"]
        accepted = 0
        for n in range(3000):
            if n % 2:
                text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
            else:
                text = "".join(rng.choice(keys) + rng.choice(["=", "= ", " =", ""])
                               + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 5)))
                               + rng.choice(["\n", "\r\n", "\r", ""])
                               for _ in range(rng.randint(0, 4)))
            try:
                got = stamper.parse_env(text)
            except stamper.Refusal:
                got = None
            self.assertEqual(got, expected_dotenv(text), repr(text))
            if got is not None:
                accepted += 1
                if all(stamper.value_problem(v) is None for v in got.values()):
                    written = stamper.format_env(got)
                    self.assertEqual(dict(dotenv_values(stream=io.StringIO(written),
                                                        interpolate=False)), got, repr(text))
        self.assertGreater(accepted, 500)

    def test_parsing_is_linear(self):
        # Reproduction (issue 6, section 5): a 40,000-line .env took 8.5 s (each
        # line counted the newlines before it); 100,000 lines took about a minute.
        # The bound is loose on purpose: linear parsing takes well under a second.
        text = "".join(f"K{i}=value {i} # note\n" for i in range(100000))
        started = time.monotonic()
        env = stamper.parse_env(text)
        self.assertEqual(len(env), 100000)
        self.assertLess(time.monotonic() - started, 30)

    def test_what_it_refuses(self):
        # unchanged from hitc 0.1: a BOM, a bad key, an open quote, a key without '='
        for text, phrase in (("\ufeffA=1\n", "byte order mark"), ("a-b=1\n", "'a-b'"),
                             ('A="open\n', "never closes"), ("A='open\n", "never closes"),
                             ("A\n", "not KEY=VALUE"), ("1A=x\n", "'1A'"),
                             ('A="x" y\n', "text after its value")):
            with self.assertRaises(stamper.Refusal) as caught:
                stamper.parse_env(text)
            self.assertIn(phrase, str(caught.exception), repr(text))

    def test_bad_lines_name_their_number(self):
        for text, line in (("a=1\nnope\n", 2), ("a=1\n\n\nb c=1\n", 4), ('a="x" y\n', 1),
                           ('a="unterminated\n', 1)):
            with self.assertRaises(stamper.Refusal) as caught:
                stamper.parse_env(text)
            self.assertIn(f"line {line} ", str(caught.exception))


class Readers(unittest.TestCase):

    def write(self, text):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, ".env")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return tmp.name, path

    def test_python_reader_default_path_is_the_task_root(self):
        root, _ = self.write("table=t1\n")
        saved = os.environ.get("LAMBDA_TASK_ROOT")
        os.environ["LAMBDA_TASK_ROOT"] = root
        try:
            self.assertEqual(py_reader.load(), {"table": "t1"})
        finally:
            if saved is None:
                del os.environ["LAMBDA_TASK_ROOT"]
            else:
                os.environ["LAMBDA_TASK_ROOT"] = saved

    def test_python_reader_without_task_root_uses_the_current_directory(self):
        root, _ = self.write("k=v\n")
        saved_root, saved_cwd = os.environ.pop("LAMBDA_TASK_ROOT", None), os.getcwd()
        os.chdir(root)
        try:
            self.assertEqual(py_reader.load(), {"k": "v"})
        finally:
            os.chdir(saved_cwd)
            if saved_root is not None:
                os.environ["LAMBDA_TASK_ROOT"] = saved_root

    def test_python_reader_rejects_what_it_cannot_read(self):
        _, path = self.write("a=1\nno equals\n")
        with self.assertRaisesRegex(ValueError, ":2: expected KEY=VALUE"):
            py_reader.load(path)
        _, path = self.write('a="open\n')
        with self.assertRaisesRegex(ValueError, "unterminated"):
            py_reader.load(path)

    def test_python_reader_keeps_unknown_escapes(self):
        _, path = self.write('a="\\q\\\\"\n# comment\n\nb=\\q\n')
        self.assertEqual(py_reader.load(path), {"a": "\\q\\", "b": "\\q"})

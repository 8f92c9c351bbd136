"""The .env writer and parser inside the stamper, and the readers, without S3."""
import io
import logging
import os
import tempfile
import unittest

from dotenv import dotenv_values

from stamper_support import py_reader, stamper

logging.getLogger("dotenv.main").setLevel(logging.ERROR)   # it warns on the bad text we feed it


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
        self.assertIn("backslash", stamper.value_problem("needs quotes\\"))
        self.assertIn("surrogate", stamper.value_problem("\udc80"))

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

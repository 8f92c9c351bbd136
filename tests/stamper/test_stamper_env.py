"""The .env the stamper writes: what python-dotenv and hitc's own readers read back."""
import io
import json
import logging
import os
import subprocess
import tempfile

from dotenv import dotenv_values

from stamper_support import (NODE_READER_PATH, StamperCase, make_zip, py_reader, stamper,
                             zip_entries)

logging.getLogger("dotenv.main").setLevel(logging.ERROR)   # it warns on the bad lines we feed it

HOSTILE = {
    "equals": "a=b=c", "lone_equals": "=", "hash": "#", "inline_comment": "a #b",
    "hash_start": "#start", "single": "'", "double": '"', "single_quoted": "'quoted'",
    "double_quoted": '"dq"', "both_quotes": "it's \"x\"", "lead": " lead", "trail": "trail ",
    "both": "  both  ", "newline": "\n", "lines": "a\nb\n", "crlf": "a\r\nb", "cr": "\r",
    "tab": "\t", "tabs": "\ta\tb\t", "backslash_mid": "a\\b c", "backslash_n": "\\n x",
    "backslashes": "\\\\ \\ x", "backslash_quote": '\\"', "dollar": "$", "home": "$HOME",
    "brace": "${X}", "default": "${X:-default}", "accent": "caf\u00e9", "cjk": "\u65e5\u672c",
    "emoji": "\U0001F600 \U0001F44D", "empty": "", "space": " ", "nul": "a\0b",
    "controls": "\x01\x02\x1b\x1f\x7f", "bell_etc": "\a\b\f\v", "line_sep": "a\u2028b\u2029c",
    "nel": "a\x85b", "bom": "\ufeffx", "export_value": "export X=1", "json": '{"a": [1, 2]}',
    "url": "https://example.com/a?b=c&d=e#f", "long": "x y" * 5000,
    "safe": "A-Z_a.z:0/9@+,%=\\", "__proto__": "not a prototype", "export": "x",
    "A": "upper", "_": "underscore",
}


def node_load(path):
    script = ("const r = require(process.argv[1]);"
              "process.stdout.write(JSON.stringify(r.load(process.argv[2])));")
    out = subprocess.run(["node", "-e", script, NODE_READER_PATH, path],
                         check=True, capture_output=True, timeout=60)
    return json.loads(out.stdout.decode("utf-8"))


class HostileValues(StamperCase):

    def stamped_env(self, env, source=None):
        self.put_source(source or [("index.py", b"pass\n", 0o100644)])
        response = self.invoke(self.event("Create", env=env))
        self.assert_success(response)
        entries, _ = zip_entries(self.get(response["Data"]["Key"]))
        return entries

    def test_hostile_values_round_trip_through_every_reader(self):
        text = self.stamped_env(HOSTILE)[".env"][0]
        self.assertTrue(text.endswith(b"\n"))
        self.assertNotIn(b"\r", text, "CR is always escaped: universal newlines cannot eat it")
        got = dotenv_values(stream=io.StringIO(text.decode("utf-8")), interpolate=False)
        self.assertEqual(dict(got), HOSTILE)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, ".env")
            with open(path, "wb") as f:
                f.write(text)
            self.assertEqual(py_reader.load(path), HOSTILE)
            self.assertEqual(node_load(path), HOSTILE)
            # python-dotenv reading the file itself, as an app would
            self.assertEqual(dict(dotenv_values(path, interpolate=False, encoding="utf-8")), HOSTILE)

    def test_every_character_up_to_u3000_round_trips(self):
        env = {f"K{n:05d}": f"a{chr(n)}b" for n in range(0x3000) if not 0xD800 <= n < 0xE000}
        text = stamper.format_env(env)
        self.assertEqual(dict(dotenv_values(stream=io.StringIO(text), interpolate=False)), env)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, ".env")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            self.assertEqual(py_reader.load(path), env)
            self.assertEqual(node_load(path), env)

    def test_safe_values_work_with_the_naive_reader_once_stripped(self):
        env = {"table": "hits-dev-CountersTable-1ABC", "url": "https://x.example/a,b%20c@d+e=f"}
        text = self.stamped_env(env)[".env"][0].decode()
        naive = dict(line.split("=", 1) for line in io.StringIO(text))
        self.assertEqual(naive["table"], env["table"] + "\n", "the naive reader keeps the newline")
        self.assertEqual({k: v.rstrip("\n") for k, v in naive.items()}, env)

    def test_source_env_is_merged_and_env_wins(self):
        source_env = (b"# settings written by hand\n"
                      b"table=old-table\n"
                      b"export REGION = eu-west-1  # inline comment\n"
                      b"GREETING=\"hello\\n\\\"world\\\"\"\n"
                      b"SINGLE='it\\'s here'\r\n"
                      b"\n"
                      b"MULTI=\"line one\nline two\"\n"
                      b"EMPTY=\n")
        files = [("index.py", b"print('x')\n", 0o100644), (".env", source_env, 0o100600),
                 ("data/blob.bin", bytes(range(256)) * 40, 0o100755)]
        source = make_zip(files)
        entries = self.stamped_env({"table": "new-table", "extra": "x y"}, source=source)
        expected = {"table": "new-table", "extra": "x y", "REGION": "eu-west-1",
                    "GREETING": 'hello\n"world"', "SINGLE": "it's here", "MULTI": "line one\nline two",
                    "EMPTY": ""}
        text = entries[".env"][0].decode()
        self.assertEqual(dict(dotenv_values(stream=io.StringIO(text), interpolate=False)), expected)
        keys = [line.split("=", 1)[0] for line in text.splitlines()]
        self.assertEqual(keys, sorted(expected))
        source_entries, _ = zip_entries(source)
        for name in ("index.py", "data/blob.bin"):
            self.assertEqual(entries[name][0], source_entries[name][0], name)
        self.assertEqual(sorted(entries), [".env", "data/blob.bin", "index.py"])
        self.assertEqual(entries[".env"][1], 0o100644)

    def test_source_env_lines_python_dotenv_rejects_are_refused(self):
        for line in (b"A='it''s'\n", b'A="x" y\n', b"A B=1\n", b"1A=x\n"):
            if not line.startswith(b"1"):        # python-dotenv takes '1A' as a key
                self.assertEqual(dotenv_values(stream=io.StringIO(line.decode())), {})
            self.put_source([(".env", b"ok=1\n" + line, 0o100644)])
            self.assert_failed(self.invoke(self.event("Create")),
                               "line 2 of the source bundle's .env")

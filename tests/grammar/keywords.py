"""The declaration keywords hitc knows, as hitc itself lists them: the
"expected app, param, ... or import" of its "unknown declaration" error, which
declare.c writes from kinds[] (and import).  Asking the compiler rather than
reading its sources means a kind counts once it is registered, and a kind the
error would leave out fails the tests that use this list."""
import os
import re
import subprocess
import tempfile


def declaration_keywords(hitc):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "unknown.hit")
        with open(path, "w", encoding="utf-8") as f:
            f.write("zzzz t {\n}\n")
        r = subprocess.run([hitc, "check", path], capture_output=True, text=True, timeout=60)
    m = re.search(r"unknown declaration 'zzzz'; expected (.*)$", r.stderr, re.M)
    if not m:
        raise AssertionError(f"hitc did not list its declarations: {r.stderr!r}")
    head, _, last = m.group(1).rpartition(" or ")
    return set(head.split(", ")) | {last}

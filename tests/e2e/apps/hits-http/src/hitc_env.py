"""Read the .env file that hitc's stamper writes beside a function's code.

    import hitc_env
    env = hitc_env.load()          # {"table": "hits-dev-CountersTable-1ABC..."}

Format (docs/env-format.md): one KEY=VALUE line per key.  A value is either raw
(taken as it is) or double-quoted with backslash escapes.  Blank lines and lines
starting with '#' are skipped.  No dependencies; a copy of this file sits beside
each function that uses it.
"""
import os
import re

_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r",
            "t": "\t", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(value):
    if not value.startswith('"'):
        return value
    if len(value) < 2 or not value.endswith('"'):
        raise ValueError(f"unterminated quoted value: {value!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), value[1:-1], flags=re.S)


def load(path=None):
    """The .env at path (default: .env in the Lambda task root) as a dict."""
    if path is None:
        path = os.path.join(os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()), ".env")
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    env = {}
    for number, line in enumerate(lines, 1):
        if line and not line.startswith("#"):
            key, eq, value = line.partition("=")
            if not eq:
                raise ValueError(f"{path}:{number}: expected KEY=VALUE")
            env[key] = _unquote(value)
    return env

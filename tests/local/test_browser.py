"""CORS in a real browser: headless Chromium (Debian's chromium, driven through
the DevTools protocol over --remote-debugging-pipe) loads a page from one local
origin and calls an API that `hitc serve` serves on another.  The app's cors
origin gets its answer; a page from a second origin is blocked by the browser,
for a REST API (the MOCK preflight, the function's own header) and an HTTP API
(CorsConfiguration), with a simple request and with a preflighted one."""
import fcntl
import http.server
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from local_support import WAIT, Serve

PAGE = b"<!doctype html><html><head><title>page</title></head><body>page</body></html>"

HANDLER = '''import json
import hitc_env


def handler(event, context):
    headers = {"Content-Type": "application/json"}
    origin = hitc_env.load().get("origin")
    if origin:                      # a REST API: the function sends its own
        headers["Access-Control-Allow-Origin"] = origin
    return {"statusCode": 200, "headers": headers, "body": json.dumps({"hello": "browser"})}
'''

APP = '''app cors-{kind}

function hello {{
  runtime python3.12
  handler index.handler
  code "src"
  env {{
    origin = "{fn_origin}"
  }}
}}

api {{
  kind {kind}
  cors "{origin}"
}}

route GET /hello -> hello
'''


class Pages:
    """A page on 127.0.0.1 at a port of its own (an origin of its own)."""

    def __init__(self):
        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Chromium:
    """Headless chromium, its DevTools protocol on fds 3 and 4 (messages
    separated by NUL bytes)."""

    def __init__(self):
        if not shutil.which("chromium"):
            raise AssertionError("chromium is not installed: scripts/deps.sh --test installs it")
        self.profile = tempfile.mkdtemp(prefix="hitc-chromium.")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, pass_fds=(3, 4), start_new_session=True)
        os.close(to_r)
        os.close(from_w)
        self.next_id = 0
        self.pending = b""

    def call(self, method, params=None, session=None, timeout=WAIT):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\0" in self.pending:
                raw, self.pending = self.pending.split(b"\0", 1)
                got = json.loads(raw)
                if got.get("id") == self.next_id:
                    if "error" in got:
                        raise AssertionError(f"{method}: {got['error']}")
                    return got["result"]
            ready, _, _ = select.select([self.from_r], [], [], 1)
            if ready:
                chunk = os.read(self.from_r, 65536)
                if not chunk:
                    raise AssertionError("chromium closed its DevTools pipe")
                self.pending += chunk
        raise AssertionError(f"chromium did not answer {method} within {timeout} s")

    def open(self, url):
        """A tab at url, loaded: its DevTools session."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.navigate", {"url": url}, session)
        deadline = time.time() + WAIT
        while time.time() < deadline:
            state = self.evaluate(session, "document.readyState + ' ' + location.href")
            if state == f"complete {url}":
                return session
            time.sleep(0.1)
        raise AssertionError(f"chromium did not load {url}")

    def evaluate(self, session, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                           "returnByValue": True}, session)
        return r["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close", timeout=30)
        except (AssertionError, OSError):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait(timeout=30)
        os.close(self.to_w)
        os.close(self.from_r)
        shutil.rmtree(self.profile, True)


FETCH = """fetch(%s, %s).then(r => r.text()).then(t => 'ok ' + t, e => 'blocked ' + e.name)"""


class Cors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.allowed, cls.other = Pages(), Pages()
        cls.browser = Chromium()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.allowed.close()
        cls.other.close()

    def app(self, kind):
        tmp = tempfile.mkdtemp(prefix="hitc-cors.")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.mkdir(os.path.join(tmp, "src"))
        with open(os.path.join(tmp, "src", "index.py"), "w") as f:
            f.write(HANDLER)
        with open(os.path.join(tmp, "app.hit"), "w") as f:
            f.write(APP.format(kind=kind, origin=self.allowed.origin,
                               fn_origin=self.allowed.origin if kind == "rest" else ""))
        s = Serve(os.path.join(tmp, "app.hit"))
        self.addCleanup(s.close)
        return s

    def fetch_from(self, page, url, preflight):
        session = self.browser.open(page.origin + "/")
        options = '{headers: {"Content-Type": "application/json"}}' if preflight else "{}"
        return self.browser.evaluate(session, FETCH % (json.dumps(url), options))

    def check(self, kind):
        s = self.app(kind)
        url = s.url + "hello"
        for preflight in (False, True):
            self.assertEqual('ok {"hello": "browser"}', self.fetch_from(self.allowed, url, preflight),
                             (kind, preflight, s.text()))
            self.assertEqual("blocked TypeError", self.fetch_from(self.other, url, preflight),
                             (kind, preflight, s.text()))
        self.assertRegex(s.text(), r"(?m)^OPTIONS /hello - (200|204) ")

    def test_rest_api(self):
        self.check("rest")

    def test_http_api(self):
        self.check("http")


if __name__ == "__main__":
    unittest.main()

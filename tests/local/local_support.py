"""What tests/local shares (not a test file: tests/pyrunner.py collects test_*.py
and puts this directory on the path).

A moto server on a free port (one per test module: Moto), `hitc serve` on a free
port with its log (Serve), `hitc invoke` and `hitc event` (run_hitc), HTTP with
the standard library's http.client (request) and curl (curl), and a copy of a
test app in a temporary directory for tests that edit it (app_copy).  Every
wait has a bound; none measures speed: a busy machine is slow.
"""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HITC = os.environ.get("HITC", os.path.join(ROOT, "hitc"))
APPS = os.path.join(ROOT, "tests", "local", "apps")
EXAMPLES = os.path.join(ROOT, "examples")
# Generous bounds on waits, never on speed: a cold start on a loaded 2-core
# machine imports boto3 in seconds.
WAIT = 120


def env_for_aws(extra=None):
    """This process's environment with fake credentials in us-east-1 and no
    endpoint or profile of the caller's."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("AWS_ENDPOINT_URL") or name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            del env[name]
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1",
                "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra or {})
    return env


class Moto:
    """moto's server on a free loopback port, for one test module."""

    def __init__(self):
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", "0"],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env_for_aws(), start_new_session=True)
        deadline = time.time() + WAIT
        self.url = None
        while time.time() < deadline and self.proc.poll() is None:
            self.log.seek(0)
            m = re.search(r"Running on (http://127\.0\.0\.1:\d+)", self.log.read())
            if m:
                self.url = m.group(1)
                break
            time.sleep(0.1)
        if not self.url:
            self.log.seek(0)
            self.stop()
            raise RuntimeError(f"moto's server did not start within {WAIT} s: {self.log.read()}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)

    def client(self, service):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


def run_hitc(*args, stdin=None, env=None, timeout=WAIT, cwd=None):
    """hitc ARGS: (exit status, stdout, stderr)."""
    p = subprocess.run([HITC, *args], input=stdin, capture_output=True, text=True,
                       env=env or env_for_aws(), timeout=timeout, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


class Serve:
    """`hitc serve FILE --port 0 ARGS...`, its base URL, and its log."""

    def __init__(self, path, *args, env=None):
        self.log = tempfile.NamedTemporaryFile(mode="w+", suffix=".log", delete=False)
        self.proc = subprocess.Popen([HITC, "serve", path, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True,
                                     env=env or env_for_aws(), start_new_session=True)
        self.url = None
        line = []

        def read():
            line.append(self.proc.stdout.readline())
        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(WAIT)
        if line and line[0].startswith("http://"):
            self.url = line[0].strip()
            m = re.match(r"http://127\.0\.0\.1:(\d+)/", self.url)
            self.port = int(m.group(1))
        else:
            self.stop()
            raise AssertionError(f"hitc serve did not start: {self.text()}")

    def text(self):
        with open(self.log.name) as f:
            return f.read()

    def wait_log(self, pattern, timeout=WAIT):
        """The log's first match of PATTERN (a regular expression), waiting for it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.text())
            if m:
                return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} in hitc serve's log:\n{self.text()}")

    def stop(self):
        """SIGTERM, as Ctrl-C would; its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.proc.stdout.close()
        return self.proc.returncode

    def close(self):
        """Stop it; it must exit 0 with a clean log (no sanitizer's report:
        tests/local also runs against hitc-asan)."""
        rc = self.stop()
        text = self.text()
        os.unlink(self.log.name)
        bad = re.search(r"(AddressSanitizer|LeakSanitizer|runtime error:).*", text)
        if rc != 0 or bad:
            raise AssertionError(f"hitc serve exited {rc}: {bad.group(0) if bad else text[-2000:]}")


def request(url, method="GET", path="/", body=None, headers=None, timeout=WAIT):
    """One request with http.client: (status, headers as a list of pairs, body bytes)."""
    m = re.match(r"http://([^:/]+):(\d+)", url)
    conn = http.client.HTTPConnection(m.group(1), int(m.group(2)), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


def header(headers, name):
    """Every value of header NAME (any case) in a list of pairs."""
    return [v for k, v in headers if k.lower() == name.lower()]


def curl(*args, timeout=WAIT):
    """curl -s ARGS -w '\\n%{http_code}': (status, body text)."""
    p = subprocess.run(["curl", "-s", "--max-time", str(timeout), *args, "-w", "\n%{http_code}"],
                       capture_output=True, text=True, timeout=timeout + 30)
    body, _, code = p.stdout.rpartition("\n")
    return int(code or 0), body


def app_copy(testcase, name):
    """A copy of tests/local/apps/NAME in a temporary directory (removed after
    the test), for a test that edits it."""
    tmp = tempfile.mkdtemp(prefix="hitc-local-test.")
    testcase.addCleanup(shutil.rmtree, tmp, True)
    dest = os.path.join(tmp, name)
    shutil.copytree(os.path.join(APPS, name), dest)
    return dest


def wait_until(check, what, timeout=WAIT):
    """check() until it returns something true (that is returned), within timeout."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s (last: {last!r})")


class ServeCase(unittest.TestCase):
    """A test with a moto server for its module (setUpModule starts it)."""
    moto = None

    def serve(self, path, *args, env=None):
        s = Serve(path, *args, env=env)
        self.addCleanup(s.close)
        return s

    def json_of(self, body):
        return json.loads(body.decode() if isinstance(body, bytes) else body)

"""hitc serve's latency to a warm Python handler, beside the same handler run
by a bare python3 loop, in the same run.

The handler answers {"statusCode": 200, "body": "pong"} and imports nothing, so
what is measured is what hitc serve adds: HTTP in (libmicrohttpd), API
Gateway's event made, the frame to the worker and back, the answer mapped.
  warm:  1,000 GET /ping on one kept-alive http.client connection, after one
         request that started the worker; the median and the 99th percentile
  cold:  the first request after `hitc serve` is up (a worker started, the
         handler imported), the median of 5 fresh starts
  bare:  the same handler called 1,000 times in a python3 loop, with the event
         hitc serve sends (read from the app with `hitc event`)
The overhead is warm minus bare, and the ratio warm / bare.  Target: the warm
overhead under 5 ms at the median.  Wall clock, on whatever else the machine
is doing: a measurement, not a test.

usage: python3 bench/serve.py
"""
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HITC = os.environ.get("HITC", os.path.join(ROOT, "hitc"))
N = 1000

APP = """app ping "one route, one handler that imports nothing"

function ping {
  runtime python3.12
  handler index.handler
  code "src"
}

route GET /ping -> ping
"""
HANDLER = """def handler(event, context):
    return {"statusCode": 200, "body": "pong"}
"""
BARE = """import json, sys, time
sys.path.insert(0, sys.argv[1])
from index import handler
event = json.load(open(sys.argv[2]))
times = []
for _ in range(int(sys.argv[3])):
    t0 = time.perf_counter()
    json.dumps(handler(json.loads(json.dumps(event)), None))
    times.append(time.perf_counter() - t0)
print(json.dumps(times))
"""


def serve(app):
    """hitc serve on a free port: (process, port)."""
    p = subprocess.Popen([HITC, "serve", app, "--port", "0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    line = p.stdout.readline()
    m = re.match(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        p.kill()
        raise SystemExit(f"bench: hitc serve did not start ({line!r})")
    return p, int(m.group(1))


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)


def get(conn):
    conn.request("GET", "/ping")
    r = conn.getresponse()
    body = r.read()
    if r.status != 200 or body != b"pong":
        raise SystemExit(f"bench: GET /ping answered {r.status} {body!r}")


def ms(seconds):
    return seconds * 1000.0


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    work = tempfile.mkdtemp(prefix="hitc-bench-serve.")
    try:
        os.mkdir(os.path.join(work, "src"))
        app = os.path.join(work, "app.hit")
        with open(app, "w") as f:
            f.write(APP)
        with open(os.path.join(work, "src", "index.py"), "w") as f:
            f.write(HANDLER)
        event = subprocess.run([HITC, "event", "rest", "GET", "/ping", "--app", app],
                               capture_output=True, text=True, check=True).stdout
        with open(os.path.join(work, "event.json"), "w") as f:
            f.write(event)

        colds = []
        for _ in range(5):
            p, port = serve(app)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            t0 = time.perf_counter()
            get(conn)
            colds.append(time.perf_counter() - t0)
            conn.close()
            stop(p)

        p, port = serve(app)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        get(conn)                                   # the worker, started
        warm = []
        for _ in range(N):
            t0 = time.perf_counter()
            get(conn)
            warm.append(time.perf_counter() - t0)
        conn.close()
        stop(p)

        out = subprocess.run([sys.executable, "-c", BARE, os.path.join(work, "src"),
                              os.path.join(work, "event.json"), str(N)],
                             capture_output=True, text=True, check=True).stdout
        bare = json.loads(out)
    finally:
        shutil.rmtree(work, True)

    wm, wp, bm, bp = (ms(statistics.median(warm)), ms(percentile(warm, 0.99)),
                      ms(statistics.median(bare)), ms(percentile(bare, 0.99)))
    cold = ms(statistics.median(colds))
    load = os.getloadavg()[0]
    print(f"hitc serve against a bare python3 loop, {N} requests "
          f"(python3 {'.'.join(map(str, sys.version_info[:3]))}, load average {load:.1f})\n")
    print("| path | median | p99 |")
    print("| --- | ---: | ---: |")
    print(f"| hitc serve, warm worker (GET over HTTP, kept alive) | {wm:.3f} ms | {wp:.3f} ms |")
    print(f"| the handler in a bare python3 loop | {bm:.4f} ms | {bp:.4f} ms |")
    print(f"| hitc serve, the cold first request (median of 5 starts) | {cold:.1f} ms | |")
    print(f"\nwarm overhead at the median: {wm - bm:.3f} ms (target: under 5 ms); "
          f"warm / bare: {wm / bm:.0f}x; cold / warm: {cold / wm:.0f}x")
    if wm - bm >= 5.0:
        print("bench: the warm overhead is over the 5 ms target", file=sys.stderr)


if __name__ == "__main__":
    main()

"""hitc build and check past 500 resources: time and peak memory for 100, 1,000
and 5,000 functions, per function (docs/scaling.md), beside `cdk synth` and `serverless
package` on the nearest app they have, for the sizes they finish in 10 minutes.

The hitc app: one table, N Python functions that read and write it, each behind
`GET /fN/{name}` of an HTTP API (a REST API's path resources go to 8 stacks by their
first segment, some 4,000 at most; an HTTP API has none); up to 1,000 functions
placed by the hash of their names, past that 40 to a stack with `stack gK` (32 hash
stacks hold some 2,000 such functions).  The peers' app is bench/gen.py's: N counters,
each a table, a function and a REST route (so more resources than hitc's).

Each command runs once per size (a whole process; peak memory is its maximum
resident set, from wait4).  usage: python3 bench/scale.py [N...]
"""
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HITC = os.environ.get("HITC", os.path.join(ROOT, "hitc"))
NPM = os.path.join(ROOT, "build", "bench-npm", "node_modules")
PEER_TIMEOUT = 600
sys.path.insert(0, os.path.join(ROOT, "bench"))


def hit_app(n, d):
    os.makedirs(os.path.join(d, "src"), exist_ok=True)
    with open(os.path.join(d, "src", "index.py"), "w") as f:
        f.write("def handler(event, context):\n    return {'statusCode': 200}\n")
    out = [f'app scale{n} "{n} functions"', "", "api { kind http }", "",
           "table counts {", "  key name: string", "}", ""]
    for i in range(n):
        out += [f"function f{i} {{", "  runtime python3.12", "  handler index.handler",
                '  code "src"', "  env { T = counts.name }", "  allow counts readwrite"]
        out += [f"  stack g{i // 40}"] if n > 1000 else []
        out += ["}", f"route GET /f{i}/{{name}} -> f{i}", ""]
    out.append("output url = api.url")
    with open(os.path.join(d, "app.hit"), "w") as f:
        f.write("\n".join(out) + "\n")


def run(cmd, cwd, env=None, timeout=None):
    """(seconds, peak RSS in MB, exit status or None for a timeout).  stderr goes
    to a file, not a pipe, so a chatty command never blocks on a full pipe."""
    with tempfile.TemporaryFile() as errf:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errf)
        deadline = None if timeout is None else t0 + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                return time.perf_counter() - t0, 0.0, None
            time.sleep(0.05)
        seconds = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errf.seek(0)
            err = errf.read().decode(errors="replace")[-20000:]
            raise SystemExit(f"bench: {' '.join(cmd)} failed ({code}):\n{err}")
    p.returncode = code                 # reaped by wait4: Popen need not wait
    return seconds, usage.ru_maxrss / 1024, code


GAVE_UP = {}     # peer -> the size it did not finish


def peers(n, d):
    from bench import npm_env, offline
    cdk, sls = os.path.join(NPM, ".bin", "cdk"), os.path.join(NPM, ".bin", "serverless")
    rows = []
    if not (os.path.exists(cdk) and os.path.exists(sls)):
        return [("cdk synth / serverless package", "not installed (scripts/deps.sh --bench)")]
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen.py"), str(n), d], check=True,
                   stdout=subprocess.DEVNULL)
    net = offline()
    for name, cmd in (("cdk synth", net + [cdk, "synth", "--app", "node app.js", "-q", "-o", "cdk.out",
                                           "--no-notices", "--no-version-reporting"]),
                      ("serverless package", net + [sls, "package", "--region", "us-east-1",
                                                    "--stage", "dev"])):
        if name in GAVE_UP:
            rows.append((name, f"not run: it did not finish at {GAVE_UP[name]:,}"))
            continue
        try:
            s, mb, code = run(cmd, d, npm_env(), PEER_TIMEOUT)
        except SystemExit as err:
            # the CDK refuses a stack past 500 resources (it splits nothing by itself)
            why = re.search(r"Number of resources in stack [^:]*: \d+ is greater than allowed "
                            r"maximum of \d+", str(err))
            rows.append((name, "refused: " + (why.group(0) if why else str(err).strip().splitlines()[-1][:200])))
            continue
        if code is None:
            GAVE_UP[name] = n
        rows.append((name, f"did not finish in {PEER_TIMEOUT // 60} minutes" if code is None else
                     f"{s:.1f} s, {s / n * 1000:.2f} ms per function, peak {mb:.0f} MB"))
    return rows


def main(sizes):
    print("hitc build and check past 500 resources (bench/scale.py)\n")
    print("| functions | resources | stacks | build | per function | peak memory | per function "
          "| check | per function | peak memory |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    peer_rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="hitc-scale.") as d:
            hit_app(n, d)
            s, mb, _ = run([HITC, "build", "-q", "app.hit", "-o", "out"], d)
            cs, cmb, _ = run([HITC, "check", "-q", "app.hit"], d)
            import json
            m = json.load(open(os.path.join(d, "out", "manifest.json")))
            files = ["template.json"] + [x["file"] for x in m.get("stacks", [])]
            nres = sum(len(json.load(open(os.path.join(d, "out", f)))["Resources"]) for f in files)
            print(f"| {n:,} | {nres:,} | {len(files)} | {s:.2f} s | {s / n * 1000:.2f} ms | "
                  f"{mb:.0f} MB | {mb * 1024 / n:.0f} KB | {cs:.2f} s | {cs / n * 1000:.2f} ms | "
                  f"{cmb:.0f} MB |", flush=True)
        with tempfile.TemporaryDirectory(prefix="hitc-scale-peer.") as d:
            peer_rows += [(n, name, what) for name, what in peers(n, d)]
    print("\nThe peers, on bench/gen.py's app of N counters (a table, a function and a REST route each):\n")
    print("| counters | peer | result |")
    print("| ---: | --- | --- |")
    for n, name, what in peer_rows:
        print(f"| {n:,} | {name} | {what} |", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 5000])

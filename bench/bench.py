"""hitc against the peers this machine has, in one run, as ratios.

The job is the same on both sides: the same app (bench/gen.py writes it as
app.hit and as the equivalent SAM template) turned into CloudFormation, and
checked before a commit.
  compile: `hitc build app.hit -o DIR` (template, bundles and all) against
           the SAM translator (`sam build`'s and CloudFormation's transform;
           it zips nothing, so the comparison favours it)
  check:   `hitc check app.hit` against `cfn-lint sam.json`, what a SAM or
           CloudFormation user runs in a pre-commit hook
  lint:    `hitc lint template.json` against `cfn-lint template.json`, on the
           same raw CloudFormation file (the template hitc built)
Every command must succeed, or the benchmark fails.  Times are wall clock,
the median of several runs (at least 3, until a second has passed, at most
15), each a whole process as a user would start it.

usage: python3 bench/bench.py [SIZES...]     (default: 1 10 50)
"""
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HITC = os.environ.get("HITC", os.path.join(ROOT, "hitc"))


def timed(cmd, cwd):
    """Median seconds of runs of cmd; raises if a run fails."""
    times, started = [], time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - started < 1.0 and len(times) < 15):
        t0 = time.perf_counter()
        run = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - t0)
        if run.returncode != 0:
            raise SystemExit(f"bench: {' '.join(cmd)} failed ({run.returncode}):\n{run.stderr}")
    return statistics.median(times), len(times)


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except OSError:
        return "missing"


def row(app, job, t_ours, k_ours, peer, t_theirs, k_theirs):
    print(f"| {app} | {job} | {t_ours * 1000:.1f} ms ({k_ours}) | {peer} | "
          f"{t_theirs * 1000:.1f} ms ({k_theirs}) | {t_theirs / t_ours:.1f}x |", flush=True)


def main(sizes):
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")   # the translator wants one
    for tool in ("cfn-lint",):
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} is not installed; it is a peer this benchmark needs")
    sam_version = version([sys.executable, "-c", "import samtranslator; print(samtranslator.__version__)"])
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"hitc: {version([HITC, '--version'])}; aws-sam-translator {sam_version}; "
          f"{version(['cfn-lint', '--version'])}")
    print()
    print("| app | job | hitc | peer | peer's time | peer / hitc |")
    print("| --- | --- | ---: | --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as work:
        for n in sizes:
            d = os.path.join(work, f"n{n}")
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen.py"), str(n), d], check=True)
            app = f"{n} counter{'s' if n > 1 else ''}"
            jobs = [
                ("compile", [HITC, "build", "-q", "app.hit", "-o", "out"], "SAM translator",
                 [sys.executable, os.path.join(ROOT, "bench", "sam_translate.py"), "sam.json"]),
                ("check", [HITC, "check", "app.hit"], "cfn-lint",
                 ["cfn-lint", "sam.json"]),
                # The same raw template on both sides: the one hitc built above.
                ("lint", [HITC, "lint", "out/template.json"], "cfn-lint",
                 ["cfn-lint", "out/template.json"]),
            ]
            for job, ours, peer, theirs in jobs:
                t_ours, k_ours = timed(ours, d)
                t_theirs, k_theirs = timed(theirs, d)
                row(app, job, t_ours, k_ours, peer, t_theirs, k_theirs)
                if peer == "SAM translator":
                    t_inner = float(subprocess.run(
                        theirs[:2] + ["--time", "5"] + theirs[2:], cwd=d, check=True,
                        capture_output=True, text=True).stdout)
                    row(app, job, t_ours, k_ours, "SAM translator, start-up left out",
                        t_inner, 5)
    print()
    print("Median wall-clock time of (N) runs, each a whole process, except the rows "
          "'start-up left out': there the translator runs N times inside one Python "
          "process and only its transform is timed, against hitc's whole process.  "
          "'peer / hitc' is how many times longer the peer took for the same job.")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 10, 50])

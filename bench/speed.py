"""Where users wait (issue 20): this hitc against hitc 0.1 and against
`zip -X -r` + `sha256sum`, in the same run, as ratios of CPU time.

  small:  `hitc build` and `hitc check` of the hit counter (examples/hits),
          this hitc and 0.1 taking turns; the median of each.
  large:  a 100 MB code directory of 2,000 files (one function): a cold
          build (an empty bundle cache), a warm one (nothing changed), one
          with one file changed among the 2,000, and hitc 0.1's build (0.1
          has no cache: every build is cold), beside `zip -X -r` of the same
          directory and `sha256sum` of that zip, the job hitc does.  With
          the peak memory (max RSS) of each.

CPU time is user + system of the process alone (os.wait4), which the
machine's load moves far less than wall time.  Every command must exit 0.

usage: python3 bench/speed.py        (HITC, HITC_BASE: the two binaries;
       without HITC_BASE, hitc 0.1 is built from git history into a
       temporary directory)
"""
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HITC = os.environ.get("HITC", os.path.join(ROOT, "hitc"))
BASE_REV = os.environ.get("HITC_BASE_REV", "043fc6c")   # hitc 0.1
FILES, FILE_BYTES = 2000, 50 * 1024                       # 100 MB


def run(cmd, cwd, env=None):
    """(CPU seconds, max RSS in MiB) of one run of cmd; raises if it fails."""
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({p.returncode}):\n{err}")
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def build_base(work):
    """hitc 0.1, built from git history in a temporary directory."""
    src = os.path.join(work, "hitc-0.1")
    os.makedirs(src)
    if subprocess.run(["git", "-C", ROOT, "cat-file", "-e", BASE_REV + "^{commit}"],
                      capture_output=True).returncode != 0:
        raise SystemExit(f"bench: revision {BASE_REV} (hitc 0.1) is not in this clone's history")
    archive = subprocess.run(["git", "-C", ROOT, "archive", BASE_REV], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
    log = os.path.join(work, "hitc-0.1.log")
    with open(log, "w") as f:
        if subprocess.run(["make", "-C", src, "hitc"], stdout=f, stderr=f).returncode != 0:
            raise SystemExit(f"bench: building hitc 0.1 failed; see {log}")
    return os.path.join(src, "hitc")


def ms(s):
    return f"{s * 1000:.1f} ms"


def small(base, work, pairs=15):
    """The hit counter: build and check, this hitc and 0.1 in turns."""
    hits = os.path.join(ROOT, "examples", "hits")
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache-small"))
    print("| the hit counter | this hitc (CPU) | hitc 0.1 (CPU) | this / 0.1 | target |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for job, target, args in (("build", "0.5", ["build", "-q", "app.hit", "-o"]),
                              ("check", "0.4", ["check", "app.hit"])):
        ours, theirs = [], []
        for i in range(pairs):
            out = [os.path.join(work, f"small-{i}")] if job == "build" else []
            ours.append(run([HITC] + args + out, hits, env)[0])
            out = [os.path.join(work, f"small-base-{i}")] if job == "build" else []
            theirs.append(run([base] + args + out, hits, env)[0])
        o, t = statistics.median(ours), statistics.median(theirs)
        print(f"| `hitc {job}` | {ms(o)} | {ms(t)} | {o / t:.2f}x | <= {target}x |", flush=True)


WORDS = None


def text(rng, n):
    """n bytes of code-like text: compresses about as source code does."""
    global WORDS
    if WORDS is None:
        WORDS = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rng.randint(2, 12)))
                 for _ in range(1000)]
    out, size = [], 0
    while size < n:
        line = "    " * rng.randint(0, 3) + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12))) + "\n"
        out.append(line)
        size += len(line)
    return "".join(out)[:n]


def make_app(d):
    rng = random.Random(20)
    src = os.path.join(d, "src")
    for i in range(FILES):
        sub = os.path.join(src, f"pkg{i // 100:02d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"mod{i:04d}.py"), "w") as f:
            f.write(text(rng, FILE_BYTES))
    with open(os.path.join(src, "index.py"), "w") as f:
        f.write("def handler(event, context):\n    return {'statusCode': 200}\n")
    with open(os.path.join(d, "app.hit"), "w") as f:
        f.write('app big "a function with a 100 MB code directory"\n\n'
                "function web {\n  runtime python3.12\n  handler index.handler\n"
                '  code "src"\n}\n')


def large(base, work, pairs=3):
    d = os.path.join(work, "large")
    make_app(d)
    time.sleep(1.1)     # the files' mtimes a second before any cache entry
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(os.path.join(d, "src")) for f in fs)
    print(f"\n| a code directory of {FILES} files, {size / 2**20:.0f} MiB | CPU | peak RSS | "
          f"/ this hitc's cold build | target |")
    print("| --- | ---: | ---: | ---: | ---: |")
    cold, cold_rss, old, old_rss, peer = [], [], [], [], []
    for i in range(pairs):
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, f"cache-cold-{i}"))
        c, r = run([HITC, "build", "-q", "app.hit", "-o", "out"], d, env)
        cold.append(c)
        cold_rss.append(r)
        c, r = run([base, "build", "-q", "app.hit", "-o", "out-base"], d)
        old.append(c)
        old_rss.append(r)
        z = os.path.join(work, "peer.zip")
        if os.path.exists(z):
            os.unlink(z)
        c1, _ = run(["zip", "-X", "-q", "-r", z, "."], os.path.join(d, "src"))
        c2, _ = run(["sha256sum", z], d)
        peer.append(c1 + c2)
    warm_env = dict(os.environ, XDG_CACHE_HOME=os.path.join(work, "cache-cold-0"))
    warm, warm_rss, changed, changed_rss = [], [], [], []
    target = os.path.join(d, "src", "pkg07", "mod0700.py")
    for i in range(max(pairs, 5)):
        c, r = run([HITC, "build", "-q", "app.hit", "-o", "out"], d, warm_env)
        warm.append(c)
        warm_rss.append(r)
        with open(target, "a") as f:        # one file of 2,000 changes
            f.write(f"# change {i}\n")
        c, r = run([HITC, "build", "-q", "app.hit", "-o", "out"], d, warm_env)
        changed.append(c)
        changed_rss.append(r)
    cm = statistics.median(cold)
    rows = [
        ("this hitc, cold (an empty cache)", cold, cold_rss, ""),
        ("this hitc, warm (nothing changed)", warm, warm_rss, "<= 0.05x"),
        ("this hitc, one file of 2,000 changed", changed, changed_rss, "<= 0.15x"),
        (f"hitc 0.1 ({BASE_REV}), every build", old, old_rss, ""),
        ("`zip -X -r` + `sha256sum`", peer, None, ""),
    ]
    for label, cpu, rss, goal in rows:
        m = statistics.median(cpu)
        r = f"{max(rss):.0f} MiB" if rss else ""
        print(f"| {label} | {m:.3f} s | {r} | {m / cm:.3f}x | {goal} |", flush=True)
    print(f"\ncold: this hitc / hitc 0.1 = {cm / statistics.median(old):.2f}x; "
          f"this hitc / (`zip -X -r` + `sha256sum`) = {cm / statistics.median(peer):.2f}x "
          f"(CPU, medians of {pairs} pairs; warm and changed: {len(warm)} runs)")


def main():
    with tempfile.TemporaryDirectory() as work:
        base = os.environ.get("HITC_BASE") or build_base(work)
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        small(base, work)
        large(base, work)
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if not shutil.which("zip"):
        raise SystemExit("bench: zip is not installed; scripts/deps.sh --test installs it")
    main()

"""hitc against its peers, in one run, as ratios.

The job is the same on both sides: the same app (bench/gen.py writes it as
app.hit and as the equivalent SAM template) turned into CloudFormation, and
checked before a commit.
  compile: `hitc build app.hit -o DIR` (template, bundles and all) against
           the SAM translator (`sam build`'s and CloudFormation's transform;
           it zips nothing, so the comparison favours it), against
           `cdk synth --app "node app.js"` (the AWS CDK: template and code
           assets staged) and against `serverless package` (the Serverless
           Framework v3: templates and the code zip)
  check:   `hitc check app.hit` against `cfn-lint sam.json`, what a SAM or
           CloudFormation user runs in a pre-commit hook
  lint:    `hitc lint template.json` against `cfn-lint template.json`, on the
           same raw CloudFormation file (the template hitc built)
The npm peers come from build/bench-npm (scripts/deps.sh --bench) and run
with fake AWS credentials, a fixed region, telemetry and notices off and,
where `unshare -n` works (root), in a network namespace of their own with no
network at all, so that none of them can reach AWS.
Every command must succeed, or the benchmark fails.  Times are wall clock,
the median of several runs (at least 3, until a second has passed, at most
15), each a whole process as a user would start it.

usage: python3 bench/bench.py [SIZES...]     (default: 1 10 50)
"""
import json
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
NPM = os.path.join(ROOT, "build", "bench-npm", "node_modules")


def npm_env():
    """What the npm peers run with: no credentials of anyone's, no calls home."""
    env = dict(os.environ)
    env.update({
        "NODE_PATH": NPM,                      # app.js finds aws-cdk-lib here
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "bench-not-a-secret",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",   # no instance-metadata look-up
        "CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true",
        "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
    })
    env.pop("AWS_PROFILE", None)
    return env


def offline():
    """The prefix that runs a command with no network, or [] where we can't."""
    try:
        if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
            return ["unshare", "-n"]
    except OSError:
        pass
    return []


def timed(cmd, cwd, env=None):
    """Median seconds of runs of cmd; raises if a run fails."""
    times, started = [], time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - started < 1.0 and len(times) < 15):
        t0 = time.perf_counter()
        run = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, env=env)
        times.append(time.perf_counter() - t0)
        if run.returncode != 0:
            raise SystemExit(f"bench: {' '.join(cmd)} failed ({run.returncode}):\n{run.stderr}")
    return statistics.median(times), len(times)


def instructions(cmd, cwd, work):
    """Instructions one run of cmd executes, counted by valgrind's callgrind."""
    out = os.path.join(work, "callgrind.out")
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd,
                         cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"bench: callgrind of {' '.join(cmd)} failed:\n{run.stderr}")
    for line in run.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1])
    raise SystemExit(f"bench: no instruction count from callgrind:\n{run.stderr}")


def version(cmd, env=None):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except OSError:
        return "missing"


TINY = """Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
Outputs:
  Arn:
    Value: !GetAtt Queue.Arn
"""


def text_size(path):
    """The bytes of code and constant data (size's text) of an object or binary."""
    out = subprocess.run(["size", path], capture_output=True, text=True, check=True).stdout
    return int(out.splitlines()[1].split()[0])


def tables(work, base, rev):
    """What the AWS tables (the resource schemas, compiler/schema_data.c, and
    the IAM actions, compiler/iam_data.c) cost: their bytes in the binary, and
    the instructions of a start-up and of `hitc lint` on a tiny template,
    which looks one type, one property and one attribute up.  The data holds
    no pointers, so the loader relocates nothing: start-up does not grow."""
    print()
    print(f"| the AWS tables | this hitc | hitc 0.1 ({rev}) |")
    print("| --- | ---: | ---: |")
    objs = [os.path.join(ROOT, "build", "compiler", f) for f in ("schema_data.o", "iam_data.o")]
    kb = sum(text_size(o) for o in objs) / 1024
    print(f"| schema_data.o + iam_data.o (text) | {kb:.0f} KB | (none) |")
    ours_t = text_size(HITC) / 1024
    base_t = f"{text_size(base) / 1024:.0f} KB" if base else "(no baseline)"
    print(f"| the binary (text) | {ours_t:.0f} KB | {base_t} |")
    ours_v = instructions([HITC, "--version"], work, work)
    base_v = f"{instructions([base, '--version'], work, work) / 1e6:.2f} M" if base else "(no baseline)"
    print(f"| `hitc --version`, instructions | {ours_v / 1e6:.2f} M | {base_v} |")
    tiny = os.path.join(work, "tiny.yaml")
    with open(tiny, "w") as f:
        f.write(TINY)
    ours_l = instructions([HITC, "lint", "tiny.yaml"], work, work)
    print(f"| `hitc lint` of a 1-resource template, instructions | {ours_l / 1e6:.2f} M | (no lint) |")


def row(app, job, t_ours, k_ours, peer, t_theirs, k_theirs):
    print(f"| {app} | {job} | {t_ours * 1000:.1f} ms ({k_ours}) | {peer} | "
          f"{t_theirs * 1000:.1f} ms ({k_theirs}) | {t_theirs / t_ours:.1f}x |", flush=True)


def main(sizes):
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")   # the translator wants one
    for tool in ("cfn-lint",):
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} is not installed; it is a peer this benchmark needs")
    for pkg in ("aws-cdk-lib", "aws-cdk", "constructs", "serverless"):
        if not os.path.isfile(os.path.join(NPM, pkg, "package.json")):
            raise SystemExit(f"bench: {pkg} is not in build/bench-npm; run scripts/deps.sh --bench")
    env, net = npm_env(), offline()
    cdk, sls = os.path.join(NPM, ".bin", "cdk"), os.path.join(NPM, ".bin", "serverless")

    def npm_version(pkg):
        with open(os.path.join(NPM, pkg, "package.json")) as f:
            return json.load(f)["version"]
    sam_version = version([sys.executable, "-c", "import samtranslator; print(samtranslator.__version__)"])
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"hitc: {version([HITC, '--version'])}; aws-sam-translator {sam_version}; "
          f"{version(['cfn-lint', '--version'])}; aws-cdk-lib {npm_version('aws-cdk-lib')}, "
          f"cdk CLI {npm_version('aws-cdk')}; serverless {npm_version('serverless')}; "
          f"node {version(['node', '--version'])}")
    print("npm peers run " + ("with no network (unshare -n)" if net else
                              "with the network reachable (unshare -n is not available here)"))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
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
            npm_jobs = [
                ("compile", "CDK (cdk synth)",
                 net + [cdk, "synth", "--app", "node app.js", "-q", "-o", "cdk.out",
                        "--no-notices", "--no-version-reporting"]),
                ("compile", "Serverless v3 (serverless package)",
                 net + [sls, "package", "--region", "us-east-1", "--stage", "dev"]),
            ]
            for job, ours, peer, theirs in jobs:
                t_ours, k_ours = timed(ours, d)
                t_theirs, k_theirs = timed(theirs, d)
                row(app, job, t_ours, k_ours, peer, t_theirs, k_theirs)
                if job != "compile":
                    continue
                if peer == "SAM translator":
                    t_inner = float(subprocess.run(
                        theirs[:2] + ["--time", "5"] + theirs[2:], cwd=d, check=True,
                        capture_output=True, text=True).stdout)
                    row(app, job, t_ours, k_ours, "SAM translator, start-up left out",
                        t_inner, 5)
                for job2, peer2, cmd in npm_jobs:
                    t_theirs, k_theirs = timed(cmd, d, env)
                    row(app, job2, t_ours, k_ours, peer2, t_theirs, k_theirs)
                    if peer2.startswith("CDK"):
                        t_inner = float(subprocess.run(
                            ["node", os.path.join(ROOT, "bench", "cdk_synth.js"), "app.js",
                             "3", "cdk.inproc"], cwd=d, env=env, check=True,
                            capture_output=True, text=True).stdout)
                        row(app, job2, t_ours, k_ours, "CDK, start-up left out", t_inner, 3)
        # hitc alone, in absolute terms: the example app and the largest size.
        print()
        # Against hitc 0.1 (bench/run.sh builds it from git history), the
        # two taking turns so that load falls on both alike.
        base = os.environ.get("HITC_BASE")
        rev = os.environ.get("HITC_BASE_REV", "?")
        print(f"| hitc alone | this hitc | hitc 0.1 ({rev}) | this / 0.1 |")
        print("| --- | ---: | ---: | ---: |")
        alone = []
        hits = os.path.join(ROOT, "examples", "hits")
        n = max(sizes)
        for label, d in ((f"hitc build examples/hits", hits),
                         (f"hitc build, {n} function{'s' if n > 1 else ''}",
                          os.path.join(work, f"n{n}"))):
            ours, theirs = [], []
            for _ in range(3):
                ours.append(timed([HITC, "build", "-q", "app.hit", "-o",
                                   os.path.join(work, "alone-out")], d)[0])
                if base:
                    theirs.append(timed([base, "build", "-q", "app.hit", "-o",
                                         os.path.join(work, "alone-base")], d)[0])
            t = statistics.median(ours)
            alone.append((label, d))
            if base:
                b = statistics.median(theirs)
                print(f"| {label} | {t * 1000:.1f} ms | {b * 1000:.1f} ms | {t / b:.2f}x |")
            else:
                print(f"| {label} | {t * 1000:.1f} ms | (no baseline) | |")
        # Instructions executed (valgrind's callgrind), which the machine's
        # load does not move: the same comparison, exact.
        if base:
            for label, d in alone:
                ours_ir = instructions([HITC, "build", "-q", "app.hit", "-o",
                                        os.path.join(work, "ir-out")], d, work)
                base_ir = instructions([base, "build", "-q", "app.hit", "-o",
                                        os.path.join(work, "ir-base")], d, work)
                print(f"| {label}, instructions | {ours_ir / 1e6:.1f} M | "
                      f"{base_ir / 1e6:.1f} M | {ours_ir / base_ir:.2f}x |")
        tables(work, base, rev)
    print()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("Median wall-clock time of (N) runs, each a whole process, except the rows "
          "'start-up left out': there the translator runs N times inside one Python "
          "process and only its transform is timed, and the CDK synthesizes a fresh App N times "
          "inside one node process after one untimed warm-up synthesis (aws-cdk-lib loads "
          "lazily), against hitc's whole process.  "
          "'peer / hitc' is how many times longer the peer took for the same job.")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 10, 50])

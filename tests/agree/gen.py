#!/usr/bin/env python3
"""tests/agree/gen.py: write N small random apps, the same ones every time.

usage: gen.py N DIR   (DIR/app000/app.hit, its src/ and often frag.yaml)

Most apps are valid (DIR/appNNN/expect says "valid"): `hitc build --strict`
must accept each, and then `hitc lint --strict` must find nothing in the
template it wrote (tests/run.sh agree).  About one in five is broken in a way
only the template shows (expect says "invalid" and why): a cycle through a
function's role and an included resource, a fragment naming a resource the
template lacks, a misspelt intrinsic function.  `hitc build` must refuse
those, since `hitc lint` would refuse what it wrote.  The apps mix tables (some with streams), functions (Python and
Node), routes of a REST or HTTP API, triggers (schedules, streams, an
included queue), env values and grants, and an included fragment whose
resources hitc's declarations read and which itself reads hitc's resources:
functions, their roles, log groups and stamps, hitc's stamper, the API and
its stage, tables, the Stage parameter.

The fragment's resources come in three groups, so that the template has no
cycle by construction:
  upstream   read by hitc (env, allow ... on, on queue); they read only
             tables and Stage, which read nothing of the fragment;
  downstream read hitc's functions, roles, log groups, stamps, API parts
             and tables; nothing reads them;
  beside     read one function's role and are read by that function's env
             only: FFunction -> X -> FFunctionRole, which CloudFormation
             creates (a check that merged a function with its role would
             call it a cycle).
"""
import os
import random
import sys

SEED = 14


def pascal(name):
    return "".join(p[:1].upper() + p[1:] for p in name.split("-"))


def table_block(name, stream):
    s = "table %s {\n  key id: string\n" % name
    if stream:
        s += "  stream new-and-old\n"
    return s + "}\n"


def gen_app(rng, i):
    tables = ["t%d" % k for k in range(rng.randint(0, 3))]
    streams = {t for t in tables if rng.random() < 0.4}
    fns = ["f%d" % k for k in range(rng.randint(1, 3))]
    runtime = {f: rng.choice(["python3.12", "python3.13", "nodejs24.x"]) for f in fns}
    use_frag = rng.random() < 0.8

    up, down, beside = [], [], {}
    broken = None
    if use_frag and rng.random() < 0.2:
        broken = rng.choice(["role-cycle", "dependson-cycle", "unknown-ref", "bad-function"])
    if use_frag:
        for k in range(rng.randint(1, 3)):
            up.append("Up%d" % k)
        for k in range(rng.randint(0, 3)):
            down.append("Down%d" % k)
        for f in fns:
            if rng.random() < 0.5:
                beside[f] = "Beside%s" % pascal(f)

    hit = ["app g%03d \"generated app %d\"" % (i, i)]
    if use_frag:
        hit.append('include "frag.yaml"')
    for t in tables:
        hit.append(table_block(t, t in streams).rstrip("\n"))

    cycle_fn = rng.choice(fns)
    stamped = {}
    for f in fns:
        lines = ["function %s {" % f, "  runtime %s" % runtime[f],
                 "  handler index.handler", '  code "src"']
        env = []
        for t in tables:
            if rng.random() < 0.5:
                env.append("%s = %s.name" % (t.upper(), t))
        for u in up:
            if rng.random() < 0.4:
                env.append("%s_URL = cfn.%s" % (u.upper(), u))
        if f in beside:
            env.append("BESIDE = cfn.%s" % beside[f])
        stamped[f] = bool(env)
        if env:
            lines.append("  env {")
            lines += ["    " + e for e in env]
            lines.append("  }")
        for t in tables:
            if rng.random() < 0.5:
                lines.append("  allow %s %s" % (t, rng.choice(["read", "write", "readwrite"])))
        for u in up:
            if rng.random() < 0.4 or (broken and broken.endswith("cycle") and
                                      f == cycle_fn and u == up[0]):
                lines.append('  allow ["sqs:SendMessage", "sqs:GetQueueAttributes"] on cfn.%s.Arn' % u)
        lines.append("}")
        hit.append("\n".join(lines))

    routes = set()
    has_api = rng.random() < 0.7
    if has_api:
        kind = rng.choice(["rest", "http"])
        hit.append("api { kind %s }" % kind)
        for k in range(rng.randint(1, 4)):
            method = rng.choice(["GET", "POST", "PUT", "DELETE"])
            path = rng.choice(["/items", "/items/{id}", "/p%d" % k, "/p%d/{id}/x" % k])
            if (method, path) in routes or any(p != path and p.split("/")[1:2] == path.split("/")[1:2]
                                                and ("{" in p) != ("{" in path) for _, p in routes):
                continue
            routes.add((method, path))
            hit.append("route %s %s -> %s" % (method, path, rng.choice(fns)))

    if rng.random() < 0.5:
        hit.append('on schedule "rate(%d hours)" -> %s' % (rng.randint(2, 9), rng.choice(fns)))
    for t in sorted(streams):
        if rng.random() < 0.7:
            hit.append("on %s.stream -> %s { batch %d }" % (t, rng.choice(fns), rng.randint(1, 100)))
    if up and rng.random() < 0.5:
        hit.append("on queue cfn.%s.Arn -> %s { batch 5 }" % (rng.choice(up), rng.choice(fns)))
    if up and rng.random() < 0.5:
        hit.append("output queue = cfn.%s" % rng.choice(up))

    # The fragment.
    hitc_reads = ["!Ref Stage"] + ["!Ref %sTable" % pascal(t) for t in tables]
    hitc_made = list(hitc_reads)
    for f in fns:
        F = pascal(f)
        hitc_made += ["!Ref %sFunction" % F, "!GetAtt %sFunction.Arn" % F,
                      "!GetAtt %sFunctionRole.Arn" % F, "!Ref %sFunctionLogGroup" % F,
                      '!Sub "${%sFunctionRole}"' % F]
        if stamped[f]:      # its stamp, and hitc's stamper
            hitc_made += ["!Ref %sFunctionCode" % F, "!GetAtt HitcStamperRole.Arn"]
    if has_api and routes:  # the API's parts
        hitc_made += ["!Ref Api", "!Ref ApiStage"]
    y = ["Resources:"]
    for u in up:
        value = rng.choice(hitc_reads)
        y += ["  %s:" % u, "    Type: AWS::SQS::Queue"]
        if u == up[0] and broken == "role-cycle":
            value = "!GetAtt %sFunctionRole.Arn" % pascal(cycle_fn)
        if u == up[0] and broken == "dependson-cycle":
            y += ["    DependsOn: %sFunctionRole" % pascal(cycle_fn)]
        if u == up[0] and broken == "unknown-ref":
            value = "!Ref %sFunctio" % pascal(cycle_fn)
        if u == up[0] and broken == "bad-function":
            value = '{"Fn::Joinn": ["-", [a, b]]}'
        y += ["    Properties:", "      Tags:", "        - Key: from",
              "          Value: %s" % value]
    for d in down:
        kind = rng.choice(["queue", "topic", "depends"])
        y += ["  %s:" % d]
        if kind == "topic":
            y += ["    Type: AWS::SNS::Topic", "    Properties:",
                  "      Tags:", "        - Key: names", "          Value: %s" % rng.choice(hitc_made)]
        elif kind == "queue":
            y += ["    Type: AWS::SQS::Queue", "    Properties:",
                  "      Tags:", "        - Key: names", "          Value: %s" % rng.choice(hitc_made)]
        else:
            y += ["    Type: AWS::SQS::Queue", "    DependsOn: %sFunction" % pascal(rng.choice(fns))]
        if up and rng.random() < 0.5:
            y += ["    Metadata:", "      Reads: !GetAtt %s.Arn" % rng.choice(up)]
    for f, b in sorted(beside.items()):
        y += ["  %s:" % b, "    Type: AWS::SQS::Queue", "    Properties:",
              "      Tags:", "        - Key: role",
              "          Value: !GetAtt %sFunctionRole.Arn" % pascal(f)]
    return ("\n".join(hit) + "\n", ("\n".join(y) + "\n") if use_frag else None,
            "invalid " + broken if broken else "valid")


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(SEED)
    for i in range(n):
        d = os.path.join(out, "app%03d" % i)
        os.makedirs(os.path.join(d, "src"), exist_ok=True)
        hit, frag, expect = gen_app(rng, i)
        with open(os.path.join(d, "expect"), "w") as f:
            f.write(expect + "\n")
        with open(os.path.join(d, "app.hit"), "w") as f:
            f.write(hit)
        if frag:
            with open(os.path.join(d, "frag.yaml"), "w") as f:
                f.write(frag)
        with open(os.path.join(d, "src", "index.py"), "w") as f:
            f.write("def handler(event, context):\n    return {}\n")
        with open(os.path.join(d, "src", "index.js"), "w") as f:
            f.write("exports.handler = async () => ({});\n")


if __name__ == "__main__":
    main()

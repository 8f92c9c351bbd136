"""Check the stamped code of one deployed stack against the template and the bundles.

usage: python3 tests/e2e/stamped.py STACK TEMPLATE BUNDLES_DIR
       (reaches moto through AWS_ENDPOINT_URL, like the aws CLI)

For every Custom::HitcStamp resource of STACK:
  - its physical id is s3://BUCKET/KEY with KEY = TargetPrefix + STACK "/" HASH12 "/"
    LOGICALID "/" SHA256 ".zip", HASH12 from the stack's id and SHA256 the object's own;
  - the source bundle in S3 is byte for byte BUNDLES_DIR/NAME (what hitc built);
  - the stamped zip holds exactly the source's entries, byte for byte, plus .env;
  - .env (read with runtime-support/python/hitc_env.py) holds exactly the template's
    Env, each Ref resolved in this stack (a value that only AWS can compute, like a
    GetAtt, must be there and not be empty);
  - every function whose Code names this stamp runs exactly these bytes (CodeSha256).
Prints "ok: ..." and "bad: ..." lines, then one JSON line: {LOGICALID: {"key", "source_key",
"sha256", "env"}}.  Exits 1 when something is bad.
"""
import base64
import hashlib
import importlib.util
import io
import json
import os
import re
import sys
import zipfile

import boto3

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
spec = importlib.util.spec_from_file_location("hitc_env", os.path.join(ROOT, "runtime-support", "python", "hitc_env.py"))
hitc_env = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hitc_env)

bad = []


def ok(text):
    print(f"ok: {text}")


def fail(text):
    bad.append(text)
    print(f"bad: {text}")


def resolver(stack, resources):
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    region = stack["StackId"].split(":")[3]
    pseudo = {"AWS::StackName": stack["StackName"], "AWS::StackId": stack["StackId"], "AWS::Region": region,
              "AWS::AccountId": stack["StackId"].split(":")[4], "AWS::Partition": "aws",
              "AWS::URLSuffix": "amazonaws.com"}
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}

    def ref(name):
        for table in (params, pseudo, physical):
            if name in table:
                return table[name]
        return None

    def resolve(value):
        """The value as this stack has it, or None when only AWS could compute it."""
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Ref" in value:
            return ref(value["Ref"])
        if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            parts = []
            for piece in re.split(r"(\$\{[^}]*\})", value["Fn::Sub"]):
                if piece.startswith("${") and not piece.startswith("${!"):
                    got = ref(piece[2:-1])
                    if got is None:
                        return None
                    parts.append(got)
                else:
                    parts.append(piece.replace("${!", "${"))
            return "".join(parts)
        return None
    return resolve


def zip_entries(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def main(stack_name, template_path, bundles):
    cfn, s3, lam = boto3.client("cloudformation"), boto3.client("s3"), boto3.client("lambda")
    with open(template_path) as f:
        template = json.load(f)
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}
    resolve = resolver(stack, resources)
    hash12 = hashlib.sha256(stack["StackId"].encode()).hexdigest()[:12]
    summary = {}
    stamps = {lid: r for lid, r in template["Resources"].items() if r["Type"] == "Custom::HitcStamp"}
    if not stamps:
        fail("the template has no Custom::HitcStamp resource")
    for lid, res in stamps.items():
        props = res["Properties"]
        pid = physical.get(lid) or ""
        m = re.fullmatch(r"s3://([^/]+)/(.+)", pid)
        if not m:
            fail(f"{lid}: physical id {pid!r} is not s3://BUCKET/KEY")
            continue
        bucket, key = m.groups()
        target, source_key = resolve(props["TargetPrefix"]), resolve(props["SourceKey"])
        want = re.escape(f"{target}{stack_name}/{hash12}/{lid}/") + r"([0-9a-f]{64})\.zip"
        km = re.fullmatch(want, key)
        if bucket != resolve(props["SourceBucket"]) or not km:
            fail(f"{lid}: key {key} is not {target}{stack_name}/{hash12}/{lid}/SHA256.zip in the code bucket")
            continue
        stamped = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        sha = hashlib.sha256(stamped).hexdigest()
        if sha != km.group(1):
            fail(f"{lid}: the object's SHA-256 is {sha}, its name says {km.group(1)}")
        else:
            ok(f"{lid}: s3://{bucket}/{key} is named by its SHA-256")
        source = s3.get_object(Bucket=bucket, Key=source_key)["Body"].read()
        local = os.path.join(bundles, os.path.basename(source_key))
        if not os.path.exists(local) or open(local, "rb").read() != source:
            fail(f"{lid}: s3://{bucket}/{source_key} is not the bundle hitc built ({local})")
        else:
            ok(f"{lid}: its source s3://{bucket}/{source_key} is the uploaded bundle, byte for byte")
        src, out = zip_entries(source), zip_entries(stamped)
        env_bytes = out.pop(".env", None)
        src.pop(".env", None)
        if out != src:
            fail(f"{lid}: the stamped zip's entries differ from the source's: "
                 f"only in stamped {sorted(set(out) - set(src))}, only in source {sorted(set(src) - set(out))}, "
                 f"changed {sorted(k for k in set(out) & set(src) if out[k] != src[k])}")
        else:
            ok(f"{lid}: every entry but .env is the source's, byte for byte ({len(out)} entries)")
        if env_bytes is None:
            fail(f"{lid}: the stamped zip has no .env")
            continue
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"hitc-e2e-env-{os.getpid()}")
        with open(path, "wb") as f:
            f.write(env_bytes)
        try:
            env = hitc_env.load(path)
        finally:
            os.unlink(path)
        want_env = props.get("Env", {})
        if sorted(env) != sorted(want_env):
            fail(f"{lid}: .env has the keys {sorted(env)}, the template's Env has {sorted(want_env)}")
        for k, v in want_env.items():
            expected = resolve(v)
            if expected is None:
                if env.get(k):
                    ok(f"{lid}: .env {k}={env[k]!r} (computed by AWS)")
                else:
                    fail(f"{lid}: .env {k} is empty or missing")
            elif env.get(k) != expected:
                fail(f"{lid}: .env {k}={env.get(k)!r}, this stack's value is {expected!r}")
            else:
                ok(f"{lid}: .env {k}={expected!r}, this stack's own")
        b64 = base64.b64encode(bytes.fromhex(sha)).decode()
        for fid, fres in template["Resources"].items():
            code = (fres.get("Properties") or {}).get("Code") or {}
            if fres["Type"] == "AWS::Lambda::Function" and code.get("S3Key") == {"Fn::GetAtt": [lid, "Key"]}:
                got = lam.get_function_configuration(FunctionName=physical[fid])["CodeSha256"]
                if got != b64:
                    fail(f"{fid} runs code {got}, not the stamped copy {b64}")
                else:
                    ok(f"{fid} runs the stamped copy")
        summary[lid] = {"key": key, "source_key": source_key, "sha256": sha, "env": env}
    print(json.dumps(summary, sort_keys=True))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))

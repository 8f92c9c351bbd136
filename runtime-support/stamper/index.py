"""hitc's stamper: the Lambda behind the custom resource type Custom::HitcStamp.

In:  a CloudFormation custom-resource event.  ResourceProperties are SourceBucket,
     SourceKey (a code bundle that `hitc build` made and the user uploaded),
     TargetPrefix and Env (a map of .env keys to strings).
Out: exactly one PUT of a JSON response to the event's ResponseURL.
  Create/Update: the source zip with `.env` written at its root (a `.env` that the
     source had is merged: its keys are kept unless Env sets them), as a
     deterministic zip uploaded to SourceBucket under
         TargetPrefix + STACKNAME + "/" + HASH12 + "/" + LogicalResourceId + "/" + SHA256 + ".zip"
     SUCCESS with PhysicalResourceId "s3://BUCKET/KEY" and Data {Bucket, Key, Sha256}.
  Delete: removes the object that the physical id names, but only when that id has
     the shape above for this stack and this logical resource; any other id (one it
     never made, e.g. from a failed Create) is a success that removes nothing.
Holds: the answer goes out once, before the Lambda's own timeout: a watchdog answers
  FAILED when the work hangs.  Same inputs give the same bytes, so a retried Create
  or a rollback finds the same object.  Failure reasons say what to do.

Standard library and the runtime's boto3 only: hitc embeds this one file verbatim
in its binary and ships it as the stamper bundle's index.py.  docs/stamper.md and
docs/env-format.md describe it for people.
"""
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import threading
import traceback
import urllib.error
import urllib.request
import zipfile
import zlib

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# --- constants ------------------------------------------------------------

KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Values made only of these are written raw (KEY=value): python-dotenv, the
# readers in runtime-support and a naive line.split('=', 1) all read them as
# they are.  Everything else is double-quoted with escapes.
SAFE_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "_-.:/@+,%=\\")
# The escapes python-dotenv decodes inside double quotes.  The writer uses
# them for these characters; every other character is written as it is.
WRITE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r",
                 "\t": "\\t", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
READ_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r",
                "t": "\t", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}

ENV_NAME = ".env"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)        # the earliest time a zip can hold
MAX_UNZIPPED = 262144000                 # Lambda's limit for unzipped code
MAX_BODY = 4095                          # CloudFormation takes under 4096 bytes
SYNC_HINT = "aws s3 sync out/bundles s3://{bucket}/{prefix}"


class Refusal(Exception):
    """A failure whose message is the reason CloudFormation shows a person."""


# --- .env: writing --------------------------------------------------------

def format_value(value):
    """One value as it appears after 'KEY=' (see docs/env-format.md)."""
    if value and all(c in SAFE_CHARS for c in value):
        return value
    return '"' + "".join(WRITE_ESCAPES.get(c, c) for c in value) + '"'


def format_env(env):
    """The whole .env text: one KEY=VALUE line per key, sorted by key."""
    return "".join(f"{k}={format_value(env[k])}\n" for k in sorted(env))


def value_problem(value):
    """Why a value cannot be written so that every reader gets it back, or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (it holds a lone surrogate)"
    if value.endswith("\\") and format_value(value).startswith('"'):
        return ("ends with a backslash and also holds characters that need "
                "quotes; python-dotenv cannot read such a value back (drop the "
                "final backslash, or use only A-Z a-z 0-9 and _-.:/@+,%=\\)")
    return None


def check_env(env, origin):
    """Refuse keys and values that have no faithful .env form."""
    if not isinstance(env, dict):
        raise Refusal(f"{origin} must be a map of names to strings")
    for key, value in env.items():
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise Refusal(f"{origin} key {short(key)} is not a valid .env key: "
                          "keys must match [A-Za-z_][A-Za-z0-9_]*")
        if not isinstance(value, str):
            raise Refusal(f"{origin} value for '{key}' must be a string, "
                          f"not {type(value).__name__}")
        problem = value_problem(value)
        if problem:
            raise Refusal(f"{origin} value for '{key}' {problem}")


# --- .env: reading the one a source bundle already has ----------------------
# A dotenv-style file written by a person: blank lines, '#' comments, an optional
# 'export ', values raw, "double-quoted" (backslash escapes, may span lines) or
# 'single-quoted' (only \\ and \' are escapes), as python-dotenv reads them.

ENV_LINE_RE = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*")
QUOTED = {  # opening quote: (the whole quoted value, the escapes inside it)
    '"': (re.compile(r'"((?:\\.|[^"\\])*)"', re.S), READ_ESCAPES),
    "'": (re.compile(r"'((?:\\.|[^'\\])*)'", re.S), {"\\": "\\", "'": "'"}),
}
RAW_RE = re.compile(r"[^\r\n]*")
# Blanks and a comment up to the end of a line: after a value, or a whole line.
LINE_END_RE = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r|\Z)")


def unescape(text, escapes):
    return re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[0]), text, flags=re.S)


def parse_value(text, pos):
    """(value, position after it) for the value at text[pos]; None if a quote is left open."""
    if text[pos:pos + 1] in QUOTED:
        regex, escapes = QUOTED[text[pos]]
        m = regex.match(text, pos)
        return (unescape(m[1], escapes), m.end()) if m else None
    m = RAW_RE.match(text, pos)
    return re.sub(r"\s+#.*", "", m[0]).rstrip(), m.end()


def parse_env(text):
    """Parse a source bundle's .env into a dict; Refusal names a bad line."""
    env, pos = {}, 0
    while pos < len(text):
        skip = LINE_END_RE.match(text, pos)
        if skip:
            pos = skip.end()
            continue
        line = text.count("\n", 0, pos) + 1
        m = ENV_LINE_RE.match(text, pos)
        if not m:
            raise Refusal(f"line {line} of the source bundle's .env is not KEY=VALUE")
        parsed = parse_value(text, m.end())
        if parsed is None:
            raise Refusal(f"line {line} of the source bundle's .env opens a quote it never closes")
        value, pos = parsed
        end = LINE_END_RE.match(text, pos)
        if not end:
            raise Refusal(f"line {line} of the source bundle's .env has text after its value")
        env[m[1]], pos = value, end.end()
    return env


# --- zips -----------------------------------------------------------------

def name_problem(name):
    """Why a zip entry name is unsafe to unpack, or None."""
    if "\0" in name:
        return "holds a NUL byte"
    if "\\" in name:
        return "holds a backslash"
    if name.startswith("/"):
        return "is absolute"
    parts = name[:-1].split("/") if name.endswith("/") else name.split("/")
    if ".." in parts:
        return "has a '..' component"
    if "." in parts or "" in parts:
        return "has an empty or '.' component"
    return None


def entry_mode(info):
    """The Unix mode bits a zip entry carries (0 when it carries none)."""
    return info.external_attr >> 16 if info.create_system == 3 else 0


def check_entries(infos, where):
    """Refuse unsafe, duplicate or linked entries, and bundles too big for Lambda."""
    seen, total = set(), 0
    for info in infos:
        name = info.orig_filename
        problem = name_problem(name)
        if problem:
            raise Refusal(f"{where} has an unsafe entry name {short(name)}: it {problem}")
        if name in seen:
            raise Refusal(f"{where} has the entry {short(name)} twice")
        if name.startswith(ENV_NAME + "/"):
            raise Refusal(f"{where} has {short(name)}, which clashes with the .env file "
                          "the stamper writes; rename that directory")
        if stat.S_ISLNK(entry_mode(info)):
            raise Refusal(f"{where} has a symbolic link {short(name)}; bundles hold plain files")
        seen.add(name)
        total += info.file_size
    if total > MAX_UNZIPPED:
        raise Refusal(f"{where} unzips to {total} bytes, over Lambda's {MAX_UNZIPPED}")


def out_info(name, mode):
    """A ZipInfo with fixed time and a normalised mode (0644, 0755, dirs 0755)."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.create_system = 3
    if name.endswith("/"):
        info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
        info.compress_type = zipfile.ZIP_STORED
    else:
        perm = 0o755 if mode & 0o111 else 0o644
        info.external_attr = (stat.S_IFREG | perm) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def read_source_env(src, where):
    try:
        text = src.read(ENV_NAME).decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(f"the .env in {where} is not UTF-8 text") from None
    env = parse_env(text)
    check_env(env, f"the .env in {where}")
    return env


def stamp_zip(src_file, out_file, env, where):
    """Copy the zip in src_file to out_file with .env merged in; return its SHA-256."""
    try:
        src = zipfile.ZipFile(src_file)
    except zipfile.BadZipFile:
        raise Refusal(f"{where} is not a zip file") from None
    try:
        with src:
            return write_stamped(src, out_file, env, where)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
        raise Refusal(f"{where} is damaged or uses an unsupported zip feature ({err}); "
                      "build and upload it again") from None


def write_stamped(src, out_file, env, where):
    """The body of stamp_zip, on an open source zip."""
    infos = src.infolist()
    check_entries(infos, where)
    names = [i.orig_filename for i in infos]
    merged = read_source_env(src, where) if ENV_NAME in names else {}
    merged.update(env)
    files = {i.orig_filename: i for i in infos if i.orig_filename != ENV_NAME}
    with zipfile.ZipFile(out_file, "w") as out:
        for name in sorted(list(files) + [ENV_NAME]):
            if name == ENV_NAME:
                out.writestr(out_info(name, 0o644), format_env(merged))
            else:
                copy_entry(src, out, files[name])
    return file_sha256(out_file)


def copy_entry(src, out, info):
    new = out_info(info.orig_filename, entry_mode(info))
    if info.is_dir():
        out.writestr(new, b"")
        return
    new.file_size = info.file_size          # lets zipfile choose zip64 correctly
    with src.open(info) as r, out.open(new, "w") as w:
        shutil.copyfileobj(r, w, 1 << 20)


def file_sha256(f):
    f.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


# --- names ----------------------------------------------------------------

def stack_part(stack_id):
    """'NAME/HASH12' for arn:...:stack/NAME/GUID: readable, unique per stack, and
    under the stack's own name, the one prefix its IAM role may write to."""
    parts = stack_id.split("/")
    name = parts[1] if len(parts) >= 3 and parts[1] else "stack"
    return f"{name}/{hashlib.sha256(stack_id.encode()).hexdigest()[:12]}"


def resource_prefix(props, event):
    return (f"{props['TargetPrefix']}{stack_part(event.get('StackId') or '')}/"
            f"{event.get('LogicalResourceId')}/")


def owned_object(event):
    """(bucket, key) when the physical id names an object this resource made, else None."""
    pid = event.get("PhysicalResourceId") or ""
    props = event.get("ResourceProperties") or {}
    bucket, prefix = props.get("SourceBucket"), props.get("TargetPrefix")
    if not pid.startswith("s3://") or not isinstance(bucket, str) or not isinstance(prefix, str):
        return None
    pid_bucket, _, key = pid[len("s3://"):].partition("/")
    shape = re.escape(resource_prefix(props, event)) + r"[0-9a-f]{64}\.zip"
    if pid_bucket != bucket or not re.fullmatch(shape, key):
        return None
    return bucket, key


def short(text, limit=120):
    text = repr(text)
    return text if len(text) <= limit else text[:limit] + "..."


# --- S3 -------------------------------------------------------------------

_s3 = None


def s3():
    """One client per container; boto3 itself honours AWS_ENDPOINT_URL."""
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3", config=Config(
            connect_timeout=5, read_timeout=30,
            retries={"max_attempts": 4, "mode": "standard"}))
    return _s3


def error_code(err):
    return err.response.get("Error", {}).get("Code", "") if isinstance(err, ClientError) else ""


def listed(bucket, key):
    """Is key in the bucket?  Asked through ListObjectsV2 with the key as prefix,
    which the stamper's role may do under CodePrefix; None when that is refused too."""
    try:
        found = s3().list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("Contents", [])
    except (ClientError, BotoCoreError):
        return None
    return any(o.get("Key") == key for o in found)


def download(bucket, key, f):
    where = f"s3://{bucket}/{key}"
    try:
        body = s3().get_object(Bucket=bucket, Key=key)["Body"]
        shutil.copyfileobj(body, f, 1 << 20)
    except (ClientError, BotoCoreError) as err:
        code = error_code(err)
        # S3 answers 403, not 404, for a missing key unless the caller may list
        # the bucket, and a GetObject request carries no s3:prefix for the
        # role's conditional ListBucket grant: so a 403 asks again by listing.
        denied = code in ("AccessDenied", "403")
        if code in ("NoSuchKey", "404", "NotFound") or (denied and listed(bucket, key) is False):
            prefix = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
            raise Refusal(f"the source bundle {where} does not exist: upload the bundles "
                          f"first ({SYNC_HINT.format(bucket=bucket, prefix=prefix)}), "
                          "then deploy again") from None
        if code == "NoSuchBucket":
            raise Refusal(f"the bucket '{bucket}' does not exist: check the CodeBucket "
                          "parameter") from None
        if denied:
            raise Refusal(f"access denied reading {where}: the stamper's role needs "
                          "s3:GetObject on it") from None
        raise Refusal(f"cannot read {where}: {err}") from None
    f.seek(0)


def upload(f, bucket, key):
    try:
        s3().put_object(Bucket=bucket, Key=key, Body=f, ContentType="application/zip")
    except (ClientError, BotoCoreError) as err:
        hint = (": the stamper's role needs s3:PutObject there"
                if error_code(err) in ("AccessDenied", "403") else "")
        raise Refusal(f"cannot write s3://{bucket}/{key}: {err}{hint}") from None


def delete(bucket, key):
    try:
        s3().delete_object(Bucket=bucket, Key=key)
    except (ClientError, BotoCoreError) as err:
        if error_code(err) in ("NoSuchBucket", "NoSuchKey"):
            return
        raise Refusal(f"cannot delete s3://{bucket}/{key}: {err}; remove it by hand "
                      "or fix the stamper's role (s3:DeleteObject), then retry") from None


# --- the work -------------------------------------------------------------

def properties(event):
    """The validated ResourceProperties of a Create or Update."""
    props = event.get("ResourceProperties") or {}
    for name in ("SourceBucket", "SourceKey", "TargetPrefix"):
        if not isinstance(props.get(name), str) or not props[name]:
            raise Refusal(f"the property {name} must be a non-empty string")
    env = props.get("Env", {})
    check_env(env, "Env")
    return props, env


def stamp(event):
    props, env = properties(event)
    bucket, source = props["SourceBucket"], props["SourceKey"]
    where = f"s3://{bucket}/{source}"
    with tempfile.TemporaryFile() as src, tempfile.TemporaryFile() as out:
        download(bucket, source, src)
        sha = stamp_zip(src, out, env, where)
        key = f"{resource_prefix(props, event)}{sha}.zip"
        upload(out, bucket, key)
    return f"s3://{bucket}/{key}", {"Bucket": bucket, "Key": key, "Sha256": sha}


def remove(event):
    owned = owned_object(event)
    if owned:
        delete(*owned)
    log("delete", removed=bool(owned), physical_id=event.get("PhysicalResourceId"))
    return event.get("PhysicalResourceId"), {}


def perform(event):
    """(physical id, Data) for the request, or raise Refusal."""
    kind = event.get("RequestType")
    if kind in ("Create", "Update"):
        return stamp(event)
    if kind == "Delete":
        return remove(event)
    raise Refusal(f"unknown RequestType {short(kind)}")


# --- answering CloudFormation ---------------------------------------------

def log(message, **fields):
    print(json.dumps({"message": message, **fields}, default=str), flush=True)


def response_body(event, status, reason, physical_id, data):
    """The JSON answer, with the reason cut so the body stays under 4096 bytes."""
    fields = {"Status": status, "Reason": reason, "PhysicalResourceId": physical_id,
              "StackId": event.get("StackId"), "RequestId": event.get("RequestId"),
              "LogicalResourceId": event.get("LogicalResourceId"),
              "NoEcho": False, "Data": data}

    def dump(text):
        return json.dumps({**fields, "Reason": text}).encode()

    body = dump(reason)
    if len(body) <= MAX_BODY:
        return body
    fits, too_long = 0, len(reason)          # the longest prefix that fits, by bisection
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if len(dump(reason[:middle] + " [cut]")) <= MAX_BODY:
            fits = middle
        else:
            too_long = middle
    return dump(reason[:fits] + " [cut]")


class Reply:
    """The one answer to one request: whoever claims it first sends it."""

    def __init__(self, event, context):
        self.event, self.context = event, context
        self.lock = threading.Lock()
        self.claimed = False
        self.body = None

    def claim(self):
        with self.lock:
            taken, self.claimed = self.claimed, True
            return not taken

    def send(self, status, reason, physical_id, data):
        if not self.claim():
            return False
        self.body = response_body(self.event, status, reason, physical_id, data)
        log("answer", status=status, reason=reason, physical_id=physical_id)
        put_response(self.event.get("ResponseURL"), self.body, seconds_left(self.context))
        return True

    def fallback_id(self):
        return self.event.get("PhysicalResourceId") or f"hitc-failed-{self.event.get('RequestId')}"

    def fail(self, reason):
        return self.send("FAILED", reason, self.fallback_id(), {})

    def run(self):
        """The work, on the worker thread: answer with its result or its failure."""
        try:
            physical_id, data = perform(self.event)
            self.send("SUCCESS", "", physical_id, data)
        except Refusal as err:
            self.fail(str(err))
        except Exception as err:
            traceback.print_exc()
            self.fail(f"the stamper failed unexpectedly ({type(err).__name__}: {err}); "
                      f"details in CloudWatch log stream {log_stream(self.context)}")


def put_response(url, body, seconds):
    """PUT the answer with an empty Content-Type, as the presigned URL expects."""
    if not url:
        log("no ResponseURL in the event; nothing sent")
        return
    for attempt in (1, 2):
        request = urllib.request.Request(url, data=body, method="PUT", headers={
            "Content-Type": "", "Content-Length": str(len(body))})
        try:
            with urllib.request.urlopen(request, timeout=max(1.0, min(seconds - 0.5, 20))):
                return
        except urllib.error.HTTPError as err:
            log("CloudFormation refused the answer", status=err.code)
            return
        except (urllib.error.URLError, OSError) as err:
            log("cannot send the answer", attempt=attempt, error=str(err))


def seconds_left(context):
    try:
        return context.get_remaining_time_in_millis() / 1000.0
    except Exception:
        return 60.0


def log_stream(context):
    return getattr(context, "log_stream_name", None) or "(unknown)"


def work_budget(seconds):
    """Seconds the work may take: what is left less a reserve for answering."""
    reserve = min(15.0, max(1.0, seconds / 5))
    return max(0.0, seconds - reserve)


def handler(event, context):
    log("request", type=event.get("RequestType"), logical_id=event.get("LogicalResourceId"),
        stack=event.get("StackId"), physical_id=event.get("PhysicalResourceId"))
    reply = Reply(event, context)
    budget = work_budget(seconds_left(context))
    worker = threading.Thread(target=reply.run, name="stamper-work", daemon=True)
    worker.start()
    worker.join(budget)
    if worker.is_alive() and not reply.fail(
            f"the stamper ran out of time after {budget:.0f} s (S3 slow or unreachable?); "
            f"details in CloudWatch log stream {log_stream(context)}; retry the deployment"):
        worker.join(max(0.0, seconds_left(context) - 0.5))   # the worker is answering
    return json.loads(reply.body) if reply.body else None

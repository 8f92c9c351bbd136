"""hitc's stamper: the Lambda behind the custom resource type Custom::HitcStamp.

In:  a CloudFormation custom-resource event.  ResourceProperties are SourceBucket,
     SourceKey (a code bundle that `hitc build` made and the user uploaded),
     TargetPrefix and Env (a map of .env keys to strings).
Out: one JSON response PUT to the event's ResponseURL (a refused connection, a
     timeout, HTTP 429 or 5xx is tried again, with backoff, while time allows),
     never over 4096 bytes: a SUCCESS that would not fit is refused instead.
  Create/Update: the source zip with `.env` written at its root (a `.env` that the
     source had is merged: its keys are kept unless Env sets them), as a
     deterministic zip uploaded to SourceBucket under
         TargetPrefix + STACKNAME + "/" + HASH12 + "/" + LogicalResourceId + "/" + SHA256 + ".zip"
     SUCCESS with PhysicalResourceId "s3://BUCKET/KEY" and Data {Bucket, Key, Sha256}.
  Delete: removes the object that the physical id names, but only when that id has
     the shape above for this stack and this logical resource; any other id (one it
     never made, e.g. from a failed Create) is a success that removes nothing.
Holds: the answer goes out once, before the Lambda's own timeout: a watchdog answers
  FAILED when the work hangs (the plugin kit's run_request answers).  Same inputs
  give the same bytes, so a retried Create or a rollback finds the same object.  Failure reasons say what to do.

Standard library, the runtime's boto3 and the plugin kit's protocol layer
(runtime-support/plugin/python/hitc_plugin.py) only: hitc embeds both files
verbatim in its binary and ships them as the stamper bundle's index.py and
hitc_plugin.py.  docs/stamper.md and
docs/env-format.md describe it for people.
"""
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import traceback
import zipfile
import zlib

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from hitc_plugin import (MAX_BODY, TooBig, default_margin, log, response_body, run_request,
                         seconds_left)

# --- constants ------------------------------------------------------------

KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Values made only of these are written raw (KEY=value): python-dotenv and the
# readers in runtime-support read them as they are (a naive line.split('=', 1)
# too, once it strips the line's '\n').  Everything else is double-quoted with
# escapes, but for a value ending in '\' (see format_value).
SAFE_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "_-.:/@+,%=\\")
# The escapes python-dotenv decodes inside double quotes.  The writer uses
# them for these characters; every other character is written as it is.
WRITE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r",
                 "\t": "\\t", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
SPACE_HASH_RE = re.compile(r"\s#")     # python-dotenv's '\s+#' comment, found linearly

ENV_NAME = ".env"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)        # the earliest time a zip can hold
MAX_UNZIPPED = 262144000                 # Lambda's limit for unzipped code
SYNC_HINT = "aws s3 sync out/bundles s3://{bucket}/{prefix}"


class Refusal(Exception):
    """A failure whose message is the reason CloudFormation shows a person."""


# --- .env: writing --------------------------------------------------------

def raw_problem(value):
    """Why value, written raw, would not read back as it is (None: it would).
    python-dotenv trims whitespace around a raw value, cuts it at a '#' after
    whitespace, ends it at a line break and takes a leading quote as quoting."""
    if not value:
        return "is empty"
    if "\n" in value or "\r" in value:
        return "holds a line break"
    if value[0] in "'\"":
        return "starts with a quote"
    if value[0].isspace() or value[-1].isspace():
        return "starts or ends with whitespace"
    if SPACE_HASH_RE.search(value):
        return "holds whitespace before a '#'"
    return None


def format_value(value):
    """One value as it appears after 'KEY=' (see docs/env-format.md)."""
    if value and all(c in SAFE_CHARS for c in value):
        return value
    # Inside quotes a final backslash would read as escaping the closing
    # quote (python-dotenv), so such a value is written raw when it can be.
    if value.endswith("\\") and raw_problem(value) is None:
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
        return ("ends with a backslash and " + raw_problem(value) + ": python-dotenv "
                "cannot read such a value back, quoted or not (drop the final "
                "backslash, or the line break, the leading quote or whitespace, "
                "or the whitespace before '#')")
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
# A dotenv-style file written by a person, read exactly as python-dotenv 1.x
# reads it (dotenv/parser.py), in one pass: blank lines, '#' comments, an
# optional 'export ', a key bare or in single quotes, values raw, "double-quoted"
# (backslash escapes, may span lines) or 'single-quoted' (only \\ and \' are
# escapes).  On top of python-dotenv it refuses what python-dotenv would skip
# with a warning (a line it cannot parse, a quote left open, text after a
# value), a key without '=' (python-dotenv: None) and a key outside KEY_RE.

WS_RE = re.compile(r"\s*")                       # python-dotenv's _multiline_whitespace
EXPORT_RE = re.compile(r"export[^\S\r\n]+")
QUOTED_KEY_RE = re.compile(r"'([^']+)'")
BARE_KEY_RE = re.compile(r"[^=#\s]+")
BLANKS_RE = re.compile(r"[^\S\r\n]*")
EQUAL_RE = re.compile(r"=[^\S\r\n]*")
RAW_RE = re.compile(r"[^\r\n]*")
COMMENT_RE = re.compile(r"[^\S\r\n]*#[^\r\n]*")
LINE_END_RE = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|\Z)")
UNESCAPE = {  # quote: (escape pattern, what each escape stands for)
    '"': (re.compile(r"\\[\\'\"abfnrtv]"),
          {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f",
           "n": "\n", "r": "\r", "t": "\t", "v": "\v"}),
    "'": (re.compile(r"\\[\\']"), {"\\": "\\", "'": "'"}),
}


class EnvSyntax(Exception):
    """A line python-dotenv cannot parse; the message says why."""


def closing_quote(text, start):
    """Index of the quote that closes the one at text[start], as python-dotenv's
    '"((?:\\"|[^"])*)"' finds it: the first one not right after a backslash; with
    none, the last one at all (where the regex's backtracking ends); else -1."""
    quote, i = text[start], start + 1
    while True:
        j = text.find(quote, i)
        if j < 0:
            break
        if text[j - 1] != "\\":
            return j
        i = j + 1
    return text.rfind(quote, start + 1)


def parse_value(text, pos):
    """(value, position after it) for the value at text[pos]."""
    first = text[pos:pos + 1]
    if first in UNESCAPE:
        end = closing_quote(text, pos)
        if end < 0:
            raise EnvSyntax("opens a quote it never closes")
        regex, escapes = UNESCAPE[first]
        return regex.sub(lambda m: escapes[m[0][1]], text[pos + 1:end]), end + 1
    if first in ("", "\n", "\r"):
        return "", pos
    part = RAW_RE.match(text, pos)[0]
    end = pos + len(part)
    cut = SPACE_HASH_RE.search(part)            # ' # comment' ends a raw value
    if cut:
        k = cut.start()
        while k > 0 and part[k - 1].isspace():
            k -= 1
        part = part[:k]
    return part.rstrip(), end


def parse_binding(text, pos):
    """(key or None, value or None, position after the binding) from text[pos]."""
    m = EXPORT_RE.match(text, pos)
    pos = m.end() if m else pos
    if text[pos:pos + 1] == "#":
        key = None
    else:
        m = (QUOTED_KEY_RE if text[pos:pos + 1] == "'" else BARE_KEY_RE).match(text, pos)
        if not m:
            raise EnvSyntax("is not KEY=VALUE")
        key, pos = m[1] if m.re is QUOTED_KEY_RE else m[0], m.end()
    pos = BLANKS_RE.match(text, pos).end()
    value = None
    if text[pos:pos + 1] == "=":
        value, pos = parse_value(text, EQUAL_RE.match(text, pos).end())
    m = COMMENT_RE.match(text, pos)
    pos = m.end() if m else pos
    m = LINE_END_RE.match(text, pos)
    if not m:
        raise EnvSyntax("has text after its value" if value is not None else "is not KEY=VALUE")
    return key, value, m.end()


def newlines(text, start, end):
    """Line breaks (CRLF, LF or CR) in text[start:end]."""
    return text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)


def parse_env(text):
    """Parse a source bundle's .env into a dict; Refusal names a bad line."""
    env, pos = {}, 0

    def where(start):                       # counted only once, for the refusal
        return f"line {1 + newlines(text, 0, start)} of the source bundle's .env"

    while pos < len(text):
        pos = WS_RE.match(text, pos).end()
        if pos >= len(text):
            break
        start = pos
        try:
            key, value, pos = parse_binding(text, pos)
        except EnvSyntax as err:
            raise Refusal(f"{where(start)} {err}") from None
        if key is None:
            continue                              # a comment
        if value is None:
            raise Refusal(f"{where(start)} is not KEY=VALUE")
        if not KEY_RE.match(key):
            bom = " (the file starts with a byte order mark: save it without one)" \
                if key.startswith("\ufeff") else ""
            raise Refusal(f"{where(start)} has the key {short(key)}, which is not a valid "
                          f".env key: keys must match [A-Za-z_][A-Za-z0-9_]*{bom}")
        env[key] = value
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
        physical_id, data = f"s3://{bucket}/{key}", {"Bucket": bucket, "Key": key, "Sha256": sha}
        try:                                         # an answer that could not be sent:
            response_body(event, "SUCCESS", "", physical_id, data)   # refuse before uploading
        except TooBig:
            raise Refusal(
                f"the stamper's answer would be over CloudFormation's limit of {MAX_BODY} "
                f"bytes, because the stamped copy's key is too long ({len(key)} characters, "
                f"{short(key, 200)}): use a shorter (or ASCII) CodePrefix") from None
        upload(out, bucket, key)
    return physical_id, data


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


# --- answering CloudFormation: the plugin kit's protocol layer -------------
# One answer, before the deadline (a watchdog), never over 4096 bytes, PUT with
# retries: hitc_plugin.run_request, the same code every plugin's service runs.

def fallback_id(event):
    """The physical id of a FAILED answer: the resource's own, else one that
    remove() recognises as not the stamper's (owned_object)."""
    return event.get("PhysicalResourceId") or f"hitc-failed-{event.get('RequestId')}"


def log_stream(context):
    return getattr(context, "log_stream_name", None) or "(unknown)"


def handler(event, context):
    log("request", type=event.get("RequestType"), logical_id=event.get("LogicalResourceId"),
        stack=event.get("StackId"), physical_id=event.get("PhysicalResourceId"))
    stream = log_stream(context)
    left = seconds_left(context)
    budget = left - default_margin(left)

    def work(event):
        try:
            return perform(event)
        except Refusal:
            raise
        except Exception as err:
            traceback.print_exc()
            raise Refusal(f"the stamper failed unexpectedly ({type(err).__name__}: {err}); "
                          f"details in CloudWatch log stream {stream}") from None

    return run_request(
        event, context, work, fallback_id, plain=(Refusal,),
        timeout_reason=f"the stamper ran out of time after {budget:.0f} s (S3 slow or "
                       f"unreachable?); details in CloudWatch log stream {stream}; "
                       "retry the deployment")

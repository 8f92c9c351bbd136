"""hitc's plugin kit for Python: write a plugin's service as three functions.

    from hitc_plugin import serve, Failure

    def create(inputs):                 # inputs: {"zone": "Z1", "ttl": 300, ...}
        ...                             # make the thing
        return {"fqdn": "www.example.com", "id": "abc"}   # every declared output

    def update(inputs, old_inputs):     # an input that is not `replace` changed
        ...
        return {"fqdn": ..., "id": ...} # every declared output again

    def delete(inputs):                 # may be asked for a thing that is gone
        ...

    handler = serve(create=create, update=update, delete=delete)

Raise to fail: the reason CloudFormation shows is "TypeName: message" (or just the
message of a Failure).  The kit restores the declared input types, answers before
the Lambda's timeout, keeps the physical ID unless a `replace` input changed,
skips the Delete of a resource whose Create failed, checks and stringifies the
declared outputs, bounds the answer to 4096 bytes and retries the ResponseURL.
docs/plugins.md describes the protocol.

Two layers: `serve` (the plugin protocol: HitcPlugin, types, physical IDs,
outputs) sits on `run_request`, the bare custom-resource protocol (one answer,
a watchdog, the 4096-byte bound, PUT with retries), which any custom-resource
Lambda (hitc's stamper) can use alone.  Standard library only.
"""
import hashlib
import json
import math
import random
import re
import threading
import time
import traceback
import urllib.error
import urllib.request

MAX_BODY = 4096                 # CloudFormation's limit on the whole response body
MAX_REASON_MESSAGE = 1500       # an exception's message is cut to this first
FAILED_PREFIX = "hitc-failed-"  # the physical ID of a Create that failed
RETRY_BASE = 0.5                # seconds: first backoff of the ResponseURL PUT
RETRY_CAP = 8.0                 # seconds: longest backoff
PROTOCOL_KEYS = ("ServiceToken", "ServiceTimeout", "HitcPlugin")
# Each part can match a digit one way only, so a long near-number fails in
# linear time (an earlier "[0-9]+\.?[0-9]*" backtracked quadratically).
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
INTEGER_RE = re.compile(r"[+-]?[0-9]+\Z")
MAX_NUMBER_TEXT = 400           # characters: a longer input is no number


class Failure(Exception):
    """A failure whose message is the whole reason CloudFormation shows."""


class TooBig(Exception):
    """The answer's Data does not fit in a response body."""


def log(message, **fields):
    print(json.dumps({"message": message, **fields}, default=str), flush=True)


def quote(value, limit=80):
    """A value as JSON (as the Node kit shows it), cut to limit characters."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


# --- the bare custom-resource protocol ------------------------------------

def seconds_left(context):
    """What is left of the Lambda's time (300 s when there is no context)."""
    try:
        return context.get_remaining_time_in_millis() / 1000.0
    except Exception:
        return 300.0


def default_margin(seconds):
    """The time kept back for answering: a fifth of it, between 0.5 and 10 s."""
    return min(10.0, max(0.5, seconds / 5.0))


def response_body(event, status, reason, physical_id, data):
    """The JSON answer as bytes, at most MAX_BODY long.  The Reason is cut first;
    TooBig (naming the outputs to blame, biggest first) when Data cannot fit."""
    fields = {"Status": status, "Reason": reason, "PhysicalResourceId": physical_id,
              "StackId": event.get("StackId"), "RequestId": event.get("RequestId"),
              "LogicalResourceId": event.get("LogicalResourceId"),
              "NoEcho": False, "Data": data}

    def dump(text):
        return json.dumps({**fields, "Reason": text}, separators=(",", ":")).encode()

    body = dump(reason)
    if len(body) <= MAX_BODY:
        return body
    if len(dump("")) > MAX_BODY:
        over = len(dump("")) - MAX_BODY
        sizes = sorted(((len(json.dumps(v).encode()), k) for k, v in data.items()), reverse=True)
        blame, freed = [], 0
        for size, key in sizes:
            blame.append(f"'{key}' ({size} bytes)")
            freed += size
            if freed >= over:
                break
        raise TooBig(f"the outputs are {over} bytes over CloudFormation's {MAX_BODY}-byte "
                     f"response limit; too big: {', '.join(blame)}")
    if len(dump(" [cut]")) > MAX_BODY:
        return dump("")
    fits, too_long = 0, len(reason)          # the longest prefix that fits, by bisection
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if len(dump(reason[:middle] + " [cut]")) <= MAX_BODY:
            fits = middle
        else:
            too_long = middle
    return dump(reason[:fits] + " [cut]")


def put_response(url, body, deadline):
    """PUT body to the presigned URL with an empty Content-Type (the one it was
    signed with), retrying connection errors, 429 and 5xx with backoff and jitter
    until time.monotonic() reaches deadline.  True when it was accepted."""
    if not url:
        log("no ResponseURL in the event; nothing sent")
        return False
    attempt = 0
    while True:
        attempt += 1
        left = deadline - time.monotonic()
        request = urllib.request.Request(url, data=body, method="PUT", headers={
            "Content-Type": "", "Content-Length": str(len(body))})
        try:
            with urllib.request.urlopen(request, timeout=max(0.5, min(left, 20.0))):
                return True
        except urllib.error.HTTPError as err:
            if err.code < 500 and err.code != 429:     # 429: too many requests, try again
                log("CloudFormation refused the answer", status=err.code, attempt=attempt)
                return False
            log("the ResponseURL failed", status=err.code, attempt=attempt)
        except (urllib.error.URLError, OSError, ValueError) as err:
            log("cannot send the answer", attempt=attempt, error=str(err))
        pause = random.uniform(0, min(RETRY_CAP, RETRY_BASE * 2 ** (attempt - 1)))
        if time.monotonic() + pause >= deadline:
            log("gave up sending the answer: out of time", attempts=attempt)
            return False
        time.sleep(pause)


class Reply:
    """The one answer to one request: whoever claims it first sends it."""

    def __init__(self, event, context):
        self.event, self.context = event, context
        self.lock = threading.Lock()
        self.claimed = False
        self.body = None

    def send(self, status, reason, physical_id, data):
        """Answer, unless someone already did; True when this call answered."""
        with self.lock:
            if self.claimed:
                log("already answered; this answer is dropped", status=status, reason=reason)
                return False
            self.claimed = True
        try:
            body = response_body(self.event, status, reason, physical_id, data)
        except TooBig as err:
            status, reason, data = "FAILED", str(err), {}
            body = response_body(self.event, status, reason, physical_id, data)
        except Exception as err:        # Data that JSON cannot hold, from a bare run_request
            status, data = "FAILED", {}
            reason = f"the answer could not be encoded ({type(err).__name__}: {err})"
            body = response_body(self.event, status, reason, str(physical_id), data)
        self.body = body
        log("answer", status=status, reason=reason, physical_id=physical_id)
        deadline = time.monotonic() + max(0.5, seconds_left(self.context) - 0.2)
        put_response(self.event.get("ResponseURL"), body, deadline)
        return True


def message_of(err):
    """str(err), or None when the exception cannot say it (its __str__ raises,
    or gives something that is not text)."""
    try:
        message = str(err)
    except BaseException:       # anything at all: the answer must still go
        return None
    return message if isinstance(message, str) else None


def failure_reason(err, context, plain=(Failure,)):
    """What CloudFormation shows for an exception: its message for a plain one,
    else its type and message, cut, with where the traceback is."""
    message = message_of(err)
    if message is None:
        message = "(its message could not be read)"
        stream = getattr(context, "log_stream_name", None)
        where = f" (traceback in CloudWatch log stream {stream})" if stream else ""
        return f"{type(err).__name__} {message}{where}"
    if isinstance(err, plain):
        return message
    if len(message) > MAX_REASON_MESSAGE:
        message = message[:MAX_REASON_MESSAGE] + " [cut]"
    stream = getattr(context, "log_stream_name", None)
    where = f" (traceback in CloudWatch log stream {stream})" if stream else ""
    return f"{type(err).__name__}: {message}{where}" if message else f"{type(err).__name__}{where}"


def run_request(event, context, perform, failed_id, plain=(Failure,),
                margin=None, time_limit=None, timeout_reason=None):
    """Answer one custom-resource request exactly once, before the deadline.

    perform(event) -> (physical_id, data) does the work on this thread; its
    exception answers FAILED with physical ID failed_id(event).  A watchdog
    timer answers FAILED when the work is still running `margin` seconds before
    the Lambda's end (or before time_limit seconds, when that comes first),
    with timeout_reason when one is given.  Exceptions of the `plain` types
    give their message alone as the reason.  Returns the answer that was
    sent, as a dict (None if none was)."""
    reply = Reply(event, context)

    def failed_physical(event):
        """failed_id(event), or one that needs nothing of the event's content
        when that raises (a malformed property it reads, say)."""
        try:
            return str(failed_id(event))
        except Exception as err:
            log("the physical ID of the failure could not be made", error=message_of(err))
            return FAILED_PREFIX + str(event.get("RequestId") or "unknown")

    left = seconds_left(context)
    if time_limit is not None:
        left = min(left, time_limit)
    keep = default_margin(left) if margin is None else margin
    budget = max(0.0, left - keep)

    def expire():
        stream = getattr(context, "log_stream_name", None) or "(unknown)"
        reason = timeout_reason or (
            "the service did not finish within its Lambda timeout or the plugin's "
            f"timeout (stopped waiting after {budget:.1f} s of the {left:.1f} s left): "
            "raise the function's timeout, make the work faster, or look for a hang "
            f"in CloudWatch log stream {stream}")
        reply.send("FAILED", reason, failed_physical(event), {})

    watchdog = threading.Timer(budget, expire)
    watchdog.daemon = True
    watchdog.start()
    stop = None
    try:
        physical_id, data = perform(event)
        outcome = ("SUCCESS", "", physical_id, data)
    except BaseException as err:    # SystemExit and cancellation too: answer first
        if not isinstance(err, Exception):
            stop = err
        if not isinstance(err, plain):
            try:
                traceback.print_exc()
            except Exception:
                pass
        outcome = ("FAILED", failure_reason(err, context, plain), failed_physical(event), {})
    watchdog.cancel()
    reply.send(*outcome)
    watchdog.join()     # if the watchdog is answering, let its PUT finish first
    if stop is not None:
        raise stop      # answered; now exit or cancel as the work asked
    return json.loads(reply.body) if reply.body else None


# --- the plugin protocol ---------------------------------------------------

def restore(name, kind, value):
    """One input as its declared type; Failure naming the input if it cannot be."""
    def refuse(what):
        raise Failure(f"input '{name}' must be {what}, got {quote(value)}")

    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return value if isinstance(value, str) else refuse("a string")
    if kind == "number":
        if isinstance(value, bool):
            refuse("a number")
        if isinstance(value, (int, float)):
            if not math.isfinite(value):
                refuse("a finite number")
            return int(value) if float(value).is_integer() and abs(value) < 2 ** 53 else value
        if (not isinstance(value, str) or len(value) > MAX_NUMBER_TEXT
                or not NUMBER_RE.match(value.strip())):
            refuse("a number")
        text = value.strip()
        if INTEGER_RE.match(text):
            return int(text)
        number = float(text)
        if not math.isfinite(number):
            refuse("a finite number")
        return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        refuse("true or false")
    if kind == "list":
        if not isinstance(value, list):
            refuse("a list of strings")
        return [restore(f"{name}[{i}]", "string", v) for i, v in enumerate(value)]
    raise Failure(f"input '{name}' has the unknown type {quote(kind)} in HitcPlugin.Types")


def declaration(props):
    """(plugin name, types, replace inputs, outputs or None) from HitcPlugin."""
    decl = props.get("HitcPlugin")
    if decl is None:
        return "", {}, [], None
    if isinstance(decl, str):
        try:
            decl = json.loads(decl)
        except ValueError:
            raise Failure("the property HitcPlugin is not JSON") from None
    if not isinstance(decl, dict):
        raise Failure("the property HitcPlugin must be a map")
    types = decl.get("Types") or {}
    replace = decl.get("Replace") or []
    outputs = decl.get("Outputs") or []
    if not isinstance(types, dict) or not isinstance(replace, list) or not (
            outputs is None or isinstance(outputs, list)):
        raise Failure("the property HitcPlugin must hold Types (a map), Replace and Outputs (lists)")
    return str(decl.get("Plugin") or ""), types, replace, outputs


def inputs_of(props, old=False):
    """The author's view of the properties: protocol keys gone, types restored.
    For the old inputs of an Update, a missing or unrestorable value is passed
    as it is: a rollback brings back the values of an update that failed."""
    _, types, _, _ = declaration(props)
    inputs = {k: v for k, v in props.items() if k not in PROTOCOL_KEYS}
    for name, kind in types.items():
        if name not in inputs:
            if old:
                continue
            raise Failure(f"input '{name}' is missing from the resource's properties")
        try:
            inputs[name] = restore(name, kind, inputs[name])
        except Failure:
            if not old:
                raise
    return inputs


def output_text(name, value):
    """An output value as the string CloudFormation's Fn::GetAtt gives."""
    def refuse(what):
        raise Failure(f"output '{name}' {what}, got {quote(value)}")

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            refuse("must be a finite number")
        return str(int(value)) if value.is_integer() and abs(value) < 2 ** 53 else repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        items = [output_text(f"{name}[{i}]", v) for i, v in enumerate(value)]
        if any("," in item for item in items):
            refuse("is a list with a comma inside an item (lists are joined with ',')")
        return ",".join(items)
    refuse("must be a string, number, bool or list of strings")


def outputs_data(result, declared, plugin):
    """The Data of an answer: the declared outputs of result, as strings."""
    if result is None:
        result = {}
    if not isinstance(result, dict):
        raise Failure(f"the service must return a dict of outputs, not {type(result).__name__}")
    if declared is None:
        return {str(k): output_text(str(k), v) for k, v in result.items()}
    missing = [o for o in declared if result.get(o) is None]
    if missing:
        names = ", ".join(f"'{o}'" for o in missing)
        owner = f" of plugin '{plugin}'" if plugin else ""
        raise Failure(f"the service did not return the declared output{'s' if len(missing) > 1 else ''}"
                      f"{owner} {names}: create and update must return every output")
    dropped = sorted(str(k) for k in result if k not in declared)
    if dropped:
        log("undeclared outputs dropped", outputs=dropped)
    return {o: output_text(o, result[o]) for o in declared}


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def identity(props):
    """8 hex of the `replace` inputs' values as CloudFormation sent them."""
    try:
        _, _, replace, _ = declaration(props)
    except Failure:         # a malformed HitcPlugin: its Create fails, with an ID
        replace = []
    replace = [str(name) for name in replace]
    pairs = [[name, props.get(name)] for name in sorted(replace)]
    return sha256_hex(json.dumps(pairs, separators=(",", ":"), ensure_ascii=False, default=str))[:8]


def new_physical_id(event):
    """LOGICALID-HASH12-IDENT8: HASH12 of StackId, LogicalResourceId and RequestId
    (a new one means a new resource), IDENT8 of the replace inputs it has."""
    seed = "\0".join(str(event.get(k) or "") for k in ("StackId", "LogicalResourceId", "RequestId"))
    logical = str(event.get("LogicalResourceId") or "resource")[:255]
    ident = identity(event.get("ResourceProperties") or {})
    return f"{logical}-{sha256_hex(seed)[:12]}-{ident}"


def failed_physical_id(event):
    """The physical ID of a failed answer: the resource's own, or, for a Create,
    one marked so that the Delete which follows is skipped."""
    if event.get("RequestType") != "Create" and event.get("PhysicalResourceId"):
        return event["PhysicalResourceId"]
    if event.get("LogicalResourceId"):
        return FAILED_PREFIX + new_physical_id(event)
    return FAILED_PREFIX + str(event.get("RequestId") or "unknown")


ID_RE = re.compile(r".-[0-9a-f]{12}-([0-9a-f]{8})\Z", re.S)


def replace_changed(event):
    """The `replace` inputs whose value differs between old and new properties,
    or [] when the resource (by the IDENT8 of its physical ID) already has the
    new values: the rollback of a replacement whose create() failed."""
    props = event.get("ResourceProperties") or {}
    old = event.get("OldResourceProperties") or {}
    _, _, replace, _ = declaration(props)
    changed = [name for name in replace if props.get(name) != old.get(name)]
    m = ID_RE.search(event.get("PhysicalResourceId") or "")
    if changed and m and m[1] == identity(props):
        log("the resource already has these replace inputs: updating it in place",
            inputs=changed, physical_id=event.get("PhysicalResourceId"))
        return []
    return changed


def serve(create, update, delete, margin=None):
    """The Lambda handler of a plugin's service made of create, update, delete."""
    for what, fn in (("create", create), ("update", update), ("delete", delete)):
        if not callable(fn):
            raise TypeError(f"serve() needs a '{what}' function")

    def perform(event):
        kind = event.get("RequestType")
        props = event.get("ResourceProperties") or {}
        plugin, _, _, outputs = declaration(props)
        pid = event.get("PhysicalResourceId")
        if kind == "Create":
            return new_physical_id(event), outputs_data(create(inputs_of(props)), outputs, plugin)
        if kind == "Update":
            changed = replace_changed(event)
            if changed:
                log("replace input changed: creating a new resource", inputs=changed)
                return new_physical_id(event), outputs_data(create(inputs_of(props)), outputs, plugin)
            old = inputs_of(event.get("OldResourceProperties") or {}, old=True)
            result = update(inputs_of(props), old)
            return pid or new_physical_id(event), outputs_data(result, outputs, plugin)
        if kind == "Delete":
            if not pid or pid.startswith(FAILED_PREFIX):
                log("delete of a resource that was never created: nothing to do", physical_id=pid)
                return pid or failed_physical_id(event), {}
            delete(inputs_of(props))
            return pid, {}
        raise Failure(f"unknown RequestType {quote(kind)}")

    def handler(event, context):
        log("request", type=event.get("RequestType"), logical_id=event.get("LogicalResourceId"),
            physical_id=event.get("PhysicalResourceId"), stack=event.get("StackId"))
        limit = None
        try:
            limit = float((event.get("ResourceProperties") or {}).get("ServiceTimeout"))
        except (TypeError, ValueError):
            pass
        return run_request(event, context, perform, failed_physical_id,
                           margin=margin, time_limit=limit)

    return handler

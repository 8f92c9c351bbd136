"""hitc's local runner for Python handlers (`hitc invoke`, `hitc serve`).

In:  argv[1], the handler as Lambda reads it ("index.handler", "pkg/mod.fn");
     the working directory is the function's code laid out like its bundle
     (LAMBDA_TASK_ROOT), with the environment Lambda would give it; fd 3 carries
     invocations from hitc, fd 4 carries the answers back; stdout and stderr are
     the function's log.
Out: frames "TAG LEN\\n" then LEN bytes, on fd 4:
     "O" once the handler is imported ({"python": "3.12"}), else "E" with the
     init error (Runtime.ImportModuleError, Runtime.HandlerNotFound, ...) and exit;
     then for each "I" frame hitc sends ({"id": REQUEST_ID, "deadline": EPOCH_MS,
     "event": EVENT}): "R" with the result as JSON, or "E" with Lambda's error
     shape {"errorMessage", "errorType", "requestId", "stackTrace"}.
Holds: the handler is imported once and answers one invocation at a time, with a
     context like Lambda's; hitc enforces the timeout (it kills this process).
     Standard library only.  hitc embeds this file and runs it with `python3 -c`.
"""
import decimal
import json
import logging
import os
import sys
import time
import traceback

def read_exact(fd, n):
    chunks = []
    while n > 0:
        chunk = os.read(fd, n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd):
    """(tag, body) of the next frame, or (None, None) once hitc closed the pipe."""
    head = b""
    while not head.endswith(b"\n"):
        c = os.read(fd, 1)
        if not c:
            return None, None
        head += c
    tag, length = head[:-1].decode().split(" ")
    body = read_exact(fd, int(length))
    return (tag, body) if body is not None else (None, None)


def send(tag, data):
    frame = f"{tag} {len(data)}\n".encode() + data
    while frame:
        frame = frame[os.write(4, frame):]


def real_trace(tb):
    """Lambda's stackTrace: the handler's frames, paths as the files really are."""
    lines = []
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith("<"):        # the runner itself (python3 -c)
            continue
        frame.filename = os.path.realpath(frame.filename)
        lines.append(frame)
    return traceback.format_list(lines)


def log_error(err):
    """The error as Lambda's Python runtime logs it: [ERROR] Type: message, then
    the handler's frames."""
    lines = [f"[ERROR] {type(err).__name__}: {err}\n", "Traceback (most recent call last):\n"]
    sys.stdout.write("".join(lines + real_trace(err.__traceback__)))
    sys.stdout.flush()


def error(err, request_id, kind=None, message=None):
    return json.dumps({
        "errorMessage": message if message is not None else str(err),
        "errorType": kind or type(err).__name__,
        "requestId": request_id,
        "stackTrace": real_trace(err.__traceback__) if err is not None else [],
    }).encode()


class InitError(Exception):
    def __init__(self, kind, message, cause=None):
        super().__init__(message)
        self.kind, self.message, self.cause = kind, message, cause


def load(handler):
    """The handler function, imported as Lambda's Python runtime imports it."""
    module_path, _, name = handler.rpartition(".")
    if not module_path or not name:
        raise InitError("Runtime.MalformedHandlerName",
                        f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)")
    module_name = module_path.replace("/", ".")
    try:
        module = __import__(module_name, fromlist=["_"])
    except SyntaxError as err:
        raise InitError("Runtime.UserCodeSyntaxError",
                        f"Syntax error in module '{module_name}': {err}", err)
    except ImportError as err:
        raise InitError("Runtime.ImportModuleError",
                        f"Unable to import module '{module_name}': {err}", err)
    fn = getattr(module, name, None)
    if fn is None:
        raise InitError("Runtime.HandlerNotFound", f"Handler '{name}' missing on module '{module_name}'")
    return fn


class Context:
    """What Lambda passes a Python handler as its second argument."""

    def __init__(self, request):
        env = os.environ
        self.aws_request_id = request["id"]
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = env.get("HITC_LOCAL_FUNCTION_ARN")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline = request["deadline"]

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline - time.time() * 1000))


def to_json(value):
    """The result as Lambda's runtime writes it (a Decimal as a number)."""
    def number(o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")
    return json.dumps(value, default=number).encode()


class LambdaLog(logging.Handler):
    """Lambda's log line: [LEVEL] TIME REQUEST_ID message."""
    request_id = ""

    def emit(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        stamp += ".%03dZ" % (record.msecs)
        sys.stdout.write(f"[{record.levelname}]\t{stamp}\t{self.request_id}\t{record.getMessage()}\n")
        sys.stdout.flush()


def main():
    task_root = os.getcwd()
    sys.path.insert(0, task_root)
    log = LambdaLog()
    logging.getLogger().addHandler(log)
    logging.getLogger().setLevel(logging.WARNING)
    try:
        fn = load(sys.argv[1])
    except InitError as err:
        sys.stdout.write(f"[ERROR] {err.kind}: {err.message}\n")
        sys.stdout.flush()
        send("E", error(err.cause, "", err.kind, err.message))
        return 0
    except Exception as err:                        # the module raised while imported
        log_error(err)
        send("E", error(err, ""))
        return 0
    send("O", json.dumps({"python": "%d.%d" % sys.version_info[:2]}).encode())
    while True:
        tag, body = read_frame(3)
        if tag is None:
            return 0
        request = json.loads(body)
        log.request_id = request["id"]
        os.environ["_X_AMZN_TRACE_ID"] = request.get("trace", "")
        try:
            result = fn(request["event"], Context(request))
        except Exception as err:
            log_error(err)
            send("E", error(err, request["id"]))
            continue
        try:
            data = to_json(result)
        except (TypeError, ValueError) as err:
            send("E", error(None, request["id"], "Runtime.MarshalError",
                            f"Unable to marshal response: {err}"))
            continue
        send("R", data)


if __name__ == "__main__":
    sys.exit(main())

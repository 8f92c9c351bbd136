"""Run moto's Lambda functions as local child processes instead of Docker containers.

In:  a moto LambdaFunction (its code bytes, handler, runtime, timeout, environment)
     and an event.
Out: an Invocation: the payload the handler returned (as JSON bytes), or the error
     Lambda would report (errorMessage, errorType, stackTrace), and the log text.
Holds: every invocation is a fresh process (a cold start), started in the unzipped
  code (cwd and first import path, like /var/task), with only the variables Lambda
  sets, the function's own, fake role credentials and AWS_ENDPOINT_URL pointing back
  at this moto server.  It is killed when its handler outlives the function's Timeout,
  counted from the handler's call: as on Lambda, the init phase (imports) is not part
  of it; it has its own limit, INIT_LIMIT.  At most CONCURRENCY sandboxes run at once
  (HITC_E2E_LAMBDA_CONCURRENCY, default the number of CPUs, at least 2): on a busy
  machine twenty cold starts at once would each take longer than a 10 s Timeout.  An
  invocation waits for a free slot before its sandbox starts; the wait is not part of
  any limit.  A function's layers are unzipped in order into one directory, its /opt:
  PYTHONPATH is its python/, NODE_PATH its nodejs/node_modules/.  Its output is stored in the function's CloudWatch log group (LoggingConfig.LogGroup,
  else /aws/lambda/NAME) and in WORK/logs/NAME.log for people.
"""
import base64
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAP = {"python": os.path.join(HERE, "runtime", "bootstrap.py"),
             "node": os.path.join(HERE, "runtime", "bootstrap.js")}
INIT_LIMIT = 120.0                      # seconds for the imports, before the handler runs
CONCURRENCY = max(2, int(os.environ.get("HITC_E2E_LAMBDA_CONCURRENCY") or os.cpu_count() or 2))


class Invocation:
    def __init__(self, payload, error, logs, request_id, seconds):
        self.payload = payload          # bytes: what the caller of Invoke receives
        self.error = error              # None, or the error dict (function error)
        self.logs = logs                # str: everything the function printed
        self.request_id = request_id
        self.seconds = seconds


class LocalLambda:
    def __init__(self, work, endpoint):
        self.work = work
        self.endpoint = endpoint
        self.lock = threading.Lock()
        self.unpacked = {}              # (function arn, code sha) -> directory
        self.live = set()               # running child processes, killed at shutdown
        self.slots = threading.BoundedSemaphore(CONCURRENCY)
        os.makedirs(os.path.join(work, "logs"), exist_ok=True)

    def kill_all(self):
        with self.lock:
            for proc in list(self.live):
                _kill(proc)

    # --- code -------------------------------------------------------------

    def task_root(self, fn):
        """The function's code, unzipped once per code version, like /var/task."""
        key = (fn.function_arn, fn.code_sha_256)
        with self.lock:
            root = self.unpacked.get(key)
            if root and os.path.isdir(root):
                return root
            root = tempfile.mkdtemp(prefix=f"{fn.function_name[:40]}-", dir=os.path.join(self.work, "code"))
            with zipfile.ZipFile(_bytes_io(fn.code_bytes)) as z:
                inline = "ZipFile" in (fn.code or {})    # CloudFormation zips inline code itself
                unreadable = [] if inline else [i.filename for i in z.infolist() if not readable_by_others(i)]
                if unreadable:
                    # Lambda runs the code as a user that owns none of it: every file
                    # needs o+r (directories o+rx).  This process runs as root and
                    # could read them anyway, so say it here.
                    raise PermissionError(f"Lambda could not read {unreadable[:3]}: the zip gives them "
                                          "no read permission for others (mode o+r)")
                for info in z.infolist():
                    target = os.path.realpath(os.path.join(root, info.filename))
                    if not target.startswith(os.path.realpath(root) + os.sep):
                        raise ValueError(f"unsafe entry {info.filename!r} in the code zip")
                    z.extract(info, root)
                    mode = info.external_attr >> 16
                    if mode and not info.is_dir():
                        os.chmod(target, mode & 0o777)
            self.unpacked[key] = root
            return root

    def layers_root(self, fn):
        """The function's layers unzipped in their order into one directory, like /opt
        (a later layer's file replaces an earlier one's); None without layers."""
        arns = tuple(layer["Arn"] for layer in (getattr(fn, "layers", None) or []))
        if not arns:
            return None
        from moto.awslambda.models import lambda_backends
        backend = lambda_backends[fn.account_id][fn.region]
        with self.lock:
            root = self.unpacked.get(arns)
            if root and os.path.isdir(root):
                return root
            root = tempfile.mkdtemp(prefix="opt-", dir=os.path.join(self.work, "code"))
            for arn in arns:
                with zipfile.ZipFile(_bytes_io(backend.layers_versions_by_arn(arn).code_bytes)) as z:
                    for info in z.infolist():
                        target = os.path.realpath(os.path.join(root, info.filename))
                        if not target.startswith(os.path.realpath(root) + os.sep):
                            raise ValueError(f"unsafe entry {info.filename!r} in layer {arn}")
                        z.extract(info, root)
            self.unpacked[arns] = root
            return root

    # --- running ----------------------------------------------------------

    def language(self, fn):
        runtime = fn.run_time or ""
        if runtime.startswith("python3"):
            return "python"
        if runtime.startswith("nodejs"):
            return "node"
        return None

    def environment(self, fn, request_id, log_group, log_stream):
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "HOME": os.path.join(self.work, "home"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        env.update({k: str(v) for k, v in (fn.environment_vars or {}).items()})
        env.update({
            "_HANDLER": fn.handler or "",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_ACCESS_KEY_ID": "ASIAHITCE2EROLE00000",
            "AWS_SECRET_ACCESS_KEY": "role-secret-key",
            "AWS_SESSION_TOKEN": "role-session-token",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "LAMBDA_TASK_ROOT": "",          # set below, once the code is unpacked
            "HITC_E2E_REQUEST_ID": request_id,
        })
        return env

    def invoke(self, fn, event):
        """Run the handler once; an Invocation, whatever happens."""
        request_id = str(uuid.uuid4())
        started = time.monotonic()
        log_group = getattr(fn, "hitc_log_group", None) or f"/aws/lambda/{fn.function_name}"
        day = time.strftime("%Y/%m/%d", time.gmtime())
        log_stream = f"{day}/[$LATEST]{uuid.uuid4().hex}"
        language = self.language(fn)
        if language is None:
            return self.finish(fn, request_id, started, log_group, log_stream, "",
                               _error("Runtime.InvalidRuntime",
                                      f"the local executor runs python3.* and nodejs* only, not {fn.run_time!r}"))
        try:
            root = self.task_root(fn)
        except PermissionError as err:
            return self.finish(fn, request_id, started, log_group, log_stream, "",
                               _error("Runtime.ImportModuleError", str(err)))
        except Exception as err:   # a damaged zip is the function's problem
            return self.finish(fn, request_id, started, log_group, log_stream, "",
                               _error("Runtime.InvalidZipFileException", str(err)))
        env = self.environment(fn, request_id, log_group, log_stream)
        env["LAMBDA_TASK_ROOT"] = root
        try:
            opt = self.layers_root(fn)
        except Exception as err:
            return self.finish(fn, request_id, started, log_group, log_stream, "",
                               _error("Runtime.InvalidZipFileException", f"a layer: {err}"))
        if opt:                         # where Lambda's runtimes look in /opt
            env["PYTHONPATH"] = os.path.join(opt, "python")
            env["NODE_PATH"] = os.path.join(opt, "nodejs", "node_modules")
        timeout = float(fn.timeout or 3)
        fd, result_path = tempfile.mkstemp(prefix="result-", dir=os.path.join(self.work, "results"))
        os.close(fd)
        os.unlink(result_path)
        # A slot, then the sandbox.  A handler that invokes another function while all
        # slots are busy would wait forever: after INIT_LIMIT it runs without a slot.
        slot = self.slots.acquire(timeout=INIT_LIMIT)
        try:
            out, timed_out, returncode = self.run_sandbox(language, root, fn, request_id, result_path, timeout, env, event)
        except OSError as err:
            return self.finish(fn, request_id, started, log_group, log_stream, "",
                               _error("Runtime.ExitError", f"cannot start the {language} runtime: {err}"))
        finally:
            if slot:
                self.slots.release()
        logs = out.decode("utf-8", "replace")
        if timed_out == "init":
            error = _error("Sandbox.Timedout", f"Init phase did not end within {INIT_LIMIT:.0f} seconds (the harness's limit)")
            result = None
        elif timed_out:
            error = _error("Sandbox.Timedout", f"Task timed out after {timeout:.2f} seconds")
            result = None
        else:
            result, error = _read_result(result_path, returncode)
        _unlink(result_path)
        return self.finish(fn, request_id, started, log_group, log_stream, logs, error, result)

    def run_sandbox(self, language, root, fn, request_id, result_path, timeout, env, event):
        """One child process: its output, None or "init" or "handler" when it was killed,
        and its exit status.

        The child reads the event, imports the handler, writes a byte to the ready pipe
        and calls the handler: the function's Timeout starts at that byte."""
        ready_r, ready_w = os.pipe()
        command = [sys.executable if language == "python" else shutil.which("node") or "node",
                   BOOTSTRAP[language], root, fn.handler or "", result_path, str(int(timeout * 1000)),
                   fn.function_arn, request_id, str(ready_w)]
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env, cwd=root,
                                    start_new_session=True, pass_fds=(ready_w,))
        finally:
            os.close(ready_w)
        with self.lock:
            self.live.add(proc)
        chunks = []
        reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)
        reader.start()
        timed_out = None
        try:
            try:
                proc.stdin.write(json.dumps(event).encode())
                proc.stdin.close()
            except BrokenPipeError:
                pass                    # it died at once; its output says why
            if not select.select([ready_r], [], [], INIT_LIMIT)[0]:
                timed_out = "init"
            else:
                os.read(ready_r, 1)     # b"" when it exited before calling the handler
                try:
                    proc.wait(timeout=timeout + 0.5)
                except subprocess.TimeoutExpired:
                    timed_out = "handler"
            if timed_out:
                _kill(proc)
            proc.wait()
            reader.join()
        finally:
            os.close(ready_r)
            with self.lock:
                self.live.discard(proc)
        return b"".join(chunks), timed_out, proc.returncode

    def finish(self, fn, request_id, started, log_group, log_stream, logs, error, result=None):
        seconds = time.monotonic() - started
        lines = [f"START RequestId: {request_id} Version: $LATEST"]
        lines += logs.splitlines()
        if error:
            lines.append(json.dumps(error))
        lines.append(f"END RequestId: {request_id}")
        lines.append(f"REPORT RequestId: {request_id}\tDuration: {seconds * 1000:.2f} ms")
        self.store_logs(fn, log_group, log_stream, lines)
        payload = json.dumps(error).encode() if error else (result if result is not None else b"null")
        return Invocation(payload, error, "\n".join(lines) + "\n", request_id, seconds)

    def store_logs(self, fn, log_group, log_stream, lines):
        with self.lock:
            with open(os.path.join(self.work, "logs", f"{fn.function_name}.log"), "a",
                      encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))
        try:
            backend = fn.logs_backend
            if log_group not in backend.groups:
                return                      # Lambda drops logs for a missing group
            backend.create_log_stream(log_group, log_stream)
            with self.lock:             # strictly increasing times keep the lines in order
                first = max(int(time.time() * 1000), getattr(self, "last_ts", 0) + 1)
                self.last_ts = first + len(lines)
            backend.put_log_events(log_group, log_stream,
                                   [{"timestamp": first + i, "message": line} for i, line in enumerate(lines)])
        except Exception:
            pass


def readable_by_others(info):
    """False when a Unix mode in the zip denies 'others' what Lambda's user needs."""
    mode = info.external_attr >> 16
    if info.create_system != 3 or mode == 0:
        return True                     # no Unix mode: Lambda gives the default
    need = 0o005 if info.is_dir() else 0o004
    return mode & need == need


def _bytes_io(data):
    import io
    return io.BytesIO(data)


def _error(kind, message):
    return {"errorMessage": message, "errorType": kind, "stackTrace": []}


def _read_result(path, returncode):
    """(payload bytes, None) or (None, error dict) from the bootstrap's result file."""
    try:
        with open(path, "rb") as f:
            result = json.loads(f.read())
    except (OSError, ValueError):
        return None, _error("Runtime.ExitError",
                            f"the runtime exited (status {returncode}) before the handler returned")
    if "error" in result:
        return None, result["error"]
    return result["payload"].encode(), None


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def install(work, endpoint):
    """Replace moto's Docker invoke with the local executor; returns the executor."""
    from moto.awslambda.models import LambdaFunction

    for sub in ("code", "results", "home"):
        os.makedirs(os.path.join(work, sub), exist_ok=True)
    executor = LocalLambda(work, endpoint)

    def invoke(self, body, request_headers, response_headers):
        event = json.loads(body) if body else {}
        kind = _header(request_headers, "x-amz-invocation-type") or "RequestResponse"
        if kind == "DryRun":
            return b""
        if kind == "Event":
            threading.Thread(target=executor.invoke, args=(self, event), daemon=True).start()
            return b""
        run = executor.invoke(self, event)
        if run.error:
            response_headers["x-amz-function-error"] = "Unhandled"
        tail = run.logs.encode()[-4096:]
        response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
        response_headers["x-amz-executed-version"] = "$LATEST"
        return run.payload

    def _invoke_lambda(self, event=None):
        run = executor.invoke(self, json.loads(event) if isinstance(event, str) else (event or {}))
        return run.payload.decode(), bool(run.error), run.logs

    LambdaFunction.invoke = invoke
    LambdaFunction._invoke_lambda = _invoke_lambda
    return executor


def _header(headers, name):
    """A request header, whatever the case of its name (moto passes dicts or werkzeug headers)."""
    for key, value in (headers.items() if headers else ()):
        if key.lower() == name:
            return value
    return None

"""The Python side of the local Lambda executor: one invocation per process.

usage: python3 bootstrap.py TASK_ROOT HANDLER RESULT_FILE TIMEOUT_MS FUNCTION_ARN REQUEST_ID READY_FD
       (the event is JSON on stdin)
Imports HANDLER ("module.function", module relative to TASK_ROOT) the way the Lambda
Python runtime does, writes a byte to READY_FD (the executor's Timeout starts there, and
the context's deadline is TIMEOUT_MS later), calls it with the event and a context, and writes
{"payload": JSON} or {"error": {errorMessage, errorType, stackTrace}} to RESULT_FILE.
Whatever the handler prints goes to stdout, which the executor keeps as the log.
"""
import importlib
import json
import os
import sys
import time
import traceback


class Context:
    def __init__(self, deadline_ms, arn, request_id):
        self._deadline_ms = deadline_ms
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def error(kind, message, tb=None):
    if tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next                     # start at the function's code, not here
    return {"errorMessage": message, "errorType": kind,
            "stackTrace": traceback.format_list(traceback.extract_tb(tb)) if tb else []}


def run(root, handler_spec, event, context, ready):
    module_name, _, function_name = handler_spec.rpartition(".")
    if not module_name or not function_name:
        return {"error": error("Runtime.MalformedHandlerName", f"Bad handler '{handler_spec}'")}
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as err:
        return {"error": error("Runtime.ImportModuleError",
                               f"Unable to import module '{module_name}': {err}", err.__traceback__)}
    handler = getattr(module, function_name, None)
    if handler is None:
        return {"error": error("Runtime.HandlerNotFound",
                               f"Handler '{function_name}' missing on module '{module_name}'")}
    ready()
    try:
        result = handler(event, context)
    except Exception as err:
        traceback.print_exception(type(err), err, err.__traceback__.tb_next)
        return {"error": error(type(err).__name__, str(err), err.__traceback__)}
    try:
        return {"payload": json.dumps(result)}
    except (TypeError, ValueError) as err:
        return {"error": error("Runtime.MarshalError", f"Unable to marshal response: {err}")}


def main():
    root, handler_spec, result_path, timeout_ms, arn, request_id, ready_fd = sys.argv[1:8]
    event = json.loads(sys.stdin.read() or "{}")
    sys.path[0] = root                  # not this file's directory: the code's, as /var/task
    os.chdir(root)
    context = Context(0, arn, request_id)

    def ready():                        # the init phase is over: the Timeout starts now
        context._deadline_ms = time.time() * 1000 + int(timeout_ms)
        os.write(int(ready_fd), b"r")
        os.close(int(ready_fd))
    result = run(root, handler_spec, event, context, ready)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(result_path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(result, f)
    os.rename(result_path + ".tmp", result_path)
    # Lambda freezes the sandbox when the handler returns: threads the handler left
    # behind never run again.  Exit now rather than wait for them.
    os._exit(0)


if __name__ == "__main__":
    main()

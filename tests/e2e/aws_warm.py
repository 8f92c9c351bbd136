"""The aws CLI, started once: a fork server, so each `aws ...` costs a fork, not a start.

usage: python3 tests/e2e/aws_warm.py serve SOCKET       (run.sh starts it beside moto)
       python3 -I -S tests/e2e/aws_warm.py call SOCKET REAL_AWS ARG...   (WORK/bin/aws)
       python3 -I -S tests/e2e/aws_warm.py script SOCKET PYTHON SCRIPT ARG...
                                                       (WORK/bin/e2e-python)

Why: every step of the e2e suite is an `aws` command, as a user would type it, and
each one started Python and imported awscli and botocore again: 0.5 CPU-seconds, 1 to
2 s of wall time on a busy machine, hundreds of times.  The server imports awscli
once, builds its driver and loads the service models the suite uses, then for each
call forks: the child takes the caller's stdin, stdout and stderr (passed over the
Unix socket), its environment, working directory and arguments, and runs the same
`CLIDriver.main` the `aws` script runs; its exit status goes back to the caller.  The
child is a copy, so no call sees another's state.

`call` is what WORK/bin/aws runs (first on PATH, for the suite and for the hitc
commands it runs): it forwards its arguments and exits with the child's status.
When the server is not there (not yet listening, or awscli not importable by this
python3), it runs REAL_AWS instead: slower, the same result.  `script` runs a harness
script of the suite (stamped.py, which imports boto3 as the CLI does) the same way,
as `PYTHON SCRIPT ARG...` would: its own copy of the server, sys.argv and sys.path[0]
as for a script, its exit status back.
"""
import json
import os
import socket
import struct
import sys

# The services the suite calls; their models are loaded before the first fork.
SERVICES = ("cloudformation", "s3", "dynamodb", "lambda", "logs", "events", "sns", "sqs",
            "apigateway", "apigatewayv2", "iam", "sts")


def serve(path):
    import signal
    import awscli.clidriver
    import boto3                         # for `script` (stamped.py)
    driver = awscli.clidriver.create_clidriver()
    commands = driver._get_command_table()
    for name in SERVICES:
        try:
            driver.session.get_service_model(name)
            command = commands.get(name)
            if command is not None and hasattr(command, "_get_command_table"):
                command._get_command_table()
        except Exception:
            pass                         # a model it lacks loads (or fails) in the child
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)        # children reap themselves
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(64)
    os.rename(path + ".tmp", path)   # callers connect only once it listens
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os._exit(child(conn, driver))
        conn.close()


def child(conn, driver):
    """One call, in a forked copy of the server; its exit status."""
    rc = 255
    try:
        message, fds = _receive(conn)
        request = json.loads(message)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _fresh_streams()
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        try:
            rc = run_script(request["script"], request["args"]) if "script" in request \
                else driver.main(request["args"])
        except SystemExit as exit:
            rc = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception as err:
        try:
            os.write(2, f"aws_warm: {type(err).__name__}: {err}\n".encode())
        except OSError:
            pass
    try:
        conn.sendall(struct.pack("!i", rc if isinstance(rc, int) else 255))
    except OSError:
        pass
    return 0


def run_script(path, args):
    """PYTHON SCRIPT ARGS, in this process: its exit status (an uncaught exception: its
    traceback and 1, as Python does)."""
    import runpy
    import traceback
    sys.argv = [path] + args
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def _receive(conn):
    size = struct.unpack("!I", _exactly(conn, 4))[0]
    message, fds, _, _ = socket.recv_fds(conn, size, 3)
    while len(message) < size:
        message += conn.recv(size - len(message))
    return message, fds


def _exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("the caller went away")
        data += chunk
    return data


def _fresh_streams():
    """sys.stdin/stdout/stderr over the caller's descriptors (line-buffered on a tty, as
    Python would set them up for a process started there)."""
    import io
    encoding = sys.stdout.encoding or "utf-8"
    for fd, name, mode in ((0, "stdin", "rb"), (1, "stdout", "wb"), (2, "stderr", "wb")):
        raw = io.open(fd, mode, buffering=0 if fd else -1, closefd=False)
        if fd == 0:
            stream = io.TextIOWrapper(io.BufferedReader(raw), encoding=encoding)
        else:
            stream = io.TextIOWrapper(io.BufferedWriter(raw) if fd == 1 else raw, encoding=encoding,
                                      errors="backslashreplace" if fd == 2 else "strict",
                                      line_buffering=os.isatty(fd) or fd == 2, write_through=fd == 2)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def call(path, real, args, script=None):
    request = {"args": args, "env": dict(os.environ), "cwd": os.getcwd()}
    if script is not None:
        request["script"] = script
    message = json.dumps(request).encode()
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        conn.sendall(struct.pack("!I", len(message)))
        socket.send_fds(conn, [message], [0, 1, 2])
    except OSError:                         # no server (or a closed stream): the CLI itself
        os.execv(real, [real] + ([script] if script is not None else []) + args)
    try:
        rc = struct.unpack("!i", _exactly(conn, 4))[0]
    except (EOFError, OSError):
        sys.stderr.write("aws_warm: the aws CLI's process ended without an exit status\n")
        rc = 255
    sys.exit(rc)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif sys.argv[1] == "call":
        call(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1] == "script":
        call(sys.argv[2], sys.argv[3], sys.argv[5:], script=sys.argv[4])
    else:
        sys.exit(f"usage: {sys.argv[0]} serve SOCKET | call SOCKET REAL_AWS ARG... | "
                 "script SOCKET PYTHON SCRIPT ARG...")

"""moto's server, patched at run time to behave like AWS where hitc's promise depends on it.

usage: python3 tests/e2e/moto_local.py --work DIR [--port-file FILE] [--max-wait SECONDS]

Starts moto (all its services in one server) on 127.0.0.1 on a free port, writes the
port to FILE once it listens, and serves until SIGTERM or SIGINT.  Every patch is in
this directory, applied in this process only; site-packages is never touched.
tests/e2e/README.md lists each patch, what stock moto does instead, and why.

  local_lambda.py   Lambda runs code in local child processes (no Docker)
  cfn_engine.py     CloudFormation: ordering, custom resources, update, delete, rollback
  cfn_providers.py  how each resource type is made, changed and removed
  function_settings.py  a function's tracing, architecture, storage, layers, VPC,
                    concurrency; a role's managed policies
  cfn_template.py   parameters, conditions, intrinsic functions, waves
  apigw_http.py     execute-api hosts: REST APIs over HTTP, AWS_PROXY, permissions
  this file         the WSGI front: ResponseURLs, execute-api, one lock for DynamoDB

Logs (for people, when a step fails): WORK/logs/moto.log (the server),
cloudformation.log (every stack and resource event, every custom-resource request
and answer), apigateway.log (every HTTP request), FUNCTION.log (each function's output).
"""
import argparse
import json
import os
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True


class JsonLog:
    """One JSON object a line, appended from any thread."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def __call__(self, message, **fields):
        line = json.dumps({"t": round(time.time(), 3), "message": message, **fields}, default=str)
        with self.lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


class Front:
    """The WSGI application in front of moto's DomainDispatcherApplication."""

    def __init__(self, moto_app, responses, router):
        self.moto_app = moto_app
        self.responses = responses
        self.router = router
        self.dynamodb = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/hitc-cfn-response/"):
            return self.cfn_response(environ, start_response)
        if path == "/hitc-e2e/ready":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ready\n"]
        if path.startswith("/hitc-e2e/") and getattr(self, "hooks", None):
            return self.hooks(environ, start_response)
        if self.router.wants(environ):
            return self.router(environ, start_response)
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            # moto's DynamoDB is not safe under concurrent writes: one request at a time
            with self.dynamodb:
                result = self.moto_app(environ, start_response)
                try:
                    return [b"".join(result)]
                finally:
                    getattr(result, "close", lambda: None)()
        return self.moto_app(environ, start_response)

    def cfn_response(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "PUT":
            start_response("405 Method Not Allowed", [("Content-Type", "text/plain")])
            return [b"MethodNotAllowed\n"]
        path = environ["PATH_INFO"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        status, text = self.responses.receive(
            path.rsplit("/", 1)[-1], path, environ.get("QUERY_STRING", ""),
            environ.get("CONTENT_TYPE", ""), environ.get("HTTP_CONTENT_MD5", ""), body)
        reason = {200: "OK", 403: "Forbidden", 404: "Not Found"}[status]
        start_response(f"{status} {reason}", [("Content-Type", "application/xml")])
        return [text.encode()]


def install_sources(engine, executor, log):
    """Event sources (EventBridge, SNS, SQS and stream mappings), HTTP APIs, gateway
    responses; returns the WSGI app of the test hooks:
      POST /hitc-e2e/fire-rule/RULE_NAME   fire a schedule rule now (its scheduled event)
      GET  /hitc-e2e/deliveries            every delivery to a function so far (JSON list:
                                           kind, source, function, outcome, reason)
      POST /hitc-e2e/age-records/SECONDS   stream records written so far are that much
                                           older for the mappings (MaximumRecordAgeInSeconds)"""
    import function_settings
    import providers_apigwv2
    import providers_events
    import providers_invoke
    import providers_sources
    import providers_stacks
    deliveries = providers_events.Deliveries(executor, log)
    providers_events.install(deliveries)
    engine.table.update(providers_events.providers())
    engine.table.update(providers_sources.providers(deliveries))
    engine.table.update(providers_invoke.providers(deliveries))
    engine.table.update(providers_apigwv2.providers())
    engine.table.update(providers_stacks.providers(engine))
    engine.table.update(function_settings.providers())

    def hooks(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        if path.startswith("/hitc-e2e/fire-rule/") and method == "POST":
            status, text = providers_events.fire_rule(deliveries, path.rsplit("/", 1)[-1])
        elif path.startswith("/hitc-e2e/age-records/") and method == "POST":
            status, text = providers_sources.age_records(path.rsplit("/", 1)[-1])
        elif path == "/hitc-e2e/deliveries" and method == "GET":
            status, text = 200, deliveries.as_json()
        else:
            status, text = 404, "no such hook"
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
        start_response(f"{status} {reason}", [("Content-Type", "application/json")])
        return [text.encode() + b"\n"]
    return hooks


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--port-file")
    parser.add_argument("--max-wait", type=float, default=float(os.environ.get("HITC_E2E_MAX_WAIT", 300)))
    args = parser.parse_args()
    work = os.path.abspath(args.work)
    os.makedirs(os.path.join(work, "logs"), exist_ok=True)

    from werkzeug.serving import make_server
    server_app = Front.__new__(Front)            # bound below, once the port is known
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    port = server.server_port
    os.environ["MOTO_PORT"] = str(port)
    endpoint = f"http://127.0.0.1:{port}"

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    import apigw_http
    import cfn_engine
    import cfn_providers
    import local_lambda

    executor = local_lambda.install(work, endpoint)
    cfn_log = JsonLog(os.path.join(work, "logs", "cloudformation.log"))
    responses = cfn_providers.Responses(endpoint, executor, cfn_log, args.max_wait)
    engine = cfn_engine.Engine(responses, cfn_log)
    cfn_engine.install(engine)
    router = apigw_http.Router(executor, JsonLog(os.path.join(work, "logs", "apigateway.log")))
    server_app.__init__(DomainDispatcherApplication(create_backend_app), responses, router)
    server_app.hooks = install_sources(engine, executor, JsonLog(os.path.join(work, "logs", "deliveries.log")))

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.rename(args.port_file + ".tmp", args.port_file)
    print(f"moto_local: serving on {endpoint}", flush=True)
    try:
        server.serve_forever()
    finally:
        executor.kill_all()
    print("moto_local: stopped", flush=True)
    os._exit(0)     # nothing left to write: skip the interpreter's seconds of teardown


if __name__ == "__main__":
    main()

"""Serve REST APIs over HTTP the way API Gateway does: Host API.execute-api.REGION.amazonaws.com,
path /STAGE/..., AWS_PROXY integrations to Lambda with the proxy event (payload 1.0), MOCK
integrations (CORS preflights) from their integration responses.

In:  a WSGI request whose Host is an execute-api host.
Out: the Lambda's proxy response as HTTP, or API Gateway's own answers:
     403 {"message":"Forbidden"}                    no such API or stage
     403 {"message":"Missing Authentication Token"} no route for the method and path
     500 {"message":"Internal server error"}        no AWS::Lambda::Permission lets
                                                     apigateway.amazonaws.com invoke the
                                                     function for this API/stage/method/path,
                                                     or an integration this harness lacks
     502 {"message":"Internal server error"}        the function failed or its answer
                                                     is not a proxy response
Holds: a stage serves its deployment's snapshot of routes (taken when the deployment
  was made), so a deployment made before its methods serves nothing, as on AWS.
  Every request is logged in WORK/logs/apigateway.log with the reason for an error.
"""
import base64
import json
import re
import time
import uuid
from urllib.parse import parse_qsl, unquote

HOST_RE = re.compile(r"^([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?::\d+)?$")
URI_RE = re.compile(r"^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/(.+)/invocations$")


class Router:
    def __init__(self, executor, log, account_id="123456789012"):
        self.executor = executor
        self.log = log
        self.account_id = account_id

    def wants(self, environ):
        return bool(HOST_RE.match(environ.get("HTTP_HOST", "").lower()))

    def __call__(self, environ, start_response):
        started = time.monotonic()
        status, headers, body, why = self.handle(environ)
        if isinstance(why, GatewayError) and why.responses:
            # the deployment's AWS::ApiGateway::GatewayResponse for this error (or DEFAULT_4XX/5XX)
            import providers_apigwv2
            status, headers, body = providers_apigwv2.apply_gateway_response(
                why.responses, why.kind, status, headers, body, environ)
        self.log("request", host=environ.get("HTTP_HOST"), method=environ.get("REQUEST_METHOD"),
                 path=environ.get("PATH_INFO"), status=status, reason=why,
                 ms=round((time.monotonic() - started) * 1000))
        start_response(f"{status} {STATUS_TEXT.get(status, 'Status')}", headers)
        return [body]

    def handle(self, environ):
        from moto.apigateway.models import apigateway_backends
        api_id, region = HOST_RE.match(environ["HTTP_HOST"].lower()).groups()
        backend = apigateway_backends[self.account_id][region]
        api = backend.apis.get(api_id)
        path = raw_path(environ)
        if api is None:
            from moto.apigatewayv2.models import apigatewayv2_backends
            http_api = apigatewayv2_backends[self.account_id][region].apis.get(api_id)
            if http_api is not None:
                import providers_apigwv2
                return providers_apigwv2.serve(self, environ, http_api, region, path)
        parts = path.split("/", 2)                 # '', stage, rest
        stage_name = unquote(parts[1]) if len(parts) > 1 else ""
        stage = api.stages.get(stage_name) if api else None
        if stage is None:
            return gateway(403, "Forbidden", f"no API {api_id} with a stage {stage_name!r}")
        deployment = api.deployments.get(stage.deployment_id)
        routes = getattr(deployment, "hitc_routes", None)
        if routes is None:
            return gateway(403, "Forbidden", f"the stage's deployment {stage.deployment_id} was not made "
                                             "through the local CloudFormation (no route snapshot)")
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        status, headers, body, why = self.route(environ, api_id, region, stage_name, routes, rest)
        if why is not None:
            why = GatewayError(why, getattr(why, "kind", None) or ("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"),
                               getattr(deployment, "hitc_gateway_responses", None))
        return status, headers, body, why

    def route(self, environ, api_id, region, stage_name, routes, rest):
        method = environ["REQUEST_METHOD"].upper()
        found = match(routes, rest, method)
        if found is None:
            return gateway(403, "Missing Authentication Token", Why(f"no route for {method} {rest}",
                                                                    "MISSING_AUTHENTICATION_TOKEN"))
        resource_path, params, integration = found
        if integration is not None and integration["type"] == "MOCK":
            return mock_response(integration)
        if integration is None or integration["type"] != "AWS_PROXY":
            return gateway(500, "Internal server error", "the harness serves AWS_PROXY and MOCK integrations only")
        uri = URI_RE.match(integration["uri"] or "")
        from moto.awslambda.models import lambda_backends
        try:
            fn = lambda_backends[self.account_id][region].get_function(uri.group(1)) if uri else None
        except Exception:
            fn = None
        if fn is None:
            return gateway(500, "Internal server error", f"integration URI names no function: {integration['uri']}")
        source_arns = [f"arn:aws:execute-api:{region}:{self.account_id}:{api_id}/{stage_name}/{method}{p}"
                       for p in (rest, resource_path)]
        if not allowed(fn, source_arns, self.account_id):
            return gateway(500, "Internal server error",
                           Why("Execution failed due to configuration error: Invalid permissions on Lambda "
                               f"function (no statement lets apigateway.amazonaws.com invoke it as {source_arns[0]})",
                               "API_CONFIGURATION_ERROR"))
        event = proxy_event(environ, api_id, stage_name, resource_path, rest, method, params,
                            self.account_id, found_resource_id(routes, resource_path))
        auth = integration.get("authorization") or {"type": "NONE"}
        if auth["type"] == "CUSTOM":
            refused, context = self.authorize(environ, api_id, region, stage_name, method, rest,
                                              auth["authorizer"], event)
            if refused:
                return refused
            event["requestContext"]["authorizer"] = context
        run = self.executor.invoke(fn, event)
        if run.error:
            return gateway(502, "Internal server error", f"Lambda function error: {run.error.get('errorType')}: "
                                                         f"{run.error.get('errorMessage')}")
        return proxy_response(run.payload)


    def authorize(self, environ, api_id, region, stage_name, method, rest, az, event):
        """A Lambda authorizer (TOKEN or REQUEST) run as API Gateway runs it:
        (refusal, None) or (None, requestContext.authorizer)."""
        from moto.awslambda.models import lambda_backends
        source = (az or {}).get("identity_source") or ""
        name = source.rsplit(".", 1)[-1] if source.startswith("method.request.header.") else None
        token = environ.get("HTTP_" + name.upper().replace("-", "_")) if name else None
        if az is None or not token:
            return gateway(401, "Unauthorized", Why("no token in " + (source or "?"), "UNAUTHORIZED")), None
        uri = URI_RE.match(az.get("uri") or "")
        try:
            fn = lambda_backends[self.account_id][region].get_function(uri.group(1)) if uri else None
        except Exception:
            fn = None
        arn = f"arn:aws:execute-api:{region}:{self.account_id}:{api_id}/authorizers/{az['id']}"
        if fn is None or not allowed(fn, [arn], self.account_id):
            return gateway(500, "Internal server error",
                           Why(f"the authorizer's function may not be invoked as {arn}",
                               "AUTHORIZER_CONFIGURATION_ERROR")), None
        method_arn = f"arn:aws:execute-api:{region}:{self.account_id}:{api_id}/{stage_name}/{method}{rest}"
        if az["type"] == "TOKEN":
            request = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
        else:
            request = dict(event, type="REQUEST", methodArn=method_arn)
        run = self.executor.invoke(fn, request)
        if run.error and run.error.get("errorMessage") == "Unauthorized":
            return gateway(401, "Unauthorized", Why("the authorizer said Unauthorized", "UNAUTHORIZED")), None
        answer = run.payload if not run.error else None
        if isinstance(answer, (str, bytes)):
            try:
                answer = json.loads(answer)
            except ValueError:
                answer = None
        policy = answer.get("policyDocument") if isinstance(answer, dict) else None
        if not isinstance(policy, dict):
            return gateway(500, "Internal server error",
                           Why(f"the authorizer failed or answered no policy: {run.error or answer}",
                               "AUTHORIZER_FAILURE")), None
        verdict = policy_verdict(policy, method_arn)
        if verdict != "Allow":
            text = "User is not authorized to access this resource" + \
                (" with an explicit deny" if verdict == "Deny" else "")
            status, headers, body, _ = gateway(403, text, None)
            body = json.dumps({"Message": text}, separators=(",", ":")).encode()
            headers = [(k, str(len(body)) if k == "Content-Length" else v) for k, v in headers]
            return (status, headers, body, Why(f"the policy does not allow {method_arn}", "ACCESS_DENIED")), None
        context = {"principalId": answer.get("principalId", "")}
        context.update(answer.get("context") or {})
        return None, context


def policy_verdict(policy, arn):
    """"Deny" when a Deny statement matches arn, else "Allow" when an Allow does, else None."""
    from fnmatch import fnmatchcase
    verdict = None
    statements = policy.get("Statement") or []
    for st in statements if isinstance(statements, list) else [statements]:
        actions = st.get("Action") or []
        resources = st.get("Resource") or []
        actions = actions if isinstance(actions, list) else [actions]
        resources = resources if isinstance(resources, list) else [resources]
        if not any(a in ("*", "execute-api:*", "execute-api:Invoke") for a in actions):
            continue
        if not any(fnmatchcase(arn, r) for r in resources):
            continue
        if st.get("Effect") == "Deny":
            return "Deny"
        if st.get("Effect") == "Allow":
            verdict = "Allow"
    return verdict


STATUS_TEXT = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
               400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 500: "Internal Server Error",
               502: "Bad Gateway"}


class Why(str):
    """A reason for an error answer, with API Gateway's response type for it."""

    def __new__(cls, text, kind=None):
        self = super().__new__(cls, text)
        self.kind = kind
        return self


class GatewayError(Why):
    """The reason, the response type, and the deployment's gateway responses (a snapshot)."""

    def __new__(cls, text, kind, responses):
        self = super().__new__(cls, text, kind)
        self.responses = responses
        return self


def gateway(status, message, why):
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                    ("x-amzn-ErrorType", "ForbiddenException" if status == 403 else "InternalServerErrorException")], body, why


def raw_path(environ):
    """The path as the client sent it (still percent-encoded), without the query."""
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if uri:
        return uri.split("?", 1)[0]
    return environ.get("PATH_INFO", "/")


def match(routes, path, method):
    """(resource path, path parameters, integration) of the best route, or None."""
    segments = [s for s in path.split("/") if s != ""] if path != "/" else []
    best = None
    for resource_path, route in routes.items():
        pattern = [s for s in resource_path.split("/") if s]
        params = match_segments(pattern, segments)
        if params is None:
            continue
        methods = route["methods"]
        integration = methods.get(method, methods.get("ANY", "missing"))
        if integration == "missing":
            continue
        rank = tuple(0 if not p.startswith("{") else (2 if p.endswith("+}") else 1) for p in pattern)
        if best is None or rank < best[0]:
            best = (rank, resource_path, params, integration)
    return None if best is None else best[1:]


def match_segments(pattern, segments):
    params = {}
    for i, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            if i >= len(segments):
                return None
            params[part[1:-2]] = unquote("/".join(segments[i:]))
            return params
        if i >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = unquote(segments[i])
        elif part != segments[i]:
            return None
    return params if len(pattern) == len(segments) else None


def found_resource_id(routes, resource_path):
    return routes[resource_path]["resource_id"]


def allowed(fn, source_arns, account_id):
    """Does the function's resource policy let API Gateway invoke it for one of these ARNs?"""
    from providers_events import permitted      # the one reading of a resource policy
    return any(permitted(fn, "apigateway.amazonaws.com", arn, account_id) for arn in source_arns)


def proxy_event(environ, api_id, stage, resource_path, path, method, params, account_id, resource_id):
    headers, multi = {}, {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = "-".join(w.capitalize() for w in key[5:].split("_"))
            headers[name] = value
            multi[name] = [value]
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
            multi[name] = [environ[key]]
    query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    single, multi_query = {}, {}
    for k, v in query:
        single[k] = v
        multi_query.setdefault(k, []).append(v)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body, is_b64 = (raw.decode("utf-8"), False) if raw else (None, False)
    except UnicodeDecodeError:
        body, is_b64 = base64.b64encode(raw).decode(), True
    now = time.time()
    return {
        "resource": resource_path, "path": path, "httpMethod": method,
        "headers": headers or None, "multiValueHeaders": multi or None,
        "queryStringParameters": single or None, "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": params or None, "stageVariables": None,
        "requestContext": {
            "resourceId": resource_id, "resourcePath": resource_path, "httpMethod": method,
            "extendedRequestId": uuid.uuid4().hex[:16], "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{stage}{path}", "accountId": account_id, "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "stage": stage, "domainPrefix": api_id, "requestTimeEpoch": int(now * 1000),
            "requestId": str(uuid.uuid4()), "domainName": environ.get("HTTP_HOST"), "apiId": api_id,
            "identity": {"sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                         "userAgent": environ.get("HTTP_USER_AGENT")},
        },
        "body": body, "isBase64Encoded": is_b64,
    }


def mock_response(integration):
    """A MOCK integration, as API Gateway answers it: the request template's
    statusCode selects the integration response whose SelectionPattern matches it
    (or the one without a pattern); its 'method.response.header.NAME' = "'literal'"
    parameters become headers, its application/json template the body."""
    template = (integration.get("request_templates") or {}).get("application/json") or "{}"
    try:
        code = str(json.loads(template).get("statusCode", 200))
    except (ValueError, AttributeError):
        return gateway(500, "Internal server error", f"MOCK request template is not JSON: {template!r}")
    chosen = None
    for r in integration.get("responses") or []:
        pattern = r.get("SelectionPattern")
        if pattern and re.fullmatch(pattern, code):
            chosen = r
            break
        if not pattern and chosen is None:
            chosen = r
    if chosen is None:
        return gateway(500, "Internal server error", f"no integration response of the MOCK for status {code}")
    headers = []
    for name, value in sorted((chosen.get("ResponseParameters") or {}).items()):
        if name.startswith("method.response.header.") and value.startswith("'") and value.endswith("'"):
            headers.append((name[len("method.response.header."):], value[1:-1]))
    body = ((chosen.get("ResponseTemplates") or {}).get("application/json") or "").encode()
    headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return int(chosen.get("StatusCode", 200)), headers, body, None


def proxy_response(payload):
    try:
        answer = json.loads(payload)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int) \
            or not isinstance(answer.get("headers", {}) or {}, dict) \
            or not isinstance(answer.get("body", ""), (str, type(None))):
        return gateway(502, "Internal server error", f"Malformed Lambda proxy response: {payload[:200]!r}")
    body = answer.get("body") or ""
    data = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    headers = [(k, str(v)) for k, v in (answer.get("headers") or {}).items()]
    for k, values in (answer.get("multiValueHeaders") or {}).items():
        headers += [(k, str(v)) for v in values]
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(data))))
    return answer["statusCode"], headers, data, None

"""API Gateway HTTP APIs (ApiGatewayV2) and REST gateway responses, made by the local
CloudFormation and served over HTTP as API Gateway serves them.

In:  AWS::ApiGatewayV2::Api (ProtocolType HTTP, CorsConfiguration), ::Integration
     (AWS_PROXY to a Lambda, PayloadFormatVersion), ::Route (RouteKey "GET /x/{name}",
     "ANY /{proxy+}", "$default"; Target "integrations/ID"), ::Stage ("$default" or a
     name, AutoDeploy); AWS::ApiGateway::GatewayResponse (REST).  At run time, HTTP
     requests whose Host is APIID.execute-api.REGION.amazonaws.com (apigw_http.Router
     hands HTTP APIs to serve()).
Out: moto's apigatewayv2 objects (so `aws apigatewayv2 get-apis` sees them); over HTTP,
     the function's answer under the payload 2.0 rules, or API Gateway's own:
       404 {"message":"Not Found"}               no stage, a stage that is not deployed
                                                 (AutoDeploy false), no route
       500 {"message":"Internal Server Error"}   no AWS::Lambda::Permission lets
                                                 apigateway.amazonaws.com invoke the function
                                                 for arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH,
                                                 the function failed, or its answer is malformed
     and CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) answered
     204 from the API's CorsConfiguration without calling any function; a route's JWT
     authorizer (or AWS_IAM) is run first (providers_apigwv2_auth.py): 401 or 403 without
     calling the function.
Holds: the URL of the $default stage is https://API.execute-api.REGION.amazonaws.com/PATH,
  of a named stage .../STAGE/PATH (rawPath then includes /STAGE, as on AWS).  Every
  request is logged in WORK/logs/apigateway.log.
"""
import base64
import json
import re
import time
import uuid
from urllib.parse import parse_qsl, unquote

import providers_apigwv2_auth
from cfn_providers import REPLACE, Failure, Made, api_call

ACCOUNT = "123456789012"
ROUTE_KEY_RE = re.compile(r"^(\$default|(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (/|(/([A-Za-z0-9._~:@!$&'()*+,;=-]+|\{[A-Za-z0-9_]+\}|\{[A-Za-z0-9_]+\+\}))+))$")


def v2(ctx_or_region):
    from moto.apigatewayv2.models import apigatewayv2_backends
    region = getattr(ctx_or_region, "region", ctx_or_region)
    return apigatewayv2_backends[ACCOUNT][region]


def require(lid, props, *keys):
    for key in keys:
        if props.get(key) in (None, ""):
            raise Failure(f"Properties validation failed for resource {lid} with message: "
                          f"#: required key [{key}] not found")


class HttpApiProvider:
    def create(self, ctx, lid, props):
        if props.get("Body") or props.get("BodyS3Location"):
            raise Failure("the local harness does not import OpenAPI bodies; declare Routes and Integrations")
        if props.get("Target") or props.get("RouteKey"):
            raise Failure("the local harness does not model quick create (Target/RouteKey on the Api)")
        require(lid, props, "Name", "ProtocolType")
        if props["ProtocolType"] != "HTTP":
            raise Failure(f"the local harness serves ProtocolType HTTP only, not {props['ProtocolType']}")
        api = api_call(v2(ctx).create_api, api_key_selection_expression=None,
                       cors_configuration=props.get("CorsConfiguration"), description=props.get("Description"),
                       disable_schema_validation=None,
                       disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
                       name=props["Name"], protocol_type="HTTP", route_selection_expression=None,
                       tags=props.get("Tags") or {}, version=props.get("Version"))
        return Made(api.api_id, {"ApiEndpoint": api.api_endpoint, "ApiId": api.api_id}, api)

    def update(self, ctx, lid, made, old_props, new_props):
        if new_props.get("ProtocolType") != old_props.get("ProtocolType"):
            return REPLACE
        api = made.handle
        api.name = new_props.get("Name", api.name)
        api.description = new_props.get("Description")
        api.cors_configuration = new_props.get("CorsConfiguration")
        return made

    def delete(self, ctx, lid, made, props):
        v2(ctx).delete_api(made.physical_id)


def api_of(ctx, lid, props):
    require(lid, props, "ApiId")
    try:
        return v2(ctx).get_api(props["ApiId"])
    except Exception:
        raise Failure(f"Invalid API identifier specified {ACCOUNT}:{props['ApiId']} "
                      "(Service: AmazonApiGatewayV2, Status Code: 404)") from None


class IntegrationProvider:
    def create(self, ctx, lid, props):
        api = api_of(ctx, lid, props)
        require(lid, props, "IntegrationType")
        kind = props["IntegrationType"]
        if kind == "AWS_PROXY":
            require(lid, props, "IntegrationUri")
            if props.get("PayloadFormatVersion") not in ("1.0", "2.0"):
                raise Failure("PayloadFormatVersion is required for an AWS_PROXY integration of an HTTP API "
                              "and must be 1.0 or 2.0 (Service: AmazonApiGatewayV2, Status Code: 400)")
        integration = api_call(api.create_integration, connection_type=props.get("ConnectionType"),
                               description=props.get("Description"),
                               integration_method=props.get("IntegrationMethod"),
                               integration_type=kind, integration_uri=props.get("IntegrationUri"),
                               payload_format_version=props.get("PayloadFormatVersion"),
                               timeout_in_millis=props.get("TimeoutInMillis"))
        return Made(integration.id, {}, (api, integration))

    def update(self, ctx, lid, made, old_props, new_props):
        if old_props.get("ApiId") != new_props.get("ApiId"):
            return REPLACE
        self.delete(ctx, lid, made, old_props)
        new = self.create(ctx, lid, new_props)
        api, integration = new.handle
        api.integrations.pop(integration.id)
        integration.id = made.physical_id
        api.integrations[integration.id] = integration
        return Made(made.physical_id, {}, (api, integration))

    def delete(self, ctx, lid, made, props):
        api, integration = made.handle
        api.integrations.pop(integration.id, None)


class RouteProvider:
    def create(self, ctx, lid, props):
        api = api_of(ctx, lid, props)
        require(lid, props, "RouteKey")
        key = props["RouteKey"]
        if not ROUTE_KEY_RE.match(key):
            raise Failure(f"Invalid route key {key!r}: use \"$default\" or \"METHOD /path\" "
                          "(Service: AmazonApiGatewayV2, Status Code: 400)")
        if any(r.route_key == key for r in api.routes.values()):
            raise Failure(f"Route with key {key} already exists for this API "
                          "(Service: AmazonApiGatewayV2, Status Code: 409)")
        target = props.get("Target")
        if target:
            m = re.match(r"^integrations/([a-z0-9]+)$", target)
            if not m or m.group(1) not in api.integrations:
                raise Failure(f"Invalid integration id specified in target {target!r} "
                              "(Service: AmazonApiGatewayV2, Status Code: 400)")
        route = api_call(api.create_route, api_key_required=False, route_key=key, target=target,
                         **providers_apigwv2_auth.check_route(api, props))
        return Made(route.route_id, {}, (api, route))

    def update(self, ctx, lid, made, old_props, new_props):
        if old_props.get("ApiId") != new_props.get("ApiId"):
            return REPLACE
        api, route = made.handle
        api.routes.pop(route.route_id, None)
        try:
            new = self.create(ctx, lid, new_props)
        except Failure:
            api.routes[route.route_id] = route
            raise
        return new

    def delete(self, ctx, lid, made, props):
        api, route = made.handle
        api.routes.pop(route.route_id, None)


class HttpStageProvider:
    def create(self, ctx, lid, props):
        api = api_of(ctx, lid, props)
        require(lid, props, "StageName")
        name = props["StageName"]
        if name in api.stages:
            raise Failure(f"Stage already exists: {name} (Service: AmazonApiGatewayV2, Status Code: 409)")
        stage = api_call(api.create_stage, {"stageName": name, "autoDeploy": props.get("AutoDeploy") in (True, "true"),
                                            "stageVariables": props.get("StageVariables") or {},
                                            "description": props.get("Description")})
        return Made(name, {}, (api, stage))

    def update(self, ctx, lid, made, old_props, new_props):
        if (old_props.get("ApiId"), old_props.get("StageName")) != (new_props.get("ApiId"), new_props.get("StageName")):
            return REPLACE
        api, stage = made.handle
        stage.auto_deploy = new_props.get("AutoDeploy") in (True, "true")
        stage.stage_variables = new_props.get("StageVariables") or {}
        return made

    def delete(self, ctx, lid, made, props):
        api, stage = made.handle
        api.stages.pop(stage.name, None)


# --- REST gateway responses -----------------------------------------------------------

GATEWAY_RESPONSE_TYPES = {
    "ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "AUTHORIZER_FAILURE",
    "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX", "EXPIRED_TOKEN",
    "INVALID_SIGNATURE", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_API_KEY",
    "MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND",
    "THROTTLED", "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED"}


class GatewayResponseProvider:
    """AWS::ApiGateway::GatewayResponse: takes effect in the next Deployment (its snapshot)."""

    def create(self, ctx, lid, props):
        require(lid, props, "RestApiId", "ResponseType")
        if props["ResponseType"] not in GATEWAY_RESPONSE_TYPES:
            raise Failure(f"Invalid ResponseType {props['ResponseType']!r} (Service: ApiGateway, Status Code: 400)")
        for name, value in (props.get("ResponseParameters") or {}).items():
            if not re.match(r"^gatewayresponse\.(header|querystring|path)\.[^.]+$", name):
                raise Failure(f"Invalid mapping expression specified: Validation Result: warnings : [], "
                              f"errors : [Invalid mapping expression specified: {name}] "
                              "(Service: ApiGateway, Status Code: 400)")
            if not isinstance(value, str) or not (re.match(r"^'.*'$", value, re.S) or value.startswith("method.request.")):
                raise Failure(f"Invalid mapping expression specified: Validation Result: warnings : [], "
                              f"errors : [Invalid mapping expression parameter specified: {value}] "
                              "(Service: ApiGateway, Status Code: 400)")
        from cfn_providers import apigw
        api_call(apigw(ctx).put_gateway_response, props["RestApiId"], props["ResponseType"],
                 props.get("StatusCode"), props.get("ResponseParameters") or {},
                 props.get("ResponseTemplates") or {})
        physical = f"{props['RestApiId']}-{props['ResponseType']}"
        return Made(physical, {}, (props["RestApiId"], props["ResponseType"]))

    def update(self, ctx, lid, made, old_props, new_props):
        if (old_props.get("RestApiId"), old_props.get("ResponseType")) != \
                (new_props.get("RestApiId"), new_props.get("ResponseType")):
            return REPLACE
        self.create(ctx, lid, new_props)
        return made

    def delete(self, ctx, lid, made, props):
        from cfn_providers import apigw
        try:
            apigw(ctx).delete_gateway_response(*made.handle)
        except Exception:
            pass


def snapshot_gateway_responses(api):
    """What a deployment serves of the API's gateway responses, frozen now."""
    return {kind: {"status": r.status_code, "parameters": dict(r.response_parameters or {}),
                   "templates": dict(r.response_templates or {})}
            for kind, r in getattr(api, "gateway_responses", {}).items()}


def apply_gateway_response(snapshot, kind, status, headers, body, environ):
    """A REST error answer with the deployment's gateway response for KIND (or DEFAULT_4XX/5XX)."""
    fallback = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    chosen = (snapshot or {}).get(kind) or (snapshot or {}).get(fallback)
    if not chosen:
        return status, headers, body
    if chosen["status"]:
        status = int(chosen["status"])
    headers = list(headers)
    for name, value in chosen["parameters"].items():
        where, _, header = name.split(".", 2)
        if where != "gatewayresponse" or not name.startswith("gatewayresponse.header."):
            continue
        if value.startswith("'") and value.endswith("'"):
            text = value[1:-1]
        else:
            text = environ.get("HTTP_" + value.rsplit(".", 1)[-1].upper().replace("-", "_"), "")
        headers = [(k, v) for k, v in headers if k.lower() != header.lower()] + [(header, text)]
    template = chosen["templates"].get("application/json")
    if template is not None:
        message = json.loads(body).get("message", "")
        text = template.replace("$context.error.messageString", json.dumps(message)) \
                       .replace("$context.error.message", message)
        body = text.encode()
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
    return status, headers, body


# --- serving an HTTP API -----------------------------------------------------------------

def message(status, text, why):
    body = json.dumps({"message": text}, separators=(",", ":")).encode()
    return status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body, why


def header(environ, name):
    return environ.get("HTTP_" + name.upper().replace("-", "_"))


def cors_headers(cors, environ, preflight):
    """The CORS headers API Gateway adds from CorsConfiguration, or [] for an origin it does not allow."""
    origin = header(environ, "Origin")
    if not cors or not origin:
        return []
    origins = cors.get("AllowOrigins") or []
    if "*" not in origins and origin not in origins:
        return []
    out = [("Access-Control-Allow-Origin", "*" if "*" in origins and not cors.get("AllowCredentials") else origin)]
    if str(cors.get("AllowCredentials")).lower() == "true":
        out.append(("Access-Control-Allow-Credentials", "true"))
    if preflight:
        want = (header(environ, "Access-Control-Request-Method") or "").upper()
        methods = [m.upper() for m in cors.get("AllowMethods") or []]
        if "*" not in methods and want not in methods:
            return []
        out.append(("Access-Control-Allow-Methods", ",".join(methods) if methods else want))
        if cors.get("AllowHeaders"):
            out.append(("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"]).lower()))
        if cors.get("MaxAge") is not None:
            out.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    elif cors.get("ExposeHeaders"):
        out.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"]).lower()))
    return out


def serve(router, environ, api, region, raw_path):
    """One request to an HTTP API: (status, headers, body, why)."""
    import apigw_http
    segments = raw_path.split("/")
    first = unquote(segments[1]) if len(segments) > 1 else ""
    if first and first != "$default" and first in api.stages:
        stage_name, rest = first, "/" + "/".join(segments[2:])
    elif "$default" in api.stages:
        stage_name, rest = "$default", raw_path or "/"
    else:
        return message(404, "Not Found", f"no stage {first!r} on HTTP API {api.api_id}")
    stage = api.stages[stage_name]
    if not stage.auto_deploy:
        return message(404, "Not Found", f"stage {stage_name} is not deployed (AutoDeploy is false and the "
                                         "harness models no AWS::ApiGatewayV2::Deployment)")
    method = environ["REQUEST_METHOD"].upper()
    cors = api.cors_configuration
    if cors and method == "OPTIONS" and header(environ, "Origin") and header(environ, "Access-Control-Request-Method"):
        return 204, cors_headers(cors, environ, True) + [("Content-Length", "0")], b"", None
    routes, default = {}, None
    for route in api.routes.values():
        if route.route_key == "$default":
            default = route
            continue
        verb, path = route.route_key.split(" ", 1)
        routes.setdefault(path, {"resource_id": route.route_id, "methods": {}})["methods"][verb] = route
    found = apigw_http.match(routes, rest, method)
    if found is not None:
        route_path, params, route = found
    elif default is not None:
        route_path, params, route = None, {}, default
    else:
        return message(404, "Not Found", f"no route for {method} {rest}")
    refused, authorizer = providers_apigwv2_auth.authorize(environ, api, route)
    if refused:                         # CorsConfiguration's origin is on these too
        status, headers, body, why = refused
        return status, headers + cors_headers(cors, environ, False), body, why
    target = re.match(r"^integrations/([a-z0-9]+)$", route.target or "")
    integration = api.integrations.get(target.group(1)) if target else None
    if integration is None or integration.integration_type != "AWS_PROXY":
        return message(500, "Internal Server Error", f"route {route.route_key} has no AWS_PROXY integration")
    if integration.payload_format_version != "2.0":
        return message(500, "Internal Server Error", "the harness serves payload format 2.0 only")
    uri = integration.integration_uri or ""
    m = apigw_http.URI_RE.match(uri)
    fn_arn = m.group(1) if m else uri
    from moto.awslambda.models import lambda_backends
    try:
        fn = lambda_backends[ACCOUNT][region].get_function(fn_arn)
    except Exception:
        return message(500, "Internal Server Error", f"integration names no function: {uri}")
    base = f"arn:aws:execute-api:{region}:{ACCOUNT}:{api.api_id}/{stage_name}"
    arns = [f"{base}/$default"] if route_path is None else [f"{base}/{method}{rest}", f"{base}/{method}{route_path}"]
    if not apigw_http.allowed(fn, arns, ACCOUNT):
        return message(500, "Internal Server Error",
                       f"no AWS::Lambda::Permission lets apigateway.amazonaws.com invoke {fn.function_name} "
                       f"as {arns[0]}")
    event = event_v2(environ, api, stage_name, route.route_key, raw_path, params)
    if authorizer:
        event["requestContext"]["authorizer"] = authorizer
    run = router.executor.invoke(fn, event)
    if run.error:
        return message(500, "Internal Server Error", f"Lambda function error: {run.error.get('errorType')}: "
                                                     f"{run.error.get('errorMessage')}")
    status, headers, body, why = response_v2(run.payload)
    if why is None:
        names = {k.lower() for k, _ in headers}
        headers += [h for h in cors_headers(cors, environ, False) if h[0].lower() not in names]
    return status, headers, body, why


def event_v2(environ, api, stage, route_key, raw_path, params):
    headers, cookies = {}, []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].lower().replace("_", "-")
            if name == "cookie":
                cookies += [c.strip() for c in value.split(";") if c.strip()]
                continue
            headers[name] = f"{headers[name]},{value}" if name in headers else value
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        if environ.get(key):
            headers[name] = environ[key]
    query = environ.get("QUERY_STRING", "")
    single = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        single[k] = f"{single[k]},{v}" if k in single else v
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    now = time.time()
    event = {
        "version": "2.0", "routeKey": route_key, "rawPath": raw_path, "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT, "apiId": api.api_id, "domainName": environ.get("HTTP_HOST"),
            "domainPrefix": api.api_id,
            "http": {"method": environ["REQUEST_METHOD"].upper(), "path": raw_path,
                     "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                     "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                     "userAgent": environ.get("HTTP_USER_AGENT", "")},
            "requestId": base64.b32encode(uuid.uuid4().bytes)[:16].decode(), "routeKey": route_key,
            "stage": stage, "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000)},
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if single:
        event["queryStringParameters"] = single
    if params:
        event["pathParameters"] = params
    stage_vars = api.stages[stage].stage_variables
    if stage_vars:
        event["stageVariables"] = stage_vars
    if raw:
        try:
            event["body"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    return event


def response_v2(payload):
    """The payload 2.0 response rules: (status, headers, body, why-if-malformed)."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return message(500, "Internal Server Error", f"the function's answer is not JSON: {payload[:200]!r}")
    if not (isinstance(answer, dict) and "statusCode" in answer):
        data = answer.encode() if isinstance(answer, str) else payload
        return 200, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))], data, None
    status = answer.get("statusCode")
    if not isinstance(status, int) or not isinstance(answer.get("headers") or {}, dict) \
            or not isinstance(answer.get("body", ""), (str, type(None))):
        return message(500, "Internal Server Error", f"Malformed Lambda proxy response: {payload[:200]!r}")
    body = answer.get("body") or ""
    data = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    headers = [(k, str(v)) for k, v in (answer.get("headers") or {}).items() if k.lower() != "content-length"]
    headers += [("Set-Cookie", c) for c in answer.get("cookies") or []]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    headers.append(("Content-Length", str(len(data))))
    return status, headers, data, None


def providers():
    return {"AWS::ApiGatewayV2::Api": HttpApiProvider(), "AWS::ApiGatewayV2::Integration": IntegrationProvider(),
            "AWS::ApiGatewayV2::Route": RouteProvider(), "AWS::ApiGatewayV2::Stage": HttpStageProvider(),
            "AWS::ApiGateway::GatewayResponse": GatewayResponseProvider(),
            **providers_apigwv2_auth.providers()}

"""How the local CloudFormation engine makes, changes and removes each resource type.

In:  a resource's resolved properties (every intrinsic already replaced).
Out: a Made: its physical id, its attributes (Fn::GetAtt) and a handle to the moto
     object; update() returns a Made (same physical id: changed in place; another:
     a replacement, whose old object the engine deletes in the cleanup phase) or
     REPLACE (the engine then makes a new one and deletes the old one in cleanup).
Holds: a failure is a Failure whose message is what CloudFormation would put in the
  resource's event.  Types written here (API Gateway, Lambda permissions, functions,
  custom resources) use moto's service backends directly; any other type goes
  through moto's own CloudFormation model for it (MotoProvider).
"""
import copy
import json
import random
import re
import string
import threading
import time

REPLACE = object()

# The harness's clock: seconds it skipped of waits in which nothing could happen
# (CustomProvider.answer); cfn_engine stamps events that much later, so their
# times read as CloudFormation's would.
_skipped = [0.0]
_skipped_lock = threading.Lock()


def skip_clock(seconds):
    with _skipped_lock:
        _skipped[0] += max(0.0, seconds)


def skipped_seconds():
    with _skipped_lock:
        return _skipped[0]


class Failure(Exception):
    """A resource operation failed; str() is the reason CloudFormation shows."""


class Made:
    def __init__(self, physical_id, attrs=None, handle=None, replaced_already=False):
        self.physical_id = physical_id
        self.attrs = attrs if attrs is not None else {}   # dict, or callable(name)
        self.handle = handle
        self.replaced_already = replaced_already            # moto deleted the old one itself


def physical_name(stack_name, logical_id, limit=64):
    """A name the way CloudFormation makes one: STACK-LOGICALID-RANDOM."""
    suffix = "".join(random.choice(string.ascii_uppercase + string.digits) for _ in range(12))
    head = f"{stack_name}-{logical_id}"
    return f"{head[:limit - len(suffix) - 1]}-{suffix}"


def only_tags_changed(old, new):
    strip = lambda props: {k: v for k, v in props.items() if k != "Tags"}
    return strip(old) == strip(new)


# --- any type moto models ----------------------------------------------------

class MotoProvider:
    """A type through moto's CloudFormation model (create/update/delete_from_cloudformation_json)."""

    NAME_LIMITS = {"AWS::IAM::Role": 64, "AWS::Lambda::Function": 64, "AWS::SQS::Queue": 80,
                   "AWS::SNS::Topic": 256, "AWS::DynamoDB::Table": 255, "AWS::Logs::LogGroup": 512}

    def __init__(self, rtype):
        from moto.cloudformation.parsing import get_model_map
        self.rtype = rtype
        self.model = get_model_map().get(rtype)

    def implemented(self, method):
        f = getattr(self.model, method, None)
        return f is not None and not getattr(f, "__isabstractmethod__", False)

    def create(self, ctx, lid, props):
        if self.model is None:
            raise Failure(f"the local CloudFormation cannot make {self.rtype}: moto has no model "
                          "for it (add a provider to tests/e2e/cfn_providers.py)")
        name_prop = self.model.cloudformation_name_type() if self.implemented("cloudformation_name_type") else ""
        name = props.get(name_prop) if name_prop and props.get(name_prop) else \
            physical_name(ctx.stack_name, lid, self.NAME_LIMITS.get(self.rtype, 128))
        try:
            obj = self.model.create_from_cloudformation_json(
                name, {"Type": self.rtype, "Properties": copy.deepcopy(props)},
                ctx.account_id, ctx.region, LogicalId=lid, StackId=ctx.stack_id, ResourceType=self.rtype)
        except Exception as err:
            raise Failure(error_text(err)) from None
        return self.made(obj, name)

    def made(self, obj, name):
        physical = getattr(obj, "physical_resource_id", None) or name

        def attrs(attr):
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
            try:
                return obj.get_cfn_attribute(attr)
            except (UnformattedGetAttTemplateException, NotImplementedError):
                raise Failure(f"Template error: resource type {self.rtype} does not support "
                              f"attribute type {attr} in Fn::GetAtt") from None
        return Made(physical, attrs, obj)

    def update(self, ctx, lid, made, old_props, new_props):
        if only_tags_changed(old_props, new_props):
            return made
        if not self.implemented("update_from_cloudformation_json"):
            return REPLACE
        try:
            obj = self.model.update_from_cloudformation_json(
                original_resource=made.handle, new_resource_name=made.physical_id,
                cloudformation_json={"Type": self.rtype, "Properties": copy.deepcopy(new_props)},
                account_id=ctx.account_id, region_name=ctx.region)
        except Exception as err:
            raise Failure(error_text(err)) from None
        new = self.made(obj, made.physical_id)
        new.replaced_already = new.physical_id != made.physical_id
        return new

    def delete(self, ctx, lid, made, props):
        obj = made.handle
        try:
            if hasattr(obj, "delete"):
                obj.delete(ctx.account_id, ctx.region)
            elif self.implemented("delete_from_cloudformation_json"):
                self.model.delete_from_cloudformation_json(
                    made.physical_id, {"Type": self.rtype, "Properties": props}, ctx.account_id, ctx.region)
        except Exception as err:
            if "not found" in str(err).lower() or "does not exist" in str(err).lower():
                return
            raise Failure(error_text(err)) from None


def error_text(err):
    message = getattr(err, "message", None) or str(err)
    code = getattr(err, "code", None) or getattr(err, "error_type", None)
    if isinstance(err, ValueError) and len(err.args) == 2:
        code, message = err.args
    return f"{message} (Service: {code})" if code and isinstance(code, str) else message


# --- Lambda --------------------------------------------------------------------

class FunctionProvider(MotoProvider):
    """AWS::Lambda::Function: moto's model, plus LoggingConfig (where the executor logs)."""

    def __init__(self):
        super().__init__("AWS::Lambda::Function")

    def create(self, ctx, lid, props):
        for key in ("Role", "Code"):
            if key not in props:
                raise Failure(f"Properties validation failed for resource {lid} with message: "
                              f"#: required key [{key}] not found")
        made = super().create(ctx, lid, props)
        made.handle.hitc_log_group = (props.get("LoggingConfig") or {}).get("LogGroup")
        return made

    def update(self, ctx, lid, made, old_props, new_props):
        if new_props.get("FunctionName", made.physical_id) != made.physical_id and "FunctionName" in new_props:
            return REPLACE
        new = super().update(ctx, lid, made, old_props, new_props)
        if new is not REPLACE:
            new.handle.hitc_log_group = (new_props.get("LoggingConfig") or {}).get("LogGroup")
        return new


class TableProvider(MotoProvider):
    """AWS::DynamoDB::Table: moto's model for create and delete; updates in place what
    DynamoDB updates in place (indexes, billing, throughput, stream, TTL, tags), as
    CloudFormation does, and replaces the table only for a new key, name or LSI."""

    REPLACING = ("KeySchema", "TableName", "LocalSecondaryIndexes")

    def __init__(self):
        super().__init__("AWS::DynamoDB::Table")

    def backend(self, ctx):
        from moto.dynamodb.models import dynamodb_backends
        return dynamodb_backends[ctx.account_id][ctx.region]

    def create(self, ctx, lid, props):
        made = super().create(ctx, lid, props)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            api_call(self.backend(ctx).update_time_to_live, made.physical_id, ttl)
        return made

    def update(self, ctx, lid, made, old_props, new_props):
        if any(old_props.get(k) != new_props.get(k) for k in self.REPLACING):
            return REPLACE
        backend, name = self.backend(ctx), made.physical_id
        old_gsi = {g["IndexName"]: g for g in old_props.get("GlobalSecondaryIndexes", [])}
        new_gsi = {g["IndexName"]: g for g in new_props.get("GlobalSecondaryIndexes", [])}
        changes = [{"Delete": {"IndexName": n}} for n in old_gsi if n not in new_gsi or old_gsi[n] != new_gsi[n]]
        changes += [{"Create": g} for n, g in new_gsi.items() if n not in old_gsi or old_gsi[n] != g]
        stream_old, stream_new = old_props.get("StreamSpecification"), new_props.get("StreamSpecification")
        if stream_old != stream_new and stream_old:
            api_call(backend.update_table_streams, backend.get_table(name), {"StreamEnabled": False})
        api_call(backend.update_table, name=name, attr_definitions=new_props.get("AttributeDefinitions"),
                 global_index=changes, throughput=new_props.get("ProvisionedThroughput"),
                 billing_mode=new_props.get("BillingMode", "PROVISIONED"),
                 stream_spec=dict(stream_new, StreamEnabled=True) if stream_new and stream_new != stream_old else None,
                 deletion_protection_enabled=new_props.get("DeletionProtectionEnabled"),
                 warm_throughput=None)
        if old_props.get("TimeToLiveSpecification") != new_props.get("TimeToLiveSpecification"):
            api_call(backend.update_time_to_live, name,
                     new_props.get("TimeToLiveSpecification")
                     or dict(old_props["TimeToLiveSpecification"], Enabled=False))
        return made


class PermissionProvider:
    """AWS::Lambda::Permission: one statement in the function's resource policy."""

    def function(self, ctx, name):
        from moto.awslambda.models import lambda_backends
        try:
            return lambda_backends[ctx.account_id][ctx.region].get_function(name)
        except Exception:
            raise Failure(f"Function not found: {name} (Service: Lambda, Status Code: 404)") from None

    def create(self, ctx, lid, props):
        fn = self.function(ctx, props.get("FunctionName", ""))
        sid = physical_name(ctx.stack_name, lid, 100)
        statement = {"StatementId": sid, "Action": props.get("Action"), "Principal": props.get("Principal")}
        for key in ("SourceArn", "SourceAccount"):
            if key in props:
                statement[key] = props[key]
        fn.policy.add_statement(json.dumps(statement))
        return Made(sid, {}, fn.function_arn)

    def update(self, ctx, lid, made, old_props, new_props):
        return REPLACE

    def delete(self, ctx, lid, made, props):
        from moto.awslambda.models import lambda_backends
        try:
            fn = lambda_backends[ctx.account_id][ctx.region].get_function(made.handle)
            fn.policy.del_statement(made.physical_id)
        except Exception:
            pass                            # the function or the statement is gone already


# --- API Gateway (REST) -------------------------------------------------------

def apigw(ctx):
    from moto.apigateway.models import apigateway_backends
    return apigateway_backends[ctx.account_id][ctx.region]


def api_call(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except Exception as err:
        raise Failure(error_text(err)) from None


class RestApiProvider:
    def create(self, ctx, lid, props):
        if "Name" not in props and "Body" not in props:
            raise Failure("Properties validation failed: Name is required when Body is not given")
        api = api_call(apigw(ctx).create_rest_api, name=props.get("Name", lid),
                       description=props.get("Description", ""),
                       endpoint_configuration=props.get("EndpointConfiguration"),
                       tags=props.get("Tags"))
        root = [r.id for r in api.resources.values() if r.path_part == "/" and not r.parent_id][0]
        return Made(api.id, {"RootResourceId": root, "RestApiId": api.id}, api)

    def update(self, ctx, lid, made, old_props, new_props):
        made.handle.name = new_props.get("Name", made.handle.name)
        made.handle.description = new_props.get("Description", "")
        return made

    def delete(self, ctx, lid, made, props):
        apigw(ctx).apis.pop(made.physical_id, None)


class ResourceProvider:
    def create(self, ctx, lid, props):
        api = props["RestApiId"]
        api_call(apigw(ctx).get_resource, api, props["ParentId"])      # the parent must exist
        taken = api_call(apigw(ctx).get_rest_api, api).resources.values()
        if any(r.parent_id == props["ParentId"] and r.path_part == props["PathPart"] for r in taken):
            # API Gateway takes one path part per parent (a second one made before the
            # first is deleted, as CloudFormation orders it, fails so)
            raise Failure(f"Another resource with the same parent already has this name: "
                          f"{props['PathPart']} (Service: ApiGateway, Status Code: 409; "
                          "Error Code: ConflictException)")
        res = api_call(apigw(ctx).create_resource, function_id=api,
                       parent_resource_id=props["ParentId"], path_part=props["PathPart"])
        return Made(res.id, {"ResourceId": res.id}, (api, res.id))

    def update(self, ctx, lid, made, old_props, new_props):
        return REPLACE

    def delete(self, ctx, lid, made, props):
        api, rid = made.handle
        try:
            apigw(ctx).delete_resource(api, rid)
        except Exception:
            pass


class MethodProvider:
    def create(self, ctx, lid, props):
        backend = apigw(ctx)
        api, rid, verb = props["RestApiId"], props["ResourceId"], props["HttpMethod"].upper()
        if verb in (api_call(backend.get_resource, api, rid).resource_methods or {}):
            # one method per resource and verb, as API Gateway has it
            raise Failure("Method already exists for this resource (Service: ApiGateway, "
                          "Status Code: 409; Error Code: ConflictException)")
        api_call(backend.put_method, function_id=api, resource_id=rid, method_type=verb,
                 authorization_type=props.get("AuthorizationType", "NONE"),
                 api_key_required=props.get("ApiKeyRequired"),
                 request_parameters=props.get("RequestParameters"),
                 operation_name=props.get("OperationName"),
                 authorizer_id=props.get("AuthorizerId"))
        integration = props.get("Integration")
        if integration:
            kind = integration.get("Type")
            if kind in ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY") and not integration.get("IntegrationHttpMethod"):
                raise Failure("Enumeration value for HttpMethod must be non-empty (Service: ApiGateway, "
                              "Status Code: 400)")
            api_call(backend.put_integration, function_id=api, resource_id=rid, method_type=verb,
                     integration_type=kind, uri=integration.get("Uri"),
                     integration_method=integration.get("IntegrationHttpMethod"),
                     credentials=integration.get("Credentials"),
                     request_templates=integration.get("RequestTemplates"),
                     passthrough_behavior=integration.get("PassthroughBehavior"),
                     timeout_in_millis=integration.get("TimeoutInMillis"),
                     request_parameters=integration.get("RequestParameters"),
                     content_handling=integration.get("ContentHandling"))
            # MOCK integrations (a CORS preflight) answer from these (apigw_http.py)
            backend.get_integration(api, rid, verb).hitc_responses = \
                integration.get("IntegrationResponses") or []
        return Made(physical_name(ctx.stack_name, lid, 64), {}, (api, rid, verb))

    def update(self, ctx, lid, made, old_props, new_props):
        if (old_props.get("RestApiId"), old_props.get("ResourceId")) != \
                (new_props.get("RestApiId"), new_props.get("ResourceId")):
            return REPLACE
        self.delete(ctx, lid, made, old_props)
        new = self.create(ctx, lid, new_props)
        return Made(made.physical_id, {}, new.handle)

    def delete(self, ctx, lid, made, props):
        api, rid, verb = made.handle
        try:
            apigw(ctx).delete_method(api, rid, verb)
        except Exception:
            pass


def snapshot_authorization(api, method):
    """A method's AuthorizationType and, for CUSTOM, its authorizer as it is now."""
    az_id = getattr(method, "authorizer_id", None)
    az = api.authorizers.get(az_id) if az_id else None
    return {"type": getattr(method, "authorization_type", None) or "NONE",
            "authorizer": None if az is None else {
                "id": az.id, "type": az.type, "uri": az.authorizer_uri,
                "identity_source": az.identity_source}}


def snapshot_routes(api):
    """What a deployment serves: {resource path: {METHOD: integration}}, frozen now."""
    routes = {}
    for res in api.resources.values():
        methods = {}
        for verb, method in res.resource_methods.items():
            integration = method.method_integration
            methods[verb] = None if integration is None else {
                "type": integration.integration_type, "uri": integration.uri,
                "http_method": integration.http_method,
                "request_templates": integration.request_templates or {},
                "responses": getattr(integration, "hitc_responses", []),
                "authorization": snapshot_authorization(api, method)}
        if methods:
            routes[res.get_path()] = {"resource_id": res.id, "methods": methods}
    return routes


class AuthorizerProvider:
    """AWS::ApiGateway::Authorizer: moto's model; a method names it by its ID, and a
    deployment's snapshot takes it (apigw_http.py runs TOKEN and REQUEST ones)."""

    def create(self, ctx, lid, props):
        for key in ("Name", "RestApiId", "Type"):
            if key not in props:
                raise Failure(f"Properties validation failed: {key} is required")
        if props["Type"] in ("TOKEN", "REQUEST") and not props.get("AuthorizerUri"):
            raise Failure("Invalid Authorizer URI (Service: ApiGateway, Status Code: 400)")
        az = api_call(apigw(ctx).create_authorizer, props["RestApiId"], props["Name"], props["Type"],
                      authorizer_uri=props.get("AuthorizerUri"),
                      identity_source=props.get("IdentitySource"),
                      authorizer_result_ttl=props.get("AuthorizerResultTtlInSeconds"))
        return Made(az.id, {"AuthorizerId": az.id}, (props["RestApiId"], az.id))

    def update(self, ctx, lid, made, old_props, new_props):
        return REPLACE

    def delete(self, ctx, lid, made, props):
        api, az_id = made.handle
        try:
            apigw(ctx).delete_authorizer(api, az_id)
        except Exception:
            pass


class DeploymentProvider:
    def create(self, ctx, lid, props):
        backend = apigw(ctx)
        api = props["RestApiId"]
        if props.get("StageName"):
            raise Failure("the local harness does not model Deployment.StageName; "
                          "use an AWS::ApiGateway::Stage")
        deployment = api_call(backend.create_deployment, function_id=api, name=None,
                              description=props.get("Description", ""))
        deployment.hitc_routes = snapshot_routes(backend.get_rest_api(api))
        from providers_apigwv2 import snapshot_gateway_responses    # they too take effect on deployment
        deployment.hitc_gateway_responses = snapshot_gateway_responses(backend.get_rest_api(api))
        return Made(deployment.id, {"DeploymentId": deployment.id}, (api, deployment))

    def update(self, ctx, lid, made, old_props, new_props):
        if old_props.get("RestApiId") != new_props.get("RestApiId"):
            return REPLACE
        made.handle[1].description = new_props.get("Description", "")
        return made

    def delete(self, ctx, lid, made, props):
        api, deployment = made.handle
        try:
            apigw(ctx).delete_deployment(api, deployment.id)
        except Exception as err:
            if "Active stages" in str(err) or "StageStillActive" in type(err).__name__:
                raise Failure("Active stages pointing to this deployment must be moved or deleted "
                              "(Service: ApiGateway, Status Code: 400)") from None


class StageProvider:
    def create(self, ctx, lid, props):
        backend = apigw(ctx)
        api, name = props["RestApiId"], props.get("StageName")
        if not name:
            raise Failure("Properties validation failed: StageName is required")
        api_call(backend.get_deployment, api, props.get("DeploymentId", ""))
        tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        stage = api_call(backend.create_stage, function_id=api, stage_name=name,
                         deploymentId=props["DeploymentId"], variables=props.get("Variables"),
                         description=props.get("Description", ""), tags=tags or None,
                         tracing_enabled=props.get("TracingEnabled"))
        return Made(name, {}, (api, stage))

    def update(self, ctx, lid, made, old_props, new_props):
        if (old_props.get("RestApiId"), old_props.get("StageName")) != \
                (new_props.get("RestApiId"), new_props.get("StageName")):
            return REPLACE
        api, stage = made.handle
        api_call(apigw(ctx).get_deployment, api, new_props.get("DeploymentId", ""))
        stage.deployment_id = new_props["DeploymentId"]
        stage.variables = new_props.get("Variables") or {}
        stage.description = new_props.get("Description", "")
        return made

    def delete(self, ctx, lid, made, props):
        api, stage = made.handle
        try:
            apigw(ctx).delete_stage(api, stage.name)
        except Exception:
            pass


# --- custom resources ------------------------------------------------------------

def stringify(value):
    """Custom-resource properties as CloudFormation sends them: scalars become strings."""
    if isinstance(value, dict):
        return {k: stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


class CustomProvider:
    """Custom::* and AWS::CloudFormation::CustomResource: a request to the ServiceToken's
    function, then a wait for its answer on the ResponseURL (see Responses)."""

    def __init__(self, rtype, engine):
        self.rtype = rtype
        self.engine = engine

    def request(self, ctx, lid, kind, props, physical=None, old_props=None):
        token = props.get("ServiceToken")
        if not isinstance(token, str) or not token:
            raise Failure("ServiceToken is required for a custom resource")
        if not re.match(r"arn:aws[a-z-]*:lambda:", token):
            raise Failure(f"the local harness sends custom-resource requests to Lambda functions only, not {token}")
        from moto.awslambda.models import lambda_backends
        try:
            fn = lambda_backends[ctx.account_id][ctx.region].get_function(token)
        except Exception:
            raise Failure(f"Invalid service token: the function {token} does not exist") from None
        event = {"RequestType": kind, "ServiceToken": token, "StackId": ctx.stack_id,
                 "RequestId": self.engine.new_request_id(), "LogicalResourceId": lid,
                 "ResourceType": self.rtype, "ResourceProperties": stringify(props)}
        if physical is not None:
            event["PhysicalResourceId"] = physical
        if old_props is not None:
            event["OldResourceProperties"] = stringify(old_props)
        timeout = None                   # CloudFormation's default: an hour (see Responses.ask)
        if props.get("ServiceTimeout") is not None:
            try:
                timeout = int(str(props["ServiceTimeout"]))
            except ValueError:
                timeout = 0
            if not 1 <= timeout <= 3600:
                raise Failure(f"ServiceTimeout must be a whole number of seconds from 1 to 3600, "
                              f"not {props['ServiceTimeout']!r}")
        return self.engine.responses.ask(fn, event, timeout)

    def create(self, ctx, lid, props):
        answer = self.request(ctx, lid, "Create", props)
        return self.made(answer)

    def update(self, ctx, lid, made, old_props, new_props):
        if old_props.get("ServiceToken") != new_props.get("ServiceToken"):
            raise Failure("Modifying service token is not allowed.")
        answer = self.request(ctx, lid, "Update", new_props, made.physical_id, old_props)
        return self.made(answer)

    def delete(self, ctx, lid, made, props):
        self.request(ctx, lid, "Delete", props, made.physical_id)

    def made(self, answer):
        data = answer.get("Data") or {}

        def attrs(attr):
            if attr not in data:
                raise Failure(f"CustomResource attribute error: Vendor response doesn't contain "
                              f"{attr} attribute in object {answer.get('PhysicalResourceId')}")
            return data[attr]
        return Made(answer["PhysicalResourceId"], attrs, data)


# --- the ResponseURL: where custom resources answer ----------------------------

class Pending:
    def __init__(self, event):
        self.event = event
        self.answers = []                 # every well-formed answer, in order
        self.refusals = []                # PUTs that S3 refused (bad signature)
        self.problem = None               # why the first answer was not acceptable
        self.ended = None                 # the Invocation, once the function returned


class Responses:
    """Pre-signed-style ResponseURLs and the answers that arrive on them.

    A URL is /hitc-cfn-response/REQUESTID?AWSAccessKeyId=..&Expires=..&Signature=..,
    signed like an S3 query-string (SigV2) PUT with an empty Content-Type and
    Content-MD5: a PUT that sends any Content-Type breaks the signature and is
    refused with 403 SignatureDoesNotMatch, as S3 would refuse it.
    """

    SECRET = b"hitc-e2e-local-response-signing-key"
    GRACE = 2.0                           # seconds an answer may trail the function's return

    def __init__(self, base_url, executor, log, max_wait):
        self.base_url = base_url
        self.executor = executor
        self.log = log
        self.max_wait = max_wait
        self.lock = threading.Condition()
        self.pending = {}

    def url(self, request_id):
        import base64
        import hashlib
        import hmac
        expires = int(time.time()) + 7200
        path = f"/hitc-cfn-response/{request_id}"
        signature = base64.b64encode(hmac.new(self.SECRET, f"PUT\n\n\n{expires}\n{path}".encode(),
                                              hashlib.sha1).digest()).decode()
        from urllib.parse import quote
        return (f"{self.base_url}{path}?AWSAccessKeyId=AKIAHITCE2ECFN000000&Expires={expires}"
                f"&Signature={quote(signature, safe='')}")

    def signature_ok(self, path, query, content_type, content_md5):
        import base64
        import hashlib
        import hmac
        from urllib.parse import parse_qs
        q = parse_qs(query)
        try:
            expires, given = q["Expires"][0], q["Signature"][0]
        except (KeyError, IndexError):
            return False, "AccessDenied: Query-string authentication requires the Signature and Expires parameters"
        want = base64.b64encode(hmac.new(self.SECRET, f"PUT\n{content_md5}\n{content_type}\n{expires}\n{path}".encode(),
                                         hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(want, given):
            return False, ("SignatureDoesNotMatch: The request signature we calculated does not match the "
                           f"signature you provided (the URL was signed for an empty Content-Type; "
                           f"this PUT sent Content-Type {content_type!r})")
        if int(expires) < time.time():
            return False, "AccessDenied: Request has expired"
        return True, ""

    def receive(self, request_id, path, query, content_type, content_md5, body):
        """Handle one PUT on a ResponseURL: (HTTP status, text)."""
        ok, why = self.signature_ok(path, query, content_type, content_md5)
        with self.lock:
            pending = self.pending.get(request_id)
            if not ok:
                if pending:
                    pending.refusals.append(why)
                self.log("response-refused", request_id=request_id, reason=why)
                return 403, why
            if pending is None:
                return 404, "NoSuchKey: The specified key does not exist."
            answer, problem = self.parse(pending.event, body)
            if pending.answers or pending.problem:
                self.log("response-duplicate", request_id=request_id)
                pending.answers.append(answer or {"invalid": problem})
            elif problem:
                pending.problem = problem
            else:
                pending.answers.append(answer)
            self.log("response", request_id=request_id, logical_id=pending.event["LogicalResourceId"],
                     kind=pending.event["RequestType"], status=(answer or {}).get("Status"),
                     problem=problem, answers=len(pending.answers) + bool(pending.problem))
            self.lock.notify_all()
        return 200, ""

    @staticmethod
    def parse(event, body):
        """(answer, None) or (None, why CloudFormation rejects it)."""
        if len(body) > 4096:
            return None, "Response object is too long."
        try:
            answer = json.loads(body)
        except ValueError:
            return None, "Invalid response object: the body is not JSON"
        if not isinstance(answer, dict):
            return None, "Invalid response object: the body is not a JSON object"
        if answer.get("Status") not in ("SUCCESS", "FAILED"):
            return None, f"Invalid response object: Status must be SUCCESS or FAILED, not {answer.get('Status')!r}"
        for key in ("StackId", "RequestId", "LogicalResourceId"):
            if answer.get(key) != event[key]:
                return None, f"Invalid response object: {key} {answer.get(key)!r} does not match the request"
        physical = answer.get("PhysicalResourceId")
        if not isinstance(physical, str) or not physical or len(physical) > 1024:
            return None, "Invalid PhysicalResourceId"
        if "Data" in answer and answer["Data"] is not None and not isinstance(answer["Data"], dict):
            return None, "Invalid response object: Data must be a JSON object"
        return answer, None

    def ask(self, fn, event, service_timeout):
        """Send the request (an asynchronous invoke) and wait for its one answer."""
        request_id = event["RequestId"]
        event["ResponseURL"] = self.url(request_id)
        pending = Pending(event)
        with self.lock:
            self.pending[request_id] = pending
        self.log("request", request_id=request_id, logical_id=event["LogicalResourceId"],
                 kind=event["RequestType"], stack=event["StackId"])

        def run():
            try:
                invocation = self.executor.invoke(fn, event)
            except Exception as err:        # the executor's own bug: still end the wait
                invocation = type("Ended", (), {"error": {"errorType": type(err).__name__,
                                                          "errorMessage": str(err)}})()
            with self.lock:
                pending.ended = invocation
                self.lock.notify_all()
        threading.Thread(target=run, daemon=True, name=f"custom-{request_id[:8]}").start()

        # With ServiceTimeout, CloudFormation waits that long for the answer, whatever the
        # function did (it may have handed the work on); the harness does too (up to
        # max_wait).  Without it CloudFormation waits an hour: the harness fails GRACE
        # seconds after the function ended without answering instead.
        limit = min(service_timeout or 3600, self.max_wait)
        deadline = time.monotonic() + limit
        with self.lock:
            while not pending.answers and not pending.problem:
                now = time.monotonic()
                if pending.ended is not None and service_timeout is None:
                    if self.lock.wait_for(lambda: pending.answers or pending.problem, self.GRACE):
                        break
                    raise Failure(self.silence(event, pending, service_timeout))
                if pending.ended is not None and not self.executor.live:
                    # The function returned without answering and no other function
                    # runs that could answer for it: once GRACE has passed, nothing can
                    # happen before the deadline, so the clock skips to it.
                    if self.lock.wait_for(lambda: pending.answers or pending.problem, self.GRACE):
                        break
                    if not self.executor.live:
                        skip_clock(deadline - time.monotonic())
                        raise Failure(self.silence(event, pending, service_timeout, waited=limit))
                if now >= deadline:
                    raise Failure(self.silence(event, pending, service_timeout, waited=limit))
                self.lock.wait(min(0.5, deadline - now))
            if pending.problem:
                raise Failure(f"{pending.problem} (RequestId: {request_id})")
            answer = pending.answers[0]
        if answer["Status"] == "FAILED":
            raise CustomFailure(f"Received response status [FAILED] from custom resource. Message returned: "
                                f"{answer.get('Reason', '')} (RequestId: {request_id})",
                                answer.get("PhysicalResourceId"))
        return answer

    def silence(self, event, pending, service_timeout, waited=None):
        if service_timeout is None:
            service_timeout = "3600 (the default)"
        why = [f"CloudFormation did not receive a response from your Custom Resource. Please check your "
               f"logs for requestId [{event['RequestId']}]."]
        if pending.refusals:
            why.append(f"Its answers were refused by S3: {pending.refusals[0]}.")
        if waited is None:
            run = pending.ended
            ended = f"failed ({run.error.get('errorType')}: {run.error.get('errorMessage')})" if run.error else "returned"
            why.append(f"[local harness: the function {ended} without answering; real CloudFormation "
                       f"would wait ServiceTimeout={service_timeout} s, then fail like this]")
        else:
            if isinstance(service_timeout, int) and waited >= service_timeout:
                why.append(f"[no answer within ServiceTimeout={service_timeout} s]")
            else:
                why.append(f"[local harness: no answer within {waited} s (HITC_E2E_MAX_WAIT); real "
                           f"CloudFormation waits ServiceTimeout={service_timeout} s]")
        return " ".join(why)


class CustomFailure(Failure):
    """A FAILED answer: CloudFormation keeps the physical id it gave, for the rollback's Delete."""

    def __init__(self, message, physical_id):
        super().__init__(message)
        self.physical_id = physical_id


def providers(engine):
    """The type -> provider table; custom types are matched by prefix in provider_for."""
    return {
        "AWS::Lambda::Function": FunctionProvider(),
        "AWS::DynamoDB::Table": TableProvider(),
        "AWS::Lambda::Permission": PermissionProvider(),
        "AWS::ApiGateway::RestApi": RestApiProvider(),
        "AWS::ApiGateway::Resource": ResourceProvider(),
        "AWS::ApiGateway::Method": MethodProvider(),
        "AWS::ApiGateway::Deployment": DeploymentProvider(),
        "AWS::ApiGateway::Authorizer": AuthorizerProvider(),
        "AWS::ApiGateway::Stage": StageProvider(),
    }

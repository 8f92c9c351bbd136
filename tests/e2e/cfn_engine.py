"""A CloudFormation engine for moto: create, update, delete and roll back stacks the
way CloudFormation does, so that what `aws cloudformation deploy` reports means
what it would mean on AWS.

In:  moto's Stack and ChangeSet objects (template text, parameters) from the API.
Out: the stack's status, its resources, its events (with reasons) and its Outputs,
     kept on the Stack (stack.hitc) and shown through moto's own responses.
Holds:
  - resources are made in dependency waves (Ref, Fn::GetAtt, Fn::Sub, DependsOn);
    a custom resource is a request to its function and a wait for the one answer
    on its ResponseURL; FAILED, a rejected answer, or silence fails the resource;
  - a failed create rolls back (dependents first, Retain honoured, custom
    resources get Delete); a failed update rolls back to the old properties;
  - an update changes what changed, replaces what must be replaced, and deletes
    the replaced and removed physical resources in the cleanup phase;
  - an operation runs on its own thread; the API call that started it returns
    when it ends, or after SYNC_WAIT seconds with the stack still IN_PROGRESS, so
    the CLI's waiter (which polls every 30 s) does not wait for nothing.
"""
import json
import threading
import time
import traceback
import uuid
from datetime import datetime, timedelta, timezone

from cfn_providers import CustomFailure, CustomProvider, Failure, Made, MotoProvider, REPLACE, providers, skipped_seconds
from cfn_template import ResolveError, Scope, TemplateError, check_template, resolve_parameters, waves

SYNC_WAIT = 45.0
UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
IAM_TYPES = {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName",
             "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::InstanceProfile": "InstanceProfileName",
             "AWS::IAM::Policy": None, "AWS::IAM::AccessKey": None, "AWS::IAM::UserToGroupAddition": None}


class Res:
    """One resource of a stack: what it was made from and what it became."""

    def __init__(self, lid, spec):
        self.logical_resource_id = lid
        self.cf_resource_type = spec["Type"]
        self.deletion_policy = spec.get("DeletionPolicy", "Delete")
        self.update_replace_policy = spec.get("UpdateReplacePolicy", "Delete")
        self.props = None
        self.made = None
        self.resource_status = None
        self.resource_status_reason = None
        self.timestamp = now()

    @property
    def physical_id(self):
        return self.made.physical_id if self.made else None

    physical_resource_id = physical_id

    def getatt(self, attr):
        attrs = self.made.attrs
        if callable(attrs):
            return attrs(attr)
        if attr not in attrs:
            raise Failure(f"Template error: resource type {self.cf_resource_type} does not support "
                          f"attribute type {attr} in Fn::GetAtt")
        return attrs[attr]

    def copy(self, spec):
        new = Res(self.logical_resource_id, spec)
        new.props, new.made = self.props, self.made
        new.resource_status, new.timestamp = self.resource_status, self.timestamp
        return new


class State:
    def __init__(self):
        self.template = None         # the dict of the last template that deployed
        self.params = {}             # resolved parameters
        self.resources = {}          # logical id -> Res
        self.order = []              # creation order (flattened waves)
        self.outputs = []


class Ctx:
    """What providers need to know about the stack."""

    def __init__(self, stack):
        self.stack_name = stack.name
        self.stack_id = stack.stack_id
        self.account_id = stack.account_id
        self.region = stack.region_name


def state(stack):
    if getattr(stack, "hitc", None) is None:
        stack.hitc = State()
    return stack.hitc


class Engine:
    def __init__(self, responses, log):
        self.responses = responses
        self.log = log
        self.table = providers(self)

    def new_request_id(self):
        return str(uuid.uuid4())

    def provider(self, rtype):
        if rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource":
            return CustomProvider(rtype, self)
        return self.table.get(rtype) or MotoProvider(rtype)

    # --- validation (CreateChangeSet, CreateStack) ---------------------------

    def validate(self, template, given, capabilities=None):
        params = resolve_parameters(template, given)
        check_template(template, params)
        if capabilities is not None:
            check_capabilities(template, capabilities)
        return params

    # --- running an operation --------------------------------------------------

    def run(self, stack, name, operation):
        """Run operation on its own thread; return when it ends or after SYNC_WAIT."""
        if getattr(stack, "hitc_busy", False):
            from moto.cloudformation.exceptions import ValidationError
            raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
        stack.hitc_busy = True
        done = threading.Event()

        def body():
            started = time.monotonic()
            try:
                operation()
            except Exception as err:           # a bug here: say so in the stack
                traceback.print_exc()
                self.stack_event(stack, stack.status.replace("IN_PROGRESS", "FAILED"),
                                 f"local CloudFormation engine error: {type(err).__name__}: {err}")
                stack.status = stack.status.replace("IN_PROGRESS", "FAILED")
            finally:
                stack.hitc_busy = False
                self.log("operation", stack=stack.name, op=name, status=stack.status,
                         seconds=round(time.monotonic() - started, 2))
                done.set()
        threading.Thread(target=body, daemon=True, name=f"{name}-{stack.name}").start()
        done.wait(SYNC_WAIT)

    # --- events --------------------------------------------------------------------

    def stack_event(self, stack, status, reason=None):
        stack.status = status
        stack.status_reason = reason or None
        self.add_event(stack, stack.name, "AWS::CloudFormation::Stack", stack.stack_id, status, reason)

    def res_event(self, stack, res, status, reason=None):
        res.resource_status, res.resource_status_reason, res.timestamp = status, reason, now()
        self.add_event(stack, res.logical_resource_id, res.cf_resource_type, res.physical_id or "",
                       status, reason)

    def add_event(self, stack, lid, rtype, physical, status, reason):
        from moto.cloudformation.models import Event
        event = Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=lid,
                      physical_resource_id=physical, resource_type=rtype, resource_status=status,
                      resource_status_reason=reason, resource_properties=None)
        event.timestamp += timedelta(seconds=skipped_seconds())    # the harness's clock
        stack.events.append(event)
        self.log("event", stack=stack.name, logical_id=lid, status=status, reason=reason)

    # --- the pieces of every operation -------------------------------------------------

    def scope(self, stack, template, params, resources):
        pseudo = {"AWS::AccountId": stack.account_id, "AWS::Region": stack.region_name,
                  "AWS::StackId": stack.stack_id, "AWS::StackName": stack.name,
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                  "AWS::NotificationARNs": list(stack.notification_arns or [])}
        return Scope(template, params, pseudo, resources, lambda name: export_value(stack, name))

    def make(self, stack, scope, res, spec):
        """Create one resource; Failure/ResolveError (after the event) when it fails."""
        ctx = Ctx(stack)
        self.res_event(stack, res, "CREATE_IN_PROGRESS")
        try:
            res.props = scope.resolve(spec.get("Properties") or {})
            res.made = self.provider(res.cf_resource_type).create(ctx, res.logical_resource_id, res.props)
        except CustomFailure as err:
            if err.physical_id:
                res.made = Made(err.physical_id)
            self.res_event(stack, res, "CREATE_FAILED", str(err))
            raise
        except (Failure, ResolveError) as err:
            self.res_event(stack, res, "CREATE_FAILED", str(err))
            raise
        self.res_event(stack, res, "CREATE_COMPLETE")

    def remove(self, stack, res, policy):
        """Delete one resource (or keep it, for Retain); False when the delete failed."""
        if res.made is None or res.resource_status in ("DELETE_COMPLETE", "DELETE_SKIPPED"):
            return True                    # never made, or a rollback removed (or kept) it already
        if policy == "Retain":
            self.res_event(stack, res, "DELETE_SKIPPED")
            return True
        self.res_event(stack, res, "DELETE_IN_PROGRESS")
        try:
            self.provider(res.cf_resource_type).delete(Ctx(stack), res.logical_resource_id, res.made, res.props or {})
        except (Failure, ResolveError) as err:
            self.res_event(stack, res, "DELETE_FAILED", str(err))
            return False
        self.res_event(stack, res, "DELETE_COMPLETE")
        return True

    def outputs(self, scope, template):
        out = []
        for key, spec in (template.get("Outputs") or {}).items():
            if "Condition" in spec and not scope.conditions.get(spec["Condition"]):
                continue
            value = scope.resolve(spec["Value"])
            value = ",".join(map(str, value)) if isinstance(value, list) else scope.text(value)
            export = scope.text(spec["Export"]["Name"]) if spec.get("Export") else None
            out.append({"OutputKey": key, "OutputValue": value,
                        "Description": spec.get("Description"), "ExportName": export})
        return out

    def finish(self, stack, st, template, template_text, params, resources, order, outputs):
        st.template, st.params, st.resources, st.order, st.outputs = template, params, resources, order, outputs
        stack.template = template_text
        stack.template_dict = template
        stack.description = template.get("Description")
        stack.parameters = {k: ",".join(v) if isinstance(v, list) else v for k, v in params.items()}
        stack.last_updated_time = now()
        publish_exports(stack, outputs)

    # --- create ----------------------------------------------------------------------------

    def create(self, stack, template_text, template, given, disable_rollback=False):
        st = state(stack)
        params = resolve_parameters(template, given)
        resources = {}
        st.resources = resources
        self.stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")
        scope = self.scope(stack, template, params, resources)
        active = {lid for lid, spec in template["Resources"].items() if scope.active(spec)}
        order = [lid for wave in waves(template, active) for lid in wave]
        failed = None
        for lid in order:
            spec = template["Resources"][lid]
            res = resources[lid] = Res(lid, spec)
            try:
                self.make(stack, scope, res, spec)
            except (Failure, ResolveError):
                failed = f"The following resource(s) failed to create: [{lid}]. "
                break
        outputs = []
        if failed is None:
            try:
                outputs = self.outputs(scope, template)
            except (Failure, ResolveError) as err:
                failed = f"Outputs could not be resolved: {err}. "
        if failed is None:
            self.finish(stack, st, template, template_text, params, resources, order, outputs)
            self.stack_event(stack, "CREATE_COMPLETE")
            return
        if disable_rollback:
            self.stack_event(stack, "CREATE_FAILED", failed)
            return
        self.stack_event(stack, "ROLLBACK_IN_PROGRESS", failed + "Rollback requested by user.")
        st.template, st.order = template, order
        ok = all([self.remove(stack, resources[lid], resources[lid].deletion_policy)
                  for lid in reversed(order) if lid in resources])
        self.stack_event(stack, "ROLLBACK_COMPLETE" if ok else "ROLLBACK_FAILED", failed.strip())

    # --- update ---------------------------------------------------------------------------

    def update(self, stack, template_text, template, given):
        st = state(stack)
        old = dict(st.resources)
        params = resolve_parameters(template, given)
        resources = dict(old)              # the working map; old entries until replaced
        self.stack_event(stack, "UPDATE_IN_PROGRESS", "User Initiated")
        scope = self.scope(stack, template, params, resources)
        active = {lid for lid, spec in template["Resources"].items() if scope.active(spec)}
        order = [lid for wave in waves(template, active) for lid in wave]
        journal, failed = [], None
        for lid in order:
            spec = template["Resources"][lid]
            try:
                entry = self.update_one(stack, scope, resources, old.get(lid), lid, spec)
            except (Failure, ResolveError) as err:
                failed = (lid, err)
                break
            if entry:
                journal.append(entry)
        outputs = []
        if failed is None:
            try:
                outputs = self.outputs(scope, template)
            except (Failure, ResolveError) as err:
                failed = (None, err)
        if failed is not None:
            self.roll_back_update(stack, st, old, resources, journal, failed)
            return
        self.stack_event(stack, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        for kind, lid, before, after in reversed(journal):
            if kind == "replaced":
                self.remove(stack, before, before.update_replace_policy)
        for lid in reversed(st.order):
            if lid in old and lid not in active:
                self.remove(stack, old[lid], old[lid].deletion_policy)
                resources.pop(lid, None)
        self.finish(stack, st, template, template_text, params, resources, order, outputs)
        self.stack_event(stack, "UPDATE_COMPLETE")

    def update_one(self, stack, scope, resources, before, lid, spec):
        """Bring one resource to its new properties; a journal entry, or None if unchanged."""
        if before is None or before.made is None:
            res = resources[lid] = Res(lid, spec)
            self.make(stack, scope, res, spec)
            return ("created", lid, None, res)
        res = before.copy(spec)
        try:
            props = scope.resolve(spec.get("Properties") or {})
        except (Failure, ResolveError) as err:
            self.res_event(stack, res, "UPDATE_FAILED", str(err))
            raise
        if props == before.props and spec["Type"] == before.cf_resource_type:
            resources[lid] = res               # policies may have changed; nothing else did
            return None
        if spec["Type"] != before.cf_resource_type:
            err = Failure(f"Update of resource type is not permitted. The new template modifies "
                          f"resource type of resource {lid}.")
            self.res_event(stack, res, "UPDATE_FAILED", str(err))
            raise err
        provider = self.provider(spec["Type"])
        ctx = Ctx(stack)
        self.res_event(stack, res, "UPDATE_IN_PROGRESS")
        try:
            made = provider.update(ctx, lid, before.made, before.props, props)
            if made is REPLACE:
                self.res_event(stack, res, "UPDATE_IN_PROGRESS", "Requested update requires the creation "
                               "of a new physical resource; hence creating one.")
                made = provider.create(ctx, lid, props)
        except CustomFailure as err:
            self.res_event(stack, res, "UPDATE_FAILED", str(err))
            err.rollback_update = (before, props)
            raise
        except (Failure, ResolveError) as err:
            self.res_event(stack, res, "UPDATE_FAILED", str(err))
            raise
        res.made, res.props = made, props
        resources[lid] = res
        self.res_event(stack, res, "UPDATE_COMPLETE")
        if made.physical_id == before.physical_id:
            return ("updated", lid, before, res)
        return ("moved", lid, before, res) if made.replaced_already else ("replaced", lid, before, res)

    def roll_back_update(self, stack, st, old, resources, journal, failed):
        lid, err = failed
        what = f"The following resource(s) failed to update: [{lid}]. " if lid else f"{err}. "
        self.stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", what)
        ctx, ok, leftovers = Ctx(stack), True, []
        if lid and lid not in old and resources.get(lid) is not None:
            leftovers.append(resources[lid])   # a create that failed may still have made something
        retry = getattr(err, "rollback_update", None)
        steps = list(reversed(journal))
        if retry:                               # a custom resource that failed to update gets the old properties back
            before, new_props = retry
            failed_res = before.copy(st.template["Resources"][lid]) if lid in st.template["Resources"] else before
            failed_res.props = new_props
            steps.insert(0, ("updated", lid, before, failed_res))
        for kind, rlid, before, after in steps:
            if kind == "created":
                leftovers.append(after)
            elif kind in ("replaced", "moved"):
                resources[rlid] = before
                if kind == "replaced":
                    leftovers.append(after)
            elif kind == "updated":
                self.res_event(stack, after, "UPDATE_IN_PROGRESS")
                try:
                    made = self.provider(before.cf_resource_type).update(ctx, rlid, after.made, after.props, before.props)
                    if made is REPLACE:
                        made = before.made
                except (Failure, ResolveError) as e:
                    self.res_event(stack, after, "UPDATE_FAILED", str(e))
                    ok = False
                    continue
                back = before.copy(st.template["Resources"].get(rlid, {"Type": before.cf_resource_type}))
                if made.physical_id != before.physical_id:
                    stray = after.copy({"Type": after.cf_resource_type})
                    stray.made = made
                    leftovers.append(stray)
                resources[rlid] = back
                self.res_event(stack, back, "UPDATE_COMPLETE")
        self.stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        for res in leftovers:
            self.remove(stack, res, "Delete")
            if resources.get(res.logical_resource_id) is res:
                resources.pop(res.logical_resource_id)
        st.resources = resources
        self.stack_event(stack, "UPDATE_ROLLBACK_COMPLETE" if ok else "UPDATE_ROLLBACK_FAILED", what.strip())

    # --- delete -------------------------------------------------------------------------

    def delete(self, stack):
        st = state(stack)
        self.stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
        failed = []
        for lid in reversed(st.order):
            res = st.resources.get(lid)
            if res is not None and not self.remove(stack, res, res.deletion_policy):
                failed.append(lid)
        if failed:
            self.stack_event(stack, "DELETE_FAILED",
                             f"The following resource(s) failed to delete: [{', '.join(failed)}]. ")
            return
        st.resources = {}
        unpublish_exports(stack)
        stack.deletion_time = now()
        self.stack_event(stack, "DELETE_COMPLETE")


# --- capabilities and exports -----------------------------------------------------------

def check_capabilities(template, capabilities):
    from moto.cloudformation.exceptions import CloudFormationError

    class InsufficientCapabilities(CloudFormationError):
        code = "InsufficientCapabilitiesException"

    needs = None
    for spec in (template.get("Resources") or {}).values():
        name_prop = IAM_TYPES.get(spec.get("Type"), False)
        if name_prop is False:
            continue
        if name_prop and (spec.get("Properties") or {}).get(name_prop):
            needs = "CAPABILITY_NAMED_IAM"
        elif needs is None:
            needs = "CAPABILITY_IAM"
    if needs == "CAPABILITY_NAMED_IAM" and "CAPABILITY_NAMED_IAM" not in capabilities:
        raise InsufficientCapabilities("Requires capabilities : [CAPABILITY_NAMED_IAM]")
    if needs == "CAPABILITY_IAM" and not {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"} & set(capabilities):
        raise InsufficientCapabilities("Requires capabilities : [CAPABILITY_IAM]")


def backend_of(stack):
    from moto.cloudformation.models import cloudformation_backends
    return cloudformation_backends[stack.account_id][stack.region_name]


def export_value(stack, name):
    export = backend_of(stack).exports.get(name)
    return export.value if export else None


def publish_exports(stack, outputs):
    from moto.cloudformation.parsing import Export
    exports = backend_of(stack).exports
    unpublish_exports(stack)
    for out in outputs:
        if out["ExportName"]:
            other = exports.get(out["ExportName"])
            if other and other.exporting_stack_id != stack.stack_id:
                raise Failure(f"Export with name {out['ExportName']} is already exported by stack "
                              f"{other.exporting_stack_id}")
            exports[out["ExportName"]] = Export(stack.stack_id, out["ExportName"], out["OutputValue"])


def unpublish_exports(stack):
    exports = backend_of(stack).exports
    for name in [n for n, e in exports.items() if e.exporting_stack_id == stack.stack_id]:
        exports.pop(name)


# --- wiring it into moto --------------------------------------------------------------

def install(engine):
    from moto.cloudformation import models, responses
    from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError

    Stack, Backend, ChangeSet = models.Stack, models.CloudFormationBackend, models.ChangeSet

    def parse(text):
        return Stack.parse_template(text)

    def validate(template, given, capabilities=None):
        try:
            return engine.validate(template, given, capabilities)
        except TemplateError as err:
            raise ValidationError(message=str(err)) from None

    # the views moto's responses read
    def resources_view(self):
        st = getattr(self, "hitc", None)
        return [r for r in st.resources.values() if r.made] if st else []

    def outputs_view(self):
        st = getattr(self, "hitc", None)
        return (st.outputs or None) if st else None

    def parameters_view(self):
        st = getattr(self, "hitc", None)
        if not st or not st.params:
            return dict(self.parameters or {})
        return {k: ",".join(v) if isinstance(v, list) else v for k, v in st.params.items()}

    def parameter_list_view(self):
        declared = (getattr(self, "template_dict", None) or {}).get("Parameters") or {}
        return [{"ParameterKey": k, "ParameterValue": "****" if declared.get(k, {}).get("NoEcho") else v}
                for k, v in parameters_view(self).items()]

    def exports_view(self):
        from moto.cloudformation.parsing import Export
        return [Export(self.stack_id, o["ExportName"], o["OutputValue"])
                for o in (outputs_view(self) or []) if o["ExportName"]]

    Stack.stack_resources = property(resources_view)
    Stack.outputs = property(outputs_view)
    Stack.stack_parameters = property(parameters_view)
    Stack.parameter_list = property(parameter_list_view)
    Stack.exports = property(exports_view)

    # CreateStack / UpdateStack / the stack's own delete
    def create_resources(self):
        engine.run(self, "create", lambda: engine.create(self, self.template, self.template_dict, self.parameters,
                                                          self.disable_rollback))

    def stack_update(self, template, role_arn=None, parameters=None, tags=None):
        parsed = parse(template)
        validate(parsed, parameters or {})
        if tags is not None:
            self.tags = tags
        engine.run(self, "update", lambda: engine.update(self, template, parsed, parameters or {}))

    Stack.create_resources = create_resources
    Stack.update = stack_update

    original_create_stack = Backend.create_stack

    def create_stack(self, name, template, parameters, *args, **kwargs):
        validate(parse(template), parameters or {})
        return original_create_stack(self, name, template, parameters, *args, **kwargs)

    original_create_change_set = Backend.create_change_set

    def create_change_set(self, stack_name, change_set_name, template, parameters, description,
                          change_set_type, *args, **kwargs):
        live = [s for s in self.stacks.values() if s.name == stack_name]
        if change_set_type == "UPDATE":
            if not live:
                raise ValidationError(message=f"Stack [{stack_name}] does not exist")
            if live[0].status not in UPDATABLE:
                raise ValidationError(message=f"Stack:{live[0].stack_id} is in {live[0].status} state "
                                              "and can not be updated.")
        elif any(s.status != "REVIEW_IN_PROGRESS" for s in live):
            raise AlreadyExistsException(f"Stack [{stack_name}] already exists")
        validate(parse(template), parameters or {}, getattr(self, "hitc_capabilities", None))
        return original_create_change_set(self, stack_name, change_set_name, template, parameters,
                                          description, change_set_type, *args, **kwargs)

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.change_sets.get(change_set_name) or next(
            (c for c in self.change_sets.values() if c.change_set_name == change_set_name
             and (stack_name is None or stack_name in (c.stack_name, c.stack_id))), None)
        if change_set is None:
            raise ValidationError(message=f"ChangeSet [{change_set_name}] does not exist")
        if change_set.execution_status != "AVAILABLE":
            raise ValidationError(message=f"ChangeSet [{change_set.change_set_id}] cannot be executed in "
                                          f"its current execution status of [{change_set.execution_status}]")
        stack = self.stacks[change_set.stack_id]
        change_set.execution_status = "EXECUTE_IN_PROGRESS"

        def operation():
            if change_set.change_set_type == "CREATE":
                engine.create(stack, change_set.template, change_set.template_dict, change_set.parameters)
            else:
                engine.update(stack, change_set.template, change_set.template_dict, change_set.parameters)
            good = stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
            change_set.execution_status = "EXECUTE_COMPLETE" if good else "EXECUTE_FAILED"
        engine.run(stack, change_set.change_set_type.lower(), operation)

    def delete_stack(self, name_or_stack_id):
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
        if stack is None:
            return                               # deleting a stack that is gone succeeds

        def operation():
            engine.delete(stack)
            if stack.status == "DELETE_COMPLETE":
                self.stacks.pop(stack.stack_id, None)
                self.deleted_stacks[stack.stack_id] = stack
        engine.run(stack, "delete", operation)

    Backend.create_stack = create_stack
    Backend.create_change_set = create_change_set
    Backend.execute_change_set = execute_change_set
    Backend.delete_stack = delete_stack

    def diff(self):
        st = getattr(self.stack, "hitc", None)
        old = (st.template or {}).get("Resources", {}) if st else {}
        new = self.template_dict.get("Resources", {})
        changes = [models.Change("Add", k, v["Type"]) for k, v in new.items() if k not in old]
        changes += [models.Change("Modify", k, v["Type"]) for k, v in new.items() if k in old and old[k] != v]
        changes += [models.Change("Remove", k, v["Type"]) for k, v in old.items() if k not in new]
        return changes
    ChangeSet.diff = diff

    # capabilities arrive only in the API call: keep them for create_change_set
    original_response = responses.CloudFormationResponse.create_change_set

    def create_change_set_response(self):
        capabilities = self._get_param("Capabilities", []) or []
        backend = self.cloudformation_backend
        backend.hitc_capabilities = list(capabilities)
        try:
            return original_response(self)
        finally:
            backend.hitc_capabilities = None
    responses.CloudFormationResponse.create_change_set = create_change_set_response

    # GetTemplateSummary (the CLI's deploy asks for it) fails on a template without
    # AWSTemplateFormatVersion, which CloudFormation does not require.
    original_summary = responses.get_template_summary_response_from_template

    def template_summary(body):
        template = parse(body)
        if isinstance(template, dict) and "AWSTemplateFormatVersion" not in template:
            body = json.dumps(dict(template, AWSTemplateFormatVersion="2010-09-09"))
        return original_summary(body)
    responses.get_template_summary_response_from_template = template_summary

    class ResourceDTO:
        def __init__(self, stack, resource):
            self.stack_id, self.stack_name = stack.stack_id, stack.name
            self.logical_resource_id = resource.logical_resource_id
            self.physical_resource_id = resource.physical_id
            self.resource_type = resource.cf_resource_type
            self.resource_status = resource.resource_status
            self.resource_status_reason = resource.resource_status_reason
            self.timestamp = self.last_updated_timestamp = resource.timestamp
    responses.StackResourceDTO = ResourceDTO

    def list_stack_resources(self):
        from moto.core.responses import ActionResult
        resources = self.cloudformation_backend.list_stack_resources(self._get_param("StackName"))
        return ActionResult({"StackResourceSummaries": [
            {"LogicalResourceId": r.logical_resource_id, "PhysicalResourceId": r.physical_id,
             "ResourceType": r.cf_resource_type, "ResourceStatus": r.resource_status,
             "ResourceStatusReason": r.resource_status_reason, "LastUpdatedTimestamp": r.timestamp}
            for r in resources]})
    responses.CloudFormationResponse.list_stack_resources = list_stack_resources


def now():
    """The harness's clock: the time, plus the waits it skipped (cfn_providers)."""
    return datetime.now(timezone.utc) + timedelta(seconds=skipped_seconds())

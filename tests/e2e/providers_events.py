"""EventBridge rules and SNS topics that deliver to Lambda functions, as AWS does.

In:  AWS::Events::Rule (ScheduleExpression or EventPattern on the default bus, Lambda
     targets), AWS::SNS::Topic, AWS::SNS::Subscription (Protocol lambda), and at run
     time `aws events put-events`, `aws sns publish`, and the harness's own
     POST /hitc-e2e/fire-rule/RULE_NAME (a schedule rule fired now).
Out: the target function invoked asynchronously with the event AWS sends (EventBridge:
     version/id/detail-type/source/account/time/region/resources/detail; SNS: Records[0].Sns),
     or, when no AWS::Lambda::Permission lets the service invoke it for this source,
     no invocation: the delivery is refused, logged in WORK/logs/deliveries.log and
     listed by GET /hitc-e2e/deliveries (a test reads it).
Holds: a schedule rule without an EventPattern matches no put-events (moto's own
  matcher would match everything); a DISABLED rule delivers nothing; patterns are
  matched by moto's EventPattern (exact, prefix, anything-but, exists, numeric, ...).
"""
import datetime
import fnmatch
import json
import re
import threading
import time
import uuid

from cfn_providers import REPLACE, Failure, Made, MotoProvider, api_call, physical_name

ACCOUNT = "123456789012"


# --- who may invoke a function ---------------------------------------------------

def permitted(fn, service, source_arn, account_id=ACCOUNT):
    """Does a statement of fn's resource policy let SERVICE invoke it for SOURCE_ARN?"""
    for statement in getattr(fn.policy, "statements", []):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else (actions or [])
        if not any(a in ("lambda:InvokeFunction", "lambda:*", "*") for a in actions):
            continue
        if statement.get("Principal") not in ("*", {"Service": service}, {"AWS": "*"}):
            continue
        condition = statement.get("Condition") or {}
        arn_like = (condition.get("ArnLike") or {}).get("AWS:SourceArn") or \
            (condition.get("ArnEquals") or {}).get("AWS:SourceArn")
        if arn_like and not fnmatch.fnmatchcase(source_arn, arn_like):
            continue
        account = (condition.get("StringEquals") or {}).get("AWS:SourceAccount")
        if account and account != account_id:
            continue
        return True
    return False


def function_of(arn):
    """The moto function an ARN (or name) names, or None."""
    from moto.awslambda.models import lambda_backends
    region = arn.split(":")[3] if arn.startswith("arn:") else "us-east-1"
    try:
        return lambda_backends[ACCOUNT][region].get_function(arn)
    except Exception:
        return None


class Deliveries:
    """Invokes functions for event sources and remembers every outcome."""

    def __init__(self, executor, log):
        self.executor = executor
        self.log = log
        self.lock = threading.Lock()
        self.seen = []
        # providers_invoke.py: function ARN -> its EventInvokeConfig's properties, and
        # what runs after a failed asynchronous invocation (retries, destination).
        self.invoke_configs = {}
        self.retry_async = None

    def record(self, **entry):
        entry["t"] = round(time.time(), 3)
        with self.lock:
            self.seen.append(entry)
        self.log("delivery", **entry)

    def invoke(self, kind, fn_arn, event, service, source_arn, wait=False):
        """Invoke as SERVICE does for SOURCE_ARN: asynchronously (wait=False), or
        synchronously (event source mappings); the Invocation, or None if refused."""
        fn = function_of(fn_arn)
        if fn is None:
            self.record(kind=kind, source=source_arn, function=fn_arn, outcome="no-function",
                        reason=f"no function {fn_arn}")
            return None
        if service and not permitted(fn, service, source_arn):
            self.record(kind=kind, source=source_arn, function=fn.function_name, outcome="refused",
                        reason=f"no AWS::Lambda::Permission lets {service} invoke {fn.function_name} "
                               f"for {source_arn} (AccessDeniedException)")
            return None

        def run():
            invocation = self.executor.invoke(fn, event)
            self.record(kind=kind, source=source_arn, function=fn.function_name,
                        outcome="error" if invocation.error else "invoked",
                        reason=(invocation.error or {}).get("errorMessage"))
            return invocation
        if wait:
            return run()

        def run_async():
            invocation = run()
            if invocation.error and self.retry_async:
                self.retry_async(fn, event, invocation, run)
        threading.Thread(target=run_async, daemon=True, name=f"deliver-{kind}").start()
        return True

    def as_json(self):
        with self.lock:
            return json.dumps(self.seen)


# --- EventBridge ---------------------------------------------------------------------

RATE_RE = re.compile(r"^rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)$")
CRON_RE = re.compile(r"^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$")


def iso(t):
    if isinstance(t, (int, float)):
        return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return t


def lambda_target(target):
    return target.get("Arn", "").startswith("arn:aws:lambda:")


def target_event(target, event):
    if "Input" in target:
        return json.loads(target["Input"])
    return event


class RuleProvider(MotoProvider):
    """AWS::Events::Rule: moto's model, with the checks EventBridge makes."""

    def __init__(self):
        super().__init__("AWS::Events::Rule")

    def check(self, props):
        schedule, pattern = props.get("ScheduleExpression"), props.get("EventPattern")
        if not schedule and not pattern:
            raise Failure("Parameter(s) EventPattern or ScheduleExpression must be specified. "
                          "(Service: EventBridge, Status Code: 400)")
        if schedule and not (RATE_RE.match(schedule) or CRON_RE.match(schedule)):
            raise Failure("Parameter ScheduleExpression is not valid. (Service: EventBridge, Status Code: 400)")
        if schedule and props.get("EventBusName", "default") not in ("default",) and \
                not str(props.get("EventBusName")).endswith(":event-bus/default"):
            raise Failure("ScheduleExpression is supported only on the default event bus. "
                          "(Service: EventBridge, Status Code: 400)")
        if pattern is not None and (not isinstance(pattern, dict) or not pattern):
            raise Failure("Event pattern is not valid. Reason: the pattern must be a non-empty JSON object "
                          "(Service: EventBridge, Status Code: 400)")
        for target in props.get("Targets") or []:
            if not target.get("Id") or not target.get("Arn"):
                raise Failure("Targets: each target needs an Id and an Arn")

    def create(self, ctx, lid, props):
        self.check(props)
        if not props.get("Name"):
            props = dict(props, Name=physical_name(ctx.stack_name, lid, 64))
        return super().create(ctx, lid, props)

    def update(self, ctx, lid, made, old_props, new_props):
        self.check(new_props)
        if old_props.get("Name") != new_props.get("Name") or \
                old_props.get("EventBusName") != new_props.get("EventBusName"):
            return REPLACE
        rule = made.handle
        rule.scheduled_expression = new_props.get("ScheduleExpression")
        from moto.events.models import EventPattern
        rule.event_pattern = EventPattern.load(json.dumps(new_props["EventPattern"])
                                               if "EventPattern" in new_props else None)
        rule.state = new_props.get("State", "ENABLED")
        rule.targets = list(new_props.get("Targets") or [])
        return made



def events_backend(region="us-east-1"):
    from moto.events.models import events_backends
    return events_backends[ACCOUNT][region]


def fire_rule(deliveries, name, region="us-east-1"):
    """The scheduled event, sent now to every Lambda target of the rule NAME: (code, text)."""
    try:
        rule = events_backend(region).describe_rule(name, None)
    except Exception:
        return 404, f"no rule {name} on the default bus"
    if not rule.scheduled_expression:
        return 400, f"rule {name} has no ScheduleExpression"
    if rule.state != "ENABLED":
        return 409, f"rule {name} is {rule.state}"
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
             "source": "aws.events", "account": ACCOUNT, "time": iso(time.time()), "region": region,
             "resources": [rule.arn], "detail": {}}
    sent = []
    for target in rule.targets:
        if lambda_target(target):
            deliveries.invoke("events", target["Arn"], target_event(target, event),
                              "events.amazonaws.com", rule.arn)
            sent.append(target["Id"])
    return 200, json.dumps({"rule": rule.arn, "targets": sent})


def patch_rules(deliveries):
    from moto.events.models import Rule
    original = Rule.send_to_targets

    def send_to_targets(self, event, transform_input=True):
        if getattr(self, "state", "ENABLED") != "ENABLED":
            return
        if self.scheduled_expression and not self.event_pattern.get_pattern():
            return                        # a schedule rule matches no event
        if not self.event_pattern.matches_event(event):
            return
        ours = [t for t in self.targets if lambda_target(t)]
        others = [t for t in self.targets if not lambda_target(t)]
        shaped = dict(event, time=iso(event.get("time")))
        shaped.setdefault("version", "0")
        shaped.setdefault("resources", [])
        for target in ours:
            deliveries.invoke("events", target["Arn"], target_event(target, shaped),
                              "events.amazonaws.com", self.arn)
        if others:
            saved, self.targets = self.targets, others
            try:
                original(self, event, transform_input)
            finally:
                self.targets = saved
    Rule.send_to_targets = send_to_targets


# --- SNS -------------------------------------------------------------------------------

def sns_backend(region="us-east-1"):
    from moto.sns.models import sns_backends
    return sns_backends[ACCOUNT][region]


class SubscriptionProvider:
    """AWS::SNS::Subscription (moto has no model for it)."""

    def create(self, ctx, lid, props):
        for key in ("TopicArn", "Protocol"):
            if not props.get(key):
                raise Failure(f"Properties validation failed for resource {lid} with message: "
                              f"#: required key [{key}] not found")
        if props["Protocol"] == "lambda" and function_of(props.get("Endpoint", "")) is None:
            raise Failure(f"Invalid parameter: Endpoint: no function {props.get('Endpoint')} "
                          "(Service: Sns, Status Code: 400)")
        sub = api_call(sns_backend(ctx.region).subscribe, props["TopicArn"], props.get("Endpoint", ""),
                       props["Protocol"])
        return Made(sub.arn, {"Arn": sub.arn}, sub)

    def update(self, ctx, lid, made, old_props, new_props):
        return REPLACE

    def delete(self, ctx, lid, made, props):
        try:
            sns_backend(ctx.region).unsubscribe(made.physical_id)
        except Exception:
            pass


def patch_sns(deliveries):
    from moto.sns.models import Subscription
    original = Subscription.publish

    def publish(self, message, message_id, subject=None, message_attributes=None, *args, **kwargs):
        if self.protocol != "lambda":
            return original(self, message, message_id, subject, message_attributes, *args, **kwargs)
        event = {"Records": [{
            "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": self.arn,
            "Sns": {"Type": "Notification", "MessageId": message_id, "TopicArn": self.topic.arn,
                    "Subject": subject, "Message": message,
                    "Timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z",
                    "SignatureVersion": "1", "Signature": "local", "SigningCertUrl": "",
                    "UnsubscribeUrl": "",
                    "MessageAttributes": {k: {"Type": v.get("DataType", v.get("Type")),
                                              "Value": v.get("StringValue", v.get("Value"))}
                                          for k, v in (message_attributes or {}).items()}}}]}
        deliveries.invoke("sns", self.endpoint, event, "sns.amazonaws.com", self.topic.arn)
    Subscription.publish = publish


# --- wiring ---------------------------------------------------------------------------

def install(deliveries):
    patch_rules(deliveries)
    patch_sns(deliveries)


def providers():
    return {"AWS::Events::Rule": RuleProvider(), "AWS::SNS::Subscription": SubscriptionProvider()}

"""AWS::Lambda::EventInvokeConfig: how Lambda retries a function's asynchronous
invocations (EventBridge rules, SNS) and where it sends one it gives up on.

In:  the config's properties (FunctionName, Qualifier, MaximumRetryAttempts,
     MaximumEventAgeInSeconds, DestinationConfig.OnFailure.Destination).
Out: Deliveries.retry_async, which Deliveries calls after an asynchronous invocation
     failed: the function is invoked again up to MaximumRetryAttempts times (default
     2), a second apart (Lambda waits about a minute, then two), and when it still
     fails, Lambda's failure record (requestContext with condition RetriesExhausted,
     requestPayload the event, responsePayload the error) goes to the destination, an
     SQS queue (SendMessage) or an SNS topic (Publish).  Without a config the harness
     does not retry, as before.  MaximumEventAgeInSeconds is accepted and not applied
     (events here are never old).
Holds: like PutFunctionEventInvokeConfig, the config is refused when the function's
  role may not send to the destination at the moment it is made.
"""
import datetime
import json
import time
import uuid

from cfn_providers import Failure, Made
from providers_events import function_of


class InvokeConfigProvider:
    def __init__(self, deliveries):
        self.deliveries = deliveries
        deliveries.retry_async = self.retry

    def create(self, ctx, lid, props):
        import providers_sources
        fn = function_of(props.get("FunctionName") or "")
        if fn is None:
            raise Failure(f"Function not found: {props.get('FunctionName')} (Service: Lambda, Status Code: 404)")
        if not 0 <= int(props.get("MaximumRetryAttempts", 2)) <= 2:
            raise Failure("1 validation error detected: Value at 'maximumRetryAttempts' failed to satisfy "
                          "constraint: Member must have value less than or equal to 2")
        destination = providers_sources.on_failure_of(props)
        if destination:
            refused = providers_sources.destination_refused(
                providers_sources.role_documents(fn.role) or [], destination)
            if refused:
                raise Failure(refused)
        self.deliveries.invoke_configs[fn.function_arn] = dict(props)
        return Made(f"{fn.function_name}:{props.get('Qualifier', '$LATEST')}", {}, fn.function_arn)

    def update(self, ctx, lid, made, old_props, new_props):
        self.delete(ctx, lid, made, old_props)
        return self.create(ctx, lid, new_props)

    def delete(self, ctx, lid, made, props):
        self.deliveries.invoke_configs.pop(made.handle, None)

    def retry(self, fn, event, invocation, run):
        """After a failed asynchronous invocation: Lambda's retries and destination."""
        import providers_sources
        config = self.deliveries.invoke_configs.get(fn.function_arn)
        if config is None:
            return
        attempts, retries = 1, int(config.get("MaximumRetryAttempts", 2))
        while invocation.error and attempts <= retries:
            time.sleep(1)
            invocation = run()
            attempts += 1
        destination = providers_sources.on_failure_of(config)
        if not invocation.error or not destination:
            return
        body = json.dumps({
            "version": "1.0",
            "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": fn.function_arn + ":$LATEST",
                               "condition": "RetriesExhausted", "approximateInvokeCount": attempts},
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                "functionError": "Unhandled"},
            "responsePayload": invocation.error})
        providers_sources.send_to_destination(fn.region, destination, body)
        self.deliveries.record(kind="async", source=destination, function=fn.function_name,
                               outcome="sent-on-failure", reason=f"after {attempts} attempts")


def providers(deliveries):
    return {"AWS::Lambda::EventInvokeConfig": InvokeConfigProvider(deliveries)}

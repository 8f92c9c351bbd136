"""AWS::Lambda::EventSourceMapping for SQS queues and DynamoDB streams, polled the way
Lambda polls them, in a background thread of the harness.

In:  the mapping's properties (FunctionName, EventSourceArn, BatchSize, StartingPosition,
     MaximumRetryAttempts, MaximumRecordAgeInSeconds, FilterCriteria, Enabled).
Out: the function invoked synchronously with batches:
       SQS       {"Records": [{messageId, receiptHandle, body, attributes, messageAttributes,
                 md5OfBody, eventSource "aws:sqs", eventSourceARN, awsRegion}]}; the
                 batch's messages are deleted when the function succeeds and left in the
                 queue (visible again after the queue's VisibilityTimeout) when it fails;
       DynamoDB  {"Records": [{eventID, eventName INSERT|MODIFY|REMOVE, eventVersion,
                 eventSource "aws:dynamodb", awsRegion, eventSourceARN, dynamodb: {Keys,
                 NewImage/OldImage per StreamViewType, SequenceNumber, SizeBytes,
                 StreamViewType, ApproximateCreationDateTime}}]}, from StartingPosition
                 (LATEST: records written after the mapping was made; TRIM_HORIZON: all),
                 a failed batch retried MaximumRetryAttempts times (-1: until it succeeds)
                 and then skipped, and sent to DestinationConfig.OnFailure (an SQS queue
                 or an SNS topic) as Lambda's failure record (DDBStreamBatchInfo) when
                 the mapping has one; with FunctionResponseTypes ReportBatchItemFailures,
                 an answer {"batchItemFailures": [{"itemIdentifier": SEQUENCE}]} fails the
                 batch from the first such record (those before it are done); with
                 BisectBatchOnFunctionError a failed batch is retried in halves; a
                 record older than MaximumRecordAgeInSeconds is given up on
                 (RecordAgeExceeded), its age read from ApproximateCreationDateTime
                 on the harness's record clock (POST /hitc-e2e/age-records/SECONDS
                 ages every record so far, as waiting that long would);
     both        FilterCriteria: a record or message that matches none of the filters'
                 patterns (moto's EventBridge matcher, an SQS body that is JSON matched
                 as JSON) never reaches the function; a filtered-out message is
                 deleted, as Lambda deletes it.
Holds: like CreateEventSourceMapping, the mapping is refused unless the function's
  execution role already has a policy allowing what Lambda needs on the source
  (SQS: sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes on the queue ARN;
  DynamoDB: dynamodb:DescribeStream, GetRecords, GetShardIterator, ListStreams on the
  stream ARN), read from the role's inline policies (AWS::IAM::Policy, Role Policies)
  and attached managed policies at the moment the mapping is made: a mapping made
  before its grant fails; so does one whose role may not send to its on-failure
  destination (sqs:SendMessage, sns:Publish).  Every batch is logged in
  WORK/logs/deliveries.log.
"""
import datetime
import fnmatch
import json
import threading
import time
import uuid

from cfn_providers import REPLACE, Failure, Made
from providers_events import ACCOUNT, function_of

SQS_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:ListStreams")
POLL = 0.25

# How much older than the clock says every stream record written so far is (the
# age-records hook): a record's age is now - its creation time + its share of this.
_aging = []                             # (seconds added, time they were added)
_aging_lock = threading.Lock()


def age_records(seconds):
    """The hook: records written before now are SECONDS older from now on."""
    try:
        value = float(seconds)
    except ValueError:
        return 400, json.dumps({"error": f"not a number of seconds: {seconds!r}"})
    with _aging_lock:
        _aging.append((value, time.time()))
    return 200, json.dumps({"aged": value})


def record_age(created):
    """Seconds since CREATED (epoch seconds), with the ageing of records made before it."""
    now = time.time()
    with _aging_lock:
        extra = sum(value for value, at in _aging if created <= at)
    return now - created + extra


def filters_of(props):
    """The mapping's FilterCriteria as moto EventPatterns ([] when it has none)."""
    from moto.events.models import EventPattern
    return [EventPattern.load(f["Pattern"]) for f in ((props.get("FilterCriteria") or {}).get("Filters") or [])]


def sqs_filter_view(record):
    """What an SQS filter's pattern reads: the record, its body parsed when it is JSON."""
    view = dict(record)
    try:
        view["body"] = json.loads(record["body"])
    except (TypeError, ValueError):
        pass
    return view


# --- the execution role's grants ------------------------------------------------------

def role_documents(role_arn):
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition
    backend = iam_backends[ACCOUNT][get_partition("us-east-1")]
    try:
        role = backend.get_role_by_arn(role_arn)
    except Exception:
        return None
    docs = list(role.policies.values())
    for policy in role.managed_policies.values():
        version = next((v for v in getattr(policy, "versions", []) if v.is_default), None)
        docs.append(version.document if version else getattr(policy, "document", "{}"))
    return [json.loads(d) if isinstance(d, str) else d for d in docs]


def listed(value):
    return [value] if isinstance(value, str) else list(value or [])


def allows(documents, action, resource):
    allowed = False
    for doc in documents:
        statements = doc.get("Statement")
        for st in [statements] if isinstance(statements, dict) else (statements or []):
            if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in listed(st.get("Action"))):
                continue
            if not any(fnmatch.fnmatchcase(resource, r) for r in listed(st.get("Resource"))):
                continue
            if st.get("Effect") == "Deny":
                return False
            if st.get("Effect") == "Allow":
                allowed = True
    return allowed


# --- sources ---------------------------------------------------------------------------

def sqs_backend(region):
    from moto.sqs.models import sqs_backends
    return sqs_backends[ACCOUNT][region]


def stream_table(region, stream_arn):
    from moto.dynamodb.models import dynamodb_backends
    for table in dynamodb_backends[ACCOUNT][region].tables.values():
        if table.latest_stream_label and f"{table.table_arn}/stream/{table.latest_stream_label}" == stream_arn:
            return table
    return None


def epoch(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return int(value.timestamp())
    return value


def on_failure_of(props):
    return (((props.get("DestinationConfig") or {}).get("OnFailure")) or {}).get("Destination")


def send_to_destination(region, arn, body):
    """What Lambda does with a failure record: SendMessage or Publish."""
    if ":sqs:" in arn:
        sqs_backend(region).send_message(arn.split(":")[-1], body)
    else:
        from moto.sns.models import sns_backends
        sns_backends[ACCOUNT][region].publish(body, arn=arn)


def destination_refused(documents, arn):
    """Lambda's refusal when the role may not send to an on-failure destination, or None."""
    action, service = ("sqs:SendMessage", "SQS") if ":sqs:" in arn else ("sns:Publish", "SNS")
    if allows(documents, action, arn):
        return None
    return (f"Invalid request provided: The provided execution role does not have permissions to "
            f"call {action.split(':')[1]} on {service} (Service: Lambda, Status Code: 400) [local "
            f"harness: checked the role's policies as they are now]")


class Mapping:
    def __init__(self, deliveries, uuid_, fn_arn, source_arn, props, region):
        self.deliveries = deliveries
        self.uuid = uuid_
        self.fn_arn = fn_arn
        self.source_arn = source_arn
        self.region = region
        self.kind = "sqs" if ":sqs:" in source_arn else "dynamodb"
        self.batch = int(props.get("BatchSize") or (10 if self.kind == "sqs" else 100))
        self.retries = int(props.get("MaximumRetryAttempts", -1))
        self.max_age = int(props.get("MaximumRecordAgeInSeconds", -1))
        self.filters = filters_of(props)
        self.on_failure = on_failure_of(props)
        self.partial = "ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or [])
        self.bisect = str(props.get("BisectBatchOnFunctionError", False)).lower() == "true"
        self.enabled = str(props.get("Enabled", True)).lower() != "false"
        self.stop = threading.Event()
        self.shard, self.position = None, 0
        if self.kind == "dynamodb":
            table = stream_table(region, source_arn)
            self.shard = table.stream_shard
            self.position = len(self.shard.items) if props.get("StartingPosition") == "LATEST" else 0
        self.thread = threading.Thread(target=self.loop, daemon=True, name=f"esm-{uuid_[:8]}")
        self.thread.start()

    def loop(self):
        while not self.stop.wait(POLL):
            if not self.enabled:
                continue
            try:
                self.poll_sqs() if self.kind == "sqs" else self.poll_stream()
            except Exception as err:     # the harness's own bug: say so, keep polling
                self.deliveries.record(kind=self.kind, source=self.source_arn, function=self.fn_arn,
                                       outcome="harness-error", reason=f"{type(err).__name__}: {err}")
                self.stop.wait(1)

    def poll_sqs(self):
        backend = sqs_backend(self.region)
        name = self.source_arn.split(":")[-1]
        queue = backend.get_queue(name)
        messages = backend.receive_message(name, self.batch, 0, int(queue.visibility_timeout))
        if not messages:
            return
        records = [{
            "messageId": m.id, "receiptHandle": m.receipt_handle, "body": m.body,
            "attributes": {"ApproximateReceiveCount": str(m.approximate_receive_count),
                           "SentTimestamp": str(m.sent_timestamp), "SenderId": m.sender_id,
                           "ApproximateFirstReceiveTimestamp": str(m.approximate_first_receive_timestamp)},
            "messageAttributes": {k: {"stringValue": v.get("string_value"), "dataType": v.get("data_type")}
                                  for k, v in (m.message_attributes or {}).items()},
            "md5OfBody": m.body_md5, "eventSource": "aws:sqs", "eventSourceARN": self.source_arn,
            "awsRegion": self.region} for m in messages]
        kept = [r for r in records if self.passes(sqs_filter_view(r))]
        for record in records:
            if record not in kept:          # Lambda deletes a message no filter matches
                backend.delete_message(name, record["receiptHandle"])
                self.filtered(record["messageId"])
        if not kept:
            return
        run = self.deliveries.invoke("sqs", self.fn_arn, {"Records": kept}, None, self.source_arn, wait=True)
        if run is not None and not run.error:
            for record in kept:
                backend.delete_message(name, record["receiptHandle"])

    def passes(self, view):
        return not self.filters or any(f.matches_event(view) for f in self.filters)

    def filtered(self, what):
        self.deliveries.record(kind=self.kind, source=self.source_arn, function=self.fn_arn,
                               outcome="filtered", reason=f"{what} matches no filter")

    def poll_stream(self):
        table = stream_table(self.region, self.source_arn)
        if table is None or table.stream_shard is not self.shard:
            return                          # the stream was turned off or replaced
        start = self.position
        items = self.shard.items[start:start + self.batch]
        if not items:
            return
        end = start + len(items)
        kept, offsets = [], {}
        for offset, item in enumerate(items, start):
            record = json.loads(json.dumps(item.to_json(), default=epoch))
            record["dynamodb"]["ApproximateCreationDateTime"] = epoch(item.to_json()["dynamodb"]["ApproximateCreationDateTime"])
            record["awsRegion"] = self.region
            record["eventSourceARN"] = self.source_arn
            if not self.passes(record):
                self.filtered(record["dynamodb"].get("SequenceNumber"))
                continue
            offsets[id(record)] = offset
            kept.append(record)
        records, attempts, done_to = kept, 0, end
        while records and not self.stop.is_set():
            records = self.drop_expired(records, attempts)
            if not records:
                break
            run = self.deliveries.invoke("dynamodb", self.fn_arn, {"Records": records}, None,
                                         self.source_arn, wait=True)
            failed = self.failed_from(run, records)
            if failed is None:
                break
            records = records[failed:]      # the records before the first failed one are done
            attempts += 1
            if 0 <= self.retries < attempts:
                self.deliveries.record(kind="dynamodb", source=self.source_arn, function=self.fn_arn,
                                       outcome="discarded", reason=f"batch of {len(records)} skipped after "
                                                                   f"{self.retries} retries")
                if self.on_failure:
                    self.send_failure(records, attempts, "RetryAttemptsExhausted")
                break
            if self.bisect and len(records) > 1:
                records = records[:len(records) // 2]
                done_to = offsets[id(records[-1])] + 1    # the other half is read again
            self.stop.wait(1)
        self.position = done_to

    def drop_expired(self, records, attempts):
        """The records still young enough; the older ones (the first, being oldest) go to
        the on-failure destination as RecordAgeExceeded."""
        if self.max_age < 0:
            return records
        old = [r for r in records if record_age(r["dynamodb"]["ApproximateCreationDateTime"]) > self.max_age]
        if not old:
            return records
        self.deliveries.record(kind="dynamodb", source=self.source_arn, function=self.fn_arn,
                               outcome="discarded", reason=f"{len(old)} records older than {self.max_age} s")
        if self.on_failure:
            self.send_failure(old, attempts, "RecordAgeExceeded")
        return [r for r in records if r not in old]

    def failed_from(self, run, records):
        """None when the batch succeeded, else the index of its first failed record."""
        if run is None or run.error:
            return 0
        if not self.partial:
            return None
        try:
            answer = json.loads(run.payload or b"null")
        except ValueError:
            return 0                        # Lambda fails a batch whose answer it cannot read
        failures = (answer or {}).get("batchItemFailures") if isinstance(answer, dict) else None
        if not failures:
            return None
        ids = {f.get("itemIdentifier") for f in failures if isinstance(f, dict)}
        for i, record in enumerate(records):
            if record["dynamodb"].get("SequenceNumber") in ids:
                return i
        return 0                            # an identifier of no record fails the whole batch

    def send_failure(self, records, attempts, condition):
        """Lambda's record of a batch it gave up on, to the on-failure destination."""
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        body = json.dumps({
            "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": self.fn_arn,
                               "condition": condition,
                               "approximateInvokeCount": attempts},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "DDBStreamBatchInfo": {"shardId": getattr(self.shard, "id", "shard"),
                                   "startSequenceNumber": first.get("SequenceNumber"),
                                   "endSequenceNumber": last.get("SequenceNumber"),
                                   "approximateArrivalOfFirstRecord": first.get("ApproximateCreationDateTime"),
                                   "approximateArrivalOfLastRecord": last.get("ApproximateCreationDateTime"),
                                   "batchSize": len(records), "streamArn": self.source_arn}})
        send_to_destination(self.region, self.on_failure, body)
        self.deliveries.record(kind="dynamodb", source=self.source_arn, function=self.fn_arn,
                               outcome="sent-on-failure", reason=self.on_failure)


class MappingProvider:
    def __init__(self, deliveries):
        self.deliveries = deliveries

    def create(self, ctx, lid, props):
        for key in ("FunctionName",):
            if not props.get(key):
                raise Failure(f"Properties validation failed for resource {lid} with message: "
                              f"#: required key [{key}] not found")
        source = props.get("EventSourceArn") or ""
        fn = function_of(props["FunctionName"])
        if fn is None:
            raise Failure(f"Function not found: {props['FunctionName']} (Service: Lambda, Status Code: 404)")
        documents = role_documents(fn.role) or []
        if ":sqs:" in source:
            if props.get("StartingPosition"):
                raise Failure("Invalid request provided: StartingPosition is not valid for SQS event sources "
                              "(Service: Lambda, Status Code: 400)")
            name = source.split(":")[-1]
            try:
                sqs_backend(ctx.region).get_queue(name)
            except Exception:
                raise Failure(f"Invalid request provided: Error occurred while ReceiveMessage. SQS Error Code: "
                              f"AWS.SimpleQueueService.NonExistentQueue (no queue {source})") from None
            if not 1 <= int(props.get("BatchSize", 10)) <= 10:
                raise Failure("Invalid request provided: BatchSize > 10 needs MaximumBatchingWindowInSeconds "
                              "(Service: Lambda, Status Code: 400)")
            for action in SQS_ACTIONS:
                if not allows(documents, action, source):
                    raise Failure(f"Invalid request provided: The provided execution role does not have "
                                  f"permissions to call {action.split(':')[1]} on SQS (Service: Lambda, "
                                  f"Status Code: 400) [local harness: checked the role's policies as they "
                                  f"are now; a mapping must wait (DependsOn) for the policy that grants it]")
        elif ":dynamodb:" in source and "/stream/" in source:
            if props.get("StartingPosition") not in ("LATEST", "TRIM_HORIZON"):
                raise Failure("Invalid request provided: StartingPosition must be LATEST or TRIM_HORIZON for a "
                              "DynamoDB stream (Service: Lambda, Status Code: 400)")
            if stream_table(ctx.region, source) is None:
                raise Failure(f"Stream not found: {source} (Service: Lambda, Status Code: 400)")
            if not all(allows(documents, a, source) for a in STREAM_ACTIONS):
                raise Failure("Invalid request provided: Cannot access stream " + source + ". Please ensure "
                              "the role can perform the GetRecords, GetShardIterator, DescribeStream, and "
                              "ListStreams Actions on your stream in IAM. (Service: Lambda, Status Code: 400) "
                              "[local harness: checked the role's policies as they are now; a mapping must "
                              "wait (DependsOn) for the policy that grants it]")
        else:
            raise Failure(f"the local harness maps SQS queues and DynamoDB streams only, not {source!r}")
        destination = on_failure_of(props)
        if destination and ":sqs:" in source:
            raise Failure("Invalid request provided: Unsupported DestinationConfig parameter for given "
                          "event source mapping type. (Service: Lambda, Status Code: 400)")
        if destination and destination_refused(documents, destination):
            raise Failure(destination_refused(documents, destination))
        mapping_id = str(uuid.uuid4())
        mapping = Mapping(self.deliveries, mapping_id, fn.function_arn, source, props, ctx.region)
        return Made(mapping_id, {"Id": mapping_id}, mapping)

    def update(self, ctx, lid, made, old_props, new_props):
        if any(old_props.get(k) != new_props.get(k) for k in ("EventSourceArn", "StartingPosition")):
            return REPLACE
        mapping = made.handle
        mapping.stop.set()
        new = self.create(ctx, lid, new_props)
        new.physical_id = made.physical_id
        return new

    def delete(self, ctx, lid, made, props):
        made.handle.stop.set()


def providers(deliveries):
    return {"AWS::Lambda::EventSourceMapping": MappingProvider(deliveries)}

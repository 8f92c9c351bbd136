"""The dynamic DNS updater: EC2 state changes -> Route 53 records.

In:  an EventBridge "EC2 Instance State-change Notification" ("source": "aws.ec2",
     "detail": {"instance-id": ID, "state": STATE}).
Out: when the instance is in the hosts table ({"instance": ID, "name": NAME,
     "address": IPV4}, "address" optional): for "running", an UPSERT of the A
     record NAME.DOMAIN (TTL 60) to its address, or, for an instance registered
     without one, to the address EC2 gave it (its public IPv4 address, else its
     private one, from ec2:DescribeInstances); for "stopping", "stopped", "shutting-down" and
     "terminated", the DELETE of that record as Route 53 holds it (a record
     already gone is no error, so a repeated event changes nothing).  Returns {"instance", "state",
     "change": "UPSERT"|"DELETE"|None, "name"}; None when the instance is not
     registered or there was nothing to delete.
.env (stamped by hitc): 'hosts' the table, 'zone' the hosted zone id, 'domain'.
"""
import boto3

import hitc_env

TTL = 60
GONE = ("stopping", "stopped", "shutting-down", "terminated")

_env = None


def env():
    global _env
    if _env is None:
        _env = hitc_env.load()
    return _env


def registered(instance):
    table = boto3.resource("dynamodb").Table(env()["hosts"])
    return table.get_item(Key={"instance": instance}).get("Item")


def ec2_address(instance):
    """The address EC2 gave the instance: public if it has one, else private."""
    found = boto3.client("ec2").describe_instances(InstanceIds=[instance])
    for reservation in found["Reservations"]:
        for i in reservation["Instances"]:
            return i.get("PublicIpAddress") or i.get("PrivateIpAddress")
    return None


def record_set(host, address):
    return {"Name": f"{host['name']}.{env()['domain'].rstrip('.')}.", "Type": "A",
            "TTL": TTL, "ResourceRecords": [{"Value": address}]}


def existing(route53, name):
    """The A record set called name in the zone, or None."""
    found = route53.list_resource_record_sets(
        HostedZoneId=env()["zone"], StartRecordName=name, StartRecordType="A",
        MaxItems="1")["ResourceRecordSets"]
    if found and found[0]["Name"] == name and found[0]["Type"] == "A":
        return found[0]
    return None


def handler(event, context):
    detail = event["detail"]
    instance, state = detail["instance-id"], detail["state"]
    answer = {"instance": instance, "state": state, "change": None, "name": None}
    host = registered(instance)
    if host is None or (state != "running" and state not in GONE):
        return answer
    action = "UPSERT" if state == "running" else "DELETE"
    address = host.get("address")
    if address is None and action == "UPSERT":
        address = ec2_address(instance)
        if address is None:
            return answer       # no address yet: nothing to point at
    rrset = record_set(host, address)
    answer["name"] = rrset["Name"]
    route53 = boto3.client("route53")
    if action == "DELETE":
        # Route 53 deletes a record only as it is: read it back (the address may
        # have changed in the registry since it was written).
        rrset = existing(route53, rrset["Name"])
        if rrset is None:
            return answer       # not there: nothing to delete
    try:
        route53.change_resource_record_sets(HostedZoneId=env()["zone"], ChangeBatch={
            "Comment": f"{instance} is {state}",
            "Changes": [{"Action": action, "ResourceRecordSet": rrset}]})
    except route53.exceptions.InvalidChangeBatch:
        if action == "UPSERT":
            raise
        return answer           # deleted meanwhile (a repeated event)
    answer["change"] = action
    return answer

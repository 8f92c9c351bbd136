# tests/e2e/apps/ddns.sh: the dynamic DNS updater (examples/ddns) on top of the
# generic checks of run.sh.  Sourced before the app runs: it makes the hosted zone
# both stages write in and gives its id and domain as parameters (APP_PARAMS).
# EC2 state changes are sent with `aws events put-events` as EC2 would send them;
# every stage's rule gets them, and only the stage whose registry holds the
# instance changes a record.

DDNS_DOMAIN=ddns.hitc.test
DDNS_ZONE=$(aws route53 create-hosted-zone --name "$DDNS_DOMAIN" --caller-reference "hitc-e2e-$RANDOM" \
    --query HostedZone.Id --output text)
DDNS_ZONE=${DDNS_ZONE##*/}
APP_PARAMS=("ZoneId=$DDNS_ZONE" "Domain=$DDNS_DOMAIN")
step "hosted zone $DDNS_ZONE ($DDNS_DOMAIN)"

ec2_state() {  # ec2_state INSTANCE STATE: the event EC2 sends, through put-events
    aws events put-events --entries "[{\"Source\":\"aws.ec2\",\"DetailType\":\"EC2 Instance State-change Notification\",\"Detail\":\"{\\\"instance-id\\\":\\\"$1\\\",\\\"state\\\":\\\"$2\\\"}\"}]" > /dev/null
}

a_records() {  # the zone's A records: "NAME TTL VALUE" a line, sorted
    aws route53 list-resource-record-sets --hosted-zone-id "$DDNS_ZONE" --output json |
        jq -r '.ResourceRecordSets[] | select(.Type == "A") | "\(.Name) \(.TTL) \(.ResourceRecords | map(.Value) | join(","))"' | sort
}
a_records_are() { [ "$(a_records | paste -sd'|')" = "$1" ]; }

app_deployed() {
    local dev_hosts prod_hosts
    dev_hosts=$(output "$DEV" Hosts) prod_hosts=$(output "$PROD" Hosts)
    aws dynamodb put-item --table-name "$dev_hosts" \
        --item '{"instance":{"S":"i-0dev"},"name":{"S":"web"},"address":{"S":"10.0.0.5"}}'
    aws dynamodb put-item --table-name "$prod_hosts" \
        --item '{"instance":{"S":"i-0prod"},"name":{"S":"api"},"address":{"S":"10.0.1.7"}}'
    ec2_state i-0dev running
    wait_until 60 a_records_are "web.$DDNS_DOMAIN. 60 10.0.0.5"
    expect_eq "$DEV: an EC2 'running' event reaches the updater through its rule, which upserts the instance's A record" \
        "web.$DDNS_DOMAIN. 60 10.0.0.5" "$(a_records | paste -sd'|')"
    ec2_state i-0prod running
    ec2_state i-0unknown running
    wait_until 60 a_records_are "api.$DDNS_DOMAIN. 60 10.0.1.7|web.$DDNS_DOMAIN. 60 10.0.0.5"
    sleep 1                                   # a wrong record would come as quickly
    expect_eq "$PROD: its own registry's instance gets its record; an unregistered instance gets none" \
        "api.$DDNS_DOMAIN. 60 10.0.1.7|web.$DDNS_DOMAIN. 60 10.0.0.5" "$(a_records | paste -sd'|')"
    ec2_state i-0dev stopped
    wait_until 60 a_records_are "api.$DDNS_DOMAIN. 60 10.0.1.7"
    expect_eq "$DEV: a 'stopped' event deletes the instance's record, and only it" \
        "api.$DDNS_DOMAIN. 60 10.0.1.7" "$(a_records | paste -sd'|')"
    # An instance registered without an address gets the one EC2 gave it: the
    # updater reads it with ec2:DescribeInstances, which its role may call on "*"
    # (an action that takes only "*", granted without a warning).
    local image iid ip
    image=$(aws ec2 describe-images --query 'Images[0].ImageId' --output text)
    iid=$(aws ec2 run-instances --image-id "$image" --count 1 --query 'Instances[0].InstanceId' --output text)
    ip=$(aws ec2 describe-instances --instance-ids "$iid" \
        --query 'Reservations[0].Instances[0].[PublicIpAddress,PrivateIpAddress]' --output text |
        awk '{print ($1 != "None" && $1 != "") ? $1 : $2}')
    aws dynamodb put-item --table-name "$dev_hosts" \
        --item "{\"instance\":{\"S\":\"$iid\"},\"name\":{\"S\":\"db\"}}"
    ec2_state "$iid" running
    wait_until 60 a_records_are "api.$DDNS_DOMAIN. 60 10.0.1.7|db.$DDNS_DOMAIN. 60 $ip"
    expect_eq "$DEV: an instance registered without an address gets the one EC2 gave it (ec2:DescribeInstances on '*')" \
        "api.$DDNS_DOMAIN. 60 10.0.1.7|db.$DDNS_DOMAIN. 60 $ip" "$(a_records | paste -sd'|')"
    local refused
    refused=$(deliveries | jq '[.[] | select(.kind == "events" and .outcome != "invoked" and (.function | test("^ddns-")))] | length')
    expect_eq "$BASE: every EC2 event reached both stages' updaters (none refused)" 0 "$refused"
}

# tests/e2e/apps/local-invoke.sh: `hitc invoke` beside the deployed function.
# Sourced by run.sh for every app (its one line in run_app), once the app's prod
# stack is the only one left; uses BASE, PROD, WORK, OUT, APP_DIR, HITC, E2E and
# lib.sh's pass/fail.
#
# For every function a route or a trigger calls (a plugin's service is called by
# CloudFormation alone), `hitc event` makes the event its route or trigger sends
# (a REST or HTTP API request on its first route, with a JSON body for POST and
# PUT; the schedule; an event its pattern matches; a stream record), and the same
# event goes to the function deployed in PROD (`aws lambda invoke`) and to
# `hitc invoke APP FUNCTION --stack PROD --endpoint-url` (the deployed stage's
# values, from its stack and its stamped .env).  The two answers must be the same:
# the same statusCode, headers and body (a JSON body compared as JSON), or the same
# errorType and errorMessage.  Where they differ, only what the state or the clock
# makes differ may: two numbers (a counter one higher the second time), and inside
# two strings that are otherwise the same, ids (UUIDs), timestamps and digits.

local_invoke_compare() {
    local app=$WORK/$BASE/edited
    [ -f "$app/app.hit" ] || app=$APP_DIR      # prod runs the edited copy (check_update)
    local template=$WORK/$BASE/out2/template.json
    [ -f "$template" ] || template=$OUT/template.json
    local line
    while IFS= read -r line; do
        case $line in
        "PASS "*) pass "${line#PASS }" ;;
        "FAIL "*) fail "${line#FAIL }" "$(cat "$WORK/local-invoke.detail")" ;;
        "-- "*) echo "$line" ;;
        esac
    done < <(HITC="$HITC" python3 - "$app/app.hit" "$template" "$PROD" "$BASE" "$WORK" <<'PY'
import json, os, re, subprocess, sys, tempfile

app, template_path, stack, base, work = sys.argv[1:6]
hitc = os.environ["HITC"]
template = json.load(open(template_path))
res = template["Resources"]
detail_file = os.path.join(work, "local-invoke.detail")
# What the state and the clock make differ, inside a string: an id (a UUID, with
# or without its dashes), a timestamp, a number.
VOLATILE = [(re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"), "<id>"),
            (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?"), "<time>"),
            (re.compile(r"\d+"), "<n>")]


def steady(text):
    for pattern, mark in VOLATILE:
        text = pattern.sub(mark, text)
    return text


def run(*args, stdin=None):
    p = subprocess.run(list(args), input=stdin, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def event(*args):
    rc, out, err = run(hitc, "event", *args)
    if rc != 0:
        raise RuntimeError(f"hitc event {' '.join(args)}: {err}")
    return out


def first_route(logical):
    """(kind, method, path) of the first route that calls the function."""
    paths = {}
    for lid, r in res.items():
        if r["Type"] == "AWS::ApiGateway::Resource":
            paths[lid] = r["Properties"]
    def path_of(rid):
        if "Ref" not in rid:
            return ""
        p = paths[rid["Ref"]]
        return path_of(p["ParentId"]) + "/" + p["PathPart"]
    for lid, r in res.items():
        p = r.get("Properties", {})
        if r["Type"] == "AWS::ApiGateway::Method" and p["Integration"].get("Type") == "AWS_PROXY" \
                and "${%s.Arn}" % logical in p["Integration"]["Uri"]["Fn::Sub"]:
            return "rest", p["HttpMethod"], path_of(p["ResourceId"]) or "/"
        if r["Type"] == "AWS::ApiGatewayV2::Route":
            integ = res[p["Target"]["Fn::Sub"].split("${")[1].rstrip("}")]["Properties"]
            if integ["IntegrationUri"] == {"Fn::GetAtt": [logical, "Arn"]}:
                method, path = p["RouteKey"].split(" ", 1)
                return "http", method, path
    return None


def trigger_event(logical):
    for lid, r in res.items():
        p = r.get("Properties", {})
        if r["Type"] == "AWS::Events::Rule" and any(
                t["Arn"] == {"Fn::GetAtt": [logical, "Arn"]} for t in p.get("Targets", [])):
            if "ScheduleExpression" in p:
                return "schedule", event("schedule", "--rule", lid)
            detail = {"instance-id": "i-e2elocal"} if "aws.ec2" in json.dumps(p["EventPattern"]) else {}
            return "eventbridge", event("eventbridge", json.dumps(p["EventPattern"]),
                                        "--detail", json.dumps(detail))
        if r["Type"] == "AWS::Lambda::EventSourceMapping" and \
                p["FunctionName"] == {"Fn::GetAtt": [logical, "Arn"]}:
            table = p["EventSourceArn"]["Fn::GetAtt"][0]
            key = res[table]["Properties"]["KeySchema"][0]["AttributeName"]
            item = {key: "e2e-local", "text": "the local comparison"}
            return "dynamodb", event("dynamodb", "INSERT", "--keys", json.dumps({key: "e2e-local"}),
                                     "--new", json.dumps(item), "--table", table)
    return None


def physical(logical):
    rc, out, err = run("aws", "cloudformation", "describe-stack-resource", "--stack-name", stack,
                       "--logical-resource-id", logical, "--output", "json")
    return json.loads(out)["StackResourceDetail"]["PhysicalResourceId"]


def deployed(logical, ev):
    with tempfile.TemporaryDirectory() as tmp:
        payload, out = os.path.join(tmp, "event.json"), os.path.join(tmp, "out.json")
        open(payload, "w").write(ev)
        rc, meta, err = run("aws", "lambda", "invoke", "--function-name", physical(logical),
                            "--payload", f"fileb://{payload}", "--output", "json", out)
        if rc != 0:
            raise RuntimeError(f"aws lambda invoke: {err}")
        return json.load(open(out))


def local(name, ev):
    rc, out, err = run(hitc, "invoke", app, name, "--event", "-", "--stack", stack,
                       "--endpoint-url", os.environ["AWS_ENDPOINT_URL"], "-q", stdin=ev)
    if rc not in (0, 1):
        raise RuntimeError(f"hitc invoke exited {rc}: {err}")
    return json.loads(out)


def comparable(answer):
    """An answer with a JSON body read as JSON; an error by its type and message."""
    if isinstance(answer, dict) and "errorType" in answer:
        return {"errorType": answer["errorType"], "errorMessage": answer.get("errorMessage")}
    if isinstance(answer, dict) and isinstance(answer.get("body"), str):
        try:
            answer = dict(answer, body=json.loads(answer["body"]))
        except ValueError:
            pass
    return answer


def differences(a, b, where="$"):
    """Where a and b differ in more than the state and the clock."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(a)} and {sorted(b)}"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} and {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if a == b or where == "$.statusCode":
        return [] if a == b else [f"{where}: {a!r} and {b!r}"]
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    strings = all(isinstance(v, str) for v in (a, b))
    if numbers or (strings and steady(a) == steady(b)):
        return []
    return [f"{where}: {a!r} and {b!r}"]


for logical, r in sorted(res.items()):
    if r["Type"] != "AWS::Lambda::Function" or logical == "HitcStamperFunction":
        continue
    name = logical                  # hitc invoke takes a function's logical ID too
    route = first_route(logical)
    try:
        if route:
            kind, method, path = route
            path = re.sub(r"\{[^}]*\+\}", "e2e/local", re.sub(r"\{[^}+]*\}", "e2elocal", path))
            body = ("--body", json.dumps({"name": "e2elocal", "text": "the local comparison"})) \
                if method in ("POST", "PUT") else ()
            ev, what = event(kind, method, path, "--app", app, *body), f"{kind} {method} {path}"
        else:
            trig = trigger_event(logical)
            if not trig:
                print(f"-- {base}: {name}: a plugin's service, called by CloudFormation only")
                continue
            what, ev = trig
        d, l = comparable(deployed(logical, ev)), comparable(local(name, ev))
        diffs = differences(d, l)
    except Exception as e:                      # a step that failed is the case's failure
        diffs = [f"{type(e).__name__}: {e}"]
        d = l = None
    label = f"{base}: hitc invoke {name} with hitc event {what} answers as the deployed function"
    if diffs:
        with open(detail_file, "w") as f:
            f.write("\n".join(diffs) + f"\ndeployed: {json.dumps(d)[:600]}\nlocal:    {json.dumps(l)[:600]}\n")
        print(f"FAIL {label}", flush=True)
    else:
        print(f"-- {name}: {json.dumps(l)[:160]}")
        print(f"PASS {label}", flush=True)
PY
)
}

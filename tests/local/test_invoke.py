"""hitc invoke: every example function, against a moto server with nothing
deployed: those a route or a trigger calls with the event `hitc event` prints
for it, the plugins' services with a custom-resource request whose ResponseURL
the test serves; Lambda's error shapes and exit statuses; the directory a function
runs in (its bundle's files and the .env the stamper would write); env values
that have none here; the interpreter's version."""
import io
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

from local_support import APPS, EXAMPLES, HITC, ROOT, Moto, env_for_aws, run_hitc

MOTO = None


def setUpModule():
    global MOTO
    MOTO = Moto()


def tearDownModule():
    MOTO.stop()


def app(name):
    return os.path.join(EXAMPLES, name, "app.hit")


class Invoke(unittest.TestCase):
    def event(self, *args):
        rc, out, err = run_hitc("event", *args)
        self.assertEqual(0, rc, err)
        return out

    def invoke(self, path, fn, event=None, *args, want=0):
        extra = ("--event", "-") if event is not None else ()
        rc, out, err = run_hitc("invoke", path, fn, "--endpoint-url", MOTO.url, "-q",
                                *extra, *args, stdin=event)
        self.assertEqual(want, rc, f"stdout: {out}\nstderr: {err}")
        return json.loads(out), err

    def body(self, answer, status=200):
        self.assertEqual(status, answer["statusCode"], answer)
        return json.loads(answer["body"])


class Examples(Invoke):
    """Each example function as its route or trigger would call it."""

    def test_hits(self):
        ev = self.event("rest", "GET", "/erin", "--app", app("hits"))
        self.assertEqual([1, 2], [self.body(self.invoke(app("hits"), "counter", ev)[0])["hits"]
                                  for _ in range(2)])

    def test_hits_http(self):
        path = os.path.join(ROOT, "tests", "e2e", "apps", "hits-http", "app.hit")
        ev = self.event("http", "GET", "/erin", "--app", path)
        got = self.body(self.invoke(path, "counter", ev, "--env", "url=http://x/")[0])
        self.assertEqual((1, "erin", "http://x/"), (got["hits"], got["name"], got["url"]))
        # outside serve, api.url needs the API, which only a deployment has
        rc, out, err = run_hitc("invoke", path, "counter", "--endpoint-url", MOTO.url)
        self.assertEqual(2, rc)
        self.assertIn("env 'url' of function 'counter' has no value here: the API exists "
                      "only in a deployed stage (--stack NAME); 'hitc serve' gives api.url "
                      "its own URL; give it with --env url=VALUE", err)

    def test_chat(self):
        path = app("chat")
        ev = self.event("rest", "POST", "/messages/lobby", "--app", path, "--body",
                        json.dumps({"name": "ann", "text": "hello"}))
        self.assertEqual(201, self.invoke(path, "post", ev)[0]["statusCode"])
        ev = self.event("rest", "GET", "/messages/lobby", "--app", path)
        got = self.body(self.invoke(path, "read", ev)[0])
        self.assertEqual(["hello"], [m["text"] for m in got["messages"]])
        self.assertEqual(200, self.invoke(path, "checkin", self.event(
            "rest", "PUT", "/people/ann", "--app", path))[0]["statusCode"])
        got = self.body(self.invoke(path, "who", self.event("rest", "GET", "/people", "--app", path))[0])
        self.assertEqual(["ann"], [p["name"] for p in got["people"]])

    def test_indexer_stream_and_search(self):
        path = app("indexer")
        ev = self.event("dynamodb", "INSERT", "--keys", '{"id": "n1"}', "--new",
                        json.dumps({"id": "n1", "text": "Quiet harbour lights"}),
                        "--table", "indexer-dev-notes")
        self.invoke(path, "indexer", ev)
        got = self.body(self.invoke(path, "search", self.event(
            "rest", "GET", "/search/harbour", "--app", path))[0])
        self.assertIn("n1", json.dumps(got))
        ev = self.event("dynamodb", "REMOVE", "--keys", '{"id": "n1"}', "--old",
                        json.dumps({"id": "n1", "text": "Quiet harbour lights"}))
        self.invoke(path, "indexer", ev)
        got = self.body(self.invoke(path, "search", self.event(
            "rest", "GET", "/search/harbour", "--app", path))[0])
        self.assertNotIn("n1", json.dumps(got))

    def test_sweeper_on_its_schedule(self):
        path = app("sweeper")
        ev = self.event("schedule", "--rule", "nightly")
        self.invoke(path, "sweep", ev)                      # makes the table
        table = MOTO.client("dynamodb")
        table.put_item(TableName="sweeper-dev-sessions", Item={"id": {"S": "old"}, "expires": {"N": "1"}})
        table.put_item(TableName="sweeper-dev-sessions",
                       Item={"id": {"S": "new"}, "expires": {"N": str(int(time.time()) + 3600)}})
        got, _ = self.invoke(path, "sweep", ev)
        self.assertEqual((1, 1), (got["deleted"], got["kept"]), got)
        left = table.scan(TableName="sweeper-dev-sessions")["Items"]
        self.assertEqual(["new"], [i["id"]["S"] for i in left])

    def test_ddns_on_its_event_pattern(self):
        path = app("ddns")
        r53 = MOTO.client("route53")
        zone = r53.create_hosted_zone(Name="local.example.", CallerReference=str(time.time()))
        zone_id = zone["HostedZone"]["Id"].split("/")[-1]
        pattern = re.search(r'on event "(.*)" -> updater', open(path).read()).group(1)
        pattern = pattern.encode().decode("unicode_escape")
        ev = self.event("eventbridge", pattern, "--detail",
                        '{"instance-id": "i-0abc", "state": "running"}')
        e = json.loads(ev)
        self.assertEqual(("aws.ec2", "EC2 Instance State-change Notification"),
                         (e["source"], e["detail-type"]))
        env = ("--env", f"zone={zone_id}", "--env", "domain=local.example")
        got, _ = self.invoke(path, "updater", ev, *env)              # not registered yet
        self.assertEqual(None, got["change"])
        MOTO.client("dynamodb").put_item(TableName="ddns-dev-hosts", Item={
            "instance": {"S": "i-0abc"}, "name": {"S": "web"}, "address": {"S": "10.0.0.7"}})
        got, _ = self.invoke(path, "updater", ev, *env)
        self.assertEqual(("UPSERT", "web.local.example."), (got["change"], got["name"]))
        sets = r53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
        self.assertIn(("web.local.example.", "10.0.0.7"),
                      [(s["Name"], s["ResourceRecords"][0]["Value"]) for s in sets if s["Type"] == "A"])

    def test_ddns_without_its_parameters_names_them(self):
        rc, out, err = run_hitc("invoke", app("ddns"), "updater", "--endpoint-url", MOTO.url)
        self.assertEqual(2, rc)
        self.assertIn("env 'zone' of function 'updater' has no value here: parameter "
                      "'zone-id' has no default and no value here; give it with --env "
                      "zone=VALUE", err)
        self.assertIn("env 'domain' of function 'updater'", err)

    def test_jobs_sends_to_its_included_queue(self):
        path = app("jobs")
        got = self.body(self.invoke(path, "submit", self.event(
            "rest", "GET", "/submit/zed", "--app", path))[0])
        sqs = MOTO.client("sqs")
        url = sqs.get_queue_url(QueueName="jobs-dev-jobs")["QueueUrl"]
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        self.assertIn({"id": got["id"], "name": "zed"}, [json.loads(m["Body"]) for m in msgs])

    def test_plugin_outputs_have_no_value_without_a_stack(self):
        rc, out, err = run_hitc("invoke", app("seeded-hits"), "counter", "--endpoint-url", MOTO.url)
        self.assertEqual(2, rc)
        self.assertIn("env 'seeded' of function 'counter' has no value here: resource "
                      "'starting' exists only in a deployed stage (--stack NAME); give it "
                      "with --env seeded=VALUE", err)
        got = self.body(self.invoke(app("seeded-hits"), "counter", self.event(
            "rest", "GET", "/", "--app", app("seeded-hits")), "--env", "seeded=3",
            "--env", "written=2")[0])
        self.assertEqual(("3", "2"), (str(got["seeded"]), str(got["written"])))

    def test_releases_status(self):
        path = app("releases")
        MOTO_DDB = MOTO.client("dynamodb")
        env = ("--env", "release=dev-r1", "--env", "number=1", "--env", "notice=n-1")
        got, _ = self.invoke(path, "status", self.event("rest", "GET", "/", "--app", path), *env)
        self.assertEqual(404, got["statusCode"])           # made the board; no notice yet
        MOTO_DDB.put_item(TableName="releases-dev-board",
                          Item={"id": {"S": "n-1"}, "text": {"S": "release 1 is up"}})
        got = self.body(self.invoke(path, "status", self.event("rest", "GET", "/", "--app", path), *env)[0])
        self.assertEqual({"release": "dev-r1", "number": 1, "notice": "n-1", "text": "release 1 is up"}, got)


class Responses:
    """A ResponseURL: every custom-resource answer PUT to it, by path."""

    def __init__(self):
        import http.server
        import threading
        got = self.got = {}

        class Put(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                got[self.path] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Put)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class PluginServices(Invoke):
    """A plugin's service is called by CloudFormation alone: its event is a
    custom-resource request, its answer a PUT to the request's ResponseURL."""

    def request(self, responses, path, logical, props, kind="Create"):
        rc, out, err = run_hitc("build", path, "-o", "-")
        template = json.loads(out)
        resource = template["Resources"][logical]
        properties = dict(resource["Properties"], **props)
        return json.dumps({
            "RequestType": kind, "ResponseURL": f"{responses.url}/{logical}",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/local/1",
            "RequestId": f"request-{logical}", "ResourceType": resource["Type"],
            "LogicalResourceId": logical, "ResourceProperties": properties})

    def test_seeder_releases_and_notices(self):
        responses = Responses()
        self.addCleanup(responses.close)
        seeded = app("seeded-hits")
        ev = self.request(responses, seeded, "StartingResource",
                          {"ServiceToken": "arn:local", "ServiceTimeout": "120",
                           "table": "seeded-hits-dev-counters", "start": "100"})
        self.invoke(seeded, "seeder", ev)
        answer = responses.got["/StartingResource"]
        self.assertEqual(("SUCCESS", {"written": "3", "count": "3"}),
                         (answer["Status"], answer["Data"]), answer)
        got = self.body(self.invoke(seeded, "counter", self.event(
            "rest", "GET", "/home", "--app", seeded), "--env", "seeded=3", "--env", "written=3")[0])
        self.assertEqual(101, got["hits"])

        rel = app("releases")
        ev = self.request(responses, rel, "CurrentResource",
                          {"ServiceToken": "arn:local", "ServiceTimeout": "120",
                           "table": "releases-dev-numbers", "series": "dev"})
        self.invoke(rel, "numberer", ev)
        current = responses.got["/CurrentResource"]
        self.assertEqual(("SUCCESS", "1"), (current["Status"], str(current["Data"]["number"])), current)
        ev = self.request(responses, rel, "AnnouncementResource", {
            "ServiceToken": "arn:local", "ServiceTimeout": "120", "board": "releases-dev-board",
            "id": current["Data"]["id"], "text": "release 1 of dev: the status page is up"})
        self.invoke(rel, "poster", ev)
        notice = responses.got["/AnnouncementResource"]
        self.assertEqual("SUCCESS", notice["Status"], notice)
        got = self.body(self.invoke(rel, "status", self.event("rest", "GET", "/", "--app", rel),
                                    "--env", f"release={current['Data']['id']}",
                                    "--env", f"number={current['Data']['number']}",
                                    "--env", f"notice={notice['Data']['key']}")[0])
        self.assertEqual("release 1 of dev: the status page is up", got["text"])


class Shapes(Invoke):
    """Lambda's answers: results, errors, timeouts, deaths."""

    def test_a_result_and_the_log_lines(self):
        rc, out, err = run_hitc("invoke", os.path.join(APPS, "echo", "rest.hit"), "echo")
        self.assertEqual(0, rc, err)
        got = json.loads(json.loads(out)["body"])
        self.assertEqual(({}, "echo-rest-dev-echo"), (got["event"], got["context"]["function_name"]))
        self.assertRegex(err, r"(?m)^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST\nEND RequestId: \1\n"
                              r"REPORT RequestId: \1\tDuration: [0-9.]+ ms\tMemory Size: 128 MB\t"
                              r"Init Duration: [0-9.]+ ms$")

    def test_an_error_is_lambdas_shape_and_exit_1(self):
        rc, out, err = run_hitc("invoke", os.path.join(APPS, "echo", "rest.hit"), "fail", "-q")
        self.assertEqual(1, rc)
        got = json.loads(out)
        self.assertEqual(("RuntimeError", "the handler fails on purpose"),
                         (got["errorType"], got["errorMessage"]))
        src = os.path.join(APPS, "echo", "src", "index.py")
        self.assertEqual(1, len(got["stackTrace"]))
        self.assertIn(f'File "{src}", line', got["stackTrace"][0])
        self.assertRegex(got["requestId"], r"^[0-9a-f-]{36}$")
        self.assertIn("[ERROR] RuntimeError: the handler fails on purpose", err)

    def test_a_timeout(self):
        rc, out, err = run_hitc("invoke", os.path.join(APPS, "echo", "rest.hit"), "sleepy", "-q")
        self.assertEqual(1, rc)
        got = json.loads(out)
        self.assertEqual("Sandbox.Timedout", got["errorType"])
        self.assertRegex(got["errorMessage"], r"^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$")

    def test_a_death(self):
        rc, out, err = run_hitc("invoke", os.path.join(APPS, "echo", "rest.hit"), "crash", "-q")
        self.assertEqual((1, "Runtime.ExitError"), (rc, json.loads(out)["errorType"]))
        self.assertIn("Runtime exited with error: exit status 3", json.loads(out)["errorMessage"])

    def test_init_errors(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, tmp)
        os.mkdir(os.path.join(tmp, "src"))
        with open(os.path.join(tmp, "app.hit"), "w") as f:
            f.write('function f {\n  runtime python3.12\n  handler index.handler\n  code "src"\n}\n'
                    'function g {\n  runtime python3.12\n  handler index.nothing\n  code "src"\n}\n')
        with open(os.path.join(tmp, "src", "index.py"), "w") as f:
            f.write("import no_such_module_here\n\ndef handler(e, c):\n    return 1\n")
        rc, out, err = run_hitc("invoke", os.path.join(tmp, "app.hit"), "f", "-q")
        got = json.loads(out)
        self.assertEqual((1, "Runtime.ImportModuleError",
                          "Unable to import module 'index': No module named 'no_such_module_here'"),
                         (rc, got["errorType"], got["errorMessage"]))
        self.assertIn("[ERROR] Runtime.ImportModuleError: Unable to import module 'index'", err)
        with open(os.path.join(tmp, "src", "index.py"), "w") as f:
            f.write("def handler(e, c):\n    return 1\n")
        rc, out, err = run_hitc("invoke", os.path.join(tmp, "app.hit"), "g", "-q")
        got = json.loads(out)
        self.assertEqual((1, "Runtime.HandlerNotFound", "Handler 'nothing' missing on module 'index'"),
                         (rc, got["errorType"], got["errorMessage"]))
        rc, out, err = run_hitc("invoke", os.path.join(tmp, "app.hit"), "f", "-q")
        self.assertEqual((0, "1"), (rc, out.strip()))

    def test_node_error_and_context(self):
        path = os.path.join(APPS, "echo-node", "app.hit")
        rc, out, err = run_hitc("invoke", path, "fail", "-q")
        got = json.loads(out)
        self.assertEqual((1, "TypeError", "the node handler fails on purpose"),
                         (rc, got["errorType"], got["errorMessage"]))
        self.assertEqual("TypeError: the node handler fails on purpose", got["trace"][0])
        rc, out, err = run_hitc("invoke", path, "echo", "-q", "--event", "-", stdin='{"k": [1]}')
        got = json.loads(json.loads(out)["body"])
        self.assertEqual(({"k": [1]}, "echo-node-dev-echo"), (got["event"], got["context"]["functionName"]))


class Layout(Invoke):
    """The directory a function runs in is its bundle's, with the .env."""

    def test_the_bundles_files_and_the_stampers_env(self):
        path = os.path.join(APPS, "echo", "rest.hit")
        rc, out, err = run_hitc("invoke", path, "layout", "-q", "--env", "greeting=x=y z")
        self.assertEqual(0, rc, err)
        got = json.loads(json.loads(out)["body"])
        out_dir = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, out_dir)
        rc, _, err = run_hitc("build", path, "-o", os.path.join(out_dir, "out"))
        self.assertEqual(0, rc, err)
        template = json.load(open(os.path.join(out_dir, "out", "template.json")))
        key = template["Resources"]["LayoutFunctionCode"]["Properties"]["SourceKey"]["Fn::Sub"]
        sha = re.search(r"([0-9a-f]{64})\.zip", key).group(1)
        with zipfile.ZipFile(os.path.join(out_dir, "out", "bundles", sha + ".zip")) as z:
            names = sorted(z.namelist())
        self.assertEqual(sorted(names + [".env"]), got["files"])
        self.assertIn("hitc_env.py", names)
        # the stamper's own writer makes the same .env from the same values
        sys.path.insert(0, os.path.join(ROOT, "runtime-support", "plugin", "python"))
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            "stamper_for_test", os.path.join(ROOT, "runtime-support", "stamper", "index.py"))
        stamper = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(stamper)
        want = stamper.format_env({"greeting": "x=y z",
                                   "quoted": 'a "quoted" value # not a comment'})
        self.assertEqual(want, got["env"])

    def test_the_layout_is_removed_afterwards(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(os.rmdir, tmp)
        rc, out, err = run_hitc("invoke", os.path.join(APPS, "echo", "rest.hit"), "echo", "-q",
                                env=env_for_aws({"TMPDIR": tmp}))
        root = json.loads(json.loads(out)["body"])["context"]["task_root"]
        self.assertTrue(root.startswith(tmp + "/hitc-invoke."), root)
        self.assertEqual([], os.listdir(tmp))

    def test_a_code_directory_with_its_own_env_keeps_its_keys(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, tmp)
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        with open(os.path.join(tmp, "app.hit"), "w") as f:
            f.write('function f {\n  runtime python3.12\n  handler index.handler\n  code "src"\n'
                    '  env {\n    a = "from hitc"\n  }\n}\n')
        with open(os.path.join(src, "index.py"), "w") as f:
            f.write("def handler(e, c):\n    return open('.env').read()\n")
        with open(os.path.join(src, ".env"), "w") as f:
            f.write("# the code's own\nexport a=overridden\nb = 'kept \\\\ single'\nc=\"x\\ny\"\n")
        rc, out, err = run_hitc("invoke", os.path.join(tmp, "app.hit"), "f", "-q")
        self.assertEqual(0, rc, err)
        self.assertEqual('a="from hitc"\nb="kept \\\\ single"\nc="x\\ny"\n', json.loads(out))


class Interpreters(Invoke):
    def test_a_different_minor_version_is_a_warning_naming_both(self):
        have = "%d.%d" % sys.version_info[:2]
        bin_dir = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, bin_dir)
        os.symlink(sys.executable, os.path.join(bin_dir, "python3"))
        env = env_for_aws({"PATH": bin_dir})
        rc, out, err = run_hitc("invoke", os.path.join(APPS, "echo", "rest.hit"), "echo", "-q", env=env)
        self.assertEqual(0, rc, err)
        if have != "3.12":
            self.assertIn(f"hitc: warning: function 'echo' is on python3.12, but no python3.12 "
                          f"on PATH; running python3, which is Python {have}, not 3.12", err)
        os.symlink(sys.executable, os.path.join(bin_dir, "python3.12"))
        rc, out, err = run_hitc("invoke", os.path.join(APPS, "echo", "rest.hit"), "echo", "-q", env=env)
        self.assertEqual(0, rc, err)
        if have != "3.12":
            self.assertIn(f"'python3.12' on PATH is Python {have}, not 3.12", err)

    def test_no_interpreter_at_all(self):
        bin_dir = tempfile.mkdtemp()
        self.addCleanup(os.rmdir, bin_dir)
        rc, out, err = run_hitc("invoke", os.path.join(APPS, "echo-node", "app.hit"), "echo",
                                env=env_for_aws({"PATH": bin_dir}))
        self.assertEqual(2, rc)
        self.assertIn("function 'echo': node does not run on this machine (is it on PATH?); "
                      "nodejs22.x needs it", err)


class Usage(Invoke):
    def test_bad_usage(self):
        for args, want in (
                (("invoke",), "'invoke' needs a .hit file and a function's name"),
                (("invoke", app("hits"), "countr"), "has no function 'countr'; did you mean 'counter'?"),
                (("invoke", app("hits"), "counter", "--env", "novalue"), "--env takes NAME=VALUE"),
                (("invoke", app("hits"), "counter", "--frobnicate"), "unknown option '--frobnicate'"),
                (("event", "carrier-pigeon"), "unknown kind 'carrier-pigeon'"),
                (("event", "dynamodb", "INSERT"), "give the item's key with --keys"),
                (("event", "rest", "GET"), "'event rest' takes METHOD PATH"),
                (("serve",), "'serve' needs a .hit file"),
                (("serve", app("hits"), "--port", "http"), "--port takes a port number")):
            rc, out, err = run_hitc(*args)
            self.assertEqual(2, rc, (args, err))
            self.assertIn(want, err, args)
        rc, out, err = run_hitc("invoke", app("hits"), "counter", "--event", "-", stdin="not json")
        self.assertEqual((2, True), (rc, "the event in '-' is not JSON" in err), err)

    def test_help(self):
        for cmd in ("invoke", "event", "serve"):
            rc, out, err = run_hitc(cmd, "--help")
            self.assertEqual((0, ""), (rc, err))
            self.assertTrue(out.startswith(f"usage: hitc {cmd} "), out)


if __name__ == "__main__":
    unittest.main()

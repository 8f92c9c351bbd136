"""hitc serve with real clients (curl and http.client): the examples against a
moto server with nothing deployed, REST and HTTP API event shapes and answers,
API Gateway's own errors, CORS, failing, slow and overlapping handlers, warm
workers and their cap, code and .hit changes picked up without a restart, and
the schedules listed at start-up."""
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import threading
import time
import unittest

from local_support import (APPS, EXAMPLES, Moto, ServeCase, WAIT, app_copy, curl, header,
                           request, wait_until)

MOTO = None


def setUpModule():
    global MOTO
    MOTO = Moto()


def tearDownModule():
    MOTO.stop()


def hits(url, name):
    status, body = curl(f"{url}{name}")
    assert status == 200, (status, body)
    return json.loads(body)["hits"]


class HitCounter(ServeCase):
    """examples/hits, its table made at the moto endpoint by hitc serve."""

    def test_counts_1_2_3_with_nothing_deployed(self):
        s = self.serve(os.path.join(EXAMPLES, "hits", "app.hit"), "--endpoint-url", MOTO.url)
        self.assertEqual([1, 2, 3], [hits(s.url, "alice") for _ in range(3)])
        status, headers, body = request(s.url, path="/bob")          # http.client too
        self.assertEqual((200, {"name": "bob", "hits": 1}), (status, json.loads(body)))
        items = MOTO.client("dynamodb").scan(TableName="hits-dev-counters")["Items"]
        self.assertEqual({"alice": "3", "bob": "1"},
                         {i["name"]["S"]: i["hits"]["N"] for i in items})
        log = s.text()
        self.assertIn("made table 'hits-dev-counters' at " + MOTO.url, log)
        self.assertEqual(3, len(re.findall(r"(?m)^GET /alice counter 200 [0-9.]+ ms", log)))

    def test_a_stage_has_its_own_table(self):
        s = self.serve(os.path.join(EXAMPLES, "hits", "app.hit"), "--endpoint-url", MOTO.url,
                       "--stage", "qa")
        self.assertEqual(1, hits(s.url, "carol"))
        items = MOTO.client("dynamodb").scan(TableName="hits-qa-counters")["Items"]
        self.assertEqual([("carol", "1")], [(i["name"]["S"], i["hits"]["N"]) for i in items])

    def test_twenty_overlapping_requests_each_get_their_own_count(self):
        s = self.serve(os.path.join(EXAMPLES, "hits", "app.hit"), "--endpoint-url", MOTO.url,
                       "--stage", "burst")
        got, threads = [], []
        for _ in range(20):
            t = threading.Thread(target=lambda: got.append(hits(s.url, "burst")))
            threads.append(t)
            t.start()
        for t in threads:
            t.join(WAIT)
        self.assertEqual(list(range(1, 21)), sorted(got))

    def test_unknown_routes_are_api_gateways_403(self):
        s = self.serve(os.path.join(EXAMPLES, "hits", "app.hit"), "--endpoint-url", MOTO.url)
        for method, path in (("GET", "/a/b"), ("POST", "/alice"), ("GET", "/")):
            status, headers, body = request(s.url, method, path)
            self.assertEqual((403, b'{"message":"Missing Authentication Token"}'),
                             (status, body), (method, path))
            self.assertEqual(["MissingAuthenticationTokenException"],
                             header(headers, "x-amzn-ErrorType"))
        self.assertRegex(s.text(), r"(?m)^POST /alice - 403 ")

    def test_an_env_key_with_no_value_is_an_error_naming_it(self):
        s = serve_failing(os.path.join(EXAMPLES, "hits", "app.hit"))
        self.assertEqual(1, s[0])
        self.assertIn("hitc: env 'table' of function 'counter' has no value here: table "
                      "'counters' exists only in a deployed stage (--stack NAME) or at a "
                      "local endpoint (--endpoint-url URL); give it with --env table=VALUE",
                      s[1])


def serve_failing(path, *args):
    """hitc serve that must stop at start-up: (exit status, stderr)."""
    from local_support import run_hitc
    rc, out, err = run_hitc("serve", path, "--port", "0", *args)
    return rc, err


class Port(ServeCase):
    def test_a_port_in_use_is_an_error_that_says_what_to_do(self):
        import socket
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        self.addCleanup(taken.close)
        rc, err = serve_failing(os.path.join(APPS, "echo", "rest.hit"), "--port",
                                str(taken.getsockname()[1]))
        self.assertEqual(2, rc)
        self.assertRegex(err, r"hitc: cannot listen on 127\.0\.0\.1:\d+: .*; pick another with "
                              r"--port N \(0 picks a free one\)")


class Chat(ServeCase):
    """examples/chat: routes from imported files, a REST API with cors "*"."""

    def test_post_read_and_people(self):
        s = self.serve(os.path.join(EXAMPLES, "chat", "app.hit"), "--endpoint-url", MOTO.url)
        sent = []
        for text in ("first", "second"):
            status, body = curl("-X", "POST", "-H", "Content-Type: application/json", "-d",
                                json.dumps({"name": "ann", "text": text}),
                                s.url + "messages/general")
            self.assertEqual(201, status, body)
            sent.append(json.loads(body)["sent"])
        status, _, body = request(s.url, path="/messages/general")
        self.assertEqual(200, status)
        self.assertEqual(["first", "second"], [m["text"] for m in json.loads(body)["messages"]])
        status, _, body = request(s.url, "POST", "/messages/general", body=b"not json")
        self.assertEqual(400, status, body)
        # checking in needs an invitation: the gatekeeper (a Lambda authorizer) runs first
        self.assertEqual(401, curl("-X", "PUT", s.url + "people/bob")[0])
        code = hmac.new(b"dev-invitations", b"bob", hashlib.sha256).hexdigest()[:16]
        self.assertEqual(401, curl("-X", "PUT", "-H", f"Authorization: Bearer bob.{code}",
                                   s.url + "people/ann")[0])
        self.assertEqual(200, curl("-X", "PUT", "-H", f"Authorization: Bearer bob.{code}",
                                   s.url + "people/bob")[0])
        people = json.loads(curl(s.url + "people")[1])["people"]
        self.assertEqual(["bob"], [p["name"] for p in people])

    def test_cors_is_the_mock_preflight_and_the_gateway_responses(self):
        s = self.serve(os.path.join(EXAMPLES, "chat", "app.hit"), "--endpoint-url", MOTO.url)
        status, headers, body = request(s.url, "OPTIONS", "/messages/general",
                                        headers={"Origin": "https://x.example",
                                                 "Access-Control-Request-Method": "POST"})
        self.assertEqual((200, b""), (status, body))
        self.assertEqual(["*"], header(headers, "Access-Control-Allow-Origin"))
        self.assertEqual(["GET,OPTIONS,POST"], header(headers, "Access-Control-Allow-Methods"))
        self.assertEqual(["Content-Type,Authorization,X-Amz-Date,X-Api-Key,X-Amz-Security-Token"],
                         header(headers, "Access-Control-Allow-Headers"))
        status, headers, _ = request(s.url, path="/nowhere")
        self.assertEqual((403, ["*"]), (status, header(headers, "Access-Control-Allow-Origin")))
        status, headers, _ = request(s.url, path="/messages/general")
        self.assertEqual((200, ["*"]), (status, header(headers, "Access-Control-Allow-Origin")))


class HitsHttp(ServeCase):
    """tests/e2e/apps/hits-http: the hit counter on an HTTP API."""

    def test_counts_and_answers_its_own_url(self):
        s = self.serve(os.path.join(APPS, "..", "..", "e2e", "apps", "hits-http", "app.hit"),
                       "--endpoint-url", MOTO.url)
        got = [json.loads(curl(s.url + "dave")[1]) for _ in range(3)]
        self.assertEqual([1, 2, 3], [g["hits"] for g in got])
        self.assertEqual({s.url}, {g["url"] for g in got})
        allowed = "https://hits.example.com"
        status, headers, body = request(s.url, "OPTIONS", "/dave", headers={
            "Origin": allowed, "Access-Control-Request-Method": "GET"})
        self.assertEqual((204, [allowed], ["GET"]),
                         (status, header(headers, "Access-Control-Allow-Origin"),
                          header(headers, "Access-Control-Allow-Methods")))
        _, headers, _ = request(s.url, path="/dave", headers={"Origin": allowed})
        self.assertEqual([allowed], header(headers, "Access-Control-Allow-Origin"))
        _, headers, _ = request(s.url, path="/dave", headers={"Origin": "https://other.example"})
        self.assertEqual([], header(headers, "Access-Control-Allow-Origin"))
        status, _, body = request(s.url, "POST", "/dave")
        self.assertEqual((404, b'{"message":"Not Found"}'), (status, body))


class RestEcho(ServeCase):
    """tests/local/apps/echo/rest.hit: the proxy event (payload 1.0) and answers."""

    @classmethod
    def setUpClass(cls):
        from local_support import Serve
        cls.s = Serve(os.path.join(APPS, "echo", "rest.hit"))

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def echo(self, method, path, body=None, headers=None):
        status, hdrs, data = request(self.s.url, method, path, body=body, headers=headers)
        self.assertEqual(200, status, data)
        return json.loads(data)

    def test_the_proxy_event(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=WAIT)
        conn.putrequest("GET", "/echo/a/b%20c?x=1&x=2&y=%C3%A9", skip_accept_encoding=True)
        conn.putheader("X-Multi", "one")
        conn.putheader("X-Multi", "two")
        conn.endheaders()
        r = conn.getresponse()
        got = json.loads(r.read())
        conn.close()
        e = got["event"]
        self.assertEqual(("/echo/{path+}", "/echo/a/b%20c", "GET"),
                         (e["resource"], e["path"], e["httpMethod"]))
        self.assertEqual({"path": "a/b c"}, e["pathParameters"])
        self.assertEqual({"x": "2", "y": "é"}, e["queryStringParameters"])
        self.assertEqual({"x": ["1", "2"], "y": ["é"]}, e["multiValueQueryStringParameters"])
        self.assertEqual(["one", "two"], e["multiValueHeaders"]["X-Multi"])
        self.assertEqual("two", e["headers"]["X-Multi"])
        self.assertEqual((None, None, False), (e["stageVariables"], e["body"], e["isBase64Encoded"]))
        rc = e["requestContext"]
        self.assertEqual(("dev", "/dev/echo/a/b%20c", "/echo/{path+}", "GET", "123456789012"),
                         (rc["stage"], rc["path"], rc["resourcePath"], rc["httpMethod"],
                          rc["accountId"]))
        self.assertRegex(rc["requestId"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual("127.0.0.1", rc["identity"]["sourceIp"])
        self.assertIsInstance(rc["requestTimeEpoch"], int)
        self.assertEqual({"greeting": "hello, world", "stage": "dev"}, got["env"])
        c = got["context"]
        self.assertEqual(("echo-rest-dev-echo", "128", "index.echo", ":UTC", "us-east-1"),
                         (c["function_name"], c["memory_limit_in_mb"], c["handler"], c["tz"],
                          c["region"]))
        self.assertEqual(c["task_root"], c["cwd"])
        self.assertTrue(0 < c["remaining"] <= 10000, c["remaining"])
        self.assertIsNone(c["endpoint"])

    def test_a_body_that_is_not_utf8_arrives_in_base64(self):
        raw = bytes(range(256))
        e = self.echo("POST", "/echo/bin", body=raw, headers={"Content-Type": "application/octet-stream"})["event"]
        self.assertEqual((True, raw), (e["isBase64Encoded"], base64.b64decode(e["body"])))
        e = self.echo("PUT", "/echo/text", body="héllo".encode())["event"]
        self.assertEqual((False, "héllo", "PUT"), (e["isBase64Encoded"], e["body"], e["httpMethod"]))

    def test_literal_segments_win_over_parameters(self):
        self.assertEqual({"id": "7"}, self.echo("GET", "/items/7")["event"]["pathParameters"])
        status, _, _ = request(self.s.url, path="/items/list")   # reply: no body, no answer
        self.assertEqual(502, status)
        self.assertRegex(self.s.text(), r"(?m)^GET /items/list reply 502 ")

    def test_the_answer_mapped_back(self):
        answer = {"statusCode": 201, "headers": {"X-One": "1", "Content-Type": "text/plain"},
                  "multiValueHeaders": {"X-Many": ["a", "b"]},
                  "body": base64.b64encode(b"\x00\xffhello").decode(), "isBase64Encoded": True}
        status, headers, body = request(self.s.url, "POST", "/reply", body=json.dumps(answer))
        self.assertEqual((201, b"\x00\xffhello"), (status, body))
        self.assertEqual((["1"], ["a", "b"], ["text/plain"]),
                         (header(headers, "X-One"), header(headers, "X-Many"),
                          header(headers, "Content-Type")))

    def test_a_bad_shape_is_a_502(self):
        for answer in ('"just a string"', '{"statusCode": "200"}', '{"body": "no status"}',
                       '{"statusCode": 200, "body": {"not": "a string"}}',
                       '{"statusCode": 200, "extra": "key"}', "[1, 2]"):
            status, headers, body = request(self.s.url, "POST", "/reply", body=answer)
            self.assertEqual((502, b'{"message": "Internal server error"}'), (status, body), answer)
            self.assertEqual(["InternalServerErrorException"], header(headers, "x-amzn-ErrorType"))

    def test_a_handler_that_raises_is_a_502(self):
        status, _, body = request(self.s.url, path="/fail")
        self.assertEqual((502, b'{"message": "Internal server error"}'), (status, body))
        self.s.wait_log(r"\[ERROR\] RuntimeError: the handler fails on purpose")
        self.assertEqual(200, request(self.s.url, path="/items/1")[0])

    def test_a_handler_past_its_timeout_is_killed_and_its_worker_restarted(self):
        for _ in range(2):
            status, _, body = request(self.s.url, path="/sleep")
            self.assertEqual((502, b'{"message": "Internal server error"}'), (status, body))
        log = self.s.wait_log(r"(?s)Sandbox\.Timedout.*Task timed out after 1\.00 seconds")
        self.assertEqual(2, len(re.findall(r"(?m)^GET /sleep sleepy 502 .* \(cold start\)$",
                                           self.s.text())), self.s.text())

    def test_overlapping_requests_run_in_several_workers_at_once(self):
        room = self.enterContext(__import__("tempfile").TemporaryDirectory())
        got, threads = [], []
        for _ in range(3):
            t = threading.Thread(target=lambda: got.append(
                request(self.s.url, path=f"/meet/3?room={room}")))
            threads.append(t)
            t.start()
        for t in threads:
            t.join(WAIT + 30)
        self.assertEqual([200] * 3, [g[0] for g in got], got)
        self.assertEqual(3, len({json.loads(g[2])["pid"] for g in got}))

    def test_warm_workers_answer_again(self):
        first = self.echo("GET", "/items/1")["pid"]
        self.assertEqual(first, self.echo("GET", "/items/2")["pid"])


class Workers(ServeCase):
    def test_the_cap_on_workers_of_one_function(self):
        s = self.serve(os.path.join(APPS, "echo", "rest.hit"), "--max-workers", "1")
        got, threads = [], []
        for i in range(4):
            t = threading.Thread(target=lambda i=i: got.append(request(s.url, path=f"/items/{i}")))
            threads.append(t)
            t.start()
        for t in threads:
            t.join(WAIT)
        self.assertEqual([200] * 4, [g[0] for g in got])
        self.assertEqual(1, len({json.loads(g[2])["pid"] for g in got}))

    def test_a_worker_that_dies_is_a_502_and_a_new_one_starts(self):
        s = self.serve(os.path.join(APPS, "echo", "rest.hit"))
        for _ in range(2):
            self.assertEqual((502, b'{"message": "Internal server error"}'),
                             request(s.url, path="/crash")[::2])
        s.wait_log(r"Runtime\.ExitError.*Runtime exited with error: exit status 3")
        self.assertEqual(2, len(re.findall(r"(?m)^GET /crash crash 502 .* \(cold start\)$",
                                           s.text())), s.text())
        self.assertEqual(200, request(s.url, path="/items/1")[0])

    def test_env_given_on_the_command_line(self):
        s = self.serve(os.path.join(APPS, "echo", "rest.hit"), "--env", "greeting=hi there",
                       "--env", "extra=1")
        env = json.loads(request(s.url, path="/items/1")[2])["env"]
        self.assertEqual({"greeting": "hi there", "stage": "dev", "extra": "1"}, env)


class Reload(ServeCase):
    """Changes picked up without a restart."""

    def test_a_code_change_gets_new_workers(self):
        app = app_copy(self, "echo")
        s = self.serve(os.path.join(app, "rest.hit"))
        before = json.loads(request(s.url, path="/items/1")[2])
        self.assertEqual(1, before["version"])
        src = os.path.join(app, "src", "index.py")
        with open(src) as f:
            text = f.read()
        with open(src, "w") as f:
            f.write(text.replace("VERSION = 1", "VERSION = 2"))
        after = wait_until(lambda: (lambda g: g if g["version"] == 2 else None)(
            json.loads(request(s.url, path="/items/1")[2])), "the new code answers")
        self.assertNotEqual(before["pid"], after["pid"])
        s.wait_log(r"the code of function 'echo' changed")

    def test_a_new_file_in_the_code_directory_is_in_the_layout(self):
        app = app_copy(self, "echo")
        s = self.serve(os.path.join(app, "rest.hit"))
        self.assertIn("index.py", json.loads(request(s.url, path="/layout")[2])["files"])
        self.assertNotIn("added.txt", json.loads(request(s.url, path="/layout")[2])["files"])
        with open(os.path.join(app, "src", "added.txt"), "w") as f:
            f.write("new")
        wait_until(lambda: "added.txt" in json.loads(request(s.url, path="/layout")[2])["files"],
                   "the new file in the layout")

    def test_a_hit_change_reloads_and_a_compile_error_keeps_the_last_good_build(self):
        app = app_copy(self, "echo")
        hit = os.path.join(app, "rest.hit")
        s = self.serve(hit)
        self.assertEqual(403, request(s.url, path="/added")[0])
        with open(hit) as f:
            good = f.read()
        with open(hit, "w") as f:
            f.write(good + "\nroute GET /added -> echo\n")
        wait_until(lambda: request(s.url, path="/added")[0] == 200, "the new route")
        s.wait_log(r"reloaded .*rest\.hit")
        with open(hit, "w") as f:
            f.write(good + "\nroute GET /added -> ecco\n")
        s.wait_log(r"error: unknown function 'ecco'; did you mean 'echo'\?")
        s.wait_log(r"has errors; still serving the last good build")
        self.assertEqual(200, request(s.url, path="/added")[0])
        self.assertEqual(200, request(s.url, path="/items/1")[0])
        with open(hit, "w") as f:
            f.write(good)
        wait_until(lambda: request(s.url, path="/added")[0] == 403, "the route removed")
        self.assertIsNone(s.proc.poll())


class HttpEcho(ServeCase):
    """tests/local/apps/echo/http.hit: payload 2.0, its answers, CorsConfiguration."""

    @classmethod
    def setUpClass(cls):
        from local_support import Serve
        cls.s = Serve(os.path.join(APPS, "echo", "http.hit"))

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def test_the_payload_2_event(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=WAIT)
        conn.putrequest("GET", "/echo/a/b?x=1&x=2&y=3", skip_accept_encoding=True)
        conn.putheader("X-Multi", "one")
        conn.putheader("X-Multi", "two")
        conn.putheader("Cookie", "a=1; b=2")
        conn.endheaders()
        got = json.loads(conn.getresponse().read())
        conn.close()
        e = got["event"]
        self.assertEqual(("2.0", "GET /echo/{path+}", "/dev/echo/a/b", "x=1&x=2&y=3"),
                         (e["version"], e["routeKey"], e["rawPath"], e["rawQueryString"]))
        self.assertEqual(["a=1", "b=2"], e["cookies"])
        self.assertEqual("one,two", e["headers"]["x-multi"])
        self.assertNotIn("cookie", e["headers"])
        self.assertEqual({"x": "1,2", "y": "3"}, e["queryStringParameters"])
        self.assertEqual({"path": "a/b"}, e["pathParameters"])
        self.assertEqual((False, False), (e["isBase64Encoded"], "body" in e))
        http_ = e["requestContext"]["http"]
        self.assertEqual(("GET", "/dev/echo/a/b", "127.0.0.1"),
                         (http_["method"], http_["path"], http_["sourceIp"]))
        self.assertEqual(("dev", "GET /echo/{path+}"),
                         (e["requestContext"]["stage"], e["requestContext"]["routeKey"]))
        self.assertEqual(self.s.url, got["env"]["url"])
        status, _, data = request(self.s.url, "POST", "/echo/p", body=b"\xff\xfe")
        e = json.loads(data)["event"]
        self.assertEqual((True, b"\xff\xfe"), (e["isBase64Encoded"], base64.b64decode(e["body"])))

    def test_answers_with_and_without_status(self):
        status, headers, body = request(self.s.url, "POST", "/reply", body=json.dumps(
            {"statusCode": 202, "cookies": ["s=1", "t=2; Path=/"], "body": "x",
             "headers": {"X-A": "b"}}))
        self.assertEqual((202, b"x", ["s=1", "t=2; Path=/"], ["b"]),
                         (status, body, header(headers, "Set-Cookie"), header(headers, "X-A")))
        status, headers, body = request(self.s.url, "POST", "/reply", body='{"a": 1}')
        self.assertEqual((200, {"a": 1}, ["application/json"]),
                         (status, json.loads(body), header(headers, "Content-Type")))
        status, _, body = request(self.s.url, "POST", "/reply", body='{"statusCode": "x"}')
        self.assertEqual((500, b'{"message":"Internal Server Error"}'), (status, body))

    def test_api_gateways_own_errors(self):
        self.assertEqual((500, b'{"message":"Internal Server Error"}'),
                         request(self.s.url, path="/fail")[::2])
        self.assertEqual((404, b'{"message":"Not Found"}'),
                         request(self.s.url, path="/nowhere")[::2])
        self.assertEqual(404, request(self.s.url, "DELETE", "/items/1")[0])

    def test_cors_from_the_cors_configuration_only(self):
        ok = "https://app.example.com"
        status, headers, body = request(self.s.url, "OPTIONS", "/items/1", headers={
            "Origin": ok, "Access-Control-Request-Method": "POST"})
        self.assertEqual((204, [ok], ["GET,POST"]), (
            status, header(headers, "Access-Control-Allow-Origin"),
            header(headers, "Access-Control-Allow-Methods")))
        status, headers, _ = request(self.s.url, "OPTIONS", "/items/1", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        self.assertEqual((204, []), (status, header(headers, "Access-Control-Allow-Origin")))
        # the function's own CORS headers are dropped, the configured ones added
        answer = json.dumps({"statusCode": 200, "body": "",
                             "headers": {"Access-Control-Allow-Origin": "*"}})
        _, headers, _ = request(self.s.url, "POST", "/reply", body=answer, headers={"Origin": ok})
        self.assertEqual([ok], header(headers, "Access-Control-Allow-Origin"))
        _, headers, _ = request(self.s.url, "POST", "/reply", body=answer)
        self.assertEqual([], header(headers, "Access-Control-Allow-Origin"))


class NodeEcho(ServeCase):
    """tests/local/apps/echo-node: Node handlers in warm workers."""

    def test_node_handlers(self):
        s = self.serve(os.path.join(APPS, "echo-node", "app.hit"))
        status, headers, body = request(s.url, path="/echo/42?q=1")
        self.assertEqual(200, status, body)
        got = json.loads(body)
        self.assertEqual(({"id": "42"}, {"greeting": "hello, world"}),
                         (got["event"]["pathParameters"], got["env"]))
        c = got["context"]
        self.assertEqual(("echo-node-dev-echo", "128", c["cwd"]),
                         (c["functionName"], c["memoryLimitInMB"], c["dirname"]))
        self.assertEqual(["one", "two"], header(headers, "X-Two"))
        self.assertEqual(got["pid"], json.loads(request(s.url, path="/echo/43")[2])["pid"])
        self.assertEqual((200, b"called back"), request(s.url, path="/callback")[::2])
        self.assertEqual((200, b"es module GET"), request(s.url, path="/module")[::2])
        self.assertEqual(502, request(s.url, path="/fail")[0])
        s.wait_log(r"(?m)^\S+Z\t[0-9a-f-]{36}\tINFO\techo \{ id: '42' \}$")


class Schedules(ServeCase):
    def test_schedules_are_listed_with_their_next_run(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        s = self.serve(os.path.join(EXAMPLES, "sweeper", "app.hit"), "--endpoint-url", MOTO.url)
        after = datetime.datetime.now(datetime.timezone.utc)

        def next_3am(t):
            day = t.date() if t.hour < 3 else t.date() + datetime.timedelta(days=1)
            return f"{day.isoformat()} 03:00 UTC"
        m = s.wait_log(r"schedule cron\(0 3 \* \* \? \*\) -> sweep: next run (\S+ \S+ UTC)")
        self.assertIn(m.group(1), {next_3am(before), next_3am(after)})
        self.assertIn("hitc event schedule --rule SweepOnSchedule", s.text())


if __name__ == "__main__":
    unittest.main()

"""hitc serve runs a route's authorizer before its function, as API Gateway
does: a REST API's Lambda authorizers (token and request: no token, a raise of
"Unauthorized", a Deny, an Allow of another method, an answer without a
policy, an Allow with its context passed on), `auth iam`'s need of a signed
request, an HTTP API's JWT authorizer (issuer, audience, expiry, scopes, the
claims passed on), and a route with `auth none` open to anyone."""
import base64
import json
import os
import time
import unittest

from local_support import APPS, Serve, request


def body_of(data):
    return json.loads(data.decode())


class RestLambda(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Serve(os.path.join(APPS, "auth", "rest.hit"))

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def get(self, path, **headers):
        status, _, data = request(self.s.url, "GET", path, headers=headers)
        return status, data

    def test_an_open_route_needs_nothing(self):
        status, data = self.get("/open")
        self.assertEqual(200, status, data)
        self.assertNotIn("authorizer", body_of(data)["event"]["requestContext"])

    def test_no_token_is_401(self):
        self.assertEqual((401, b'{"message":"Unauthorized"}'), self.get("/mine"))
        self.assertEqual((401, b'{"message":"Unauthorized"}'), self.get("/mine", Authorization=""))

    def test_a_valid_token_reaches_the_function_with_the_context(self):
        status, data = self.get("/mine", Authorization="allow-ana")
        self.assertEqual(200, status, data)
        got = body_of(data)["event"]["requestContext"]["authorizer"]
        self.assertEqual({"principalId": "ana", "role": "reader", "level": 3, "ok": True,
                          "integrationLatency": 0}, got)

    def test_refusals(self):
        self.assertEqual((401, b'{"message":"Unauthorized"}'),
                         self.get("/mine", Authorization="nonsense"))
        status, data = self.get("/mine", Authorization="deny")
        self.assertEqual(403, status)
        self.assertIn("explicit deny", body_of(data)["Message"])
        status, data = self.get("/mine", Authorization="elsewhere")
        self.assertEqual((403, "User is not authorized to access this resource"),
                         (status, body_of(data)["Message"]))
        self.assertEqual(500, self.get("/mine", Authorization="broken")[0])

    def test_a_request_authorizer_sees_the_request(self):
        self.assertEqual(401, self.get("/keyed/7")[0])
        self.assertEqual(401, self.get("/keyed/7", **{"X-Key": "wrong"})[0])
        status, data = self.get("/keyed/7", **{"X-Key": "sesame"})
        self.assertEqual(200, status, data)
        got = body_of(data)["event"]["requestContext"]["authorizer"]
        self.assertEqual(("key-holder", "/keyed/7"), (got["principalId"], got["path"]))

    def test_iam_wants_a_signed_request(self):
        self.assertEqual(403, self.get("/signed")[0])
        signed = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/" \
                 "aws4_request, SignedHeaders=host, Signature=0"
        self.assertEqual(200, self.get("/signed", Authorization=signed)[0])

    def test_serve_lists_each_route_with_its_auth(self):
        text = self.s.text()
        self.assertRegex(text, r"GET +/mine -> echo \(auth tokens\)")
        self.assertRegex(text, r"GET +/keyed/\{id\} -> echo \(auth keys\)")
        self.assertRegex(text, r"GET +/open -> echo\n")


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def jwt(**claims):
    base = {"iss": "https://issuer.example.com/pool-1", "aud": "client-2",
            "exp": int(time.time()) + 3600, "sub": "user-9"}
    base.update(claims)
    base = {k: v for k, v in base.items() if v is not None}
    return f"{b64({'alg': 'RS256', 'kid': 'k1'})}.{b64(base)}.c2lnbmF0dXJl"


class HttpJwt(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Serve(os.path.join(APPS, "auth", "http.hit"))

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def call(self, method, path, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        status, _, data = request(self.s.url, method, path, headers=headers)
        return status, data

    def test_without_a_token_401_with_one_200(self):
        self.assertEqual((401, b'{"message":"Unauthorized"}'), self.call("GET", "/notes"))
        status, data = self.call("GET", "/notes", jwt())
        self.assertEqual(200, status, data)
        got = body_of(data)["event"]["requestContext"]["authorizer"]["jwt"]
        self.assertEqual(("user-9", "client-2", None),
                         (got["claims"]["sub"], got["claims"]["aud"], got["scopes"]))

    def test_claims_that_do_not_fit_are_401(self):
        for bad in (jwt(iss="https://elsewhere.example.com/pool-1"), jwt(aud="client-3"),
                    jwt(exp=int(time.time()) - 10), jwt(nbf=int(time.time()) + 600),
                    "not-a-jwt"):
            self.assertEqual(401, self.call("GET", "/notes", bad)[0], bad)
        # client_id (a Cognito access token's) stands for aud
        self.assertEqual(200, self.call("GET", "/notes", jwt(aud=None, client_id="client-1"))[0])

    def test_a_scope_the_token_lacks_is_403(self):
        self.assertEqual((403, b'{"message":"Forbidden"}'),
                         self.call("DELETE", "/notes/1", jwt(scope="notes/read")))
        status, data = self.call("DELETE", "/notes/1", jwt(scope="notes/read notes/admin"))
        self.assertEqual(200, status, data)
        got = body_of(data)["event"]["requestContext"]["authorizer"]["jwt"]
        self.assertEqual(["notes/admin"], got["scopes"])

    def test_auth_none_is_open_and_serve_says_what_it_does_not_check(self):
        self.assertEqual(200, self.call("GET", "/open")[0])
        self.assertIn("authorizer 'users': a JWT's claims are checked (iss "
                      "https://issuer.example.com/pool-1, aud, exp, scopes), not its signature",
                      self.s.text())


if __name__ == "__main__":
    unittest.main()

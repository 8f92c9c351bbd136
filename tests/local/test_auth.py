"""hitc serve runs a route's authorizer before its function, as API Gateway
does: a REST API's Lambda authorizers (token and request: no token, a raise of
"Unauthorized", a Deny, an Allow of another method, an answer without a
policy, an Allow with its context passed on), `auth iam`'s need of a signed
request, an HTTP API's JWT authorizer (the signature against the issuer's keys,
read from --jwks or the issuer's discovery document; issuer, audience, expiry,
scopes, the claims passed on), and a route with `auth none` open to anyone.
The keys are RSA pairs the test makes with the openssl CLI."""
import base64
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
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


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64(obj):
    return b64url(json.dumps(obj).encode())


# Two RSA key pairs made with the openssl CLI: k1 is in the key set (JWKS) that
# serve reads, k2 is not.  The key set is a file (--jwks) or served over HTTP.
KEYS = tempfile.mkdtemp(prefix="hitc-jwks-")


def make_key(name):
    path = os.path.join(KEYS, name + ".pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", path], check=True, capture_output=True, timeout=60)
    modulus = subprocess.run(["openssl", "rsa", "-in", path, "-noout", "-modulus"], check=True,
                             capture_output=True, text=True, timeout=60).stdout.strip().split("=", 1)[1]
    return path, {"kty": "RSA", "kid": name, "alg": "RS256", "use": "sig",
                  "n": b64url(bytes.fromhex(modulus)), "e": "AQAB"}


K1, K1_JWK = make_key("k1")
K2, _ = make_key("k2")
JWKS = os.path.join(KEYS, "jwks.json")
with open(JWKS, "w") as f:
    json.dump({"keys": [K1_JWK]}, f)


def sign(text, key):
    return subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=text.encode(),
                          check=True, capture_output=True, timeout=60).stdout


def jwt(key=K1, kid="k1", alg="RS256", **claims):
    base = {"iss": "https://issuer.example.com/pool-1", "aud": "client-2",
            "exp": int(time.time()) + 3600, "sub": "user-9"}
    base.update(claims)
    base = {k: v for k, v in base.items() if v is not None}
    head = f"{b64({'alg': alg, 'kid': kid})}.{b64(base)}"
    return f"{head}.{b64url(sign(head, key))}"


class HttpJwt(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Serve(os.path.join(APPS, "auth", "http.hit"), "--jwks", JWKS)

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

    def test_one_of_the_routes_scopes_is_enough(self):
        self.assertEqual(200, self.call("PUT", "/notes/1", jwt(scope="notes/write"))[0])
        self.assertEqual(200, self.call("PUT", "/notes/1", jwt(scope="notes/admin"))[0])
        self.assertEqual(403, self.call("PUT", "/notes/1", jwt(scope="notes/read"))[0])

    def test_a_signature_not_of_the_issuers_keys_is_401(self):
        good = jwt()
        head, claims, signature = good.split(".")
        forged = b64({**json.loads(base64.urlsafe_b64decode(claims + "==")), "sub": "admin"})
        for bad in (jwt(key=K2), jwt(key=K2, kid="k2"), f"{head}.{forged}.{signature}",
                    f"{b64({'alg': 'none', 'kid': 'k1'})}.{claims}.", jwt(alg="HS256"),
                    f"{head}.{claims}.{b64url(b'x' * 256)}"):
            self.assertEqual((401, b'{"message":"Unauthorized"}'), self.call("GET", "/notes", bad), bad)
        self.assertEqual(200, self.call("GET", "/notes", good)[0])

    def test_auth_none_is_open_and_serve_says_what_it_checks(self):
        self.assertEqual(200, self.call("GET", "/open")[0])
        self.assertIn(f"authorizer 'users': a JWT's signature (keys from {JWKS}) and claims are "
                      "checked (iss https://issuer.example.com/pool-1, aud, exp, nbf, scopes)",
                      self.s.text())


class Issuer(http.server.BaseHTTPRequestHandler):
    """An OIDC issuer at /pool-1: its discovery document and its key set."""

    def do_GET(self):
        port = self.server.server_address[1]
        docs = {"/pool-1/.well-known/openid-configuration":
                {"issuer": f"http://127.0.0.1:{port}/pool-1",
                 "jwks_uri": f"http://127.0.0.1:{port}/pool-1/keys.json"},
                "/pool-1/keys.json": {"keys": [K1_JWK]}}
        self.server.seen.append(self.path)
        doc = docs.get(self.path)
        body = json.dumps(doc).encode() if doc else b"{}"
        self.send_response(200 if doc else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HttpJwtFromTheIssuer(unittest.TestCase):
    """No --jwks: serve reads the issuer's discovery document, then its jwks_uri."""

    @classmethod
    def setUpClass(cls):
        cls.issuer = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Issuer)
        cls.issuer.seen = []
        threading.Thread(target=cls.issuer.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.issuer.server_address[1]}/pool-1"
        cls.dir = tempfile.mkdtemp(prefix="hitc-auth-")
        shutil.copytree(os.path.join(APPS, "auth", "src"), os.path.join(cls.dir, "src"))
        with open(os.path.join(APPS, "auth", "http.hit")) as f:
            text = f.read().replace('"https://${issuer-host}/pool-1"', f'"{cls.url}"')
        with open(os.path.join(cls.dir, "app.hit"), "w") as f:
            f.write(text)
        cls.s = Serve(os.path.join(cls.dir, "app.hit"))

    @classmethod
    def tearDownClass(cls):
        cls.s.close()
        cls.issuer.shutdown()
        shutil.rmtree(cls.dir)

    def call(self, token):
        status, _, data = request(self.s.url, "GET", "/notes", headers={"Authorization": f"Bearer {token}"})
        return status, data

    def test_the_issuers_keys_are_found_through_its_discovery_document(self):
        self.assertEqual(200, self.call(jwt(iss=self.url))[0])
        self.assertEqual(401, self.call(jwt(iss=self.url, key=K2))[0])
        self.assertEqual(["/pool-1/.well-known/openid-configuration", "/pool-1/keys.json"],
                         self.issuer.seen[:2])
        self.assertIn(f"keys from {self.url}/keys.json", self.s.text())


class HttpJwtWithoutKeys(unittest.TestCase):
    def test_keys_that_cannot_be_read_refuse_every_token_and_serve_says_so(self):
        missing = os.path.join(KEYS, "missing.json")
        s = Serve(os.path.join(APPS, "auth", "http.hit"), "--jwks", missing)
        try:
            status, _, _ = request(s.url, "GET", "/notes", headers={"Authorization": jwt()})
            self.assertEqual(401, status)
            self.assertIn(f"hitc: authorizer 'users': cannot read the issuer's keys: cannot read "
                          f"{missing}: No such file or directory; every token will be refused (401)",
                          s.text())
        finally:
            s.close()


def tearDownModule():
    shutil.rmtree(KEYS, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

"""A local OIDC issuer for the e2e's JWT authorizers, and the tokens it signs.

usage: python3 issuer.py keys DIR                  make DIR/k1.pem (in the key set),
                                                   DIR/k2.pem (not) and DIR/keys.json
       python3 issuer.py serve DIR PORT_FILE       serve, on 127.0.0.1 and a free port
                                                   (written to PORT_FILE), PATH/.well-known/
                                                   openid-configuration (for any PATH: its
                                                   issuer is the URL up to PATH) and
                                                   /keys.json (DIR/keys.json)
       python3 issuer.py token KEY.pem KID CLAIMS   print a JWT of CLAIMS (JSON; "exp": "+N"
                                                   means N seconds from now) signed RS256
                                                   with KEY under the header's KID

Keys are made and signatures computed with the openssl CLI, as a user's identity
provider would hold them; nothing here verifies a token (the harness does).
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True, capture_output=True, timeout=120).stdout


def keys(folder):
    jwks = []
    for kid in ("k1", "k2"):
        pem = os.path.join(folder, kid + ".pem")
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", pem)
        modulus = openssl("rsa", "-in", pem, "-noout", "-modulus").decode().strip().split("=", 1)[1]
        if kid == "k1":
            jwks.append({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
                         "n": b64url(bytes.fromhex(modulus)), "e": "AQAB"})
    with open(os.path.join(folder, "keys.json"), "w") as f:
        json.dump({"keys": jwks}, f)


def token(pem, kid, claims_json):
    claims = json.loads(claims_json)
    for key in ("exp", "nbf", "iat"):
        if isinstance(claims.get(key), str) and claims[key][:1] in "+-":
            claims[key] = int(time.time()) + int(claims[key])
    head = b64url(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode()) + "." + \
        b64url(json.dumps(claims).encode())
    print(head + "." + b64url(openssl("dgst", "-sha256", "-sign", pem, data=head.encode())))


def serve(folder, port_file):
    class Issuer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path.endswith("/.well-known/openid-configuration"):
                issuer = base + self.path[:-len("/.well-known/openid-configuration")]
                body = json.dumps({"issuer": issuer, "jwks_uri": base + "/keys.json"}).encode()
            elif self.path == "/keys.json":
                with open(os.path.join(folder, "keys.json"), "rb") as f:
                    body = f.read()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write("issuer: " + fmt % args + "\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Issuer)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"keys": keys, "serve": serve, "token": token}[command](*args)

"""An HTTP API's JWT authorizers: made by the local CloudFormation, run over HTTP as API
Gateway runs them before a route's integration.

In:  AWS::ApiGatewayV2::Authorizer (AuthorizerType JWT, IdentitySource
     ["$request.header.NAME"], JwtConfiguration Issuer and Audience); a route's
     AuthorizationType (NONE, JWT, AWS_IAM), AuthorizerId and AuthorizationScopes; at
     run time, the request's headers.
Out: authorize(): None and the requestContext.authorizer the function gets
     ({"jwt": {"claims", "scopes"}}), or API Gateway's refusal:
       401 {"message":"Unauthorized"}   no token in the identity source; a token that is
                                        no JWT, is not RS256/RS384/RS512, is not signed by
                                        a key of the issuer's key set, or whose iss, aud
                                        (or client_id), exp or nbf does not fit
       403 {"message":"Forbidden"}      a valid token with none of the route's scopes
                                        (scope or scp claim); an AWS_IAM route without
                                        a SigV4 Authorization header
Holds: the issuer's keys are read as API Gateway reads them: ISSUER/.well-known/
  openid-configuration, then its jwks_uri (over HTTP from this process, so a test
  serves its issuer on 127.0.0.1), kept per issuer and read again when a token names
  a key the set lacks.  Signatures are checked with the cryptography package (moto's
  own dependency).  An AWS_IAM route's signature is not verified (moto's IAM enforces
  nothing).  A Lambda (REQUEST) authorizer of an HTTP API fails to be made: hitc
  builds none, and the harness does not run one.
"""
import base64
import json
import threading
import time
import urllib.request

from cfn_providers import REPLACE, Failure, Made, api_call

DIGESTS = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}
_key_sets = {}                          # issuer -> {"keys": [...]}
_key_lock = threading.Lock()


# --- the resource -----------------------------------------------------------------

class AuthorizerProvider:
    def create(self, ctx, lid, props):
        from providers_apigwv2 import api_of, require
        api = api_of(ctx, lid, props)
        require(lid, props, "AuthorizerType", "Name", "IdentitySource")
        if props["AuthorizerType"] != "JWT":
            raise Failure(f"the local harness runs JWT authorizers of HTTP APIs only, not "
                          f"{props['AuthorizerType']!r}")
        jwt = props.get("JwtConfiguration") or {}
        if not jwt.get("Issuer") or not jwt.get("Audience"):
            raise Failure("JwtConfiguration must have an Issuer and at least one Audience "
                          "(Service: AmazonApiGatewayV2, Status Code: 400)")
        audience = jwt["Audience"]
        jwt = {"issuer": jwt["Issuer"],        # as the API keeps it (get-authorizer)
               "audience": [audience] if isinstance(audience, str) else list(audience)}
        sources = props["IdentitySource"]
        sources = [sources] if isinstance(sources, str) else list(sources)
        if len(sources) != 1 or not sources[0].startswith("$request.header."):
            raise Failure(f"Invalid identity source {sources!r} for a JWT authorizer: one "
                          "$request.header.NAME (Service: AmazonApiGatewayV2, Status Code: 400)")
        authorizer = api_call(api.create_authorizer, auth_creds_arn=None, auth_payload_format_version=None,
                              auth_result_ttl=None, authorizer_type="JWT", authorizer_uri=None,
                              enable_simple_response=None, identity_source=sources,
                              identity_validation_expr=None, jwt_config=jwt, name=props["Name"])
        return Made(authorizer.id, {"AuthorizerId": authorizer.id}, (api, authorizer))

    def update(self, ctx, lid, made, old_props, new_props):
        return REPLACE

    def delete(self, ctx, lid, made, props):
        api, authorizer = made.handle
        api.authorizers.pop(authorizer.id, None)


def check_route(api, props):
    """A route's authorization, as CreateRoute checks it; the create_route arguments."""
    kind = props.get("AuthorizationType", "NONE")
    if kind not in ("NONE", "JWT", "AWS_IAM", "CUSTOM"):
        raise Failure(f"Invalid authorization type {kind!r} (Service: AmazonApiGatewayV2, Status Code: 400)")
    authorizer_id = props.get("AuthorizerId")
    if kind in ("JWT", "CUSTOM") and authorizer_id not in api.authorizers:
        raise Failure(f"Invalid authorizer id specified: {authorizer_id!r} (Service: AmazonApiGatewayV2, "
                      "Status Code: 400)")
    scopes = props.get("AuthorizationScopes") or []
    if scopes and kind != "JWT":
        raise Failure("AuthorizationScopes are supported only for JWT authorizers (Service: "
                      "AmazonApiGatewayV2, Status Code: 400)")
    return {"authorization_type": kind, "authorizer_id": authorizer_id, "authorization_scopes": scopes}


# --- at run time ----------------------------------------------------------------------

def refusal(status, text, why):
    data = json.dumps({"message": text}, separators=(",", ":")).encode()
    return (status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))], data, why)


def unbase64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def key_set(issuer, fresh=False):
    """The issuer's JWKS keys, through its discovery document (kept; read again if FRESH)."""
    with _key_lock:
        if not fresh and issuer in _key_sets:
            return _key_sets[issuer]
    config = fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    keys = fetch_json(config["jwks_uri"]).get("keys") or []
    with _key_lock:
        _key_sets[issuer] = keys
    return keys


def signed(token_parts, header, issuer):
    """Is the token signed by the key of the issuer's set that its header names?"""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    digest = DIGESTS.get(header.get("alg"))
    if digest is None:
        return False, f"algorithm {header.get('alg')!r} is not RS256, RS384 or RS512"
    kid = header.get("kid")
    for fresh in (False, True):
        keys = key_set(issuer, fresh)
        jwk = next((k for k in keys if k.get("kid") == kid), None) if kid else (keys[0] if len(keys) == 1 else None)
        if jwk is not None:
            break
    if jwk is None or jwk.get("kty") != "RSA":
        return False, f"no RSA key {kid!r} in the issuer's key set"
    public = rsa.RSAPublicNumbers(int.from_bytes(unbase64url(jwk["e"]), "big"),
                                  int.from_bytes(unbase64url(jwk["n"]), "big")).public_key()
    try:
        public.verify(unbase64url(token_parts[2]), f"{token_parts[0]}.{token_parts[1]}".encode(),
                      padding.PKCS1v15(), getattr(hashes, digest)())
    except InvalidSignature:
        return False, "the signature is not the issuer's key's"
    return True, None


def claims_fit(claims, jwt):
    """None when iss, aud (or client_id), exp and nbf fit the authorizer, else why not."""
    now = time.time()
    if claims.get("iss") != jwt["issuer"]:
        return f"iss {claims.get('iss')!r} is not {jwt['issuer']!r}"
    audiences = jwt["audience"]
    aud = claims.get("aud", claims.get("client_id"))
    if not any(a in audiences for a in ([aud] if isinstance(aud, str) else (aud or []))):
        return f"aud {aud!r} is none of {audiences}"
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
        return "expired (exp)"
    if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > now:
        return "not yet valid (nbf)"
    return None


def scopes_of(claims):
    value = claims.get("scope", claims.get("scp"))
    return value.split() if isinstance(value, str) else list(value or [])


def authorize(environ, api, route):
    """(None, context) when the route lets the request through, else (refusal, None)."""
    kind = route.authorization_type or "NONE"
    if kind == "NONE":
        return None, None
    if kind == "AWS_IAM":
        if (environ.get("HTTP_AUTHORIZATION") or "").startswith("AWS4-HMAC-SHA256 "):
            return None, None
        return refusal(403, "Forbidden", "AWS_IAM route without a SigV4 Authorization header"), None
    authorizer = api.authorizers.get(route.authorizer_id)
    if authorizer is None or authorizer.authorizer_type != "JWT":
        return refusal(500, "Internal Server Error", f"route {route.route_key}: no JWT authorizer"), None
    name = authorizer.identity_source[0][len("$request.header."):]
    token = environ.get("HTTP_" + name.upper().replace("-", "_"), "")
    if token.lower().startswith("bearer "):
        token = token[7:]
    if not token:
        return refusal(401, "Unauthorized", f"no token in {name}"), None
    parts = token.split(".")
    try:
        header, claims = json.loads(unbase64url(parts[0])), json.loads(unbase64url(parts[1]))
        if len(parts) != 3 or not isinstance(header, dict) or not isinstance(claims, dict):
            raise ValueError("not three parts of JSON objects")
    except (ValueError, IndexError) as err:
        return refusal(401, "Unauthorized", f"not a JWT: {err}"), None
    jwt = authorizer.jwt_config
    try:
        ok, why = signed(parts, header, jwt["issuer"])
    except Exception as err:              # the issuer's keys could not be read
        ok, why = False, f"cannot read the issuer's keys: {type(err).__name__}: {err}"
    why = why or claims_fit(claims, jwt)
    if why:
        return refusal(401, "Unauthorized", why), None
    wanted = route.authorization_scopes or []
    if wanted and not set(wanted) & set(scopes_of(claims)):
        return refusal(403, "Forbidden", f"the token has none of the scopes {wanted}"), None
    return None, {"jwt": {"claims": {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()},
                          "scopes": wanted or None}}


def providers():
    return {"AWS::ApiGatewayV2::Authorizer": AuthorizerProvider()}

/*
 * authorize.c: a route's authorizer, run on this machine for `hitc serve`
 * before the route's function, as API Gateway runs it.
 *
 * In: the route's LocalAuth (read from the template by local_app.c) and a
 * request.  Out: whether the call goes on, with the requestContext.authorizer
 * the function then sees, or API Gateway's refusal.
 *   - A Lambda authorizer (REST): no token in its header is 401
 *     {"message":"Unauthorized"} without a call; else its function runs
 *     with the TOKEN event (type, authorizationToken, methodArn) or the
 *     REQUEST event (the proxy event, with type and methodArn).  Raising
 *     "Unauthorized" is 401; any other failure, or an answer without a
 *     policy, 500 (AuthorizerConfigurationException); a policy whose Deny
 *     matches the method's ARN, or with no Allow that matches, 403.  An
 *     Allow passes principalId and the answer's context on.
 *   - A JWT authorizer (HTTP API): a token ("Bearer " optional) signed
 *     by a key of the issuer's key set (jwks.c) whose claims hold the
 *     issuer (iss), one of the audiences (aud, or client_id), a time
 *     before exp and after nbf passes, with
 *     {"jwt": {"claims", "scopes"}}; else 401.  One of a route's scopes
 *     (any) must be in the token's scope (or scp) claim, else 403
 *     {"message": "Forbidden"}.
 *   - IAM: a request without an AWS Signature Version 4 Authorization
 *     header is 403.
 * Not done here: an IAM signature is not checked against credentials
 * (serve says so when it starts), and no answer is cached: every request
 * runs the authorizer.
 * Holds: nothing is written outside the request's own arena, so requests
 * on several threads share the LocalApp safely; issuer and audience are
 * evaluated before any request (local_auth_prepare).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "local.h"

#define NOWHERE ((Loc){0})
#define LOCAL_API_ID "hitclocal"

/* ---- once per build ------------------------------------------------------- */

int local_auth_prepare(LocalApp *app, Where *w)
{
    Arena *a = app->ctx->arena;
    for (int i = 0; i < app->api.authorizers.len; i++) {
        LocalAuth *au = app->api.authorizers.items[i];
        if (au->kind != LAUTH_JWT)
            continue;
        const char *why = NULL;
        au->issuer = local_eval(app, w, au->issuer_node, &why);
        if (!au->issuer) {
            fprintf(stderr, "hitc: the issuer of authorizer '%s' has no value "
                    "here: %s\n", au->name, why ? why : "it is not known");
            return 1;
        }
        const CfnNode *list = au->audience_node;
        int n = list && list->kind == CFN_ARRAY ? list->len : 0;
        au->audience = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
        for (int k = 0; k < n; k++) {
            const char *v = local_eval(app, w, list->items[k], &why);
            if (!v) {
                fprintf(stderr, "hitc: an audience of authorizer '%s' has no "
                        "value here: %s\n", au->name, why ? why : "it is not known");
                return 1;
            }
            au->audience[au->naudience++] = v;
        }
        local_jwks_prepare(app, au, w->jwks);
    }
    return 0;
}

/* ---- helpers --------------------------------------------------------------- */

static const char *header_of(const HttpReq *req, const char *name)
{
    for (int i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[2 * i], name) == 0)
            return req->headers[2 * i + 1];
    return NULL;
}

static bool refuse(const LocalApp *app, HttpResp *resp, int status,
                   const char *body, const char *type)
{
    apigw_gateway(app, resp, status, body, type);
    return false;
}

static bool unauthorized(const LocalApp *app, HttpResp *resp)
{
    return refuse(app, resp, 401, "{\"message\":\"Unauthorized\"}",
                  "UnauthorizedException");
}

/* A glob of IAM's: '*' any run of characters, '?' any one. */
static bool glob(const char *p, const char *s)
{
    if (!*p)
        return !*s;
    if (*p == '*')
        return glob(p + 1, s) || (*s && glob(p, s + 1));
    return *s && (*p == '?' || *p == *s) && glob(p + 1, s + 1);
}

/* A statement's field, one string or a list: does any match? */
static bool any_matches(const CfnNode *v, const char *s, bool nocase)
{
    if (v && v->kind == CFN_STRING)
        return nocase ? strcasecmp(v->text, s) == 0 || strcmp(v->text, "*") == 0 ||
                        strcasecmp(v->text, "execute-api:*") == 0
                      : glob(v->text, s);
    for (int i = 0; v && v->kind == CFN_ARRAY && i < v->len; i++)
        if (any_matches(v->items[i], s, nocase))
            return true;
    return false;
}

/* ---- Lambda authorizers ----------------------------------------------------- */

/* arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH */
static const char *method_arn(Arena *a, const Where *w, const HttpReq *req)
{
    return arena_printf(a, "arn:aws:execute-api:%s:%s:%s/%s/%s/%s", w->region,
                        w->account, LOCAL_API_ID, w->stage, req->method,
                        req->raw_path[0] == '/' ? req->raw_path + 1 : req->raw_path);
}

/* A JSON string, escaped. */
static char *json_str(Arena *a, const char *s)
{
    char *text = cfn_json(cfn_str(a, NOWHERE, s));
    char *out = arena_strdup(a, text);
    free(text);
    return out;
}

/* TOKEN: {type, authorizationToken, methodArn}; REQUEST: the proxy event
 * the route's function would get, with type and methodArn first. */
static char *lambda_event(Arena *a, const LocalApp *app, const Where *w,
                          const LocalRoute *r, const PtrVec *params,
                          const HttpReq *req, const char *token, const char *arn)
{
    if (r->auth->kind == LAUTH_TOKEN)
        return arena_printf(a, "{\"type\":\"TOKEN\",\"authorizationToken\":%s,"
                            "\"methodArn\":%s}", json_str(a, token), json_str(a, arn));
    const char *proxy = apigw_event(a, app, w, r, params, req, NULL);
    /* the proxy event is an object with keys: splice ours in after '{' */
    return arena_printf(a, "{\"type\":\"REQUEST\",\"methodArn\":%s,%s",
                        json_str(a, arn), proxy + 1);
}

/* A value as API Gateway hands it on in requestContext.authorizer: a
 * string, or a number or boolean as it was; anything else as its JSON. */
static CfnNode *passed_on(Arena *a, const CfnNode *v)
{
    if (v->kind == CFN_STRING)
        return cfn_str(a, NOWHERE, arena_strdup(a, v->text));
    if (v->kind == CFN_NUMBER)
        return cfn_num_text(a, NOWHERE, arena_strdup(a, v->text));
    if (v->kind == CFN_BOOL)
        return cfn_bool(a, NOWHERE, v->boolean);
    char *text = cfn_json(v);
    CfnNode *s = cfn_str(a, NOWHERE, arena_strdup(a, text));
    free(text);
    return s;
}

/* The policy's verdict on arn: -1 an explicit Deny, 1 an Allow, 0 none. */
static int verdict(const CfnNode *policy, const char *arn)
{
    const CfnNode *st = cfn_obj_get(policy, "Statement");
    int allowed = 0;
    for (int i = 0; st && i < (st->kind == CFN_ARRAY ? st->len : 1); i++) {
        const CfnNode *s = st->kind == CFN_ARRAY ? st->items[i] : st;
        const char *effect = cfn_obj_get(s, "Effect") ? cfn_obj_get(s, "Effect")->text : NULL;
        if (!effect || !any_matches(cfn_obj_get(s, "Action"), "execute-api:Invoke", true) ||
            !any_matches(cfn_obj_get(s, "Resource"), arn, false))
            continue;
        if (strcmp(effect, "Deny") == 0)
            return -1;
        if (strcmp(effect, "Allow") == 0)
            allowed = 1;
    }
    return allowed;
}

static bool run_lambda(Arena *a, const LocalApp *app, const Where *w,
                       const LocalRoute *r, const PtrVec *params, const HttpReq *req,
                       ApigwInvoke invoke, void *arg, CfnNode **context, HttpResp *resp)
{
    const LocalAuth *au = r->auth;
    const char *token = header_of(req, au->header);
    if (!au->fn || !token || !*token)
        return unauthorized(app, resp);
    const char *arn = method_arn(a, w, req);
    char *event = lambda_event(a, app, w, r, params, req, token, arn);
    Buf out = {0};
    RunResult rr = invoke(arg, au->fn, event, &out);
    Ctx *ctx = ctx_new();
    const char *text = out.data ? out.data : "";
    CfnNode *ans = cfn_read(ctx, source_from_text(ctx, "answer", text, strlen(text)));
    const CfnNode *msg = ans ? cfn_obj_get(ans, "errorMessage") : NULL;
    const CfnNode *policy = rr == RUN_OK && ans ? cfn_obj_get(ans, "policyDocument") : NULL;
    bool ok = false;
    if (rr == RUN_ERROR && msg && msg->kind == CFN_STRING &&
        strcmp(msg->text, "Unauthorized") == 0)
        unauthorized(app, resp);
    else if (!policy || policy->kind != CFN_OBJECT)
        refuse(app, resp, 500, "{\"message\":null}", "AuthorizerConfigurationException");
    else if (verdict(policy, arn) < 0)
        refuse(app, resp, 403, "{\"Message\":\"User is not authorized to access this "
               "resource with an explicit deny\"}", "AccessDeniedException");
    else if (verdict(policy, arn) == 0)
        refuse(app, resp, 403, "{\"Message\":\"User is not authorized to access this "
               "resource\"}", "AccessDeniedException");
    else
        ok = true;
    if (ok) {
        CfnNode *c = *context = cfn_obj(a, NOWHERE);
        const CfnNode *pid = cfn_obj_get(ans, "principalId");
        cfn_put(a, c, "principalId", pid ? passed_on(a, pid) : cfn_str(a, NOWHERE, ""));
        const CfnNode *more = cfn_obj_get(ans, "context");
        for (int i = 0; more && more->kind == CFN_OBJECT && i < more->len; i++)
            cfn_put(a, c, arena_strdup(a, more->pairs[i].key),
                    passed_on(a, more->pairs[i].value));
        cfn_put_num(a, c, "integrationLatency", 0);
    }
    ctx_free(ctx);
    buf_free(&out);
    return ok;
}

/* ---- JWT authorizers -------------------------------------------------------- */

static bool claim_is(const CfnNode *v, const char *s)
{
    if (v && v->kind == CFN_STRING)
        return strcmp(v->text, s) == 0;
    for (int i = 0; v && v->kind == CFN_ARRAY && i < v->len; i++)
        if (claim_is(v->items[i], s))
            return true;
    return false;
}

static bool audience_ok(const LocalAuth *au, const CfnNode *claims)
{
    for (int i = 0; i < au->naudience; i++)
        if (claim_is(cfn_obj_get(claims, "aud"), au->audience[i]) ||
            claim_is(cfn_obj_get(claims, "client_id"), au->audience[i]))
            return true;
    return false;
}

static bool times_ok(const CfnNode *claims)
{
    long long now = (long long)time(NULL);
    const CfnNode *exp = cfn_obj_get(claims, "exp"), *nbf = cfn_obj_get(claims, "nbf");
    if (!exp || exp->kind != CFN_NUMBER || atoll(exp->text) <= now)
        return false;
    return !nbf || (nbf->kind == CFN_NUMBER && atoll(nbf->text) <= now);
}

/* Is scope among the space-separated words of the scope (or scp) claim? */
static bool has_scope(const CfnNode *claims, const char *scope)
{
    const CfnNode *v = cfn_obj_get(claims, "scope");
    if (!v)
        v = cfn_obj_get(claims, "scp");
    if (v && v->kind == CFN_ARRAY)
        return claim_is(v, scope);
    if (!v || v->kind != CFN_STRING)
        return false;
    size_t n = strlen(scope);
    for (const char *s = v->text; *s;) {
        size_t k = strcspn(s, " ");
        if (k == n && strncmp(s, scope, n) == 0)
            return true;
        s += k;
        while (*s == ' ')
            s++;
    }
    return false;
}

/* The token's claims, its payload decoded; NULL when it is no JWT. */
static CfnNode *claims_of(Ctx *ctx, const char *token)
{
    if (strncasecmp(token, "Bearer ", 7) == 0)
        token += 7;
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2)
        return NULL;
    char *part = arena_strndup(ctx->arena, dot1 + 1, (size_t)(dot2 - dot1 - 1));
    Buf json = {0};
    CfnNode *claims = NULL;
    if (apigw_unbase64(part, &json) && json.data)
        claims = cfn_read(ctx, source_from_text(ctx, "token", json.data, json.len));
    buf_free(&json);
    return claims && claims->kind == CFN_OBJECT ? claims : NULL;
}

static bool run_jwt(Arena *a, const LocalApp *app, const LocalRoute *r,
                    const HttpReq *req, CfnNode **context, HttpResp *resp)
{
    const LocalAuth *au = r->auth;
    const char *token = header_of(req, au->header);
    if (!token || !au->issuer)
        return unauthorized(app, resp);
    Ctx *ctx = ctx_new();
    CfnNode *claims = claims_of(ctx, token);
    const CfnNode *iss = claims ? cfn_obj_get(claims, "iss") : NULL;
    bool ok = claims && iss && iss->kind == CFN_STRING && strcmp(iss->text, au->issuer) == 0 &&
              audience_ok(au, claims) && times_ok(claims) && local_jwt_signed(ctx, au, token);
    if (!ok)
        unauthorized(app, resp);
    /* API Gateway wants at least one of the route's scopes, not all */
    bool scoped = r->nscopes == 0;
    for (int i = 0; !scoped && i < r->nscopes; i++)
        scoped = has_scope(claims, r->scopes[i]);
    if (ok && !scoped) {
        ok = false;
        refuse(app, resp, 403, "{\"message\":\"Forbidden\"}", "ForbiddenException");
    }
    if (ok) {
        CfnNode *jwt = cfn_put_obj(a, *context = cfn_obj(a, NOWHERE), "jwt");
        CfnNode *c = cfn_put_obj(a, jwt, "claims");
        for (int i = 0; i < claims->len; i++)
            cfn_put(a, c, arena_strdup(a, claims->pairs[i].key),
                    passed_on(a, claims->pairs[i].value));
        if (r->nscopes) {
            CfnNode *sc = cfn_put_arr(a, jwt, "scopes");
            for (int i = 0; i < r->nscopes; i++)
                cfn_arr_push(a, sc, cfn_str(a, NOWHERE, r->scopes[i]));
        } else {
            cfn_put(a, jwt, "scopes", cfn_null(a, NOWHERE));
        }
    }
    ctx_free(ctx);
    return ok;
}

/* ---- the one entry ------------------------------------------------------------ */

bool apigw_authorize(Arena *a, const LocalApp *app, const Where *w,
                     const LocalRoute *r, const PtrVec *params,
                     const HttpReq *req, ApigwInvoke invoke, void *arg,
                     CfnNode **context, HttpResp *resp)
{
    *context = NULL;
    switch (r->auth->kind) {
    case LAUTH_NONE:
        return true;
    case LAUTH_IAM: {
        const char *h = header_of(req, "Authorization");
        if (h && strncmp(h, "AWS4-HMAC-SHA256 ", 17) == 0)
            return true;
        return app->api.kind == API_HTTP
            ? refuse(app, resp, 403, "{\"message\":\"Forbidden\"}", "ForbiddenException")
            : refuse(app, resp, 403, "{\"message\":\"Missing Authentication Token\"}",
                     "MissingAuthenticationTokenException");
    }
    case LAUTH_TOKEN:
    case LAUTH_REQUEST:
        return run_lambda(a, app, w, r, params, req, invoke, arg, context, resp);
    case LAUTH_JWT:
        return run_jwt(a, app, r, req, context, resp);
    }
    return true;
}

/*
 * apigw.c: API Gateway's side of a request, on this machine, for `hitc
 * serve` and `hitc event`.
 *
 * In: the app's API as emitted (a REST API's Methods and gateway
 * responses, or an HTTP API's Routes and CorsConfiguration) and a request.
 * Out: the route it matches (literal segments before {param} before
 * {param+}, the method before ANY), the event API Gateway sends the
 * function (apigw_event.c), and the function's answer mapped back to
 * HTTP as API Gateway maps it (statusCode, headers, multiValueHeaders,
 * cookies, base64 bodies).
 * Holds: API Gateway's own answers are its own: a REST API answers an
 * unknown route 403 {"message":"Missing Authentication Token"} and a
 * failed or malformed answer 502 {"message": "Internal server error"},
 * each with the app's DEFAULT_4XX / DEFAULT_5XX gateway response headers
 * (its CORS origin); an HTTP API answers 404 {"message":"Not Found"} and
 * 500 {"message":"Internal Server Error"}.  CORS is what the app configured
 * and nothing more: a REST API's preflight is its MOCK OPTIONS method, its
 * other answers are the function's; an HTTP API answers preflights itself
 * and puts its CorsConfiguration's headers, and only those, on the
 * function's answers.  A body that is not UTF-8 reaches the function in
 * base64 (isBase64Encoded).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "local.h"

#define NOWHERE ((Loc){0})
#define LOCAL_API_ID "hitclocal"

/* ---- matching ------------------------------------------------------------ */

/* The request path's segments, still encoded. */
static int split(Arena *a, const char *path, const char ***out)
{
    int cap = 1;
    for (const char *c = path; *c; c++)
        cap += *c == '/';
    *out = arena_alloc(a, sizeof(char *) * (size_t)cap);
    int n = 0;
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        size_t k = strcspn(s, "/");
        if (k)
            (*out)[n++] = arena_strndup(a, s, k);
        s += k;
    }
    return n;
}

static bool is_param(const char *seg)
{
    return seg[0] == '{';
}

static bool is_greedy(const char *seg)
{
    size_t n = strlen(seg);
    return seg[0] == '{' && n > 3 && seg[n - 2] == '+';
}

/* Does r take the segments?  Its rank (a string: '0' literal, '1' param,
 * '2' greedy per segment, then '0' the method or '1' ANY) in rank. */
static bool route_takes(const LocalRoute *r, const char *method, const char **segs,
                        int n, char *rank, size_t ranklen)
{
    if (strcmp(r->method, method) != 0 && strcmp(r->method, "ANY") != 0)
        return false;
    if ((size_t)r->nsegs + 2 > ranklen)
        return false;
    int i = 0;
    for (; i < r->nsegs; i++) {
        const char *p = r->segs[i];
        if (is_greedy(p)) {
            if (i >= n)
                return false;
            rank[i] = '2';
            i++;
            rank[i] = strcmp(r->method, "ANY") == 0 ? '1' : '0';
            rank[i + 1] = '\0';
            return true;
        }
        if (i >= n)
            return false;
        if (is_param(p)) {
            rank[i] = '1';
        } else if (strcmp(p, segs[i]) == 0) {
            rank[i] = '0';
        } else {
            return false;
        }
    }
    if (i != n)
        return false;
    rank[i] = strcmp(r->method, "ANY") == 0 ? '1' : '0';
    rank[i + 1] = '\0';
    return true;
}

static void params_of(Arena *a, const LocalRoute *r, const char **segs, int n,
                      PtrVec *params)
{
    for (int i = 0; i < r->nsegs; i++) {
        const char *p = r->segs[i];
        if (!is_param(p))
            continue;
        size_t len = strlen(p);
        bool greedy = is_greedy(p);
        const char *name = arena_strndup(a, p + 1, len - 2 - greedy);
        Buf v = {0};
        buf_add(&v, "", 0);
        for (int k = i; k < (greedy ? n : i + 1); k++)
            buf_printf(&v, "%s%s", k > i ? "/" : "", segs[k]);
        vec_push(a, params, (void *)name);
        vec_push(a, params, apigw_decode(a, v.data, v.len, false));
        buf_free(&v);
        if (greedy)
            break;
    }
}

LocalRoute *apigw_match(Arena *a, const LocalApi *api, const char *method,
                        const char *raw_path, PtrVec *params)
{
    const char **segs;
    int n = split(a, raw_path, &segs);
    const char **dsegs = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        dsegs[i] = apigw_decode(a, segs[i], strlen(segs[i]), false);
    LocalRoute *best = NULL;
    char best_rank[300] = "", rank[300];
    for (int i = 0; i < api->routes.len; i++) {
        LocalRoute *r = api->routes.items[i];
        if (route_takes(r, method, dsegs, n, rank, sizeof rank) &&
            (!best || strcmp(rank, best_rank) < 0)) {
            best = r;
            snprintf(best_rank, sizeof best_rank, "%s", rank);
        }
    }
    if (best)
        params_of(a, best, segs, n, params);
    return best;
}

/* ---- answers ------------------------------------------------------------- */

static void add_header(HttpResp *resp, const char *name, const char *value)
{
    buf_printf(&resp->headers, "%s: %s\n", name, value);
}

static void add_pairs(HttpResp *resp, const char **pairs, int n)
{
    for (int i = 0; i < n; i++)
        add_header(resp, pairs[2 * i], pairs[2 * i + 1]);
}

/* API Gateway's own answer: {"message": ...} */
void apigw_gateway(const LocalApp *app, HttpResp *resp, int status,
                   const char *body, const char *error_type)
{
    resp->status = status;
    resp->headers.len = resp->body.len = 0;
    buf_add(&resp->headers, "", 0);
    buf_add(&resp->body, "", 0);
    add_header(resp, "Content-Type", "application/json");
    if (app->api.kind == API_REST) {
        add_header(resp, "x-amzn-ErrorType", error_type);
        if (status < 500)
            add_pairs(resp, app->api.headers_4xx, app->api.n4xx);
        else
            add_pairs(resp, app->api.headers_5xx, app->api.n5xx);
    }
    buf_puts(&resp->body, body);
}

static void not_found(const LocalApp *app, HttpResp *resp)
{
    if (app->api.kind == API_HTTP)
        apigw_gateway(app, resp, 404, "{\"message\":\"Not Found\"}", "NotFoundException");
    else
        apigw_gateway(app, resp, 403, "{\"message\":\"Missing Authentication Token\"}",
                "MissingAuthenticationTokenException");
}

static void failed(const LocalApp *app, HttpResp *resp)
{
    if (app->api.kind == API_HTTP)
        apigw_gateway(app, resp, 500, "{\"message\":\"Internal Server Error\"}",
                "InternalServerErrorException");
    else
        apigw_gateway(app, resp, 502, "{\"message\": \"Internal server error\"}",
                "InternalServerErrorException");
}

static bool listed(const char **list, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], "*") == 0 || strcasecmp(list[i], s) == 0)
            return true;
    return false;
}

static void joined(Buf *b, const char **list, int n, bool lower)
{
    for (int i = 0; i < n; i++) {
        if (i)
            buf_add(b, ",", 1);
        for (const char *c = list[i]; *c; c++) {
            char ch = lower ? (char)tolower((unsigned char)*c) : *c;
            buf_add(b, &ch, 1);
        }
    }
}

/* An HTTP API's CORS headers for origin (none for one it does not allow). */
static bool http_cors(const LocalCors *c, const HttpReq *req, HttpResp *resp,
                      bool preflight)
{
    const char *origin = apigw_header(req, "Origin");
    if (!c || !origin || !listed(c->origins, c->norigins, origin))
        return false;
    if (preflight) {
        const char *want = apigw_header(req, "Access-Control-Request-Method");
        if (!want || !listed(c->methods, c->nmethods, want))
            return false;
    }
    bool any = listed(c->origins, c->norigins, "*") && strcmp(c->origins[0], "*") == 0;
    add_header(resp, "Access-Control-Allow-Origin",
               any && !c->credentials ? "*" : origin);
    if (c->credentials)
        add_header(resp, "Access-Control-Allow-Credentials", "true");
    Buf b = {0};
    buf_add(&b, "", 0);
    if (preflight) {
        joined(&b, c->methods, c->nmethods, false);
        add_header(resp, "Access-Control-Allow-Methods", b.data);
        if (c->nheaders) {
            b.len = 0;
            joined(&b, c->headers, c->nheaders, true);
            b.data[b.len] = '\0';
            add_header(resp, "Access-Control-Allow-Headers", b.data);
        }
        if (c->max_age >= 0) {
            char age[32];
            snprintf(age, sizeof age, "%lld", c->max_age);
            add_header(resp, "Access-Control-Max-Age", age);
        }
    } else if (c->nexpose) {
        joined(&b, c->expose, c->nexpose, true);
        add_header(resp, "Access-Control-Expose-Headers", b.data);
    }
    buf_free(&b);
    return true;
}

static const char *scalar(const CfnNode *n)
{
    if (!n)
        return NULL;
    if (n->kind == CFN_STRING || n->kind == CFN_NUMBER)
        return n->text;
    if (n->kind == CFN_BOOL)
        return n->boolean ? "true" : "false";
    return NULL;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

bool apigw_unbase64(const char *s, Buf *out)
{
    unsigned acc = 0;
    int bits = 0;
    for (; *s; s++) {
        if (*s == '=' || *s == '\n' || *s == '\r')
            continue;
        int v = b64val((unsigned char)*s);
        if (v < 0)
            return false;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char c = (char)(acc >> bits & 0xff);
            buf_add(out, &c, 1);
        }
    }
    return true;
}

static bool integral(const CfnNode *n)
{
    if (!n || n->kind != CFN_NUMBER)
        return false;
    for (const char *c = n->text; *c; c++)
        if (!isdigit((unsigned char)*c) && *c != '-')
            return false;
    return true;
}

static bool kind_in(const CfnNode *n, CfnKind a, CfnKind b)
{
    return !n || n->kind == a || n->kind == b;
}

/* A proxy response API Gateway takes: an object with an integer
 * statusCode; headers, multiValueHeaders an object (or null); body a
 * string (or null); isBase64Encoded a boolean; for payload 2.0 also
 * cookies, an array, and any other key ignored; for a REST API no other
 * key at all. */
static bool answer_shape_ok(const CfnNode *ans, bool http)
{
    static const char *const known[] = {"statusCode", "headers", "multiValueHeaders",
                                        "body", "isBase64Encoded", "cookies"};
    if (ans->kind != CFN_OBJECT || !integral(cfn_obj_get(ans, "statusCode")))
        return false;
    for (int i = 0; i < ans->len && !http; i++) {
        bool is_known = false;
        for (size_t k = 0; k + 1 < sizeof known / sizeof *known; k++)
            is_known |= strcmp(ans->pairs[i].key, known[k]) == 0;
        if (!is_known)
            return false;
    }
    int status = atoi(cfn_obj_get(ans, "statusCode")->text);
    return status >= 100 && status <= 599 &&
           kind_in(cfn_obj_get(ans, "headers"), CFN_OBJECT, CFN_NULL) &&
           kind_in(cfn_obj_get(ans, "multiValueHeaders"), CFN_OBJECT, CFN_NULL) &&
           kind_in(cfn_obj_get(ans, "body"), CFN_STRING, CFN_NULL) &&
           kind_in(cfn_obj_get(ans, "isBase64Encoded"), CFN_BOOL, CFN_NULL) &&
           (!http || kind_in(cfn_obj_get(ans, "cookies"), CFN_ARRAY, CFN_NULL));
}

/* Is a header the function set one API Gateway leaves out?  Its own
 * Content-Length, and with an HTTP API's CORS the function's CORS. */
static bool dropped(const LocalApp *app, const char *name)
{
    return strcasecmp(name, "Content-Length") == 0 ||
           (app->api.kind == API_HTTP && app->api.cors &&
            strncasecmp(name, "Access-Control-", 15) == 0);
}

/* headers, then multiValueHeaders for the names headers does not give
 * (REST), then cookies (HTTP); false when a value is not a scalar. */
static bool answer_headers(const LocalApp *app, const CfnNode *ans, HttpResp *resp,
                           bool *has_type)
{
    bool http = app->api.kind == API_HTTP;
    const CfnNode *headers = cfn_obj_get(ans, "headers");
    const CfnNode *multi = http ? NULL : cfn_obj_get(ans, "multiValueHeaders");
    const CfnNode *cookies = http ? cfn_obj_get(ans, "cookies") : NULL;
    for (int i = 0; headers && headers->kind == CFN_OBJECT && i < headers->len; i++) {
        const char *k = headers->pairs[i].key, *v = scalar(headers->pairs[i].value);
        if (!v)
            return false;
        if (dropped(app, k))
            continue;
        *has_type |= strcasecmp(k, "Content-Type") == 0;
        add_header(resp, k, v);
    }
    for (int i = 0; multi && multi->kind == CFN_OBJECT && i < multi->len; i++) {
        const CfnNode *vs = multi->pairs[i].value;
        const char *k = multi->pairs[i].key;
        if (vs->kind != CFN_ARRAY)
            return false;
        if (headers && headers->kind == CFN_OBJECT && cfn_obj_get(headers, k))
            continue;   /* headers wins for a name both give */
        for (int j = 0; j < vs->len; j++) {
            const char *v = scalar(vs->items[j]);
            if (!v)
                return false;
            if (dropped(app, k))
                continue;
            *has_type |= strcasecmp(k, "Content-Type") == 0;
            add_header(resp, k, v);
        }
    }
    for (int i = 0; cookies && cookies->kind == CFN_ARRAY && i < cookies->len; i++)
        if (scalar(cookies->items[i]))
            add_header(resp, "Set-Cookie", scalar(cookies->items[i]));
    return true;
}

/* The function's answer as API Gateway maps it back; false when it is
 * malformed (API Gateway then answers its own error). */
static bool map_answer(const LocalApp *app, const char *json, HttpResp *resp,
                       const HttpReq *req)
{
    bool http = app->api.kind == API_HTTP;
    Ctx *ctx = ctx_new();
    CfnNode *ans = cfn_read(ctx, source_from_text(ctx, "answer", json, strlen(json)));
    resp->headers.len = resp->body.len = 0;
    buf_add(&resp->headers, "", 0);
    buf_add(&resp->body, "", 0);
    bool ok = ans != NULL, has_type = false;
    if (ok && http && !(ans->kind == CFN_OBJECT && cfn_obj_get(ans, "statusCode"))) {
        /* payload 2.0 without statusCode: a 200 with the answer as JSON */
        resp->status = 200;
        add_header(resp, "Content-Type", "application/json");
        buf_puts(&resp->body, ans->kind == CFN_STRING ? ans->text : json);
        http_cors(app->api.cors, req, resp, false);
        ctx_free(ctx);
        return true;
    }
    ok = ok && answer_shape_ok(ans, http) && answer_headers(app, ans, resp, &has_type);
    if (ok) {
        resp->status = atoi(cfn_obj_get(ans, "statusCode")->text);
        const CfnNode *body = cfn_obj_get(ans, "body");
        const CfnNode *b64 = cfn_obj_get(ans, "isBase64Encoded");
        if (body && body->kind == CFN_STRING && b64 && b64->kind == CFN_BOOL && b64->boolean)
            ok = apigw_unbase64(body->text, &resp->body);
        else if (body && body->kind == CFN_STRING)
            buf_puts(&resp->body, body->text);
    }
    if (ok && !has_type)
        add_header(resp, "Content-Type", "application/json");
    if (ok && http)
        http_cors(app->api.cors, req, resp, false);
    ctx_free(ctx);
    return ok;
}

static void mock(const LocalRoute *r, HttpResp *resp)
{
    resp->status = r->mock_status;
    add_pairs(resp, r->mock_headers, r->nmock);
    add_header(resp, "Content-Type", "application/json");
}

void apigw_handle(LocalApp *app, const Where *w, const HttpReq *req,
                  ApigwInvoke invoke, void *arg, HttpResp *resp,
                  const char **fn_name)
{
    *fn_name = NULL;
    buf_add(&resp->headers, "", 0);
    buf_add(&resp->body, "", 0);
    if (app->api.kind == API_NONE) {
        apigw_gateway(app, resp, 404, "{\"message\":\"this app has no routes\"}", "");
        return;
    }
    if (app->api.kind == API_HTTP && app->api.cors && strcmp(req->method, "OPTIONS") == 0 &&
        apigw_header(req, "Origin") && apigw_header(req, "Access-Control-Request-Method")) {
        resp->status = 204;
        http_cors(app->api.cors, req, resp, true);
        return;
    }
    Arena *a = arena_new();
    PtrVec params = {0};
    LocalRoute *r = apigw_match(a, &app->api, req->method, req->raw_path, &params);
    if (!r) {
        not_found(app, resp);
    } else if (!r->fn) {
        mock(r, resp);
    } else {
        CfnNode *authz = NULL;
        if (r->auth && !apigw_authorize(a, app, w, r, &params, req, invoke, arg,
                                        &authz, resp)) {
            arena_free(a);
            return;
        }
        *fn_name = r->fn->name;
        char *event = apigw_event(a, app, w, r, &params, req, authz);
        Buf out = {0};
        RunResult rr = invoke(arg, r->fn, event, &out);
        if (rr != RUN_OK || !map_answer(app, out.data ? out.data : "", resp, req))
            failed(app, resp);
        buf_free(&out);
    }
    arena_free(a);
}

void http_resp_free(HttpResp *r)
{
    buf_free(&r->headers);
    buf_free(&r->body);
}
